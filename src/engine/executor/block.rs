//! Blocks: the tasks an evaluation made at one time, and what each task needs to run.
//!
//! The task graph of an evaluation grows while it runs, a block at a time. A *tree block* holds
//! the tasks of a part of a tree, grouped by the grain (`grain::Plan`): a statement's whole
//! tree, made when the evaluation starts. A *reduction block* holds the chunks and the tree of
//! combines of one reduction, made by the reduction's task once its range is known. Each task
//! of a block has a count of what it still waits for (operand tasks, and in a program the
//! names other statements bind), a value cell and a time slot; its consumer is another task of
//! the block, or, for the block's root, the task the block *delivers* to: the task that made
//! the block, whose value the root's becomes, or the statement itself.
//!
//! A [`TaskRef`] names a task across blocks. This module holds data and the arithmetic of
//! levels; running tasks is the executor's (`mod.rs`), cutting reductions `reduction.rs`'s.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::ast::{Ast, NodeId, Reducer};
use crate::engine::executor::progress::Times;
use crate::engine::grain::{NO_TASK, Plan};
use crate::engine::interp::reduce::chunk::Budget;
use crate::engine::interp::reduce::fold::Partial;
use crate::engine::interp::reduce::range::Range;
use crate::engine::interp::reduce::small::SmallBody;
use crate::num::Value;

/// The values of a statement's names, filled as the statements binding them resolve.
pub(crate) type Names = [OnceLock<Option<Value>>];

/// A task: a block and the task's index in it.
#[derive(Clone)]
pub(crate) struct TaskRef {
    pub(crate) block: Arc<Block>,
    pub(crate) task: u32,
}

impl TaskRef {
    pub(crate) fn new(block: &Arc<Block>, task: u32) -> TaskRef {
        TaskRef {
            block: Arc::clone(block),
            task,
        }
    }

    /// The task's level, for `critical-path`.
    pub(crate) fn level(&self) -> u32 {
        self.block.level(self.task)
    }
}

/// What the root of a block delivers its value to.
pub(crate) enum Deliver {
    /// The block is a statement's tree: its root's value is the statement's.
    Statement,
    /// The block was made by this task, whose value the root's value becomes.
    Task(TaskRef),
}

/// A statement's tree, or part of it, grouped into tasks.
pub(crate) struct TreeWork {
    pub(crate) ast: Arc<Ast>,
    pub(crate) plan: Plan,
    pub(crate) names: Arc<Names>,
}

/// One task of a reduction's tree: a chunk or a combine of two neighbours.
pub(crate) struct TreeTask {
    /// The two tasks combined; `None` for a chunk.
    pub(crate) children: Option<(u32, u32)>,
    /// Elements `lo..hi` of the range this task covers.
    pub(crate) lo: u64,
    pub(crate) hi: u64,
    /// The result, taken by the consumer; `None` after a failure or a cancellation.
    pub(crate) partial: Mutex<Option<Partial>>,
    /// The value the trace shows (the fold, where the partial is one).
    pub(crate) shown: OnceLock<Value>,
    /// Operators evaluated (elements times the body's operators, or 1 for a combine).
    pub(crate) n_ops: AtomicU32,
}

/// A reduction cut into chunks: the tasks of its tree, and what they all read.
pub(crate) struct ReductionWork {
    pub(crate) ast: Arc<Ast>,
    pub(crate) names: Arc<Names>,
    /// The reduction's node and its index in `ast.reductions`.
    pub(crate) node: NodeId,
    pub(crate) slot: usize,
    pub(crate) func: Reducer,
    pub(crate) range: Range,
    pub(crate) small: Option<SmallBody>,
    pub(crate) start: Option<Value>,
    pub(crate) budget: Budget,
    /// Chunks first, then the combines, each after its children.
    pub(crate) tree: Vec<TreeTask>,
    /// The smallest element known to have failed (`u64::MAX`: none): later chunks stop.
    pub(crate) failed_element: AtomicU64,
}

