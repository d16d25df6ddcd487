//! The one trace assembler: the blocks an evaluation made, turned into its [`Trace`].
//!
//! Every task that ran or was skipped is a record, block after block in the order they were
//! made, except two kinds that did no work of their own: a statement that is a single leaf (its
//! task has no operator), and a reduction's task that cut its range into chunks (its record is
//! the root of its tree of combines, which gave it its value). A record's dependencies are the
//! edges of the graph that ran: its operand tasks (a task whose value another block delivered
//! is replaced by the task that delivered it), the task that added its block (for the first
//! tasks of an added block), and the statements whose names it read. Ready times are the
//! latest end among those, so work, span and the critical path are the graph's.
//!
//! This module reads what the tasks wrote; it runs nothing.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use crate::ast::NodeId;
use crate::engine::executor::Finished;
use crate::engine::executor::block::{Block, ReductionWork, Work};
use crate::engine::executor::progress::{ELIDED, NOT_STARTED, outcome_of, unpack};
use crate::engine::failure::FOLD;
use crate::engine::interp::call::record::{Dep, Recorder};
use crate::engine::pool::Pool;
use crate::num::Value;
use crate::span::Span;
use crate::trace::{Ending, ReductionInfo, TaskKind, TaskOutcome, TaskRecord, TaskTiming, Trace};

/// Traces of fewer tasks are assembled on the caller's thread, larger ones on the pool.
const PARALLEL_TRACE_MIN_TASKS: usize = 4096;

/// Where the statements sit in the program's source and in the trace's numbering of nodes.
pub(crate) struct Layout<'a> {
    pub(crate) source: &'a Arc<str>,
    pub(crate) offsets: &'a [usize],
    pub(crate) node_bases: &'a [u32],
    pub(crate) n_workers: usize,
    pub(crate) record: bool,
    /// The steps of user functions' calls, recorded with a delay.
    pub(crate) steps: Option<&'a Recorder>,
}

/// A task's slot as it was left: `(start, state, worker, end)`.
type Slot = (u64, u64, u32, u64);

fn slot(block: &Block, task: usize) -> Slot {
    // Relaxed: the caller synchronised with every job through the future.
    let (start, state, worker) = unpack(block.times[task].start.load(Ordering::Relaxed));
    (
        start,
        state,
        worker,
        block.times[task].end_ns.load(Ordering::Relaxed),
    )
}

fn outcome(state: u64) -> TaskOutcome {
    if state == NOT_STARTED {
        TaskOutcome::NotRun
    } else {
        outcome_of(state)
    }
}

/// Does task `task` of `block` get a record?
fn recorded(block: &Block, task: usize) -> bool {
    match &block.work {
        Work::Tree(tree) => tree.plan.n_ops[task] > 0 && slot(block, task).1 != ELIDED,
        Work::Reduction(_) => true,
    }
}

/// The trace of a finished evaluation.
pub(crate) fn assemble(finished: &mut Finished, pool: &Pool, layout: &Layout<'_>) -> Trace {
    let mut trace = Trace::new(layout.n_workers, Arc::clone(layout.source));
    if !layout.record {
        trace.ending = ending(finished, &|_, _| None, layout);
        return trace;
    }
    let (steps, ends) = layout.steps.map(Recorder::take).unwrap_or_default();
    let has_steps = !steps.is_empty();
    if let [block] = finished.blocks.as_slice()
        && !has_steps
        && matches!(block.work, Work::Tree(_))
        && (0..block.n_tasks()).all(|task| recorded(block, task))
    {
        // One statement and nothing added: the plan is the graph, numbered as the trace is.
        return single_tree(finished, pool, layout);
    }
    let finished = &*finished;
    let graph = Edges::new(finished);
    let mut reductions: HashMap<u32, u32> = HashMap::new();
    let mut deps: Vec<u32> = Vec::new();
    for &(order, task) in &graph.emission {
        let block = &finished.blocks[order as usize];
        let task = task as usize;
        deps.clear();
        let timing = match &block.work {
            Work::Tree(_) => graph.tree_timing(block, task, layout, &mut deps),
            Work::Reduction(work) => {
                let reduction = *reductions.entry(order).or_insert_with(|| {
                    trace
                        .reductions
                        .push(reduction_info(work, &Shift::of(block, layout)));
                    trace.reductions.len() as u32 - 1
                });
                graph.reduction_timing(block, task, reduction, layout, &mut deps)
            }
        };
        let timing = TaskTiming {
            ready_ns: ready(&trace, &deps),
            ..timing
        };
        trace.push_task(timing, &deps);
    }
    if has_steps {
        add_steps(&mut trace, &graph, steps, ends);
    }
    trace.wall_ns = trace
        .tasks
        .iter()
        .map(|task| task.end_ns)
        .max()
        .unwrap_or(0);
    trace.ending = ending(
        finished,
        &|block, task| graph.index[block as usize][task as usize],
        layout,
    );
    trace
}

