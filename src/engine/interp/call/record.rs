//! The steps of user functions' calls as tasks of the trace, when a delay paces the work.
//!
//! With a delay, each operator a call's body runs sleeps the delay, and each call is forked as
//! a task of the pool (`forks_at`), so that `--trace` of `fib(6)` can show the call tree's
//! schedule. The executor's tasks are planned before the graph runs; the steps of calls are
//! not, so they are recorded here as they happen, each with the steps it waited for: the step
//! before it in its strand (the sequential flow of one call, through the calls it makes), and
//! after a fork, the last steps of each forked operand. The trace assembler appends them to the
//! trace of the task whose evaluation made them (`assemble.rs`), so that work, span and the
//! critical path are those of the call tree. While the evaluation runs, a live view reads the
//! steps ended so far and the one each worker is running ([`Recorder::live`]).

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use crate::num::Value;
use crate::trace::TaskOutcome;

/// What a step waited for: another step, or the start of the task that made the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dep {
    Step(u32),
    Task,
}

/// What a task's outermost call ended after: the task, and the last steps.
pub(crate) type End = ((u32, u32), Vec<Dep>);

/// One step of a call: an operator of a body, or a call made.
#[derive(Debug)]
pub(crate) struct Step {
    /// The task whose evaluation made it: `(block order, task)`.
    pub(crate) owner: (u32, u32),
    pub(crate) text: Box<str>,
    pub(crate) worker: u32,
    pub(crate) start_ns: u64,
    pub(crate) end_ns: u64,
    pub(crate) outcome: TaskOutcome,
    pub(crate) deps: Vec<Dep>,
    /// A call's value, once it returned.
    pub(crate) value: Option<Value>,
}

/// The steps of one evaluation, and, for each task that made calls, the last steps of its
/// outermost call (what the task's value waited for).
#[derive(Debug)]
pub(crate) struct Recorder {
    started: Instant,
    steps: Mutex<Vec<Step>>,
    ends: Mutex<Vec<End>>,
    /// The steps running now, for a live view: worker, start, owner and text.
    running: Mutex<Vec<Running>>,
}

/// A step running now: its worker, its start, the task that made it and what it computes.
type Running = (u32, u64, (u32, u32), Box<str>);

/// A step as a live view shows it: running (no end yet) or ended.
#[derive(Debug)]
pub(crate) struct LiveStep {
    pub(crate) worker: u32,
    pub(crate) start_ns: u64,
    pub(crate) end_ns: Option<u64>,
    pub(crate) outcome: TaskOutcome,
    pub(crate) text: Box<str>,
    /// The task whose evaluation made it: `(block order, task)`.
    pub(crate) owner: (u32, u32),
}

impl Recorder {
    pub(crate) fn new(started: Instant) -> Recorder {
        Recorder {
            started,
            steps: Mutex::default(),
            ends: Mutex::default(),
            running: Mutex::default(),
        }
    }

    /// Notes that this worker started the step `text` of task `owner` at `start_ns`, for a
    /// live view; [`Recorder::step`] records it when it ends.
    pub(crate) fn begin(&self, owner: (u32, u32), text: &str, start_ns: u64) {
        let worker = rayon::current_thread_index().unwrap_or(0) as u32;
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        running.retain(|&(on, ..)| on != worker);
        running.push((worker, start_ns, owner, text.into()));
    }

    /// How many steps have ended, and how many are running now.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let ended = self
            .steps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        let running = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        (ended, running)
    }

    /// What a live view shows of the calls: the steps ended so far, then those running now.
    pub(crate) fn live(&self) -> Vec<LiveStep> {
        let mut live: Vec<LiveStep> = self
            .steps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|step| LiveStep {
                worker: step.worker,
                start_ns: step.start_ns,
                end_ns: Some(step.end_ns),
                outcome: step.outcome,
                text: step.text.clone(),
                owner: step.owner,
            })
            .collect();
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        live.extend(
            running
                .iter()
                .map(|(worker, start_ns, owner, text)| LiveStep {
                    worker: *worker,
                    start_ns: *start_ns,
                    end_ns: None,
                    outcome: TaskOutcome::Running,
                    text: text.clone(),
                    owner: *owner,
                }),
        );
        live
    }

    /// Everything recorded: the steps, and what each task's outermost calls ended after.
    pub(crate) fn take(&self) -> (Vec<Step>, Vec<End>) {
        let steps = std::mem::take(&mut *self.steps.lock().unwrap_or_else(PoisonError::into_inner));
        let ends = std::mem::take(&mut *self.ends.lock().unwrap_or_else(PoisonError::into_inner));
        (steps, ends)
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }

    /// Records a step that ran from `start_ns` to now, after what `strand` was waiting for;
    /// the strand then waits for this step.
    pub(crate) fn step(
        &self,
        owner: (u32, u32),
        text: String,
        start_ns: u64,
        outcome: TaskOutcome,
        strand: &Strand,
    ) -> u32 {
        let end_ns = self.now_ns();
        let worker = rayon::current_thread_index().unwrap_or(0) as u32;
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|&(on, ..)| on != worker);
        let mut steps = self.steps.lock().unwrap_or_else(PoisonError::into_inner);
        let index = steps.len() as u32;
        steps.push(Step {
            owner,
            text: text.into_boxed_str(),
            worker,
            start_ns,
            end_ns,
            outcome,
            deps: strand.replace(vec![Dep::Step(index)]),
            value: None,
        });
        index
    }

    /// The value the call recorded as step `step` returned.
    pub(crate) fn set_value(&self, step: u32, value: &Value) {
        let mut steps = self.steps.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(step) = steps.get_mut(step as usize) {
            step.value = Some(value.clone());
        }
    }

    /// Notes what task `owner`'s outermost call ended after.
    pub(crate) fn end(&self, owner: (u32, u32), strand: &Strand) {
        let deps = strand.replace(Vec::new());
        self.ends
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((owner, deps));
    }
}

/// The sequential flow of one call and the calls it makes: what its next step waits for.
#[derive(Debug)]
pub(crate) struct Strand {
    waits_for: Mutex<Vec<Dep>>,
}

impl Strand {
    pub(crate) fn new(waits_for: Vec<Dep>) -> Strand {
        Strand {
            waits_for: Mutex::new(waits_for),
        }
    }

    /// What the next step waits for, replaced by `next`.
    pub(crate) fn replace(&self, next: Vec<Dep>) -> Vec<Dep> {
        std::mem::replace(
            &mut *self
                .waits_for
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
            next,
        )
    }

    /// A copy of what the next step waits for (for the operands of a fork).
    pub(crate) fn waits_for(&self) -> Vec<Dep> {
        self.waits_for
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
