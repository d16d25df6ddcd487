//! A reduction's task, once its range is known: folded on the spot when it is one chunk's
//! worth, else cut into chunks and a tree of combines, added to the graph as a block.
//!
//! The range is cut by the grain: one element per chunk with a delay (each element is one
//! operator's worth of simulated work, and a task of its own); under the automatic grain, one
//! element per chunk for a reduction of at most 512 operators and otherwise 64 chunks per
//! worker (chunks cost a few microseconds, and a worker the machine takes away for a while then
//! holds up little of the range); under a fixed grain, the grain divided by the body's
//! operators; never more than [`MAX_CHUNKS`]. Combines join neighbours pairwise, level by level
//! (an odd one out moves up a level), and the root's value becomes the reduction task's.
//!
//! A chunk stops when the evaluation is cancelled, when a node before the reduction has failed,
//! or when an element before its own has (the reduction's error is its first failing element,
//! as in Python, so chunks after it have nothing to add, and chunks before it still run).
//! `interp::reduce` knows how partial results fold and combine; this module only schedules them.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::ast::NodeId;
use crate::engine::executor::block::{
    Block, Deliver, Graph, ReductionWork, TaskRef, TreeTask, Work,
};
use crate::engine::executor::progress::Times;
use crate::engine::executor::{Ran, Run, lock};
use crate::engine::failure::Failure;
use crate::engine::grain::{self, NO_TASK};
use crate::engine::interp::Hooks;
use crate::engine::interp::reduce::chunk::{Budget, Chunking};
use crate::engine::interp::reduce::fold::{self, Fold, Refold};
use crate::engine::interp::reduce::range::Range;
use crate::engine::interp::reduce::small::SmallBody;
use crate::error::{Error, ErrorKind, NumError};
use crate::num::Value;
use crate::plan::{Grain, Policy};
use crate::trace::TaskOutcome;

/// Most chunks one reduction is cut into, whatever the grain: a trace of a few thousand tasks
/// per reduction stays readable, and a range of 10^12 elements is not 10^12 tasks.
const MAX_CHUNKS: u64 = 4096;

/// Chunks per worker of a large reduction under the automatic grain.
const REDUCTION_CHUNKS_PER_WORKER: u64 = 64;

impl Run {
    /// A plain range a formula folds (a sum, an extreme, a product with a zero factor or of
    /// ints of one sign, itself a parallel product tree): its value, with no chunks to cut.
    /// `None` where no formula applies.
    fn fold_by_formula(
        &self,
        func: crate::ast::Reducer,
        range: &Range,
    ) -> Option<Result<Value, NumError>> {
        let value = range
            .formula(func, 0, range.len, self.limits.max_bits)
            .ok()??;
        let mut fold = crate::engine::interp::reduce::fold::Fold::new(func, None);
        Some(
            fold.push(Value::Int(value), &self.limits)
                .and_then(|()| fold.finish(&self.limits)),
        )
    }

