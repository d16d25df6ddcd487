//! The record of one evaluation: which worker ran which task, and when.
//!
//! A [`Trace`] is plain data. The engine fills it; `trace::analysis` computes work, span and
//! the critical path from it; `render` draws it. Tests build traces by hand, with no threads and
//! no clock.
//!
//! Times are nanoseconds on a monotonic clock, relative to the start of the evaluation. A trace
//! also says what the evaluation ran with ([`Context`]), how it ended ([`Ending`]) and what became
//! of each task ([`TaskOutcome`]), so that a view of it can say which task failed and which never
//! ran, and whether the settings have changed since.

pub mod analysis;
pub mod optimal;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::ast::NodeId;
use crate::error::ErrorKind;
use crate::num::Value;
use crate::plan::{Grain, Policy};
use crate::span::Span;

/// What became of a task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TaskOutcome {
    /// It ran to its end and produced its value.
    #[default]
    Ran,
    /// It raised an error (the trace's [`Ending::Failed`] names the one reported).
    Failed,
    /// It had started when the evaluation was cancelled, or when an error elsewhere made its
    /// value useless, and stopped part way.
    Cancelled,
    /// It never started: skipped after an error or a cancellation. Its times are those of the
    /// moment it was skipped, and it counts for no work.
    NotRun,
    /// Still running: only in a snapshot of an evaluation in progress, whose `end_ns` is the
    /// moment of the snapshot.
    Running,
}

impl TaskOutcome {
    /// Did the task occupy its worker (ran, failed, stopped or still running)?
    pub fn started(self) -> bool {
        self != TaskOutcome::NotRun
    }
}

/// The settings an evaluation ran with, besides the size of the pool ([`Trace::n_workers`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// Simulated work slept by every operator.
    pub delay: Duration,
    /// The grain asked for.
    pub grain: Grain,
    /// The operators per task the plan was cut with (what [`Grain::Auto`] chose).
    pub grain_used: u32,
    pub policy: Policy,
}

impl Default for Context {
    /// No delay, the automatic grain at one operator per task, `lifo`.
    fn default() -> Context {
        Context {
            delay: Duration::ZERO,
            grain: Grain::Auto,
            grain_used: 1,
            policy: Policy::Lifo,
        }
    }
}

/// How an evaluation ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Ending {
    /// The root's task produced the value.
    #[default]
    Finished,
    /// The error reported, raised at `node` by task `task` (an index into [`Trace::tasks`]).
    Failed {
        task: usize,
        node: NodeId,
        error: ErrorKind,
    },
    /// The cancel flag stopped it.
    Cancelled,
}

/// What a task computed, beside its value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TaskKind {
    /// A group of operators of the tree under its root (at grain 1, a single operator).
    #[default]
    Nodes,
    /// A chunk of a reduction ([`Trace::reductions`]`[reduction]`): its elements `lo..hi`,
    /// mapped and folded.
    Chunk { reduction: u32, lo: u64, hi: u64 },
    /// A combine of two neighbouring partial results of a reduction, covering its elements
    /// `lo..hi`.
    Combine { reduction: u32, lo: u64, hi: u64 },
    /// An operator inside a user function's call, or the call itself (with a delay, each is a
    /// task): what it computed is [`Trace::call_text`]`(text)`, `fib(4): n - 1` or `fib(3)`.
    Call { text: u32 },
}

/// What kind of task a record is, in one byte; a chunk's or a combine's elements are in
/// [`Trace::pieces`], so that the records of a million plain tasks stay small.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) enum Piece {
    #[default]
    Nodes,
    Chunk,
    Call,
    Combine,
}

/// A reduction cut into chunks, for the labels of its chunks and combines.
#[derive(Clone, Debug, PartialEq)]
pub struct ReductionInfo {
    /// `sum`, `prod`, `min` or `max`.
    pub func: &'static str,
    /// The generator's variable; `None` for a plain `range`.
    pub var: Option<Box<str>>,
    /// The range's first element and its step: element `i` is `start + i * step`.
    pub start: Value,
    pub step: Value,
    /// The body (or, without one, the range) in [`Trace::source`].
    pub body: Span,
}

