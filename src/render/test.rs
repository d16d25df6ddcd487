//! Tests of the renderers on hand-made traces and trees: insta snapshots of the schedule view
//! (plain and coloured), the SVG read back as XML, the tree on hand-built arenas.

use crate::ast::{Ast, Node, NodeId};
use crate::ops::{BinaryOp, UnaryOp};
use crate::plan::{Grain, Policy};
use crate::render::paint::strip_ansi;
use crate::render::{
    Color, Settings, SpeedupRow, View, html, live_frame, schedule, schedule_view, speedup, svg,
    tree,
};
use crate::span::Span;
use crate::trace::analysis::fixtures::{
    COURSE_SOURCE, MS, Schedule, balanced_reduction, cancelled_example, course_example,
    failed_example, tiny_example,
};
use crate::trace::{TaskOutcome, TaskTiming, Trace};

/// The schedule view in both colour modes; the coloured one must carry escapes and say the
/// same thing once they are removed.
#[track_caller]
fn check_schedule(name: &str, trace: &Trace, width: usize) {
    let plain = schedule(trace, width, Color::Never);
    assert!(!plain.contains('\x1b'), "plain output has escapes");
    let coloured = schedule(trace, width, Color::Always);
    assert!(coloured.contains("\x1b["), "coloured output has no escapes");
    assert_eq!(strip_ansi(&coloured), plain);
    insta::assert_snapshot!(name, plain);
}

/// Checks that `plain` shows every one of `expected`.
#[track_caller]
fn assert_shows(plain: &str, expected: &[&str]) {
    for expected in expected {
        assert!(plain.contains(expected), "missing {expected:?} in\n{plain}");
    }
}

#[test]
fn course_example_on_one_to_four_workers() {
    check_schedule("course_1_worker", &course_example(Schedule::One), 80);
    check_schedule("course_2_workers", &course_example(Schedule::Two), 80);
    check_schedule("course_3_workers", &course_example(Schedule::Three), 80);
    check_schedule("course_4_workers", &course_example(Schedule::Four), 80);
}

#[test]
fn coloured_snapshots() {
    let coloured = schedule(&course_example(Schedule::Three), 80, Color::Always);
    insta::assert_snapshot!("course_3_workers_coloured", coloured);
    let coloured = schedule(&balanced_reduction(10_000, 4), 80, Color::Always);
    insta::assert_snapshot!("ten_thousand_tasks_coloured", coloured);
}

#[test]
fn course_example_content() {
    let plain = schedule(&course_example(Schedule::Three), 80, Color::Never);
    assert_shows(
        &plain,
        &[
            "worker 0 │[#2",
            "worker 2 │[#9",
            "work W                  600 ms",
            "span S                  300 ms  critical path",
            "parallelism W/S           2.00",
            "Brent (W − S)/P + S     400 ms  measured wall 300 ms",
            "#12  (3 + 7) * (2 + 8) * ((2 * 3) - 1)  = 500",
            "critical │^",
        ],
    );
    // Every line fits the width asked for.
    for line in plain.lines().take(6) {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
}

/// Every line of `text` is at most `width` characters wide.
#[track_caller]
fn check_fits(text: &str, width: usize) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= width,
            "wider than {width}: {line:?}\n{text}"
        );
    }
}

#[test]
fn a_failed_evaluation_says_which_task_failed_and_which_never_ran() {
    let trace = failed_example();
    check_schedule("failed", &trace, 80);
    let plain = schedule(&trace, 80, Color::Never);
    assert_shows(
        &plain,
        &[
            "failed at #5 (division by zero) after 1 of 5 tasks",
            "worker 1 │[#5xxxx",
            "x #5   3 / 0",
            "failed after 50.0 ms on worker 1",
            "  #6   (1 + 2) * (3 / 0)",
            "not run",
            "x failed (`x` blocks)",
            "2 of 5 tasks started",
        ],
    );
    // Tasks that never ran have no block.
    assert!(!plain.contains("[#6"), "{plain}");
    assert!(!plain.contains("[#10"), "{plain}");
}

#[test]
fn a_cancelled_evaluation() {
    let trace = cancelled_example();
    check_schedule("cancelled", &trace, 80);
    let plain = schedule(&trace, 80, Color::Never);
    assert_shows(
        &plain,
        &[
            "cancelled after 2 of 6 tasks",
            "[#9~~",
            "stopped after 50.0 ms on worker 0",
            "~ stopped part way",
        ],
    );
    assert!(!plain.contains("optimal"), "{plain}");
}

#[test]
fn tiny_tasks_are_named_as_such() {
    let trace = tiny_example();
    check_schedule("tiny_tasks", &trace, 80);
    let plain = schedule(&trace, 80, Color::Never);
    assert!(
        plain.contains("tasks of ~210 ns: scheduling costs more than the arithmetic"),
        "{plain}"
    );
    assert!(plain.contains("scheduling overhead"), "{plain}");
    assert!(!plain.contains("not greedy"), "{plain}");
    let view = View {
        delay_hint: ":delay",
        ..View::new(80, Color::Never)
    };
    assert!(schedule_view(&trace, &view).contains("set :delay to see"));
}