    /// The reduction at `node`, the root of task `task` of `block`, its bounds known.
    pub(super) fn start_reduction(
        self: &Arc<Self>,
        block: &Arc<Block>,
        task: u32,
        node: NodeId,
        bounds: &[Value],
    ) -> Ran {
        let Work::Tree(tree) = &block.work else {
            return Ran::Ended(TaskOutcome::NotRun);
        };
        let ast = &tree.ast;
        let Some(crate::ast::Node::Reduce(slot)) = ast.nodes.get(node.index()) else {
            return Ran::Ended(TaskOutcome::NotRun);
        };
        let slot = *slot as usize;
        let reduction = &ast.reductions[slot];
        let failed = |error: NumError| {
            let failure = Failure::at(node.0, Error::new(error, ast.op_span(node)));
            self.record_failure(block, task, failure);
            Ran::Ended(TaskOutcome::Failed)
        };
        let bound_refs: Vec<&Value> = bounds.iter().collect();
        let range = match Range::new(&bound_refs) {
            Ok(range) => range,
            Err(error) => return failed(error),
        };
        let body_ops = reduction.body.map_or(1, |body| {
            let first = ast.first_of(body).0;
            (first..=body.0)
                .filter(|&index| !ast.is_leaf(NodeId(index)))
                .count()
                .max(1) as u32
        });
        if reduction.body.is_none()
            && self.delay.is_zero()
            && let Some(folded) = self.fold_by_formula(reduction.func, &range)
        {
            return match folded {
                Ok(value) => {
                    let _ = block.values[task as usize].set(value);
                    Ran::Ended(TaskOutcome::Ran)
                }
                Err(error) => failed(error),
            };
        }
        let chunk_len = self.chunk_len(&range, body_ops);
        let n_chunks = range.len.div_ceil(chunk_len);
        let small = SmallBody::compile(ast, slot, &*tree.names);
        let work = ReductionWork {
            ast: Arc::clone(ast),
            names: Arc::clone(&tree.names),
            node,
            slot,
            func: reduction.func,
            range,
            small,
            start: None,
            budget: Budget::default(),
            tree: Vec::new(),
            failed_element: AtomicU64::new(u64::MAX),
        };
        if n_chunks <= 1 {
            // One chunk's worth: folded here and now.
            let statement = &self.statements[block.statement as usize];
            let worked = AtomicBool::new(false);
            let hooks = ChunkHooks {
                run: self,
                work: &work,
                statement_error: &|| statement.first_error(),
                lo: 0,
                worked: &worked,
            };
            let chunking = chunking(&work, &self.limits, self.globals.as_deref());
            let mut locals = crate::engine::interp::locals(ast);
            let len = work.range.len;
            let outcome = chunking
                .map_chunk(0, len, &mut locals, &hooks)
                .and_then(|partial| match partial {
                    Some(partial) => fold::finish(work.func, partial, &self.limits)
                        .map(Some)
                        .map_err(|error| {
                            Failure::after_elements(node.0, Error::new(error, ast.op_span(node)))
                        }),
                    None => Ok(None),
                });
            return Ran::Ended(match outcome {
                Ok(Some(value)) => {
                    let _ = block.values[task as usize].set(value);
                    TaskOutcome::Ran
                }
                Ok(None) if worked.load(Ordering::Relaxed) => TaskOutcome::Cancelled,
                Ok(None) => TaskOutcome::NotRun,
                Err(failure) => {
                    self.record_failure(block, task, failure);
                    TaskOutcome::Failed
                }
            });
        }
        let added = self.add_reduction_block(block, task, work, chunk_len, n_chunks);
        let chunks: Vec<TaskRef> = (0..n_chunks as u32)
            .map(|chunk| TaskRef::new(&added, chunk))
            .collect();
        self.submit(chunks);
        Ran::Deferred
    }

    /// Elements per chunk (see the module's doc).
    fn chunk_len(&self, range: &Range, body_ops: u32) -> u64 {
        let total_ops = range.len.saturating_mul(u64::from(body_ops));
        let fine = usize::try_from(total_ops).is_ok_and(|n| n <= grain::AUTO_FINE_MAX_OPS);
        let chunk_len = if !self.delay.is_zero() {
            1
        } else if self.grain == Grain::Auto && !fine {
            let n_chunks = (self.n_workers as u64).max(1) * REDUCTION_CHUNKS_PER_WORKER;
            range.len.div_ceil(n_chunks)
        } else {
            let grain = grain::choose(
                self.grain,
                usize::try_from(total_ops).unwrap_or(usize::MAX),
                self.n_workers,
                self.delay,
            );
            u64::from(grain).div_ceil(u64::from(body_ops)).max(1)
        };
        chunk_len.max(range.len.div_ceil(MAX_CHUNKS)).max(1)
    }