/// What the tasks of a block do.
pub(crate) enum Work {
    Tree(TreeWork),
    Reduction(ReductionWork),
}

/// Tasks made at one time, with their graph and their cells.
pub(crate) struct Block {
    /// The block's index in the evaluation's list of blocks (its creation order).
    pub(crate) order: u32,
    /// The statement (of the program) the block computes part of.
    pub(crate) statement: u32,
    pub(crate) work: Work,
    pub(crate) deliver: Deliver,
    /// `parent[t]`: the task of this block consuming task `t`'s value; [`NO_TASK`] for the root.
    pub(crate) parent: Box<[u32]>,
    /// `deps[deps_start[t]..deps_start[t + 1]]`: the tasks of this block `t` consumes.
    pub(crate) deps_start: Box<[u32]>,
    pub(crate) deps: Box<[u32]>,
    pub(crate) pending: Box<[AtomicU32]>,
    pub(crate) values: Box<[OnceLock<Value>]>,
    pub(crate) times: Box<[Times]>,
    /// `levels[t]`: work on the longest path from task `t` to the block's root, its own
    /// included (only under `critical-path`).
    pub(crate) levels: Box<[u32]>,
    /// Work above the block's root, on the path to the end of the evaluation.
    pub(crate) base_level: u32,
    /// Tasks whose value another block delivered: `(task, block, task)`, the deliverer named
    /// by its block's order (a reference would make a cycle of blocks).
    pub(crate) delivered: Mutex<Vec<(u32, u32, u32)>>,
    /// The task that made this block, `(block order, task)`: the edge to its first tasks.
    pub(crate) spawned_by: Option<(u32, u32)>,
}

impl Block {
    pub(crate) fn n_tasks(&self) -> usize {
        self.parent.len()
    }

    /// The root task: the last.
    pub(crate) fn root(&self) -> u32 {
        self.parent.len() as u32 - 1
    }

    pub(crate) fn deps(&self, task: u32) -> &[u32] {
        let task = task as usize;
        &self.deps[self.deps_start[task] as usize..self.deps_start[task + 1] as usize]
    }

    pub(crate) fn level(&self, task: u32) -> u32 {
        self.levels
            .get(task as usize)
            .map_or(0, |level| level.saturating_add(self.base_level))
    }

    /// The level the task that delivers to `task` starts from: the work above `task`.
    pub(crate) fn level_above(&self, task: u32, own_weight: u32) -> u32 {
        self.level(task).saturating_sub(own_weight)
    }

    /// Notes that `task`'s value was delivered by task `from_task` of the block of order
    /// `from_block` (for the trace's edges).
    pub(crate) fn delivered_by(&self, task: u32, from_block: u32, from_task: u32) {
        self.delivered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((task, from_block, from_task));
    }

    /// Counts one thing `task` waited for as arrived; `true` when it was the last.
    pub(crate) fn arrive(&self, task: u32) -> bool {
        // AcqRel: the Release half publishes what this worker computed to whichever worker
        // runs the task; the Acquire half lets the last arrival see everything the others
        // published.
        self.pending[task as usize].fetch_sub(1, Ordering::AcqRel) == 1
    }

    pub(crate) fn tree(&self) -> Option<&TreeWork> {
        match &self.work {
            Work::Tree(tree) => Some(tree),
            Work::Reduction(_) => None,
        }
    }
}

/// A block's graph: each task's consumer and the operand tasks of each, from `parent`.
pub(crate) struct Graph {
    pub(crate) parent: Box<[u32]>,
    pub(crate) deps_start: Box<[u32]>,
    pub(crate) deps: Box<[u32]>,
}

impl Graph {
    /// The graph of a plan, which keeps its tasks' roots and sizes (the block holds its
    /// graph, once).
    pub(crate) fn take_from(plan: &mut Plan) -> Graph {
        Graph {
            parent: std::mem::take(&mut plan.parent).into_boxed_slice(),
            deps_start: std::mem::take(&mut plan.deps_start).into_boxed_slice(),
            deps: std::mem::take(&mut plan.deps).into_boxed_slice(),
        }
    }