#[test]
fn the_optimal_schedule_beside_the_bounds() {
    let plain = schedule(&course_example(Schedule::Two), 80, Color::Never);
    assert!(
        plain.contains("optimal (Hu)            400 ms  best schedule of 6 tasks of 100 ms"),
        "{plain}"
    );
    assert!(plain.contains("max(W/P, S)             300 ms"), "{plain}");
}

#[test]
fn every_view_fits_40_60_and_80_columns() {
    for width in [40, 60, 80] {
        for (name, trace) in [
            ("course", course_example(Schedule::Three)),
            ("failed", failed_example()),
            ("cancelled", cancelled_example()),
            ("tiny", tiny_example()),
            ("big", balanced_reduction(10_000, 4)),
        ] {
            let plain = schedule(&trace, width, Color::Never);
            check_fits(&plain, width);
            if name == "course" || name == "failed" {
                insta::assert_snapshot!(format!("{name}_{width}_columns"), plain);
            }
        }
        let rows = course_rows();
        let table = speedup(&rows, width, Color::Never);
        check_fits(&table, width);
        insta::assert_snapshot!(format!("speedup_{width}_columns"), table);
    }
}

#[test]
fn settings_changed_since_the_schedule_ran() {
    let trace = course_example(Schedule::Three);
    let mut current = Settings::of(&trace);
    let view = |current| View {
        current: Some(current),
        ..View::new(80, Color::Never)
    };
    let same = schedule_view(&trace, &view(current));
    assert!(!same.contains("changed"), "{same}");
    assert!(
        same.starts_with("schedule on 3 workers · delay 100 ms · grain auto (1) · policy lifo\n"),
        "{same}"
    );
    current.n_workers = 4;
    current.delay = std::time::Duration::ZERO;
    current.grain = Grain::Fixed(2);
    current.policy = Policy::CriticalPath;
    let changed = schedule_view(&trace, &view(current));
    assert!(
        changed.contains(
            "settings changed since: now 4 workers, no delay, grain 2, policy critical-path;"
        ),
        "{changed}"
    );
}

#[test]
fn a_large_pool_draws_only_the_lanes_that_ran() {
    let mut trace = course_example(Schedule::Three);
    trace.n_workers = 1024;
    for task in &mut trace.tasks {
        task.worker = [0, 517, 1023][task.worker as usize];
    }
    let plain = schedule(&trace, 80, Color::Never);
    insta::assert_snapshot!("pool_of_1024", plain);
    assert!(plain.contains("worker 517  │"), "{plain}");
    assert!(!plain.contains("worker 1 "), "{plain}");
    assert!(plain.contains("1,021 more workers ran no task"), "{plain}");
    check_fits(&plain, 80);
}

/// The course example on 3 workers at 100 ms per operator, 150 ms in: three tasks done, two
/// running, one not started.
fn live_snapshot() -> crate::trace::Snapshot {
    let mut trace = Trace::new(3, COURSE_SOURCE.into());
    for (node, worker, start_ms, end_ms, outcome) in [
        (2, 0, 0, 100, TaskOutcome::Ran),
        (5, 1, 0, 100, TaskOutcome::Ran),
        (9, 2, 0, 100, TaskOutcome::Ran),
        (6, 0, 100, 150, TaskOutcome::Running),
        (11, 1, 100, 150, TaskOutcome::Running),
    ] {
        trace.push_task(
            TaskTiming {
                root: NodeId(node),
                n_nodes: 1,
                span: Span::default(),
                worker,
                ready_ns: start_ms * MS,
                start_ns: start_ms * MS,
                end_ns: end_ms * MS,
                outcome,
                kind: crate::trace::TaskKind::Nodes,
                value: None,
            },
            &[],
        );
    }
    trace.wall_ns = 150 * MS;
    crate::trace::Snapshot {
        elapsed_ns: 150 * MS,
        n_tasks: 6,
        n_done: 3,
        trace: Some(trace),
    }
}

#[test]
fn a_live_frame() {
    let snapshot = live_snapshot();
    let plain = live_frame(&snapshot, 80, 24, Color::Never);
    insta::assert_snapshot!("live_frame", plain);
    // README shows this very frame.
    assert!(
        include_str!("../../README.md").contains(&plain),
        "README's live frame is not the renderer's:\n{plain}"
    );
    assert!(
        plain.starts_with("running 150 ms · 3 of 6 tasks done"),
        "{plain}"
    );
    assert!(plain.contains("[#6"), "{plain}");
    assert!(
        !plain.contains("critical"),
        "no critical path before the end: {plain}"
    );
    let coloured = live_frame(&snapshot, 80, 24, Color::Always);
    assert_eq!(strip_ansi(&coloured), plain);
    for width in [40, 60, 80] {
        check_fits(&live_frame(&snapshot, width, 24, Color::Never), width);
    }
    // A frame never takes more lines than it is given.
    let short = live_frame(&snapshot, 80, 5, Color::Never);
    assert!(short.lines().count() <= 5, "{short}");
    assert!(short.contains("more lanes"), "{short}");
    // Too many tasks to list: the status line alone.
    let counted = crate::trace::Snapshot {
        trace: None,
        ..live_snapshot()
    };
    assert_eq!(
        live_frame(&counted, 80, 24, Color::Never),
        "running 150 ms · 3 of 6 tasks done · Ctrl-C cancels\n"
    );
}

