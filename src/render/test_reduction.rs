//! Tests of what the views say about a reduction, on hand-written traces: the label of each
//! chunk (its range and partial value) and of each combine (what it joins), the legend that
//! lists the critical path in full and summarises groups of equal tasks, and the SVG and HTML
//! that use the same labels.

use crate::ast::NodeId;
use crate::num::Value;
use crate::render::label::label;
use crate::render::{Color, html, legend, schedule, svg};
use crate::span::Span;
use crate::trace::analysis::{analyze, fixtures::MS};
use crate::trace::{ReductionInfo, TaskKind, TaskOutcome, TaskTiming, Trace};

/// A reduction as its source says it: the node and span of its body and of the whole call.
pub(super) struct Shape {
    pub(super) source: &'static str,
    pub(super) var: &'static str,
    pub(super) body: (u32, (usize, usize)),
    pub(super) whole: (u32, (usize, usize)),
    /// Elements `0..n_elements`, cut into chunks of `chunk_len`.
    pub(super) n_elements: u64,
    pub(super) chunk_len: u64,
    /// The body's value at `k`.
    pub(super) body_value: fn(i64) -> i64,
}

/// `sum(k*k for k in range(8))`, a chunk per element, as the engine cuts it with a delay.
pub(super) const SUM_OF_SQUARES: Shape = Shape {
    source: "sum(k*k for k in range(8))",
    var: "k",
    body: (2, (4, 7)),
    whole: (4, (0, 26)),
    n_elements: 8,
    chunk_len: 1,
    body_value: |k| k * k,
};

/// `sum(k for k in range(40))`, a chunk per element: 40 map chunks, 39 combines, a critical
/// path of 7 tasks.
pub(super) const SUM_TO_40: Shape = Shape {
    source: "sum(k for k in range(40))",
    var: "k",
    body: (0, (4, 5)),
    whole: (2, (0, 25)),
    n_elements: 40,
    chunk_len: 1,
    body_value: |k| k,
};

/// The trace of `shape` at `delay_ms` per task on `n_workers`: its chunks, then its combines
/// level by level (neighbours joined in pairs, an odd one carried up), each placed on the
/// worker free first (the lowest on a tie) once its operands are ready.
pub(super) fn reduction_trace(shape: &Shape, n_workers: usize, delay_ms: u64) -> Trace {
    let mut trace = Trace::new(n_workers, shape.source.into());
    trace.context.delay = std::time::Duration::from_millis(delay_ms);
    trace.reductions.push(ReductionInfo {
        func: "sum",
        var: Some(shape.var.into()),
        start: Value::Int(0.into()),
        step: Value::Int(1.into()),
        body: Span::new(shape.body.1.0, shape.body.1.1),
    });
    let mut free_at = vec![0u64; n_workers];
    let mut ends: Vec<u64> = Vec::new();
    let mut push = |trace: &mut Trace, kind: TaskKind, value: i64, deps: &[u32]| -> u32 {
        let ready_ns = deps
            .iter()
            .map(|&dep| ends[dep as usize])
            .max()
            .unwrap_or(0);
        let worker = (0..n_workers)
            .min_by_key(|&worker| (free_at[worker].max(ready_ns), worker))
            .unwrap_or(0);
        let start_ns = free_at[worker].max(ready_ns);
        let end_ns = start_ns + delay_ms * MS;
        free_at[worker] = end_ns;
        ends.push(end_ns);
        let (root, span) = match kind {
            TaskKind::Chunk { .. } => shape.body,
            _ => shape.whole,
        };
        trace.push_task(
            TaskTiming {
                root: NodeId(root),
                n_nodes: 1,
                span: Span::new(span.0, span.1),
                worker: worker as u32,
                ready_ns,
                start_ns,
                end_ns,
                outcome: TaskOutcome::Ran,
                kind,
                value: Some(Value::Int(value.into())),
            },
            deps,
        )
    };
    // (task, lo, hi, value) of each partial result of the current level.
    let mut level: Vec<(u32, u64, u64, i64)> = Vec::new();
    let mut lo = 0;
    while lo < shape.n_elements {
        let hi = (lo + shape.chunk_len).min(shape.n_elements);
        let value = (lo..hi).map(|k| (shape.body_value)(k as i64)).sum();
        let kind = TaskKind::Chunk {
            reduction: 0,
            lo,
            hi,
        };
        level.push((push(&mut trace, kind, value, &[]), lo, hi, value));
        lo = hi;
    }
    while level.len() > 1 {
        let mut next = Vec::new();
        for pair in level.chunks(2) {
            match *pair {
                [(left, lo, _, a), (right, _, hi, b)] => {
                    let kind = TaskKind::Combine {
                        reduction: 0,
                        lo,
                        hi,
                    };
                    next.push((push(&mut trace, kind, a + b, &[left, right]), lo, hi, a + b));
                }
                [carried] => next.push(carried),
                _ => {}
            }
        }
        level = next;
    }
    trace.wall_ns = ends.iter().copied().max().unwrap_or(0);
    trace
}

