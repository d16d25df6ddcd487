//! What a task computed, said in one place for every view: the terminal legend, the SVG, the
//! HTML page and the Chrome trace all ask [`label`] and only choose how much room to give it.
//!
//! A task is labelled by the node it produced (`#6`), what it computed and its value (`100`),
//! or `—` when it has none (it failed or never ran). What it computed depends on its kind: a
//! group of operators is the text of its subexpression (`(3 + 7) * (2 + 8)`); a chunk of a
//! reduction is the body over the elements it mapped, first and last included
//! (`k*k for k in 0..3`); a combine says what it joined and which elements those cover
//! (`sum of 2 partials, k in 0..7`). This module does not decide layout, colour or markers
//! (`*`, `x`): those belong to each view. It never measures or computes a figure.

use std::borrow::Cow;

use crate::ast::NodeId;
use crate::num::{Int, Value};
use crate::render::text;
use crate::trace::{ReductionInfo, TaskKind, Trace};

/// What task `index` of a trace computed.
#[derive(Clone, Debug)]
pub(crate) struct Label<'a> {
    /// The node whose value the task produced.
    pub node: NodeId,
    /// What it computed: the text of its subexpression, or a chunk's or combine's description.
    pub what: Cow<'a, str>,
    /// The value it produced, if it produced one.
    pub value: Option<&'a Value>,
    /// A shorter form of `what` for narrow views, when cutting `what` would lose what tells
    /// tasks apart: a chunk's or combine's range (`k in 0..3`, `sum, k in 0..7`).
    pub short: Option<String>,
}

/// The label of task `index` of `trace`.
pub(crate) fn label(trace: &Trace, index: usize) -> Label<'_> {
    let (what, short) = match trace.kind(index) {
        TaskKind::Nodes => (Cow::Borrowed(trace.label(index)), None),
        TaskKind::Chunk { reduction, lo, hi } => match trace.reductions.get(reduction as usize) {
            Some(info) => {
                let (what, short) = chunk(trace, info, lo, hi);
                (Cow::Owned(what), Some(short))
            }
            None => (Cow::Borrowed(trace.label(index)), None),
        },
        TaskKind::Combine { reduction, lo, hi } => match trace.reductions.get(reduction as usize) {
            Some(info) => {
                let (what, short) = combine(trace, index, info, lo, hi);
                (Cow::Owned(what), Some(short))
            }
            None => (Cow::Borrowed(trace.label(index)), None),
        },
        TaskKind::Call { text } => (Cow::Borrowed(trace.call_text(text)), None),
    };
    Label {
        node: trace.tasks[index].root,
        what,
        value: trace.value(index),
        short,
    }
}

/// What kind of task `index` is, as a plural noun for a group of them: `map chunks`,
/// `combines`, `operators`, or `tasks` (groups of several operators).
pub(crate) fn kind_noun(trace: &Trace, index: usize) -> &'static str {
    match trace.kind(index) {
        TaskKind::Chunk { .. } => "map chunks",
        TaskKind::Combine { .. } => "combines",
        TaskKind::Call { .. } => "steps of calls",
        TaskKind::Nodes if trace.tasks[index].n_nodes == 1 => "operators",
        TaskKind::Nodes => "tasks",
    }
}

/// The text of a reduction's body in the trace's source, on one line.
fn body_text<'a>(trace: &'a Trace, info: &ReductionInfo) -> &'a str {
    trace.source.get(info.body.range()).unwrap_or("?")
}

/// A chunk: `k*k for k in 0..3`, `k*k for k = 5`; of a plain range, `10..19 of range(40)`.
/// Short: `k in 0..3`, `10..19`.
fn chunk(trace: &Trace, info: &ReductionInfo, lo: u64, hi: u64) -> (String, String) {
    let body = text::abbreviate(body_text(trace, info), text::MAX_CHARS);
    match &info.var {
        Some(var) => (
            format!("{body} for {var}{}", elements(info, lo, hi)),
            format!("{var}{}", elements(info, lo, hi)),
        ),
        None => (
            format!("{} of {body}", bare_elements(info, lo, hi)),
            bare_elements(info, lo, hi),
        ),
    }
}

/// A combine: `sum of 2 partials, k in 0..7`. Short: `sum, k in 0..7`.
fn combine(
    trace: &Trace,
    index: usize,
    info: &ReductionInfo,
    lo: u64,
    hi: u64,
) -> (String, String) {
    // The operands that are pieces of a reduction; a combine always joins two.
    let joined = trace
        .deps(index)
        .iter()
        .filter(|&&dep| trace.kind(dep as usize) != TaskKind::Nodes)
        .count();
    let joined = if joined == 0 { 2 } else { joined };
    let covered = match &info.var {
        Some(var) => format!("{var}{}", elements(info, lo, hi)),
        None => bare_elements(info, lo, hi),
    };
    (
        format!("{} of {joined} partials, {covered}", info.func),
        format!("{}, {covered}", info.func),
    )
}

/// Element `i` of the reduction's range.
fn element(info: &ReductionInfo, i: u64) -> String {
    match (&info.start, &info.step) {
        (Value::Int(start), Value::Int(step)) => (start + step * Int::from(i)).to_string(),
        _ => format!("element {i}"),
    }
}

/// The elements `lo..hi` (indices, `hi` excluded) after the variable: ` = 5`, ` in 0..3`,
/// ` in 0..30 step 10`.
fn elements(info: &ReductionInfo, lo: u64, hi: u64) -> String {
    if hi <= lo + 1 {
        return format!(" = {}", element(info, lo));
    }
    format!(" in {}", bare_elements(info, lo, hi))
}

/// The elements `lo..hi` on their own: `5`, `0..3`, `0..30 step 10`.
fn bare_elements(info: &ReductionInfo, lo: u64, hi: u64) -> String {
    if hi <= lo + 1 {
        return element(info, lo);
    }
    let range = format!("{}..{}", element(info, lo), element(info, hi - 1));
    match &info.step {
        Value::Int(step) if *step == Int::ONE => range,
        step => format!("{range} step {step}"),
    }
}

impl Label<'_> {
    /// The node's id as views print it: `#6`.
    pub(crate) fn id(&self) -> String {
        self.node.to_string()
    }

    /// What the task computed in at most `max_chars` characters: whole, or in its short form,
    /// or cut in the middle.
    pub(crate) fn what(&self, max_chars: usize) -> String {
        if text::columns(&self.what) <= max_chars {
            return self.what.to_string();
        }
        match &self.short {
            Some(short) => text::abbreviate(short, max_chars),
            None => text::abbreviate(&self.what, max_chars),
        }
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
