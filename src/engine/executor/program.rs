//! Programs: several statements as one graph, joined by the names they bind and read.
//!
//! A statement binds one name, its target or `_`, and each binding is a *version* of that
//! name: a name read is an edge to the version current where it is read (the last statement
//! before it that assigned it; for `_`, the last expression statement), so `x = 1` …
//! `x = x + 1` needs no order beyond its data, and independent statements run at the same
//! time. A version resolves once its statement has ended: to the statement's value if it
//! succeeded, to the version before it if it failed (a failed assignment leaves the name as it
//! was), to nothing if there was none (the name is then unknown where it is read, as it would
//! be one statement after another). A task waits for the versions of the names its own nodes
//! read, besides its operand tasks, so `a * b` in the last statement runs while `d`, which it
//! does not read, is still being computed. One statement alone is a program of one.
//!
//! This module sets the graph up and keeps the versions; the executor runs the tasks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::ast::{Ast, Node, NodeId};
use crate::engine::executor::EvalOptions;
use crate::engine::executor::block::{Block, Deliver, Graph, Names, TaskRef, TreeWork, Work};
use crate::engine::executor::progress::Times;
use crate::engine::failure::Failure;
use crate::engine::grain::{self, NO_TASK, Plan};
use crate::error::{Error, ErrorKind};
use crate::num::Value;
use crate::plan::Policy;

/// One statement of a program, parsed.
#[derive(Debug)]
pub struct Input {
    /// The name it binds, `None` for an expression (which binds `_`).
    pub target: Option<Box<str>>,
    pub ast: Arc<Ast>,
    /// Where the statement's text starts in the program's source.
    pub offset: usize,
}

/// A statement while the program runs: its failure and, once it ends, its value.
pub(crate) struct Statement {
    pub(crate) ast: Arc<Ast>,
    pub(crate) offset: usize,
    /// Its node ids in the trace are numbered from this (the statements before it, in order).
    pub(crate) node_base: u32,
    /// The block of its tree.
    pub(crate) block: u32,
    /// For each task of its block, the names it reads that earlier statements bind:
    /// `(name index, statement)`; empty, or no list at all, when it reads none.
    pub(crate) reads: Vec<Vec<(u32, u32)>>,
    /// The first failure (by path), and the task that raised it: `(block, task)`.
    failure: Mutex<Option<(Failure, u32, u32)>>,
    /// The first component of that failure's path (`u64::MAX`: none yet). A hint for skipping
    /// work, read without the lock.
    first_error: AtomicU64,
    /// The value, once the statement has ended with one.
    value: OnceLock<Option<Value>>,
}

impl Statement {
    /// The top-level node of the first failure known so far (`u64::MAX`: none).
    pub(crate) fn first_error(&self) -> u64 {
        // Relaxed: a stale value only means working a moment longer.
        self.first_error.load(Ordering::Relaxed)
    }

    /// Keeps `failure` if it comes before the one known.
    pub(crate) fn record(&self, failure: Failure, block: u32, task: u32) {
        let head = failure.path.head();
        let mut slot = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        if slot
            .as_ref()
            .is_none_or(|(known, _, _)| failure.path < known.path)
        {
            *slot = Some((failure, block, task));
        }
        self.first_error.fetch_min(head, Ordering::Relaxed);
    }