/// The legend of `trace`, `width` columns wide, without colour.
fn legend_of(trace: &Trace, width: usize) -> String {
    legend::legend(trace, &analyze(trace), width, Color::Never)
}

#[test]
fn a_chunk_says_its_range_and_a_combine_what_it_joins() {
    let shape = Shape {
        n_elements: 8,
        chunk_len: 4,
        ..SUM_OF_SQUARES
    };
    let trace = reduction_trace(&shape, 2, 100);
    let lines: Vec<String> = (0..trace.tasks.len())
        .map(|index| label(&trace, index).line(40))
        .collect();
    assert_eq!(
        lines,
        [
            "#2 k*k for k in 0..3 = 14",
            "#2 k*k for k in 4..7 = 126",
            "#4 sum of 2 partials, k in 0..7 = 140",
        ]
    );
    let single = reduction_trace(&SUM_OF_SQUARES, 4, 100);
    assert_eq!(label(&single, 3).line(40), "#2 k*k for k = 3 = 9");
}

#[test]
fn a_chunk_of_a_range_with_a_step_says_the_step() {
    let mut trace = reduction_trace(
        &Shape {
            chunk_len: 4,
            ..SUM_OF_SQUARES
        },
        2,
        100,
    );
    trace.reductions[0].start = Value::Int(10.into());
    trace.reductions[0].step = Value::Int(5.into());
    assert_eq!(label(&trace, 1).what(40), "k*k for k in 30..45 step 5");
    assert_eq!(
        label(&trace, 2).what(40),
        "sum of 2 partials, k in 10..45 step 5"
    );
}

#[test]
fn legend_of_a_sum_of_squares() {
    let trace = reduction_trace(&SUM_OF_SQUARES, 4, 100);
    let legend = legend_of(&trace, 80);
    insta::assert_snapshot!("legend_sum_of_squares", legend);
    // The critical path in full, in its order, then the equal tasks summarised.
    assert!(
        legend.starts_with(
            "* #2  k*k for k = 0                 = 0    100 ms on worker 0\n\
             * #4  sum of 2 partials, k in 0..1  = 1    100 ms on worker 0\n\
             * #4  sum of 2 partials, k in 0..3  = 14   100 ms on worker 0\n\
             * #4  sum of 2 partials, k in 0..7  = 140  100 ms on worker 0\n\
             \x20 … 7 more map chunks, 100 ms each\n\
             \x20 … 4 more combines, 100 ms each\n"
        ),
        "{legend}"
    );
}