/// Appends the steps of user functions' calls to `trace`. The task that made a call keeps its
/// place, which its consumers' edges name, as the moment its value was ready: it becomes an
/// instant at its end, after the last steps of its outermost call; its own work before the
/// call (the call's delay) becomes a record of its own, which the first steps wait for.
fn add_steps(
    trace: &mut Trace,
    graph: &Edges<'_>,
    steps: Vec<crate::engine::interp::call::record::Step>,
    ends: Vec<crate::engine::interp::call::record::End>,
) {
    // A task may make several outermost calls: their last steps together.
    let mut owners: Vec<((u32, u32), Vec<Dep>)> = Vec::new();
    for (owner, last) in ends {
        match owners.iter_mut().find(|(known, _)| *known == owner) {
            Some((_, known)) => known.extend(last),
            None => owners.push((owner, last)),
        }
    }
    // Each owner's record before its calls, placed after the existing records.
    let mut before: HashMap<(u32, u32), u32> = HashMap::new();
    for (owner, _) in &owners {
        let Some(own) = graph.index[owner.0 as usize][owner.1 as usize] else {
            continue;
        };
        let own = own as usize;
        let first_step = steps
            .iter()
            .filter(|step| step.owner == *owner)
            .map(|step| step.start_ns)
            .min();
        let record = &trace.tasks[own];
        let deps = trace.deps(own).to_vec();
        let end_ns = first_step.unwrap_or(record.end_ns).max(record.start_ns);
        let timing = TaskTiming {
            root: record.root,
            n_nodes: 1,
            span: record.span,
            worker: record.worker,
            ready_ns: record.ready_ns,
            start_ns: record.start_ns,
            end_ns,
            outcome: TaskOutcome::Ran,
            kind: TaskKind::Nodes,
            value: None,
        };
        before.insert(*owner, trace.push_task(timing, &deps));
    }
    let base = trace.tasks.len() as u32;
    let dep_index = |owner: (u32, u32), dep: Dep| match dep {
        Dep::Step(step) => Some(base + step),
        Dep::Task => before.get(&owner).copied(),
    };
    for step in steps {
        let deps: Vec<u32> = step
            .deps
            .iter()
            .filter_map(|&dep| dep_index(step.owner, dep))
            .collect();
        let text = trace.call_texts.len() as u32;
        trace.call_texts.push(step.text);
        // A step is named by the node of the call it belongs to.
        let root = before
            .get(&step.owner)
            .map_or(NodeId(0), |&own| trace.tasks[own as usize].root);
        let timing = TaskTiming {
            root,
            n_nodes: 1,
            span: Span::default(),
            worker: step.worker,
            ready_ns: 0,
            start_ns: step.start_ns,
            end_ns: step.end_ns,
            outcome: step.outcome,
            kind: TaskKind::Call { text },
            value: step.value,
        };
        let timing = TaskTiming {
            ready_ns: ready(trace, &deps),
            ..timing
        };
        trace.push_task(timing, &deps);
    }
    // The owner, an instant at its end after its calls' last steps.
    for (owner, last) in owners {
        let Some(own) = graph.index[owner.0 as usize][owner.1 as usize] else {
            continue;
        };
        let deps: Vec<u32> = last
            .iter()
            .filter_map(|&dep| dep_index(owner, dep))
            .collect();
        let ready_ns = ready(trace, &deps);
        let record = &mut trace.tasks[own as usize];
        record.start_ns = record.end_ns.max(ready_ns);
        record.end_ns = record.start_ns;
        record.ready_ns = ready_ns;
        trace.set_deps(own as usize, &deps);
    }
}