    pub(crate) fn failure(&self) -> Option<(Failure, u32, u32)> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn has_failed(&self) -> bool {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// The statement has ended, with its value if it succeeded.
    pub(crate) fn end(&self, value: Option<Value>) {
        let _ = self.value.set(value);
    }

    /// The statement's result: its first failure, else its value, else a cancellation.
    pub(crate) fn result(&self, cancelled: bool) -> Result<Value, Error> {
        if let Some((failure, _, _)) = self.failure() {
            return Err(*failure.error);
        }
        if let Some(Some(value)) = self.value.get() {
            return Ok(value.clone());
        }
        let span = self.ast.span(self.ast.root());
        let kind = if cancelled {
            ErrorKind::Cancelled
        } else {
            ErrorKind::Internal("the evaluation ended without a value".into())
        };
        Err(Error::new(kind, span))
    }
}

/// Where a name's value comes from.
#[derive(Clone, Copy, Debug)]
enum Version {
    /// From before the program: the value the name had, if any (an index into `initial`).
    Initial(usize),
    /// Bound by the statement of this index.
    Bound(u32),
}

/// A resolved version: the value (`None`: the name has none) and the statement that computed
/// it (`None`: from before the program).
type Resolution = (Option<Value>, Option<u32>);

/// How a statement ended.
#[derive(Clone, Debug)]
enum Ended {
    Value(Value),
    Failed,
}

/// Tasks waiting for a version, with the name they read it as.
type Waiters = Vec<(TaskRef, u32)>;

/// The versions of the names the statements bind, and who waits for them.
#[derive(Default)]
pub(crate) struct Versions {
    /// `previous[s]`: the version of statement `s`'s name before it.
    previous: Vec<Version>,
    initial: Vec<Option<Value>>,
    /// `resolved[s]`: statement `s`'s version, once resolved.
    resolved: Vec<Option<Resolution>>,
    /// `ended[s]`: how statement `s` ended, once it has.
    ended: Vec<Option<Ended>>,
    waiters: Vec<Waiters>,
    /// Statements whose versions fall back on statement `s`'s when they fail.
    fallbacks: Vec<Vec<u32>>,
}

impl Versions {
    /// The current version of `name`: from before the program, if no statement bound it yet.
    fn version_of(
        &mut self,
        name: &str,
        current: &mut HashMap<Box<str>, Version>,
        before: &Before<'_>,
    ) -> Version {
        *current.entry(name.into()).or_insert_with(|| {
            let value = match before {
                Before::Lookup(lookup) => lookup(name),
                Before::Given(_) => None,
            };
            self.initial.push(value);
            Version::Initial(self.initial.len() - 1)
        })
    }

    /// The versions statement `index` reads its tree's names as, given the names' `current`
    /// versions, which then make it the current version of its `target`.
    fn wire(
        &mut self,
        current: &mut HashMap<Box<str>, Version>,
        before: &Before<'_>,
        ast: &Ast,
        target: &str,
        index: u32,
    ) -> Vec<Version> {
        let inputs: Vec<Version> = match before {
            // A statement alone: the values of its names are given by index.
            Before::Given(values) => values
                .iter()
                .map(|value| {
                    self.initial.push(value.clone());
                    Version::Initial(self.initial.len() - 1)
                })
                .collect(),
            Before::Lookup(_) => ast
                .names
                .iter()
                .map(|name| self.version_of(name, current, before))
                .collect(),
        };
        let previous = self.version_of(target, current, before);
        if let Version::Bound(before) = previous {
            self.fallbacks[before as usize].push(index);
        }
        self.previous.push(previous);
        current.insert(target.into(), Version::Bound(index));
        inputs
    }

    /// Statement `statement` has ended (with `value` if it succeeded): resolves its version and
    /// those falling back on it. Returns, for each version resolved, the tasks that waited for
    /// it and the value they read.
    pub(crate) fn resolve(
        &mut self,
        statement: usize,
        value: Option<Value>,
    ) -> Vec<(Waiters, Option<Value>)> {
        self.ended[statement] = Some(value.map_or(Ended::Failed, Ended::Value));
        let mut arrivals = Vec::new();
        let mut work = vec![statement as u32];
        while let Some(statement) = work.pop() {
            let index = statement as usize;
            if self.resolved[index].is_some() {
                continue;
            }
            let Some(outcome) = &self.ended[index] else {
                continue;
            };
            let resolution = match (outcome, self.previous[index]) {
                (Ended::Value(value), _) => Some((Some(value.clone()), Some(statement))),
                (Ended::Failed, Version::Initial(initial)) => {
                    Some((self.initial[initial].clone(), None))
                }
                (Ended::Failed, Version::Bound(before)) => self.resolved[before as usize].clone(),
            };
            let Some(resolution) = resolution else {
                continue;
            };
            let waiters = std::mem::take(&mut self.waiters[index]);
            if !waiters.is_empty() {
                arrivals.push((waiters, resolution.0.clone()));
            }
            self.resolved[index] = Some(resolution);
            work.extend(self.fallbacks[index].iter().copied());
        }
        arrivals
    }