#[test]
fn idle_workers_have_empty_lanes() {
    // A chain of three tasks on a pool of four: workers 1 to 3 never run anything.
    let mut trace = Trace::new(4, "-(-(-x))".into());
    for (index, (start, span)) in [(0, (4, 6)), (10, (2, 7)), (20, (0, 8))]
        .into_iter()
        .enumerate()
    {
        let deps: Vec<u32> = (index > 0).then(|| index as u32 - 1).into_iter().collect();
        trace.push_task(
            TaskTiming {
                root: NodeId(index as u32 + 1),
                n_nodes: 1,
                span: Span::new(span.0, span.1),
                worker: 0,
                ready_ns: start * MS,
                start_ns: start * MS,
                end_ns: (start + 10) * MS,
                outcome: crate::trace::TaskOutcome::Ran,
                kind: crate::trace::TaskKind::Nodes,
                value: None,
            },
            &deps,
        );
    }
    trace.wall_ns = 30 * MS;
    check_schedule("idle_workers", &trace, 60);
    let plain = schedule(&trace, 60, Color::Never);
    assert!(plain.contains("worker 3 │          "), "{plain}");
}

#[test]
fn ten_thousand_tasks_aggregate() {
    let trace = balanced_reduction(10_000, 4);
    check_schedule("ten_thousand_tasks", &trace, 80);
    let plain = schedule(&trace, 80, Color::Never);
    assert!(plain.contains("… 100 more operators, 6 µs each"), "{plain}");
    assert!(plain.contains("more tasks, none longer than"), "{plain}");
    assert!(plain.contains("one column ="), "{plain}");
    assert!(
        plain.lines().count() < 40,
        "does not fit a screen:\n{plain}"
    );
}

#[test]
fn big_traces_render() {
    let trace = balanced_reduction(200_000, 8);
    let plain = schedule(&trace, 100, Color::Never);
    assert!(plain.contains("more tasks, none longer than"), "{plain}");
    assert!(plain.lines().all(|line| line.chars().count() <= 130));
}

#[test]
fn empty_trace() {
    let trace = Trace::new(2, "42".into());
    let plain = schedule(&trace, 80, Color::Never);
    assert!(plain.contains("no tasks"), "{plain}");
    assert!(plain.contains("worker 1 │"), "{plain}");
}

/// The course example measured on 1 to 4 workers at 100 ms per operator.
fn course_rows() -> Vec<SpeedupRow> {
    [(1, 600, 600), (2, 400, 400), (3, 300, 300), (4, 300, 300)]
        .into_iter()
        .map(|(n_workers, wall_ms, optimal_ms)| SpeedupRow {
            n_workers,
            wall_ns: wall_ms * MS,
            work_ns: 600 * MS,
            span_ns: 300 * MS,
            optimal_ns: Some(optimal_ms * MS),
            n_tasks: 6,
            delay_ns: 100 * MS,
            calls_inside: false,
        })
        .collect()
}

#[test]
fn speedup_table_and_plot() {
    let rows = course_rows();
    let plain = speedup(&rows, 80, Color::Never);
    insta::assert_snapshot!("speedup_course", plain);
    let coloured = speedup(&rows, 80, Color::Always);
    assert!(coloured.contains("\x1b["));
    assert_eq!(strip_ansi(&coloured), plain);
}

/// A speedup above the ceiling min(P, W/S) is noise in the timing: marked `?` and explained,
/// never printed as a result (the course example without a delay once showed 3.34 on 2
/// workers against a ceiling of 1.68).
#[test]
fn a_speedup_above_the_ceiling_is_marked_as_noise() {
    let row = |n_workers, wall_ns| SpeedupRow {
        n_workers,
        wall_ns,
        work_ns: 10_000,
        span_ns: 6_000,
        optimal_ns: None,
        n_tasks: 3,
        delay_ns: 0,
        calls_inside: false,
    };
    let plain = speedup(&[row(1, 10_000), row(2, 3_000)], 80, Color::Never);
    assert!(plain.contains("3.33?"), "{plain}");
    assert!(
        plain.contains("? above the ceiling min(P, W/S): noise in the timing, not a speedup"),
        "{plain}"
    );
    let honest = speedup(&[row(1, 10_000), row(2, 7_000)], 80, Color::Never);
    assert!(honest.contains("1.43 "), "{honest}");
    assert!(!honest.contains('?'), "{honest}");
}

