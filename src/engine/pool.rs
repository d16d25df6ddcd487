//! [`Pool`]: a fixed set of worker threads (a `rayon::ThreadPool`) that runs submitted tasks.
//!
//! The pool knows nothing about trees: it runs closures and hands back [`Future`]s. Rayon
//! pools cannot change size, so [`Pool::resize`] builds a new one and drops the old; the old
//! pool's threads exit on their own once their queues are empty.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock};

use crate::engine::future::{self, Future, panic_error};
use crate::error::{Error, ErrorKind};
use crate::span::Span;

/// Largest pool size accepted.
pub const MAX_WORKERS: usize = 1024;

/// The machine's available parallelism, the default pool size.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Checks a requested pool size: from 1 to [`MAX_WORKERS`].
pub fn check_workers(n_workers: usize) -> Result<(), Error> {
    if (1..=MAX_WORKERS).contains(&n_workers) {
        Ok(())
    } else {
        Err(Error::unplaced(ErrorKind::Workers {
            requested: n_workers,
            max: MAX_WORKERS,
        }))
    }
}

/// A pool of worker threads, named `parcalc-worker-0`, `parcalc-worker-1`, ….
///
/// # Panic handling
///
/// Every task runs under `catch_unwind`: a panic inside one task becomes an error delivered
/// through that task's future (or, in the executor, the evaluation's error), and the
/// pool and its workers carry on. (An uncaught panic in a rayon job would abort the process.)
///
/// # Blocking
///
/// Tasks never wait for each other: the executor submits a task only once its operands
/// are ready. The only blocking call is [`Future::result`], made by the thread that submitted
/// the work, which is never a worker.
///
/// Clones share the same threads: an evaluation holds a clone, so the pool lives on until the
/// evaluation ends even if its owner has replaced it meanwhile.
///
/// A pool made by [`Pool::new_lazy`] starts its threads when it is first used: a batch run
/// whose statements are all too small for the pool never starts them, so its cost does not
/// depend on the pool's size (rayon's threads each spin a little when they start and find
/// nothing to do, which a thousand threads on a busy machine turn into seconds).
#[derive(Clone, Debug)]
pub struct Pool {
    threads: Arc<OnceLock<Arc<rayon::ThreadPool>>>,
    n_workers: usize,
}

/// Starts `n_workers` threads (checked by the caller).
fn start_threads(n_workers: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n_workers)
        .thread_name(|index| format!("parcalc-worker-{index}"))
        .build()
        .map_err(|error| {
            Error::unplaced(ErrorKind::PoolStart {
                n_workers,
                reason: error.to_string(),
            })
        })
}

impl Pool {
    /// Starts a pool of `n_workers` threads; from 1 to [`MAX_WORKERS`], else an error.
    pub fn new(n_workers: usize) -> Result<Pool, Error> {
        check_workers(n_workers)?;
        let threads = start_threads(n_workers)?;
        Ok(Pool {
            threads: Arc::new(OnceLock::from(Arc::new(threads))),
            n_workers,
        })
    }

    /// A pool of `n_workers` threads (from 1 to [`MAX_WORKERS`], else an error) started when
    /// it is first used.
    ///
    /// # Panic handling
    ///
    /// If the system then refuses the threads, the pool starts one thread instead; if it
    /// refuses that too, the first use panics (inside the callers' `catch_unwind`, which
    /// report an internal error).
    pub fn new_lazy(n_workers: usize) -> Result<Pool, Error> {
        check_workers(n_workers)?;
        Ok(Pool {
            threads: Arc::new(OnceLock::new()),
            n_workers,
        })
    }

    pub fn n_workers(&self) -> usize {
        self.n_workers
    }

    /// Replaces the pool by one of `n_workers` threads. The old pool is dropped; its threads
    /// exit once idle. On error the pool is left as it was.
    pub fn resize(&mut self, n_workers: usize) -> Result<(), Error> {
        *self = Pool::new(n_workers)?;
        Ok(())
    }

    /// Submits `task` to the pool and returns the future of its result.
    ///
    /// # Panic handling
    ///
    /// A panic inside `task` is caught and delivered through the future as an
    /// [`ErrorKind::Internal`] error; the worker survives.
    ///
    /// # Blocking
    ///
    /// Never blocks. `task` itself must not wait on another future of this pool: with one
    /// worker that would deadlock.
    pub fn submit<T, F>(&self, task: F) -> Future<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (promise, future) = future::channel();
        self.threads().spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(task))
                .map_err(|payload| panic_error(&*payload, Span::default()));
            promise.fulfil(outcome);
        });
        future
    }

    /// Runs `op` on one of the pool's workers and waits for it, so that the parallel work it
    /// starts (parsing a large line in chunks) runs on this pool. A panic in `op` propagates to
    /// the caller.
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        self.threads().install(op)
    }

    /// The rayon pool itself, for the executor, which spawns its own jobs (each one
    /// catching its panics) and shares the handle with them.
    pub(crate) fn threads(&self) -> &Arc<rayon::ThreadPool> {
        self.threads.get_or_init(|| {
            let threads = start_threads(self.n_workers)
                .or_else(|_| start_threads(1))
                .unwrap_or_else(|error| panic!("{error}"));
            Arc::new(threads)
        })
    }
}