    /// The statement whose value statement `statement`'s version resolved to, if any.
    pub(crate) fn provider(&self, statement: u32) -> Option<u32> {
        self.resolved
            .get(statement as usize)?
            .as_ref()
            .and_then(|(_, provider)| *provider)
    }
}

/// A program ready to run: its statements, its versions, and the tasks ready at the start.
pub(crate) struct Setup {
    pub(crate) statements: Box<[Statement]>,
    pub(crate) versions: Versions,
    pub(crate) ready: Vec<(Arc<Block>, Vec<u32>)>,
    pub(crate) grain_used: u32,
}

/// Where the values of names from before the program come from.
pub(crate) enum Before<'a> {
    /// Looked up by name.
    Lookup(&'a dyn Fn(&str) -> Option<Value>),
    /// For a program of one statement: the value of each of its tree's names, by index.
    Given(&'a [Option<Value>]),
}

/// Plans each statement's tree into a block and wires the versions of the names between them.
pub(crate) fn setup(
    inputs: Vec<Input>,
    before: &Before<'_>,
    options: &EvalOptions,
    n_workers: usize,
    record: bool,
    blocks: &Mutex<Vec<Arc<Block>>>,
) -> Setup {
    let n = inputs.len();
    let mut current: HashMap<Box<str>, Version> = HashMap::new();
    let mut versions = Versions {
        resolved: vec![None; n],
        ended: vec![None; n],
        waiters: vec![Vec::new(); n],
        fallbacks: vec![Vec::new(); n],
        ..Versions::default()
    };
    let mut statements = Vec::with_capacity(n);
    let mut ready = Vec::with_capacity(n);
    let mut grain_used = 1;
    let mut node_base = 0u32;
    let mut registry = blocks.lock().unwrap_or_else(PoisonError::into_inner);
    for (index, input) in inputs.into_iter().enumerate() {
        let ast = input.ast;
        let target = input.target.as_deref().unwrap_or("_");
        let inputs = versions.wire(&mut current, before, &ast, target, index as u32);
        let n_ops = grain::count_operators(&ast);
        let grain = grain::choose(options.grain, n_ops, n_workers, options.delay);
        grain_used = grain_used.max(grain);
        let names: Arc<Names> = inputs
            .iter()
            .map(|version| match version {
                Version::Initial(initial) => OnceLock::from(versions.initial[*initial].clone()),
                Version::Bound(_) => OnceLock::new(),
            })
            .collect();
        let plan = plan_of(&ast, grain);
        let name_reads = task_reads(&ast, &plan, &inputs);
        let order = registry.len() as u32;
        let block = statement_block(
            StatementTree {
                order,
                statement: index as u32,
                ast: Arc::clone(&ast),
                plan,
                names,
            },
            &name_reads,
            options.policy,
            record,
        );
        registry.push(Arc::clone(&block));
        for (task, task_reads) in name_reads.iter().enumerate() {
            for &(name, producer) in task_reads {
                versions.waiters[producer as usize].push((TaskRef::new(&block, task as u32), name));
            }
        }
        let ready_now = (0..block.n_tasks() as u32)
            .filter(|&task| block.pending[task as usize].load(Ordering::Relaxed) == 0)
            .collect();
        ready.push((Arc::clone(&block), ready_now));
        let len = ast.len() as u32;
        statements.push(Statement {
            ast,
            offset: input.offset,
            node_base,
            block: order,
            reads: name_reads,
            failure: Mutex::new(None),
            first_error: AtomicU64::new(u64::MAX),
            value: OnceLock::new(),
        });
        node_base = node_base.saturating_add(len);
    }
    Setup {
        statements: statements.into_boxed_slice(),
        versions,
        ready,
        grain_used,
    }
}

/// What a statement's block is made of.
struct StatementTree {
    order: u32,
    statement: u32,
    ast: Arc<Ast>,
    plan: Plan,
    names: Arc<Names>,
}

/// The block of a statement's tree: each task waits for its operand tasks and for the names
/// it reads that other statements bind (`reads`).
fn statement_block(
    tree: StatementTree,
    reads: &[Vec<(u32, u32)>],
    policy: Policy,
    record: bool,
) -> Arc<Block> {
    let StatementTree {
        order,
        statement,
        ast,
        mut plan,
        names,
    } = tree;
    let pending: Box<[AtomicU32]> = (0..plan.n_tasks())
        .map(|task| {
            let n_reads = reads.get(task).map_or(0, Vec::len);
            AtomicU32::new((plan.deps(task).len() + n_reads) as u32)
        })
        .collect();
    let graph = Graph::take_from(&mut plan);
    let levels = if policy == Policy::CriticalPath {
        graph.levels(|task| plan.n_ops[task])
    } else {
        Box::default()
    };
    let n_tasks = plan.n_tasks();
    Arc::new(Block {
        order,
        statement,
        parent: graph.parent,
        deps_start: graph.deps_start,
        deps: graph.deps,
        pending,
        values: (0..n_tasks).map(|_| OnceLock::new()).collect(),
        times: if record {
            (0..n_tasks).map(|_| Times::default()).collect()
        } else {
            Box::default()
        },
        levels,
        base_level: 0,
        delivered: Mutex::default(),
        spawned_by: None,
        deliver: Deliver::Statement,
        work: Work::Tree(TreeWork { ast, plan, names }),
    })
}

/// The plan of a statement's tree: its operators grouped by the grain, or, for a tree that is
/// a single leaf, one task of no operator (which reads the leaf, and waits for its name).
fn plan_of(ast: &Ast, grain: u32) -> Plan {
    let plan = Plan::build(ast, grain);
    if plan.n_tasks() > 0 || ast.is_empty() {
        return plan;
    }
    Plan {
        roots: vec![ast.root().0],
        n_ops: vec![0],
        parent: vec![NO_TASK],
        deps_start: vec![0, 0],
        deps: Vec::new(),
    }
}

/// For each task of `plan`, the names its group reads whose versions other statements bind:
/// `(name index, statement)`, each name once; no list at all when no name is bound by another
/// (read it with `get`).
fn task_reads(ast: &Ast, plan: &Plan, inputs: &[Version]) -> Vec<Vec<(u32, u32)>> {
    if !inputs
        .iter()
        .any(|version| matches!(version, Version::Bound(_)))
    {
        // No list per task: a statement of a million tasks reading no other's names (a
        // one-line expression) allocates nothing here.
        return Vec::new();
    }
    let mut reads = vec![Vec::new(); plan.n_tasks()];
    for (task, read) in reads.iter_mut().enumerate() {
        let root = plan.roots[task];
        let mut index = ast.first_of(NodeId(root)).0;
        let deps = plan.deps(task);
        let mut next_dep = 0;
        while index <= root {
            if let Some(&dep) = deps.get(next_dep) {
                let dep_root = plan.roots[dep as usize];
                if index == ast.first_of(NodeId(dep_root)).0 {
                    index = dep_root + 1;
                    next_dep += 1;
                    continue;
                }
            }
            if let Node::Name(name) = ast.node(NodeId(index))
                && let Version::Bound(statement) = inputs[*name as usize]
                && !read.iter().any(|&(known, _)| known == *name)
            {
                read.push((*name, statement));
            }
            index += 1;
        }
    }
    reads
}