/// With a delay, the perfect result is not noise: 601 ms of work in 300 ms on a span of
/// 300 ms is a speedup of 2.00, the ceiling, within the timer's noise (the one-worker run took
/// 601.5 ms), not `2.00?`; one far above the ceiling is still marked.
#[test]
fn with_a_delay_the_ceiling_within_the_timers_noise_is_the_ceiling() {
    let row = |n_workers, wall_us: u64, work_us: u64, span_us: u64| SpeedupRow {
        n_workers,
        wall_ns: wall_us * 1_000,
        work_ns: work_us * 1_000,
        span_ns: span_us * 1_000,
        optimal_ns: None,
        n_tasks: 6,
        delay_ns: 100 * MS,
        calls_inside: false,
    };
    let rows = [
        row(1, 601_500, 601_200, 601_200),
        row(2, 400_600, 601_000, 300_500),
        row(4, 300_100, 601_000, 300_300),
    ];
    let plain = speedup(&rows, 80, Color::Never);
    assert!(!plain.contains('?'), "{plain}");
    assert!(plain.contains("P=4  "), "{plain}");
    assert!(
        plain
            .lines()
            .any(|line| line.starts_with("      4  ") && line.contains(" 2.00 ")),
        "{plain}"
    );
    // Six sleeps overshooting by 40 ms on a loaded machine: still the timer's noise.
    let loaded = [
        row(1, 640_000, 640_000, 640_000),
        row(4, 301_000, 601_000, 300_300),
    ];
    let plain = speedup(&loaded, 80, Color::Never);
    assert!(!plain.contains('?'), "{plain}");
    // Far above the ceiling: not the timer's noise.
    let disturbed = [
        row(1, 700_000, 601_200, 601_200),
        row(4, 300_100, 601_000, 300_300),
    ];
    let plain = speedup(&disturbed, 80, Color::Never);
    assert!(plain.contains("2.33?"), "{plain}");
}

/// A speedup that prints as the ceiling carries no `?`, with or without a delay.
#[test]
fn a_speedup_printed_as_the_ceiling_is_not_marked() {
    let row = |n_workers, wall_ns| SpeedupRow {
        n_workers,
        wall_ns,
        work_ns: 600_000,
        span_ns: 300_000,
        optimal_ns: None,
        n_tasks: 6,
        delay_ns: 0,
        calls_inside: false,
    };
    // 600,400 / 300,000 = 2.0013, above the ceiling 2.00 but printed as 2.00.
    let plain = speedup(&[row(1, 600_400), row(3, 300_000)], 80, Color::Never);
    assert!(!plain.contains('?'), "{plain}");
}

/// An expression without an operator has nothing to schedule.
#[test]
fn no_operator_nothing_to_schedule() {
    let row = |n_workers| SpeedupRow {
        n_workers,
        wall_ns: 1_000,
        work_ns: 0,
        span_ns: 0,
        optimal_ns: None,
        n_tasks: 0,
        delay_ns: 0,
        calls_inside: false,
    };
    let plain = speedup(&[row(1), row(2)], 80, Color::Never);
    assert_eq!(
        plain,
        "nothing to schedule: the expression has no operator\n"
    );
    let narrow = speedup(&[row(1), row(2)], 40, Color::Never);
    assert_eq!(
        narrow,
        "nothing to schedule: the expression has\n  no operator\n"
    );
}

/// An element of the SVG as a tiny parser reads it.
#[derive(Debug)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Reads a document in the subset of XML the SVG uses, checking it is well formed: tags
/// balanced, attributes quoted, only the five predefined entities. Returns every element.
fn parse_xml(document: &str) -> Result<Vec<Element>, String> {
    let mut elements: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut rest = document.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("unclosed end tag")?;
            let name = &after[..end];
            let index = open.pop().ok_or("end tag without start")?;
            if elements[index].name != name {
                return Err(format!("</{name}> closes <{}>", elements[index].name));
            }
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = after.find('>').ok_or("unclosed tag")?;
            let (inside, self_closing) = match after[..end].strip_suffix('/') {
                Some(inside) => (inside, true),
                None => (&after[..end], false),
            };
            let (name, mut attributes_text) = inside.split_once(' ').unwrap_or((inside, ""));
            let mut attributes = Vec::new();
            loop {
                attributes_text = attributes_text.trim_start();
                if attributes_text.is_empty() {
                    break;
                }
                let (key, value_text) = attributes_text
                    .split_once("=\"")
                    .ok_or(format!("unquoted attribute in <{name}>"))?;
                let close = value_text.find('"').ok_or("unterminated attribute")?;
                let value = &value_text[..close];
                check_text(value)?;
                attributes.push((key.to_string(), unescape(value)));
                attributes_text = &value_text[close + 1..];
            }
            elements.push(Element {
                name: name.to_string(),
                attributes,
                text: String::new(),
            });
            if !self_closing {
                open.push(elements.len() - 1);
            }
            rest = &after[end + 1..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            check_text(text)?;
            let index = *open.last().ok_or("text outside the root")?;
            elements[index].text.push_str(&unescape(text));
            rest = &rest[end..];
        }
        if open.is_empty() && !rest.trim().is_empty() {
            return Err("content after the root element".to_string());
        }
        rest = if open.is_empty() { rest.trim() } else { rest };
    }
    if !open.is_empty() {
        return Err("unclosed elements".to_string());
    }
    Ok(elements)
}

