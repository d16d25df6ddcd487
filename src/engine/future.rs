//! [`Future`]: the handle to a value a task will produce, and its writing end, the promise.
//!
//! A future is fulfilled exactly once, with the task's value or an [`Error`] (a panic inside
//! the task arrives as [`ErrorKind::Internal`]). If the writing end is dropped without a value,
//! the future is fulfilled with an error, so [`Future::result`] can never wait forever on a task
//! that is gone. This module does not run anything: the pool does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use crate::error::{Error, ErrorKind};
use crate::span::Span;

/// The place a value is delivered to, shared by a future and its promise.
#[derive(Debug)]
struct Slot<T> {
    value: Mutex<Option<Result<T, Error>>>,
    delivered: Condvar,
    done: AtomicBool,
}

/// The result of a task submitted to a [`Pool`](crate::engine::Pool), available once it has
/// run.
#[derive(Debug)]
pub struct Future<T> {
    slot: Arc<Slot<T>>,
}

/// The writing end of a [`Future`]: fulfilled once, or, if dropped, fulfils the future with
/// an error.
#[derive(Debug)]
pub(crate) struct Promise<T> {
    slot: Option<Arc<Slot<T>>>,
}

/// A connected promise and future.
pub(crate) fn channel<T>() -> (Promise<T>, Future<T>) {
    let slot = Arc::new(Slot {
        value: Mutex::new(None),
        delivered: Condvar::new(),
        done: AtomicBool::new(false),
    });
    (
        Promise {
            slot: Some(slot.clone()),
        },
        Future { slot },
    )
}

impl<T> Promise<T> {
    /// Delivers the task's outcome and wakes the caller waiting in [`Future::result`].
    pub(crate) fn fulfil(mut self, outcome: Result<T, Error>) {
        self.deliver(outcome);
    }

    fn deliver(&mut self, outcome: Result<T, Error>) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        let mut value = slot.value.lock().unwrap_or_else(PoisonError::into_inner);
        *value = Some(outcome);
        // Release: a caller that sees `done` through `is_done` (Acquire) then finds the value
        // in place; `result` itself synchronises through the mutex.
        slot.done.store(true, Ordering::Release);
        drop(value);
        slot.delivered.notify_all();
    }
}

impl<T> Drop for Promise<T> {
    fn drop(&mut self) {
        self.deliver(Err(Error::new(
            ErrorKind::Internal("a task ended without delivering its result".into()),
            Span::default(),
        )));
    }
}

impl<T> Future<T> {
    /// Waits for the task and returns its value.
    ///
    /// # Blocking
    ///
    /// Blocks the calling thread until the task has run. Only the thread that submitted the
    /// work calls this (the REPL or the command line), never a worker of the pool: a worker
    /// waiting on another task is exactly the deadlock the executor exists to avoid.
    ///
    /// # Panic handling
    ///
    /// A panic inside the task does not reach the caller as a panic: it arrives here as an
    /// [`ErrorKind::Internal`] error carrying the panic's message.
    pub fn result(self) -> Result<T, Error> {
        let mut value = self
            .slot
            .value
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(outcome) = value.take() {
                return outcome;
            }
            value = self
                .slot
                .delivered
                .wait(value)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Has the task delivered its result? Never blocks.
    pub fn is_done(&self) -> bool {
        // Acquire: pairs with the Release store in `Promise::deliver`.
        self.slot.done.load(Ordering::Acquire)
    }
}

/// Turns a caught panic's payload into an error.
pub(crate) fn panic_error(payload: &(dyn std::any::Any + Send), span: Span) -> Error {
    let message = if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    };
    Error::new(
        ErrorKind::Internal(format!("a task panicked: {message}")),
        span,
    )
}