    /// Makes the block of a reduction's chunks and combines, delivering to task `task` of
    /// `block`, and lists it among the evaluation's blocks.
    fn add_reduction_block(
        &self,
        block: &Arc<Block>,
        task: u32,
        mut work: ReductionWork,
        chunk_len: u64,
        n_chunks: u64,
    ) -> Arc<Block> {
        let len = work.range.len;
        let new_task = |children: Option<(u32, u32)>, lo: u64, hi: u64| TreeTask {
            children,
            lo,
            hi,
            partial: Mutex::new(None),
            shown: OnceLock::new(),
            n_ops: AtomicU32::new(1),
        };
        let mut tree: Vec<TreeTask> = (0..n_chunks)
            .map(|chunk| {
                let lo = chunk * chunk_len;
                new_task(None, lo, (lo + chunk_len).min(len))
            })
            .collect();
        let mut parent = vec![NO_TASK; tree.len()];
        let mut level: Vec<u32> = (0..n_chunks as u32).collect();
        while level.len() > 1 {
            let mut next = Vec::with_capacity(level.len().div_ceil(2));
            for pair in level.chunks(2) {
                if let [a, b] = *pair {
                    let id = tree.len() as u32;
                    let (lo, hi) = (tree[a as usize].lo, tree[b as usize].hi);
                    tree.push(new_task(Some((a, b)), lo, hi));
                    parent.push(NO_TASK);
                    parent[a as usize] = id;
                    parent[b as usize] = id;
                    next.push(id);
                } else {
                    next.push(pair[0]);
                }
            }
            level = next;
        }
        let pending = tree
            .iter()
            .map(|tree_task| AtomicU32::new(if tree_task.children.is_some() { 2 } else { 0 }))
            .collect();
        let n_tasks = tree.len();
        work.tree = tree;
        let graph = Graph::of_parents(parent);
        let levels = if self.policy == Policy::CriticalPath {
            graph.levels(|_| 1)
        } else {
            Box::default()
        };
        let mut registry = lock(&self.blocks);
        let added = Arc::new(Block {
            order: registry.len() as u32,
            statement: block.statement,
            parent: graph.parent,
            deps_start: graph.deps_start,
            deps: graph.deps,
            pending,
            values: (0..n_tasks).map(|_| OnceLock::new()).collect(),
            times: if self.record {
                (0..n_tasks).map(|_| Times::default()).collect()
            } else {
                Box::default()
            },
            levels,
            base_level: block.level_above(task, 1),
            delivered: Mutex::default(),
            spawned_by: Some((block.order, task)),
            deliver: Deliver::Task(TaskRef::new(block, task)),
            work: Work::Reduction(work),
        });
        registry.push(Arc::clone(&added));
        added
    }

    /// Runs one task of a reduction's block: a chunk (map and fold) or a combine.
    pub(super) fn run_reduction_task(self: &Arc<Self>, block: &Arc<Block>, task: u32) -> Ran {
        let Work::Reduction(work) = &block.work else {
            return Ran::Ended(TaskOutcome::NotRun);
        };
        let statement = &self.statements[block.statement as usize];
        let tree_task = &work.tree[task as usize];
        let worked = AtomicBool::new(false);
        let hooks = ChunkHooks {
            run: self,
            work,
            statement_error: &|| statement.first_error(),
            lo: tree_task.lo,
            worked: &worked,
        };
        if hooks.stop() {
            return Ran::Ended(TaskOutcome::NotRun);
        }
        let chunking = chunking(work, &self.limits, self.globals.as_deref());
        let mut locals = crate::engine::interp::locals(&work.ast);
        let result = match tree_task.children {
            None => {
                worked.store(true, Ordering::Relaxed);
                let (lo, hi) = (tree_task.lo, tree_task.hi);
                let n_ops = (hi - lo).saturating_mul(u64::from(body_ops(work)));
                tree_task
                    .n_ops
                    .store(u32::try_from(n_ops).unwrap_or(u32::MAX), Ordering::Relaxed);
                chunking.map_chunk(lo, hi, &mut locals, &hooks)
            }
            Some((a, b)) => self.combine(work, (a, b), &chunking, &mut locals, &hooks),
        };
        let partial = match result {
            Ok(Some(partial)) => partial,
            Ok(None) if worked.load(Ordering::Relaxed) => {
                return Ran::Ended(TaskOutcome::Cancelled);
            }
            Ok(None) => return Ran::Ended(TaskOutcome::NotRun),
            Err(failure) if failure.error.kind == ErrorKind::Cancelled => {
                return Ran::Ended(TaskOutcome::Cancelled);
            }
            Err(failure) => {
                if let Some(&element) = failure.path.parts().get(1)
                    && failure.path.head() == u64::from(work.node.0)
                {
                    work.failed_element.fetch_min(element, Ordering::Relaxed);
                }
                self.record_failure(block, task, failure);
                return Ran::Ended(TaskOutcome::Failed);
            }
        };
        if self.record
            && let Some(value) = partial.shown()
        {
            let _ = tree_task.shown.set(value);
        }
        if task == block.root() {
            // The tree's root: the reduction's value.
            let node = work.node;
            return Ran::Ended(match fold::finish(work.func, partial, &self.limits) {
                Ok(value) => {
                    let _ = block.values[task as usize].set(value);
                    TaskOutcome::Ran
                }
                Err(error) => {
                    let error = Error::new(error, work.ast.op_span(node));
                    self.record_failure(block, task, Failure::after_elements(node.0, error));
                    TaskOutcome::Failed
                }
            });
        }
        *lock(&tree_task.partial) = Some(partial);
        Ran::Ended(TaskOutcome::Ran)
    }
}