fn check_text(text: &str) -> Result<(), String> {
    if text.contains('<') {
        return Err(format!("unescaped < in {text:?}"));
    }
    for (position, _) in text.match_indices('&') {
        let entity = &text[position..];
        if !["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
            .iter()
            .any(|known| entity.starts_with(known))
        {
            return Err(format!("unknown entity in {text:?}"));
        }
    }
    Ok(())
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[test]
fn svg_of_the_course_example() {
    let document = svg(&course_example(Schedule::Three));
    let elements = parse_xml(&document).unwrap();
    assert_eq!(elements[0].name, "svg");
    assert_eq!(
        elements[0].attribute("xmlns"),
        Some("http://www.w3.org/2000/svg")
    );
    let with_class = |class: &str| -> Vec<&Element> {
        elements
            .iter()
            .filter(|element| element.attribute("class") == Some(class))
            .collect()
    };
    assert_eq!(with_class("lane").len(), 3);
    let lane_labels: Vec<&str> = with_class("lane-label")
        .iter()
        .map(|element| element.text.as_str())
        .collect();
    assert_eq!(lane_labels, ["worker 0", "worker 1", "worker 2"]);
    assert_eq!(
        with_class("task").len() + with_class("task critical").len(),
        6
    );
    assert_eq!(with_class("task critical").len(), 3);
    let block_labels: Vec<&str> = with_class("task-label")
        .iter()
        .map(|element| element.text.as_str())
        .collect();
    assert_eq!(block_labels, ["#2", "#5", "#9", "#6", "#11", "#12"]);
    let ticks: Vec<&str> = with_class("tick-label")
        .iter()
        .map(|element| element.text.as_str())
        .collect();
    assert_eq!(ticks.first(), Some(&"0"));
    assert!(
        ticks.contains(&"100 ms") && ticks.contains(&"300 ms"),
        "{ticks:?}"
    );
    let figures: String = with_class("figure")
        .iter()
        .map(|element| element.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(figures.contains("parallelism W/S"), "{figures}");
    assert!(figures.contains("2.00"), "{figures}");
    // The root's tooltip has its subexpression and value.
    assert!(
        elements
            .iter()
            .any(|element| element.name == "title" && element.text.contains("#12 (3 + 7)")),
    );
}

#[test]
fn svg_escapes_labels_and_aggregates_big_traces() {
    let mut trace = Trace::new(1, "a < b & c".into());
    trace.push_task(
        TaskTiming {
            root: NodeId(0),
            n_nodes: 1,
            span: Span::new(0, 9),
            worker: 0,
            ready_ns: 0,
            start_ns: 0,
            end_ns: 10,
            outcome: crate::trace::TaskOutcome::Ran,
            kind: crate::trace::TaskKind::Nodes,
            value: None,
        },
        &[],
    );
    trace.wall_ns = 10;
    let elements = parse_xml(&svg(&trace)).unwrap();
    assert!(
        elements
            .iter()
            .any(|element| element.text.contains("a < b & c"))
    );

    let big = balanced_reduction(10_000, 4);
    let document = svg(&big);
    let elements = parse_xml(&document).unwrap();
    assert!(
        elements
            .iter()
            .any(|element| element.attribute("class") == Some("busy-column"))
    );
    assert!(document.len() < 1_000_000, "{} bytes", document.len());
}

/// Builds an arena from nodes in post-order, computing the subtree sizes; every span is the
/// whole source, except leaves, which get `leaf_spans` in order.
fn arena(nodes: Vec<Node>, leaf_spans: &[(usize, usize)], source_len: usize) -> Ast {
    let mut ast = Ast::default();
    let mut leaf_spans = leaf_spans.iter();
    for node in nodes {
        ast.nodes.push(node);
        let id = NodeId(ast.nodes.len() as u32 - 1);
        let mut size = 1u32;
        ast.for_each_operand(id, |operand| size += ast.subtree_len[operand.index()]);
        ast.subtree_len.push(size);
        let span = if ast.is_leaf(id) {
            leaf_spans
                .next()
                .map_or(Span::new(0, source_len), |&(start, end)| {
                    Span::new(start, end)
                })
        } else {
            Span::new(0, source_len)
        };
        ast.spans.push(span);
        ast.op_spans.push(span);
    }
    ast
}

#[test]
fn tree_of_the_course_example() {
    use BinaryOp::{Add, Mul, Sub};
    let source = "(3 + 7) * (2 + 8) * ((2 * 3) - 1)";
    let binary = |op, lhs, rhs| Node::Binary {
        op,
        lhs: NodeId(lhs),
        rhs: NodeId(rhs),
    };
    let nodes = vec![
        Node::SmallInt(3),
        Node::SmallInt(7),
        binary(Add, 0, 1),
        Node::SmallInt(2),
        Node::SmallInt(8),
        binary(Add, 3, 4),
        binary(Mul, 2, 5),
        Node::SmallInt(2),
        Node::SmallInt(3),
        binary(Mul, 7, 8),
        Node::SmallInt(1),
        binary(Sub, 9, 10),
        binary(Mul, 6, 11),
    ];
    let leaves = [
        (1, 2),
        (5, 6),
        (11, 12),
        (15, 16),
        (22, 23),
        (26, 27),
        (31, 32),
    ];
    let ast = arena(nodes, &leaves, source.len());
    let plain = tree(&ast, source, 80, Color::Never);
    insta::assert_snapshot!("tree_course", plain);
    let coloured = tree(&ast, source, 80, Color::Always);
    assert!(coloured.contains("\x1b["));
    assert_eq!(strip_ansi(&coloured), plain);
}

#[test]
fn deep_trees_are_capped_without_recursion() {
    // -(-(-( … 1))) nested 100,000 deep.
    let depth = 100_000;
    let mut nodes = vec![Node::SmallInt(1)];
    for index in 0..depth {
        nodes.push(Node::Unary {
            op: UnaryOp::Neg,
            operand: NodeId(index),
        });
    }
    let source = format!(
        "{}1{}",
        "-(".repeat(depth as usize),
        ")".repeat(depth as usize)
    );
    let literal = source.len() - depth as usize - 1;
    let ast = arena(nodes, &[(literal, literal + 1)], source.len());
    let plain = tree(&ast, &source, 200, Color::Never);
    let lines: Vec<&str> = plain.lines().collect();
    assert_eq!(lines[0], "#100000 -");
    assert_eq!(lines[1], "└─ #99999 -");
    let last = lines.last().copied().unwrap_or_default();
    assert!(last.ends_with("… 99960 nodes deeper"), "{last}");
    assert!(plain.len() < 100_000, "{} bytes", plain.len());
    // At 40 columns the indentation stops early enough for every line to fit.
    for width in [40, 60, 80] {
        let plain = tree(&ast, &source, width, Color::Never);
        check_fits(&plain, width);
    }

    // A wide tree: 1 + 1 + … + 1, left-nested, capped by the number of lines.
    let mut nodes = vec![Node::SmallInt(1)];
    for _ in 0..2_000 {
        let lhs = NodeId(nodes.len() as u32 - 1);
        nodes.push(Node::SmallInt(1));
        nodes.push(Node::Binary {
            op: BinaryOp::Add,
            lhs,
            rhs: NodeId(nodes.len() as u32 - 1),
        });
    }
    let ast = arena(nodes, &[], 1);
    let plain = tree(&ast, "1", 80, Color::Never);
    assert!(
        plain.lines().count() <= crate::render::tree::MAX_LINES + 41,
        "{plain}"
    );
}

/// The trace `sum(k*k for k in range(8))` leaves with a delay of 100 ms on 4 workers: eight
/// map chunks two rounds deep, then the reduction tree of 4, 2 and 1 combines.
fn sum_of_squares_trace() -> Trace {
    crate::render::test_reduction::reduction_trace(
        &crate::render::test_reduction::SUM_OF_SQUARES,
        4,
        100,
    )
}

#[test]
fn a_reduction_draws_its_maps_side_by_side_and_its_tree() {
    let trace = sum_of_squares_trace();
    check_schedule("sum_of_squares_4_workers", &trace, 80);
    let plain = schedule(&trace, 80, Color::Never);
    assert_shows(
        &plain,
        &[
            "15 tasks on 4 workers",
            "work W                  1.50 s",
            "span S                  400 ms",
            "critical path 4 tasks, `*` in the legend",
            "* #4  sum of 2 partials, k in 0..7  = 140",
            "… 7 more map chunks, 100 ms each",
        ],
    );
}

/// The elements of `elements` whose class attribute has the word `class`.
fn with_class<'a>(elements: &'a [Element], class: &str) -> Vec<&'a Element> {
    elements
        .iter()
        .filter(|element| {
            element
                .attribute("class")
                .is_some_and(|classes| classes.split(' ').any(|word| word == class))
        })
        .collect()
}

/// The texts of the legend's rows, one string per row, cells joined by `|`.
fn legend_rows(elements: &[Element]) -> Vec<String> {
    // Each row is a group followed by its cells, in document order.
    let mut rows: Vec<String> = Vec::new();
    let mut in_row = false;
    for element in elements {
        let classes = element.attribute("class").unwrap_or("");
        if element.name == "g" {
            in_row = classes == "legend-row";
            if in_row {
                rows.push(String::new());
            }
        } else if element.attribute("class").is_some() {
            // The cells have no class: anything with one is past the rows.
            in_row = false;
        } else if in_row && element.name == "text" {
            let row = rows.last_mut().unwrap();
            row.push_str(element.text.trim());
            row.push('|');
        }
    }
    rows
}

/// The SVG says on its own what the schedule was: title, colour key, critical path drawn
/// with arrows, a legend row per task, the figures.
#[test]
fn the_svg_stands_alone() {
    let trace = course_example(Schedule::Three);
    let elements = parse_xml(&svg(&trace)).unwrap();
    let text_of = |class: &str| -> Vec<String> {
        with_class(&elements, class)
            .iter()
            .map(|element| element.text.clone())
            .collect()
    };
    assert_eq!(
        text_of("title"),
        ["Schedule of (3 + 7) * (2 + 8) * ((2 * 3) - 1) on 3 workers"]
    );
    assert!(text_of("ending").is_empty());
    assert_eq!(
        text_of("settings"),
        ["schedule on 3 workers · delay 100 ms · grain auto (1) · policy lifo"]
    );
    assert_eq!(with_class(&elements, "key-task").len(), 1);
    assert_eq!(with_class(&elements, "key-critical").len(), 1);
    assert!(with_class(&elements, "key-failed").is_empty());
    // #2 → #6 → #12: two arcs with arrowheads, three boxes joined by two drawn arrows.
    let arcs = with_class(&elements, "critical-arrow");
    assert_eq!(arcs.len(), 2);
    assert!(
        arcs.iter()
            .all(|arc| arc.attribute("marker-end") == Some("url(#arrow)"))
    );
    assert_eq!(with_class(&elements, "path-step").len(), 3);
    assert_eq!(with_class(&elements, "path-arrow").len(), 2);
    let rows = legend_rows(&elements);
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert_eq!(
        rows[0],
        "*|#2|3 + 7|10|0|0|100 ms|ran, on the critical path|"
    );
    assert_eq!(rows[1], "|#5|2 + 8|10|1|0|100 ms|ran|");
    assert_eq!(
        rows[5],
        "*|#12|(3 + 7) * (2 + 8) * ((2 * 3) - 1)|500|0|200 ms|100 ms|ran, on the critical path|"
    );
    let figures = text_of("figure").join("\n");
    assert!(
        figures.contains("critical path #2 -> #6 -> #12"),
        "{figures}"
    );
    assert!(!figures.contains('→'), "{figures}");
}

#[test]
fn the_svg_of_a_failed_run_marks_the_failure_and_quotes_the_error() {
    let trace = failed_example();
    let elements = parse_xml(&svg(&trace)).unwrap();
    let ending: Vec<&str> = with_class(&elements, "ending")
        .iter()
        .map(|element| element.text.as_str())
        .collect();
    assert_eq!(
        ending,
        ["Failed at #5 (division by zero) after 1 of 5 tasks"]
    );
    let failed = with_class(&elements, "failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attribute("fill"), Some("url(#hatch-failed)"));
    assert_eq!(with_class(&elements, "failure-mark").len(), 1);
    let labels: Vec<&str> = with_class(&elements, "failure-label")
        .iter()
        .map(|element| element.text.as_str())
        .collect();
    assert_eq!(labels, ["#5 failed"]);
    let errors: Vec<&str> = with_class(&elements, "failure-error")
        .iter()
        .map(|element| element.text.as_str())
        .collect();
    assert_eq!(errors, ["division by zero"]);
    assert_eq!(with_class(&elements, "key-failed").len(), 1);
    assert_eq!(with_class(&elements, "key-not-run").len(), 1);
    let rows = legend_rows(&elements);
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert!(rows[1].starts_with("x|#5|3 / 0|—|1|"), "{rows:?}");
    assert!(rows[1].ends_with("|failed: division by zero|"), "{rows:?}");
    assert!(rows[2].ends_with("|not run|"), "{rows:?}");
    // Tasks that never ran have no block.
    let blocks = with_class(&elements, "block");
    assert_eq!(blocks.len(), 2);
}

#[test]
fn the_svg_of_a_cancelled_run_says_so() {
    let trace = cancelled_example();
    let elements = parse_xml(&svg(&trace)).unwrap();
    assert!(
        with_class(&elements, "ending")
            .iter()
            .any(|element| element.text == "Cancelled after 2 of 6 tasks")
    );
    assert_eq!(with_class(&elements, "key-cancelled").len(), 1);
    assert_eq!(with_class(&elements, "cancelled").len(), 2);
}

#[test]
fn the_svg_of_a_reduction_lists_its_tasks() {
    let trace = sum_of_squares_trace();
    let elements = parse_xml(&svg(&trace)).unwrap();
    assert_eq!(with_class(&elements, "block").len(), 15);
    let rows = legend_rows(&elements);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(
        rows[3].starts_with("*|#4|sum of 2 partials, k in 0..7|140|"),
        "{rows:?}"
    );
    let more: Vec<&str> = with_class(&elements, "legend-more")
        .iter()
        .map(|element| element.text.as_str())
        .collect();
    assert_eq!(
        more,
        [
            "… 7 more map chunks, 100 ms each",
            "… 4 more combines, 100 ms each"
        ]
    );
    // The critical path #2 → #4 → #4 → #4 is drawn: three arcs.
    assert_eq!(with_class(&elements, "critical-arrow").len(), 3);
}

/// The part of `page` from `<svg id="ID"` to its `</svg>`.
fn svg_fragment<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<svg id=\"{id}\""))
        .unwrap_or_else(|| panic!("no svg {id}"));
    let end = start + page[start..].find("</svg>").unwrap() + "</svg>".len();
    &page[start..end]
}