#[test]
fn legend_of_a_sum_to_40() {
    let trace = reduction_trace(&SUM_TO_40, 4, 10);
    let legend = legend_of(&trace, 80);
    insta::assert_snapshot!("legend_sum_to_40", legend);
    let critical: Vec<&str> = legend
        .lines()
        .filter(|line| line.starts_with("* #"))
        .collect();
    assert_eq!(critical.len(), 7, "{legend}");
    for range in ["0..1", "0..3", "0..7", "0..15", "0..31", "0..39"] {
        assert!(
            legend.contains(&format!("sum of 2 partials, k in {range} ")),
            "{range}: {legend}"
        );
    }
    assert!(
        legend.contains("… 39 more map chunks, 10 ms each"),
        "{legend}"
    );
    assert!(
        legend.contains("… 33 more combines, 10 ms each"),
        "{legend}"
    );
    insta::assert_snapshot!("legend_sum_to_40_at_40_columns", legend_of(&trace, 40));
}

#[test]
fn a_long_critical_path_is_listed_by_its_ends() {
    // A chain of 40 operators, each waiting for the one before.
    let mut chain = Trace::new(1, "1".into());
    for node in 0..40u32 {
        let deps: &[u32] = if node == 0 { &[] } else { &[node - 1] };
        chain.push_task(
            TaskTiming {
                root: NodeId(node),
                n_nodes: 1,
                span: Span::new(0, 1),
                worker: 0,
                ready_ns: u64::from(node) * MS,
                start_ns: u64::from(node) * MS,
                end_ns: u64::from(node + 1) * MS,
                outcome: TaskOutcome::Ran,
                kind: TaskKind::Nodes,
                value: Some(Value::Int(1.into())),
            },
            deps,
        );
    }
    chain.wall_ns = 40 * MS;
    let selection = legend::entries(&chain, &analyze(&chain));
    assert_eq!(selection.tasks.len(), legend::MAX_CRITICAL);
    assert_eq!(selection.tasks[0], 0);
    assert_eq!(selection.tasks[legend::MAX_CRITICAL - 1], 39);
    assert_eq!(
        selection.notes,
        ["… 24 more tasks on the critical path between these"]
    );
    // Ten thousand tasks: whatever is not listed is counted in a few lines.
    let big = crate::trace::analysis::fixtures::balanced_reduction(10_000, 4);
    let selection = legend::entries(&big, &analyze(&big));
    assert!(selection.tasks.len() <= legend::MAX_CRITICAL + legend::MAX_ENTRIES);
    assert!(selection.notes.len() <= 6, "{:?}", selection.notes);
}

#[test]
fn the_schedule_of_a_reduction_names_its_path_by_length() {
    let plain = schedule(&reduction_trace(&SUM_TO_40, 4, 10), 80, Color::Never);
    assert!(
        plain.contains("critical path 7 tasks, `*` in the legend"),
        "{plain}"
    );
}

#[test]
fn the_svg_and_the_html_use_the_same_labels() {
    let trace = reduction_trace(&SUM_OF_SQUARES, 4, 100);
    let picture = svg(&trace);
    let page = html(&trace);
    for expected in [
        ">k*k for k = 0<",
        ">sum of 2 partials, k in 0..7<",
        ">… 7 more map chunks, 100 ms each<",
        ">… 4 more combines, 100 ms each<",
    ] {
        assert!(picture.contains(expected), "svg lacks {expected}");
        assert!(page.contains(expected), "html lacks {expected}");
    }
    // Tooltips say the same.
    assert!(
        page.contains("sum of 2 partials, k in 0..3"),
        "html tooltip"
    );
    // A block wide enough says which elements it covers, not only its node's id.
    let wide = reduction_trace(
        &Shape {
            chunk_len: 4,
            ..SUM_OF_SQUARES
        },
        2,
        100,
    );
    let picture = svg(&wide);
    for expected in [">#2 k in 0..3<", ">#2 k in 4..7<", ">#4 sum, k in 0..7<"] {
        assert!(picture.contains(expected), "svg block lacks {expected}");
    }
}
