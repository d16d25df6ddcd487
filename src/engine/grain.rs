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
//! A reduction's body is not in the plan (it is evaluated once per element, by the reduction's
//! own tasks), and a reduction is always a task of its own: the task whose work is cut into
//! chunks when it runs (`executor::reduction`).
//!
//! This module only plans; the executor runs the plan. Nothing here recurses over the tree.

use std::time::Duration;

use crate::ast::{Ast, BodySkip, Node, NodeId};
use crate::plan::Grain;

/// Trees with at most this many operators run at grain 1 under [`Grain::Auto`]: the schedule
/// view then shows one task per operator, and the overhead is a few microseconds.
pub(crate) const AUTO_FINE_MAX_OPS: usize = 512;

/// Under [`Grain::Auto`] on a large tree, the target number of tasks per worker: enough for
/// load balancing, few enough that scheduling costs nothing measurable.
pub(crate) const AUTO_TASKS_PER_WORKER: usize = 16;

/// A task index that means "none" (the root task has no parent).
pub(crate) const NO_TASK: u32 = u32::MAX;

/// The number of operators per task for this evaluation.
pub(crate) fn choose(grain: Grain, n_ops: usize, n_workers: usize, delay: Duration) -> u32 {
    match grain {
        Grain::Fixed(n) => n.max(1),
        Grain::Auto if !delay.is_zero() || n_ops <= AUTO_FINE_MAX_OPS => 1,
        Grain::Auto => {
            let n_tasks = n_workers.max(1) * AUTO_TASKS_PER_WORKER;
            n_ops.div_ceil(n_tasks).clamp(1, u32::MAX as usize) as u32
        }
    }
}

/// Number of operator (non-leaf) nodes of `ast`, the bodies of reductions left out.
pub(crate) fn count_operators(ast: &Ast) -> usize {
    if ast.bodies.is_empty() {
        // Every node is planned: one pass without a branch per node (leaves and operators
        // alternate unpredictably in the arena).
        return ast
            .nodes
            .iter()
            .map(|node| usize::from(!node.is_leaf()))
            .sum();
    }
    planned_nodes(ast)
        .filter(|&index| !ast.is_leaf(NodeId(index)))
        .count()
}

/// The ids of the nodes the plan covers, in increasing order: all but the bodies.
pub(crate) fn planned_nodes(ast: &Ast) -> impl Iterator<Item = u32> + '_ {
    let mut skip = BodySkip::new(ast, 0, None);
    let mut index = 0u32;
    std::iter::from_fn(move || {
        while let Some(root) = skip.skip_at(index) {
            index = root + 1;
        }
        (index < ast.len() as u32).then(|| {
            index += 1;
            index - 1
        })
    })
}

/// The task graph of one evaluation. Tasks are numbered in the order of their roots' ids, so
/// the tasks computing a task's operands always have smaller indices.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
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
    pub(crate) fn build(ast: &Ast, grain: u32) -> Plan {
        let n_nodes = ast.len();
        let Some(last) = n_nodes.checked_sub(1) else {
            return Plan::default();
        };
        if ast.is_leaf(NodeId(last as u32)) {
            return Plan::default();
        }
        let grain = grain.max(1);
        let mut plan = Plan::default();
        if grain == 1 {
            // Every operator its own task, in arena order.
            plan.roots = planned_nodes(ast)
                .filter(|&index| !ast.is_leaf(NodeId(index)))
                .collect();
            plan.n_ops = vec![1; plan.roots.len()];
        } else {
            plan.close_groups(ast, grain);
        }

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

    /// Fills `roots` and `n_ops` for a grain above 1. Because the arena is in post-order, the
    /// open groups of a node's operands are the top entries of a stack (as operand values are
    /// for the sequential evaluator), so the memory used is the tree's depth plus the tasks, not
    /// a table per node.
    fn close_groups(&mut self, ast: &Ast, grain: u32) {
        let grain = u64::from(grain);
        // (operators in the open group, its root) for each operand not yet consumed; leaves
        // have empty groups.
        let mut open: Vec<(u32, u32)> = Vec::new();
        // (root, operators) of each task, in the order they are closed.
        let mut closed: Vec<(u32, u32)> = Vec::new();
        let mut operand_groups: Vec<(u32, u32)> = Vec::new();
        for index in planned_nodes(ast) {
            let id = NodeId(index);
            let node = ast.node(id);
            if node.is_leaf() {
                open.push((0, index));
                continue;
            }
            // Most nodes: two operands whose groups fit in this one's (what follows would
            // find the same, at twice the cost).
            if let Node::Binary { .. } = node
                && let [.., (lhs, _), (rhs, _)] = open[..]
                && u64::from(lhs) + u64::from(rhs) < grain
            {
                open.truncate(open.len() - 2);
                open.push((lhs + rhs + 1, index));
                continue;
            }
            // A reduction's body and a lazy node's operands are not among its planned operands.
            let n_operands = ast.n_stacked_operands(id);
            let base = open.len().saturating_sub(n_operands);
            let mut weight: u64 = 1;
            operand_groups.clear();
            for &(operand_weight, operand) in &open[base..] {
                if operand_weight > 0 {
                    weight += u64::from(operand_weight);
                    operand_groups.push((operand_weight, operand));
                }
            }
            open.truncate(base);
            if weight > grain {
                // Close the heaviest operand groups first until this one fits.
                operand_groups.sort_unstable_by(|a, b| b.cmp(a));
                for &(operand_weight, operand) in &operand_groups {
                    if weight <= grain {
                        break;
                    }
                    closed.push((operand, operand_weight));
                    weight -= u64::from(operand_weight);
                }
            }
            if matches!(ast.node(id), Node::Reduce(_)) {
                // A task of its own, which its consumer sees as an operand task.
                closed.push((index, weight as u32));
                open.push((0, index));
                continue;
            }
            open.push((weight as u32, index));
        }
        // (A reduction at the root is closed already.)
        if let Some(&(weight, root)) = open.last()
            && weight > 0
        {
            closed.push((root, weight));
        }
        // Tasks are numbered in the order of their roots.
        closed.sort_unstable();
        self.roots = closed.iter().map(|&(root, _)| root).collect();
        self.n_ops = closed.iter().map(|&(_, n_ops)| n_ops).collect();
    }

    pub(crate) fn n_tasks(&self) -> usize {
        self.roots.len()
    }

    /// The tasks computing task `task`'s operands, in arena order.
    pub(crate) fn deps(&self, task: usize) -> &[u32] {
        &self.deps[self.deps_start[task] as usize..self.deps_start[task + 1] as usize]
    }
}
