//! Parser benchmark: bare pest recognition against parcalc's full parse and tree build.
//!
//! `cargo bench --bench parse -- [pest|full|both] [FILE] [RUNS]` times each stage on FILE (by
//! default a balanced tree of 1,000,000 leaves, about 6 MB, generated here) and prints the
//! median of RUNS runs. Bare recognition is the floor the front end can reach: pest's own pass
//! over the text on one thread, no tree. The full parse cuts a long line into chunks parsed on
//! all cores (rayon's global pool). It does not measure evaluation.

use std::time::{Duration, Instant};

use parcalc::syntax::grammar::{CalcParser, Rule};
use pest::Parser;

/// A balanced tree of `n_leaves` small integers joined by `+` and `-`, fully parenthesised,
/// built without recursion.
fn balanced(n_leaves: usize) -> String {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Work items: Ok((lo, hi)) is a subtree, Err(text) is literal text.
    let mut out = String::new();
    let mut stack: Vec<Result<(usize, usize), &str>> = vec![Ok((0, n_leaves))];
    while let Some(work) = stack.pop() {
        match work {
            Err(text) => out.push_str(text),
            Ok((lo, hi)) if hi - lo == 1 => out.push_str(&(1 + next() % 9).to_string()),
            Ok((lo, hi)) => {
                let mid = usize::midpoint(lo, hi);
                stack.push(Err(")"));
                stack.push(Ok((mid, hi)));
                stack.push(Err(if next() % 2 == 0 { " + " } else { " - " }));
                stack.push(Ok((lo, mid)));
                stack.push(Err("("));
            }
        }
    }
    out
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                f();
                started.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mode = args.first().map_or("both", String::as_str);
    let text = match args.get(1) {
        Some(path) => std::fs::read_to_string(path).unwrap_or_else(|error| {
            eprintln!("cannot read {path}: {error}");
            std::process::exit(2)
        }),
        None => balanced(1_000_000),
    };
    let text = text.trim_end();
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    let mb = text.len() as f64 / 1e6;
    if mode == "pest" || mode == "both" {
        let t = time(runs, || {
            let pairs = CalcParser::parse(Rule::statement, text);
            assert!(pairs.is_ok());
        });
        println!(
            "pest recognition, one thread, no tree: {:.3} s median of {runs} ({:.1} MB/s)",
            t.as_secs_f64(),
            mb / t.as_secs_f64()
        );
    }
    if mode == "full" || mode == "both" {
        let mut n_nodes = 0;
        let t = time(runs, || {
            let statement = parcalc::syntax::parse_statement(text);
            n_nodes = statement.map_or(0, |s| s.map_or(0, |s| s.expr.len()));
        });
        println!(
            "parse + lower, chunks on all cores: {:.3} s median of {runs} ({:.1} MB/s, {n_nodes} nodes)",
            t.as_secs_f64(),
            mb / t.as_secs_f64()
        );
    }
}
