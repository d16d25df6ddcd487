//! One task of a tree block: its group of nodes evaluated by the interpreter (or, for a lone
//! operator, without its loop), with the hooks through which it sleeps the delay and stops.

use std::borrow::Cow;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::ast::NodeId;
use crate::engine::executor::block::{Block, Work};
use crate::engine::executor::program::Statement;
use crate::engine::executor::{Ran, Run};
use crate::engine::failure::Failure;
use crate::engine::future::panic_error;
use crate::engine::interp::{self, Hooks, Operand, Outcome, Stretch};
use crate::error::ErrorKind;
use crate::num::Value;
use crate::trace::TaskOutcome;

impl Run {
    /// Runs one task of a tree block: its group of nodes, with its operand tasks' values.
    pub(super) fn run_tree_task<'b>(
        self: &Arc<Self>,
        block: &'b Arc<Block>,
        task: u32,
        scratch: &mut Scratch<'b>,
    ) -> Ran {
        let Work::Tree(tree) = &block.work else {
            return Ran::Ended(TaskOutcome::NotRun);
        };
        let statement = &self.statements[block.statement as usize];
        let ast = &*tree.ast;
        let root = tree.plan.roots[task as usize];
        let first = ast.first_of(NodeId(root)).0;
        if self.is_cancelled() || u64::from(first) > statement.first_error() {
            return Ran::Ended(TaskOutcome::NotRun);
        }
        let worked = AtomicBool::new(false);
        let hooks = TaskHooks {
            run: self,
            statement,
            worked: &worked,
            owner: (block.order, task),
        };
        let stretch = Stretch {
            ast,
            first,
            root,
            own: None,
            env: &*tree.names,
            limits: &self.limits,
            fork: true,
            current: Cell::new(root),
            globals: self.globals.as_deref(),
        };
        let deps = block.deps(task);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            // The commonest task at grain 1, one operator of at most two operand tasks, without
            // the interpreter's loop.
            if deps.len() <= 2 {
                let mut given: [interp::Given<'_>; 2] = [(u32::MAX, None); 2];
                for (slot, &dep) in given.iter_mut().zip(deps) {
                    *slot = (
                        tree.plan.roots[dep as usize],
                        block.values[dep as usize].get(),
                    );
                }
                if let Some(outcome) = interp::run_operator(&stretch, &given[..deps.len()], &hooks)
                {
                    return outcome;
                }
            }
            let operands = &mut scratch.operands;
            operands.clear();
            for &dep in deps {
                let dep_root = tree.plan.roots[dep as usize];
                operands.push(Operand {
                    first: ast.first_of(NodeId(dep_root)).0,
                    root: dep_root,
                    value: block.values[dep as usize].get(),
                });
            }
            let mut locals = interp::locals(ast);
            interp::run(&stretch, operands, &mut locals, &hooks, &mut scratch.stack)
        }))
        .unwrap_or_else(|payload| {
            let node = stretch.current.get();
            let error = panic_error(&*payload, ast.op_span(NodeId(node)));
            Err(Failure::at(node, error))
        });
        let stopped = || {
            if worked.load(Ordering::Relaxed) {
                TaskOutcome::Cancelled
            } else {
                TaskOutcome::NotRun
            }
        };
        Ran::Ended(match outcome {
            Ok(Outcome::Value(value)) => {
                // The slot is empty: each task runs once.
                let _ = block.values[task as usize].set(value);
                TaskOutcome::Ran
            }
            Ok(Outcome::Missing | Outcome::Stopped) => stopped(),
            Ok(Outcome::Fork(bounds)) => {
                return self.guarded(block, task, || {
                    self.start_reduction(block, task, NodeId(root), &bounds)
                });
            }
            Err(failure) if failure.error.kind == ErrorKind::Cancelled => TaskOutcome::Cancelled,
            Err(failure) => {
                self.record_failure(block, task, failure);
                TaskOutcome::Failed
            }
        })
    }
}

/// What a task asks of the executor while it evaluates.
struct TaskHooks<'a> {
    run: &'a Run,
    statement: &'a Statement,
    worked: &'a AtomicBool,
    /// The task: `(block order, task)`.
    owner: (u32, u32),
}

impl Hooks for TaskHooks<'_> {
    fn paced(&self) -> bool {
        !self.run.delay.is_zero()
    }

    #[inline]
    fn operator(&self, index: u32) -> bool {
        // Once a failure before this node is known, this node's value is not wanted.
        let wanted = || u64::from(index) <= self.statement.first_error();
        if !wanted() {
            return false;
        }
        self.worked.store(true, Ordering::Relaxed);
        if self.run.delay.is_zero() {
            return !self.run.is_cancelled();
        }
        self.run.work(wanted)
    }

    fn element(&self) -> bool {
        self.worked.store(true, Ordering::Relaxed);
        self.run.work(|| !self.run.cancel.is_cancelled())
    }

    fn stop(&self) -> bool {
        self.run.is_cancelled()
    }

    fn recording(&self) -> Option<(&crate::engine::interp::call::record::Recorder, (u32, u32))> {
        Some((self.run.recorder.as_deref()?, self.owner))
    }
}

/// Scratch space a worker reuses from task to task of one block: the value stack and the
/// operand list, which borrow the block's values (so that a task allocates nothing but its
/// value).
#[derive(Default)]
pub(super) struct Scratch<'b> {
    stack: Vec<Cow<'b, Value>>,
    operands: Vec<Operand<'b>>,
}