/// One task: a group of operators (at grain 1, a single operator) run by one worker. Its value
/// is [`Trace::value`]: values live in their own table, so the records of a million tasks stay
/// small.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRecord {
    /// The node whose value the task produced: the root of its group.
    pub root: NodeId,
    /// How many operators the task evaluated (1 at grain 1, more when subtrees are grouped);
    /// leaves are not counted.
    pub n_nodes: u32,
    /// The subexpression of `root` in [`Trace::source`].
    pub span: Span,
    /// The worker's index in its pool (`rayon::current_thread_index`).
    pub worker: u32,
    /// When the task's last operand was available, and it was submitted.
    pub ready_ns: u64,
    /// When a worker started it.
    pub start_ns: u64,
    /// When it finished. A task skipped after an error or a cancellation has
    /// `start_ns == end_ns`, no value and the outcome [`TaskOutcome::NotRun`].
    pub end_ns: u64,
    pub outcome: TaskOutcome,
    /// Whether it is a reduction's chunk or combine ([`Trace::kind`] says which elements).
    pub(crate) piece: Piece,
    pub(crate) deps_start: u32,
    pub(crate) deps_len: u32,
}

/// The trace of one evaluation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Size of the pool the evaluation ran on.
    pub n_workers: usize,
    /// The other settings it ran with.
    pub context: Context,
    /// How it ended.
    pub ending: Ending,
    /// From the start of the evaluation to the root's completion.
    pub wall_ns: u64,
    /// The statement's text; task labels are slices of it.
    pub source: Arc<str>,
    /// Tasks: each block of tasks in the order it was made (a statement's tree, then what its
    /// tasks added as they ran), and the tasks of a block in the order of their roots.
    pub tasks: Vec<TaskRecord>,
    /// The reductions whose chunks and combines are among the tasks.
    pub reductions: Vec<ReductionInfo>,
    /// What the tasks inside user functions' calls computed ([`TaskKind::Call`]).
    pub call_texts: Vec<Box<str>>,
    /// Whether user functions' calls forked inside tasks without being recorded (no delay):
    /// work and span then count each such task whole, though its calls ran on several workers.
    pub calls_inside: bool,
    /// The kinds of the tasks that are chunks or combines, by task index, in order.
    pieces: Vec<(u32, TaskKind)>,
    /// Flat table of dependencies, indexed through each record.
    deps: Vec<u32>,
    /// `values[t]`: the value task `t` produced; empty if it failed or was skipped. The engine
    /// hands over the table its tasks wrote, so it is never copied.
    values: Vec<OnceLock<Value>>,
}

/// A look at an evaluation still running, for the live schedule: the engine takes it from the
/// slots its tasks write, `render` draws it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Time since the evaluation started.
    pub elapsed_ns: u64,
    /// Tasks in the plan.
    pub n_tasks: usize,
    /// Tasks that have ended, however.
    pub n_done: usize,
    /// The tasks started so far (running ones end at `elapsed_ns`), with no values and no
    /// dependencies; `None` when the plan has too many tasks to copy for every frame.
    pub trace: Option<Trace>,
}

/// What a task did, without its dependencies; [`Trace::push_task`] adds them.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskTiming {
    pub root: NodeId,
    pub n_nodes: u32,
    pub span: Span,
    pub worker: u32,
    pub ready_ns: u64,
    pub start_ns: u64,
    pub end_ns: u64,
    pub outcome: TaskOutcome,
    pub kind: TaskKind,
    pub value: Option<Value>,
}

impl Trace {
    pub fn new(n_workers: usize, source: Arc<str>) -> Trace {
        Trace {
            n_workers,
            source,
            ..Trace::default()
        }
    }