/// The JSON the page's script reads.
fn page_data(page: &str) -> serde_json::Value {
    let marker = "<script type=\"application/json\" id=\"trace-data\">";
    let start = page.find(marker).unwrap() + marker.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).unwrap()
}

/// The HTML page holds everything itself (no address outside it), the chart with a block per
/// task that ran, the tree, the legend, the figures, the replay's controls, and the trace as
/// JSON.
#[test]
fn the_html_page_stands_alone() {
    for (trace, n_rows, failed) in [
        (course_example(Schedule::Three), 6, false),
        (sum_of_squares_trace(), 4, false),
        (failed_example(), 5, true),
    ] {
        let page = html(&trace);
        assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
        assert!(!page.contains("http"), "{page}");
        assert!(!page.contains(" src="), "{page}");
        for id in [
            "play", "time", "clock", "status", "gantt", "tree", "legend", "figures",
        ] {
            assert!(page.contains(&format!("id=\"{id}\"")), "no #{id}");
        }
        let gantt = parse_xml(svg_fragment(&page, "gantt")).unwrap();
        let started = trace
            .tasks
            .iter()
            .filter(|task| task.outcome.started())
            .count();
        assert_eq!(with_class(&gantt, "block").len(), started);
        let tree = parse_xml(svg_fragment(&page, "tree")).unwrap();
        let nodes = with_class(&tree, "tree-node");
        assert_eq!(nodes.len(), trace.tasks.len());
        assert!(!with_class(&tree, "critical").is_empty());
        let key = parse_xml(svg_fragment(&page, "key")).unwrap();
        assert_eq!(with_class(&key, "key-task").len(), 1);
        assert_eq!(with_class(&key, "key-failed").len(), usize::from(failed));
        assert_eq!(page.matches("<tr class=\"row").count(), n_rows);
        let data = page_data(&page);
        let tasks = data["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), trace.tasks.len());
        for (task, record) in tasks.iter().zip(&trace.tasks) {
            assert_eq!(task["start"].as_u64(), Some(record.start_ns));
            assert_eq!(task["end"].as_u64(), Some(record.end_ns));
            assert!(task["tip"].as_str().unwrap().contains(" on worker "));
        }
        if failed {
            assert!(
                page.contains("<p class=\"ending\">failed at #5 (division by zero)"),
                "{page}"
            );
            assert_eq!(with_class(&gantt, "failure-mark").len(), 1);
            assert_eq!(with_class(&tree, "failed").len(), 1);
            assert!(page.contains("failed: division by zero"));
        }
    }
}

/// Text that could close the embedded script is escaped in the data.
#[test]
fn the_html_data_cannot_close_its_script() {
    let mut trace = Trace::new(1, "a </script> b".into());
    trace.push_task(
        TaskTiming {
            root: NodeId(0),
            n_nodes: 1,
            span: Span::new(0, 13),
            worker: 0,
            ready_ns: 0,
            start_ns: 0,
            end_ns: 10,
            outcome: TaskOutcome::Ran,
            kind: crate::trace::TaskKind::Nodes,
            value: None,
        },
        &[],
    );
    trace.wall_ns = 10;
    let page = html(&trace);
    assert_eq!(page.matches("</script>").count(), 2, "{page}");
    let data = page_data(&page);
    assert!(
        data["tasks"][0]["tip"]
            .as_str()
            .unwrap()
            .contains("a </script> b")
    );
}

/// A big trace gets the aggregated chart, no per-task data and no tree, and stays small.
#[test]
fn the_html_of_a_big_trace_stays_small() {
    let page = html(&balanced_reduction(10_000, 4));
    assert!(page.contains("busy-column"));
    assert!(page.contains("is not drawn"));
    assert_eq!(page_data(&page)["tasks"].as_array().unwrap().len(), 0);
    assert!(page.len() < 1_000_000, "{} bytes", page.len());
}