/// Spans of a statement's tree moved to where the statement sits in the program's source,
/// and node ids numbered after the statements before it.
struct Shift {
    offset: usize,
    node_base: u32,
}

impl Shift {
    fn of(block: &Block, layout: &Layout<'_>) -> Shift {
        let statement = block.statement as usize;
        Shift {
            offset: layout.offsets[statement],
            node_base: layout.node_bases[statement],
        }
    }

    fn span(&self, span: Span) -> Span {
        Span::new(
            self.offset + span.start as usize,
            self.offset + span.end as usize,
        )
    }

    fn node(&self, node: NodeId) -> NodeId {
        NodeId(self.node_base + node.0)
    }
}

fn reduction_info(work: &ReductionWork, shift: &Shift) -> ReductionInfo {
    let reduction = &work.ast.reductions[work.slot];
    ReductionInfo {
        func: work.func.name(),
        var: reduction.var.as_ref().map(|(name, _)| name.clone()),
        start: Value::Int(work.range.start.clone()),
        step: Value::Int(work.range.step.clone()),
        body: shift.span(
            reduction
                .body
                .map_or(reduction.range_span, |body| work.ast.span(body)),
        ),
    }
}

/// The graph that ran, as the records see it: their order, and the edges between them.
struct Edges<'a> {
    finished: &'a Finished,
    emission: Vec<(u32, u32)>,
    /// `index[block][task]`: the task's place among the records.
    index: Vec<Vec<Option<u32>>>,
    /// Tasks whose value another block delivered, and who delivered it.
    delivered: HashMap<(u32, u32), (u32, u32)>,
}

