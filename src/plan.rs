//! How an evaluation is planned: the grain (operators per task) and the policy (the order
//! ready tasks run in). A leaf module: the engine runs by these settings, and the trace records
//! them, without either importing the other.

/// How many operators one task evaluates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Grain {
    /// Chosen from the tree's size, the pool's size and the delay: one operator per task for
    /// small trees and whenever a delay is set, else about 16 tasks per worker.
    #[default]
    Auto,
    /// At most this many operators per task (1 = every operator its own task).
    Fixed(u32),
}

/// The order in which ready tasks run. Under every policy a task runs only once its operands
/// are ready, and no worker ever waits on another task; `Lifo` hands a ready task to rayon,
/// the two others put it into one shared queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Rayon's own order: the worker that completes a task's last operand runs the task next,
    /// and idle workers steal the oldest jobs of busy ones.
    #[default]
    Lifo,
    /// One shared queue in the order tasks became ready, as a `ThreadPoolExecutor` serves its
    /// submissions: a worker that finishes a task takes the queue's oldest one.
    Fifo,
    /// One shared ready queue ordered by level, the operators from the task to the root: the
    /// task furthest from the end first (Hu's highest-level-first list schedule, optimal for
    /// trees of equal tasks).
    CriticalPath,
}

impl Policy {
    pub const ALL: [Policy; 3] = [Policy::Lifo, Policy::Fifo, Policy::CriticalPath];

    /// The name `--policy` and `:policy` take.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Lifo => "lifo",
            Policy::Fifo => "fifo",
            Policy::CriticalPath => "critical-path",
        }
    }

    pub fn from_name(name: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|policy| policy.name() == name)
    }
}