impl Run {
    /// Combines the partial results of tree tasks `a` and `b`; `None` when one has none (it
    /// failed or never ran) or the combine was told to stop.
    fn combine(
        &self,
        work: &ReductionWork,
        (a, b): (u32, u32),
        chunking: &Chunking<'_, crate::engine::executor::block::Names>,
        locals: &mut [Value],
        hooks: &ChunkHooks<'_>,
    ) -> Result<Option<fold::Partial>, Failure> {
        let take = |child: u32| lock(&work.tree[child as usize].partial).take();
        let (Some(left), Some(right)) = (take(a), take(b)) else {
            return Ok(None);
        };
        hooks.worked.store(true, Ordering::Relaxed);
        if !self.work(|| !hooks.stop()) {
            return Ok(None);
        }
        let held = left.n_values() + right.n_values();
        let mut refold = Refolder {
            chunking,
            locals,
            hooks,
        };
        let combined = fold::combine(
            work.func,
            left,
            right,
            &self.limits,
            &mut refold,
            &|element, error| chunking.fold_failure(element, error),
        )?;
        work.budget
            .give_back(held.saturating_sub(combined.n_values()));
        Ok(Some(combined))
    }
}

/// Operators of the body of the reduction (1 for a plain range).
fn body_ops(work: &ReductionWork) -> u32 {
    let ast = &work.ast;
    work.ast.reductions[work.slot].body.map_or(1, |body| {
        let first = ast.first_of(body).0;
        (first..=body.0)
            .filter(|&index| !ast.is_leaf(NodeId(index)))
            .count()
            .max(1) as u32
    })
}

fn chunking<'a>(
    work: &'a ReductionWork,
    limits: &'a crate::num::Limits,
    globals: Option<&'a crate::engine::interp::call::Globals>,
) -> Chunking<'a, crate::engine::executor::block::Names> {
    Chunking {
        ast: &work.ast,
        node: work.node,
        slot: work.slot,
        reduction: &work.ast.reductions[work.slot],
        range: &work.range,
        env: &*work.names,
        limits,
        small: work.small.as_ref(),
        start: work.start.as_ref(),
        budget: &work.budget,
        globals,
    }
}

/// What a chunk or a combine asks of the executor.
struct ChunkHooks<'a> {
    run: &'a Run,
    work: &'a ReductionWork,
    /// The first failing top-level node of the statement, as known now.
    statement_error: &'a (dyn Fn() -> u64 + Sync),
    /// The first element of the task.
    lo: u64,
    worked: &'a AtomicBool,
}

impl Hooks for ChunkHooks<'_> {
    fn paced(&self) -> bool {
        !self.run.delay.is_zero()
    }

    fn operator(&self, _index: u32) -> bool {
        true
    }

    fn element(&self) -> bool {
        self.worked.store(true, Ordering::Relaxed);
        self.run.work(|| !self.stop())
    }

    /// The evaluation was cancelled, a node before the reduction failed, or an element before
    /// this task's did.
    fn stop(&self) -> bool {
        if self.run.is_cancelled() {
            return true;
        }
        let node = u64::from(self.work.node.0);
        let first_error = (self.statement_error)();
        first_error < node
            || (first_error == node && self.work.failed_element.load(Ordering::Relaxed) < self.lo)
    }
}

/// The fold in order of a run of elements a chunk did not keep: evaluated again, here.
struct Refolder<'a, 'h, E: ?Sized> {
    chunking: &'a Chunking<'a, E>,
    locals: &'a mut [Value],
    hooks: &'h ChunkHooks<'h>,
}

impl<E: crate::engine::env::Env + ?Sized> Refold<Failure> for Refolder<'_, '_, E> {
    fn refold(&mut self, fold: &mut Fold, lo: u64, hi: u64) -> Result<(), Failure> {
        if self
            .chunking
            .refold(fold, lo, hi, self.locals, self.hooks)?
        {
            Ok(())
        } else {
            let error = Error::new(
                ErrorKind::Cancelled,
                self.chunking.ast.op_span(self.chunking.node),
            );
            Err(Failure::at(self.chunking.node.0, error))
        }
    }
}
