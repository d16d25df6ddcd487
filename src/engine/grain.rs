//! Granularity: how the arena's operators are grouped into tasks, and the task graph that
//! results (the plan).
//!
//! A task is a connected group of operator nodes with one root; its operands are either leaves
//! (literals and names, never tasks: their values are ready at once) or the roots of other
//! tasks. Groups hold at most `grain` operators and are cut greedily, bottom-up: at each
//! operator, while its open group is too big, the heaviest open operand group is closed off as
//! a task of its own. This gives the fewest tasks for the bound (Kundu and Misra's greedy
//! partition of a tree), so a long chain becomes a short chain of big tasks instead of one
//! task per operator. Grain 1 makes every operator its own task.
//!
//! This module only plans; `dataflow` runs the plan. Nothing here recurses over the tree.

use std::time::Duration;

use crate::ast::{Ast, NodeId};
use crate::engine::Grain;

/// Trees with at most this many operators run at grain 1 under [`Grain::Auto`]: the schedule
/// view then shows one task per operator, and the overhead is a few microseconds.
pub const AUTO_FINE_MAX_OPS: usize = 512;

/// Under [`Grain::Auto`] on a large tree, the target number of tasks per worker: enough for
/// load balancing, few enough that scheduling costs nothing measurable.
pub const AUTO_TASKS_PER_WORKER: usize = 16;

/// A task index that means "none" (the root task has no parent).
pub const NO_TASK: u32 = u32::MAX;

/// The number of operators per task for this evaluation.
pub fn choose(grain: Grain, n_ops: usize, n_workers: usize, delay: Duration) -> u32 {
    match grain {
        Grain::Fixed(n) => n.max(1),
        Grain::Auto if !delay.is_zero() || n_ops <= AUTO_FINE_MAX_OPS => 1,
        Grain::Auto => {
            let n_tasks = n_workers.max(1) * AUTO_TASKS_PER_WORKER;
            n_ops.div_ceil(n_tasks).clamp(1, u32::MAX as usize) as u32
        }
    }
}

/// Number of operator (non-leaf) nodes of `ast`.
pub fn count_operators(ast: &Ast) -> usize {
    (0..ast.len())
        .filter(|&index| !ast.is_leaf(NodeId(index as u32)))
        .count()
}

/// The task graph of one evaluation. Tasks are numbered in the order of their roots' ids, so
/// the tasks computing a task's operands always have smaller indices.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// `roots[t]`: the node whose value task `t` produces.
    pub roots: Vec<u32>,
    /// `n_ops[t]`: how many operators task `t` evaluates.
    pub n_ops: Vec<u32>,
    /// `parent[t]`: the task that consumes task `t`'s value; [`NO_TASK`] for the last task.
    pub parent: Vec<u32>,
    /// The operand tasks of task `t` are `deps[deps_start[t]..deps_start[t + 1]]`, in
    /// increasing order (the order their nodes appear in the arena).
    pub deps_start: Vec<u32>,
    pub deps: Vec<u32>,
}

impl Plan {
    /// Groups the operators of `ast` into tasks of at most `grain` operators. A tree that is a
    /// single leaf has no tasks.
    pub fn build(ast: &Ast, grain: u32) -> Plan {
        let n_nodes = ast.len();
        let grain = grain.max(1);
        // open[i]: operators in the still-open group rooted at node i (0 for leaves).
        let mut open = vec![0u32; n_nodes];
        let mut is_root = vec![false; n_nodes];
        let mut operand_groups: Vec<(u32, u32)> = Vec::new();
        for index in 0..n_nodes {
            let id = NodeId(index as u32);
            if ast.is_leaf(id) {
                continue;
            }
            let mut weight: u64 = 1;
            operand_groups.clear();
            ast.for_each_operand(id, |operand| {
                let operand_weight = open[operand.index()];
                if operand_weight > 0 {
                    weight += u64::from(operand_weight);
                    operand_groups.push((operand_weight, operand.0));
                }
            });
            if weight > u64::from(grain) {
                // Close the heaviest operand groups first until this one fits.
                operand_groups.sort_unstable_by(|a, b| b.cmp(a));
                for &(operand_weight, operand) in &operand_groups {
                    if weight <= u64::from(grain) {
                        break;
                    }
                    is_root[operand as usize] = true;
                    weight -= u64::from(operand_weight);
                }
            }
            open[index] = weight as u32;
        }
        let Some(last) = n_nodes.checked_sub(1) else {
            return Plan::default();
        };
        if ast.is_leaf(NodeId(last as u32)) {
            return Plan::default();
        }
        is_root[last] = true;

        let mut plan = Plan::default();
        for (index, &root) in is_root.iter().enumerate() {
            if root {
                plan.roots.push(index as u32);
                plan.n_ops.push(open[index]);
            }
        }
        drop(open);
        drop(is_root);

        // Each task's parent: walking the roots from the last down, a stack holds the tasks
        // whose subtrees contain the current node, innermost on top.
        let n_tasks = plan.roots.len();
        plan.parent = vec![NO_TASK; n_tasks];
        let mut enclosing: Vec<(u32, u32)> = Vec::new(); // (task, first node of its subtree)
        for task in (0..n_tasks).rev() {
            let root = plan.roots[task];
            while enclosing.last().is_some_and(|&(_, first)| first > root) {
                enclosing.pop();
            }
            if let Some(&(parent, _)) = enclosing.last() {
                plan.parent[task] = parent;
            }
            enclosing.push((task as u32, ast.first_of(NodeId(root)).0));
        }

        // Operand tasks, grouped by consumer (a counting sort keeps them in increasing order).
        let mut deps_start = vec![0u32; n_tasks + 1];
        for &parent in &plan.parent {
            if parent != NO_TASK {
                deps_start[parent as usize + 1] += 1;
            }
        }
        for task in 0..n_tasks {
            deps_start[task + 1] += deps_start[task];
        }
        let mut next = deps_start.clone();
        plan.deps = vec![0; deps_start[n_tasks] as usize];
        for (task, &parent) in plan.parent.iter().enumerate() {
            if parent != NO_TASK {
                let slot = &mut next[parent as usize];
                plan.deps[*slot as usize] = task as u32;
                *slot += 1;
            }
        }
        plan.deps_start = deps_start;
        plan
    }

    pub fn n_tasks(&self) -> usize {
        self.roots.len()
    }

    /// The tasks computing task `task`'s operands, in arena order.
    pub fn deps(&self, task: usize) -> &[u32] {
        &self.deps[self.deps_start[task] as usize..self.deps_start[task + 1] as usize]
    }
}