    /// Appends a task; `deps` are the indices (in [`Trace::tasks`]) of the tasks that computed
    /// its operands. Returns the new task's index.
    pub fn push_task(&mut self, timing: TaskTiming, deps: &[u32]) -> u32 {
        let index = self.tasks.len() as u32;
        let deps_start = self.deps.len() as u32;
        self.deps.extend_from_slice(deps);
        self.tasks.push(TaskRecord {
            root: timing.root,
            n_nodes: timing.n_nodes,
            span: timing.span,
            worker: timing.worker,
            ready_ns: timing.ready_ns,
            start_ns: timing.start_ns,
            end_ns: timing.end_ns,
            outcome: timing.outcome,
            piece: match timing.kind {
                TaskKind::Nodes => Piece::Nodes,
                TaskKind::Chunk { .. } => Piece::Chunk,
                TaskKind::Combine { .. } => Piece::Combine,
                TaskKind::Call { .. } => Piece::Call,
            },
            deps_start,
            deps_len: deps.len() as u32,
        });
        self.values
            .push(timing.value.map_or_else(OnceLock::new, OnceLock::from));
        if timing.kind != TaskKind::Nodes {
            self.pieces.push((index, timing.kind));
        }
        index
    }

    /// What task `task` computed: a group of operators, or a reduction's chunk or combine.
    pub fn kind(&self, task: usize) -> TaskKind {
        if self.tasks[task].piece == Piece::Nodes {
            return TaskKind::Nodes;
        }
        let at = self
            .pieces
            .binary_search_by_key(&(task as u32), |&(index, _)| index);
        at.map_or(TaskKind::Nodes, |at| self.pieces[at].1)
    }

    /// A trace from its parts, as the engine records them: `tasks[t]` indexes `deps` through
    /// its `deps_start`/`deps_len`, and `values[t]` is task `t`'s value.
    pub(crate) fn from_parts(
        n_workers: usize,
        source: Arc<str>,
        wall_ns: u64,
        tasks: Vec<TaskRecord>,
        deps: Vec<u32>,
        values: Vec<OnceLock<Value>>,
    ) -> Trace {
        debug_assert_eq!(tasks.len(), values.len());
        Trace {
            n_workers,
            context: Context::default(),
            ending: Ending::Finished,
            wall_ns,
            source,
            tasks,
            reductions: Vec::new(),
            call_texts: Vec::new(),
            calls_inside: false,
            pieces: Vec::new(),
            deps,
            values,
        }
    }

    /// The value task `task` produced; `None` if it failed or was skipped.
    pub fn value(&self, task: usize) -> Option<&Value> {
        self.values.get(task).and_then(OnceLock::get)
    }

    /// Makes `deps` the dependencies of task `task` instead of those it had.
    pub fn set_deps(&mut self, task: usize, deps: &[u32]) {
        let deps_start = self.deps.len() as u32;
        self.deps.extend_from_slice(deps);
        let record = &mut self.tasks[task];
        record.deps_start = deps_start;
        record.deps_len = deps.len() as u32;
    }

    /// What the call task of text `text` computed ([`TaskKind::Call`]).
    pub fn call_text(&self, text: u32) -> &str {
        self.call_texts
            .get(text as usize)
            .map_or("?", |text| &**text)
    }

    /// The tasks that computed the operands of task `task`.
    pub fn deps(&self, task: usize) -> &[u32] {
        let record = &self.tasks[task];
        let start = record.deps_start as usize;
        &self.deps[start..start + record.deps_len as usize]
    }

    /// Lanes a chart of this trace needs: the pool's size, or more if a record names a worker
    /// beyond it.
    pub fn n_lanes(&self) -> usize {
        self.tasks
            .iter()
            .map(|task| task.worker as usize + 1)
            .max()
            .unwrap_or(0)
            .max(self.n_workers)
    }

    /// How many tasks had `outcome`.
    pub fn count(&self, outcome: TaskOutcome) -> usize {
        self.tasks
            .iter()
            .filter(|task| task.outcome == outcome)
            .count()
    }

    /// The source text of task `task`'s subexpression.
    pub fn label(&self, task: usize) -> &str {
        self.source
            .get(self.tasks[task].span.range())
            .unwrap_or("?")
    }
}