    /// The graph of tasks whose consumers are `parent` (a consumer after its operands).
    pub(crate) fn of_parents(parent: Vec<u32>) -> Graph {
        let n = parent.len();
        let mut deps_start = vec![0u32; n + 1];
        for &p in &parent {
            if p != NO_TASK {
                deps_start[p as usize + 1] += 1;
            }
        }
        for task in 0..n {
            deps_start[task + 1] += deps_start[task];
        }
        let mut next = deps_start.clone();
        let mut deps = vec![0u32; deps_start[n] as usize];
        for (task, &p) in parent.iter().enumerate() {
            if p != NO_TASK {
                deps[next[p as usize] as usize] = task as u32;
                next[p as usize] += 1;
            }
        }
        Graph {
            parent: parent.into_boxed_slice(),
            deps_start: deps_start.into_boxed_slice(),
            deps: deps.into_boxed_slice(),
        }
    }

    /// Each task's level: its weight plus the largest level above it. A consumer always comes
    /// after its operands, so one pass from the last task down sees every consumer first.
    pub(crate) fn levels(&self, weight: impl Fn(usize) -> u32) -> Box<[u32]> {
        let n = self.parent.len();
        let mut level = vec![0u32; n];
        for task in (0..n).rev() {
            let parent = self.parent[task];
            let above = if parent == NO_TASK {
                0
            } else {
                level[parent as usize]
            };
            level[task] = above.saturating_add(weight(task));
        }
        level.into_boxed_slice()
    }
}

impl Block {
    /// Whether task `task` is shown while it runs and recorded in the trace: every task but
    /// the one of a statement that is a single leaf (which evaluates no operator).
    pub(crate) fn shows(&self, task: usize) -> bool {
        match &self.work {
            Work::Tree(tree) => tree.plan.n_ops[task] > 0,
            Work::Reduction(_) => true,
        }
    }

    /// The node whose value task `task` computes (for a reduction's task, the reduction's).
    pub(crate) fn root_node(&self, task: usize) -> u32 {
        match &self.work {
            Work::Tree(tree) => tree.plan.roots[task],
            Work::Reduction(work) => work.node.0,
        }
    }

    /// Operators task `task` evaluates (as far as known while it runs).
    pub(crate) fn n_ops(&self, task: usize) -> u32 {
        match &self.work {
            Work::Tree(tree) => tree.plan.n_ops[task],
            Work::Reduction(work) => work.tree[task].n_ops.load(Ordering::Relaxed),
        }
    }
}

/// A tree block of independent tasks of one operator each, rooted at `roots` (the last of
/// them the block's root), for tests of what reads slots.
#[cfg(test)]
pub(crate) fn test_block(roots: &[u32]) -> Arc<Block> {
    let n = roots.len();
    let mut parent = vec![n as u32 - 1; n];
    parent[n - 1] = NO_TASK;
    let graph = Graph::of_parents(parent);
    let plan = Plan {
        roots: roots.to_vec(),
        n_ops: vec![1; n],
        parent: graph.parent.to_vec(),
        deps_start: graph.deps_start.to_vec(),
        deps: graph.deps.to_vec(),
    };
    Arc::new(Block {
        order: 0,
        statement: 0,
        work: Work::Tree(TreeWork {
            ast: Arc::new(Ast::default()),
            plan,
            names: Arc::new([]),
        }),
        deliver: Deliver::Statement,
        parent: graph.parent,
        deps_start: graph.deps_start,
        deps: graph.deps,
        pending: (0..n).map(|_| AtomicU32::new(0)).collect(),
        values: (0..n).map(|_| OnceLock::new()).collect(),
        times: (0..n).map(|_| Times::default()).collect(),
        levels: Box::default(),
        base_level: 0,
        delivered: Mutex::default(),
        spawned_by: None,
    })
}