impl<'a> Edges<'a> {
    fn new(finished: &'a Finished) -> Edges<'a> {
        // Each statement's block in order, and each block a task added right after that task's
        // own record, or in its place when it has none.
        let emission = emission_order(&finished.blocks);
        let mut index: Vec<Vec<Option<u32>>> = finished
            .blocks
            .iter()
            .map(|block| vec![None; block.n_tasks()])
            .collect();
        for (place, &(block, task)) in emission.iter().enumerate() {
            index[block as usize][task as usize] = Some(place as u32);
        }
        let mut delivered = HashMap::new();
        for block in &finished.blocks {
            let list = block
                .delivered
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for &(task, from_block, from_task) in list.iter() {
                delivered.insert((block.order, task), (from_block, from_task));
            }
        }
        Edges {
            finished,
            emission,
            index,
            delivered,
        }
    }

    /// The record standing for task `at`: the task that delivered its value, if another did
    /// (followed as far as it goes), else its own.
    fn forward(&self, mut at: (u32, u32)) -> Option<u32> {
        while let Some(&from) = self.delivered.get(&at) {
            at = from;
        }
        self.index[at.0 as usize][at.1 as usize]
    }

    /// The edges to the task that added `block`: to its record, or, when its record is the
    /// block's root, to what that task waited for.
    fn spawn_edges(&self, block: &Block, deps: &mut Vec<u32>) {
        let Some((spawner_block, spawner)) = block.spawned_by else {
            return;
        };
        if let Some(own) = self.index[spawner_block as usize][spawner as usize] {
            deps.push(own);
        } else {
            for &dep in self.finished.blocks[spawner_block as usize].deps(spawner) {
                deps.extend(self.forward((spawner_block, dep)));
            }
        }
    }

    /// The record of task `task` of a tree block, its edges in `deps`.
    fn tree_timing(
        &self,
        block: &Block,
        task: usize,
        layout: &Layout<'_>,
        deps: &mut Vec<u32>,
    ) -> TaskTiming {
        let Work::Tree(tree) = &block.work else {
            unreachable!("a tree block")
        };
        for &dep in block.deps(task as u32) {
            deps.extend(self.forward((block.order, dep)));
        }
        if block.deps(task as u32).is_empty() {
            self.spawn_edges(block, deps);
        }
        let statement = block.statement as usize;
        if block.spawned_by.is_none()
            && let Some(reads) = self.finished.statements[statement].reads.get(task)
        {
            // The statements whose names it read, where a statement gave the value.
            for &(_, producer) in reads {
                if let Some(provider) = self.finished.versions.provider(producer) {
                    let provider_block = self.finished.statements[provider as usize].block;
                    let root = self.finished.blocks[provider_block as usize].root();
                    deps.extend(self.forward((provider_block, root)));
                }
            }
        }
        let shift = Shift::of(block, layout);
        let root = NodeId(tree.plan.roots[task]);
        let (start_ns, state, worker, end_ns) = slot(block, task);
        TaskTiming {
            root: shift.node(root),
            n_nodes: tree.plan.n_ops[task],
            span: shift.span(tree.ast.span(root)),
            worker,
            ready_ns: 0,
            start_ns,
            end_ns,
            outcome: outcome(state),
            kind: TaskKind::Nodes,
            value: block.values[task].get().cloned(),
        }
    }

    /// The record of task `task` of a reduction's block (a chunk or a combine), its edges in
    /// `deps`; `reduction` is its index in the trace's reductions.
    fn reduction_timing(
        &self,
        block: &Block,
        task: usize,
        reduction: u32,
        layout: &Layout<'_>,
        deps: &mut Vec<u32>,
    ) -> TaskTiming {
        let Work::Reduction(work) = &block.work else {
            unreachable!("a reduction's block")
        };
        let shift = Shift::of(block, layout);
        let node = &work.ast.reductions[work.slot];
        let tree_task = &work.tree[task];
        let (lo, hi) = (tree_task.lo, tree_task.hi);
        let (root, span, kind) = match tree_task.children {
            None => {
                self.spawn_edges(block, deps);
                let root = node.body.unwrap_or(work.node);
                let span = node
                    .body
                    .map_or(node.range_span, |body| work.ast.span(body));
                (root, span, TaskKind::Chunk { reduction, lo, hi })
            }
            Some((a, b)) => {
                deps.extend(self.forward((block.order, a)));
                deps.extend(self.forward((block.order, b)));
                let kind = TaskKind::Combine { reduction, lo, hi };
                (work.node, work.ast.span(work.node), kind)
            }
        };
        let value = if task == block.root() as usize {
            block.values[task].get().cloned()
        } else {
            tree_task.shown.get().cloned()
        };
        let (start_ns, state, worker, end_ns) = slot(block, task);
        TaskTiming {
            root: shift.node(root),
            n_nodes: tree_task.n_ops.load(Ordering::Relaxed),
            span: shift.span(span),
            worker,
            ready_ns: 0,
            start_ns,
            end_ns,
            outcome: outcome(state),
            kind,
            value,
        }
    }
}

/// The records' order: the statements' blocks in order; within a block its tasks in order,
/// each followed by the blocks it added (in their place when the task has no record of its
/// own). Every record then comes after the records it depends on. A loop with a stack of
/// blocks, not recursion: calls may nest blocks deeply.
fn emission_order(blocks: &[Arc<Block>]) -> Vec<(u32, u32)> {
    let mut added: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
    for block in blocks {
        if let Some(spawner) = block.spawned_by {
            added.entry(spawner).or_default().push(block.order);
        }
    }
    let mut emission = Vec::new();
    for block in blocks.iter().filter(|block| block.spawned_by.is_none()) {
        let mut stack: Vec<(u32, u32)> = vec![(block.order, 0)];
        while let Some(frame) = stack.last_mut() {
            let (order, task) = *frame;
            let current = &blocks[order as usize];
            if task as usize >= current.n_tasks() {
                stack.pop();
                continue;
            }
            frame.1 += 1;
            if recorded(current, task as usize) {
                emission.push((order, task));
            }
            if let Some(children) = added.get(&(order, task)) {
                stack.extend(children.iter().rev().map(|&child| (child, 0)));
            }
        }
    }
    emission
}

/// The latest end among `deps` (0 without any).
fn ready(trace: &Trace, deps: &[u32]) -> u64 {
    deps.iter()
        .filter_map(|&dep| trace.tasks.get(dep as usize))
        .map(|task| task.end_ns)
        .max()
        .unwrap_or(0)
}

/// How the evaluation ended: cancelled, or failed at the first failure of the first statement
/// that failed (its task's place in the trace from `place`), or finished.
fn ending(
    finished: &Finished,
    place: &dyn Fn(u32, u32) -> Option<u32>,
    layout: &Layout<'_>,
) -> Ending {
    if finished.cancelled {
        return Ending::Cancelled;
    }
    for (index, statement) in finished.statements.iter().enumerate() {
        let Some((failure, block, task)) = statement.failure() else {
            continue;
        };
        let parts = failure.path.parts();
        // Nodes and elements alternate in a path; the failing node is its last node.
        let node = parts
            .iter()
            .enumerate()
            .filter(|&(position, &part)| position % 2 == 0 && part != FOLD)
            .map(|(_, &part)| part)
            .next_back()
            .unwrap_or(0);
        return Ending::Failed {
            task: place(block, task).map_or(0, |place| place as usize),
            node: NodeId(layout.node_bases[index] + node as u32),
            error: failure.error.kind,
        };
    }
    Ending::Finished
}

/// The trace of one statement whose tasks are exactly its plan: its records in the plan's
/// order, assembled on the pool when there are many.
fn single_tree(finished: &mut Finished, pool: &Pool, layout: &Layout<'_>) -> Trace {
    use rayon::prelude::*;
    // The values and the edges move into the trace when nothing else holds the block (always,
    // once the evaluation has ended); they are copied otherwise.
    let (values, taken_deps) = finished
        .blocks
        .first_mut()
        .and_then(Arc::get_mut)
        .map(|block| {
            let values: Vec<OnceLock<Value>> = std::mem::take(&mut block.values).into_vec();
            (values, std::mem::take(&mut block.deps))
        })
        .unzip();
    let finished = &*finished;
    let Some(block) = finished.blocks.first() else {
        return Trace::new(layout.n_workers, Arc::clone(layout.source));
    };
    let Work::Tree(tree) = &block.work else {
        return Trace::new(layout.n_workers, Arc::clone(layout.source));
    };
    let ast = &tree.ast;
    let plan = &tree.plan;
    let all_deps: &[u32] = taken_deps.as_deref().unwrap_or(&block.deps);
    let offset = layout.offsets[0];
    let shift = |span: Span| Span::new(offset + span.start as usize, offset + span.end as usize);
    let record = |task: usize| {
        let root = NodeId(plan.roots[task]);
        let (start_ns, state, worker, end_ns) = slot(block, task);
        let deps = &all_deps[block.deps_start[task] as usize..block.deps_start[task + 1] as usize];
        TaskRecord {
            root,
            n_nodes: plan.n_ops[task],
            span: shift(ast.span(root)),
            worker,
            ready_ns: deps
                .iter()
                .map(|&dep| block.times[dep as usize].end_ns.load(Ordering::Relaxed))
                .max()
                .unwrap_or(0),
            start_ns,
            end_ns,
            outcome: outcome(state),
            piece: crate::trace::Piece::Nodes,
            deps_start: block.deps_start[task],
            deps_len: deps.len() as u32,
        }
    };
    let n_tasks = plan.n_tasks();
    // Waking the workers costs more than a few thousand records take on the caller's thread.
    let tasks: Vec<TaskRecord> = if n_tasks < PARALLEL_TRACE_MIN_TASKS {
        (0..n_tasks).map(record).collect()
    } else {
        pool.threads()
            .install(|| (0..n_tasks).into_par_iter().map(record).collect())
    };
    let wall_ns = tasks.iter().map(|task| task.end_ns).max().unwrap_or(0);
    let values = values.unwrap_or_else(|| {
        (0..n_tasks)
            .map(|task| {
                block.values[task]
                    .get()
                    .cloned()
                    .map_or_else(OnceLock::new, OnceLock::from)
            })
            .collect()
    });
    let mut trace = Trace::from_parts(
        layout.n_workers,
        Arc::clone(layout.source),
        wall_ns,
        tasks,
        taken_deps.map_or_else(|| block.deps.to_vec(), Vec::from),
        values,
    );
    trace.ending = ending(finished, &|_, task| Some(task), layout);
    trace
}
