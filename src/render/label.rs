//! What a task computed, said in one place for every view: the terminal legend, the SVG, the
//! HTML page and the Chrome trace all ask [`label`] and only choose how much room to give it.
//!
//! Today a task is labelled by the node it produced (`#6`), the text of that node's
//! subexpression (`(3 + 7) * (2 + 8)`) and its value (`100`), or `—` when it has none (it
//! failed or never ran). This module does not decide layout, colour or markers (`*`, `x`):
//! those belong to each view. It never measures or computes a figure.

use crate::ast::NodeId;
use crate::num::Value;
use crate::render::text;
use crate::trace::Trace;

/// What task `index` of a trace computed.
#[derive(Clone, Debug)]
pub(crate) struct Label<'a> {
    /// The node whose value the task produced.
    pub node: NodeId,
    /// What it computed: the text of its subexpression.
    pub what: &'a str,
    /// The value it produced, if it produced one.
    pub value: Option<&'a Value>,
}

/// The label of task `index` of `trace`.
pub(crate) fn label(trace: &Trace, index: usize) -> Label<'_> {
    Label {
        node: trace.tasks[index].root,
        what: trace.label(index),
        value: trace.value(index),
    }
}

impl Label<'_> {
    /// The node's id as views print it: `#6`.
    pub(crate) fn id(&self) -> String {
        self.node.to_string()
    }

    /// What the task computed, cut in the middle to at most `max_chars` characters.
    pub(crate) fn what(&self, max_chars: usize) -> String {
        text::abbreviate(self.what, max_chars)
    }

    /// The value, cut to at most `max_chars` characters; `—` when there is none.
    pub(crate) fn value(&self, max_chars: usize) -> String {
        text::value(self.value, max_chars)
    }

    /// The whole label on one line, `#6 (3 + 7) * (2 + 8) = 100`, each part cut to at most
    /// `max_chars` characters.
    pub(crate) fn line(&self, max_chars: usize) -> String {
        format!(
            "{} {} = {}",
            self.id(),
            self.what(max_chars),
            self.value(max_chars)
        )
    }
}
