//! Engine benchmarks: the sequential evaluator against the executor on a balanced tree
//! of 2,097,151 nodes (2^20 small-int leaves joined by `+` and `-`), on 1 and 2 workers, at
//! grain 1 (every operator a task: the per-node cost of scheduling and recording) and at the
//! automatic grain.
//!
//! `cargo bench --bench engine -- [FILTER] [RUNS]` runs each benchmark whose name contains
//! FILTER (all by default) once to warm up, then RUNS times (10 by default), and prints the
//! median, the fastest and the slowest run. A plain harness like `benches/parse.rs`: no
//! statistics beyond the median, and no dependency.
//!
//! The tree is built directly in the arena, so these figures leave the parser out. The
//! "unrecorded" variants run the same plan on the executor without reading the clock or assembling
//! the trace: the difference to the recorded run is what recording costs. The "fifo" and
//! "critical-path" variants run the same plan under those policies (one shared ready queue):
//! the difference to the default (lifo) run is what the shared queue costs.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parcalc::ast::{Ast, Node, NodeId};
use parcalc::engine::{self, EvalOptions, Grain, Policy, Pool, sequential};
use parcalc::num::{Limits, Value};
use parcalc::ops::BinaryOp;
use parcalc::span::Span;

/// A balanced tree over `n_leaves` (a power of two) leaves, in post-order, with `+` and `-`
/// alternating by level.
fn balanced(n_leaves: usize) -> Ast {
    let mut ast = Ast::default();
    let mut stack: Vec<(NodeId, u32)> = Vec::new();
    let push = |ast: &mut Ast, node: Node, subtree_len: u32| {
        let id = ast.nodes.len();
        let span = Span::new(id + 1 - subtree_len as usize, id + 1);
        ast.push(node, span, Span::new(id, id + 1), subtree_len)
    };
    for leaf in 0..n_leaves {
        let id = push(&mut ast, Node::SmallInt((leaf % 10) as i64), 1);
        stack.push((id, 1));
        let mut size = leaf + 1;
        let mut level = 0;
        while size % 2 == 0 {
            let (rhs, rhs_len) = stack.pop().unwrap();
            let (lhs, lhs_len) = stack.pop().unwrap();
            let op = if level % 2 == 0 {
                BinaryOp::Add
            } else {
                BinaryOp::Sub
            };
            let len = lhs_len + rhs_len + 1;
            let id = push(&mut ast, Node::Binary { op, lhs, rhs }, len);
            stack.push((id, len));
            size /= 2;
            level += 1;
        }
    }
    ast
}

/// Runs `f` once to warm up, then `runs` times; prints the median, fastest and slowest run.
fn bench(name: &str, runs: usize, mut f: impl FnMut()) {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    let ms = |time: Duration| time.as_secs_f64() * 1e3;
    println!(
        "{name:<44} {:>9.2} ms median of {runs}  ({:.2} to {:.2})",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let filter = args.first().map_or("", String::as_str);
    let runs: usize = args
        .get(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(10)
        .max(1);
    let ast = Arc::new(balanced(1 << 20));
    let env: Arc<[Value]> = Arc::from(Vec::new());
    let source: Arc<str> = Arc::from(".".repeat(ast.len()));
    let limits = Limits::default();
    println!("balanced tree of {} nodes", ast.len());
    let run = |name: &str, f: &mut dyn FnMut()| {
        if name.contains(filter) {
            bench(name, runs, f);
        }
    };
    run("sequential", &mut || {
        let _ = black_box(sequential::evaluate(&ast, &env, &limits));
    });
    for n_workers in [1, 2] {
        let pool = Pool::new(n_workers).unwrap();
        for (grain_name, grain) in [("auto", Grain::Auto), ("1", Grain::Fixed(1))] {
            let options = EvalOptions {
                grain,
                ..EvalOptions::default()
            };
            let name = format!("parallel {n_workers} workers grain {grain_name}");
            run(&name, &mut || {
                black_box(engine::evaluate(&pool, &ast, &env, &source, &options));
            });
            let name = format!("parallel {n_workers} workers grain {grain_name} unrecorded");
            run(&name, &mut || {
                black_box(engine::evaluate_unrecorded(
                    &pool, &ast, &env, &source, &options,
                ));
            });
            for policy in [Policy::Fifo, Policy::CriticalPath] {
                let options = EvalOptions {
                    policy,
                    ..options.clone()
                };
                let name = format!(
                    "parallel {n_workers} workers grain {grain_name} {}",
                    policy.name()
                );
                run(&name, &mut || {
                    black_box(engine::evaluate(&pool, &ast, &env, &source, &options));
                });
            }
        }
    }
}
