//! `--trace-html FILE` and `:trace html FILE`: the schedule as one self-contained HTML page, to
//! open offline and project. It holds the title and how the run ended, the Gantt chart (the
//! SVG's, [`svg::chart`]) with a tooltip per task, the colour key, the tree of tasks with the
//! critical path marked, the legend table, the work–span figures, and a replay: a time slider
//! and a play button that redraw the chart and the tree as they were at time t (each task not
//! yet started, running, or done).
//!
//! Nothing is fetched: the styles and about a hundred lines of plain JavaScript are inline, and
//! the trace is embedded as JSON (`<script type="application/json" id="trace-data">`: for each
//! task its id, times, worker, outcome and tooltip, the text `render::label` gives). The page
//! opens at the end of the run (the whole schedule, as printed); `#t=NS` in its address opens it
//! at the instant NS nanoseconds, and `#play` starts the replay. The chart, the tree and the
//! legend mark each task's element with `data-task` (its index in the trace), and the replay
//! gives each the class `pending`, `running` or `done`: a task is running at t when its start
//! ≤ t < its end. Traces of more than [`svg::MAX_BLOCKS`] tasks get the aggregated chart and no
//! per-task replay, and trees of more than [`MAX_TREE_TASKS`] tasks are not drawn, so the page
//! stays small whatever the trace. Every walk over the task graph is a loop. This module returns
//! text; it does not write files.

use std::fmt::Write as _;

use crate::render::legend;
use crate::render::svg::{self, escape};
use crate::trace::analysis::Analysis;
use crate::trace::{TaskOutcome, Trace};
use crate::units::plural;

/// Largest tree of tasks drawn.
pub(crate) const MAX_TREE_TASKS: usize = 400;

/// Pixels between the centres of two neighbouring leaves of the tree, and two levels.
const TREE_COLUMN: f64 = 52.0;
const TREE_ROW: f64 = 58.0;
const TREE_MARGIN: f64 = 30.0;

/// The page.
pub(crate) fn html(trace: &Trace, analysis: &Analysis) -> String {
    let mut out = String::with_capacity(16 * 1024 + trace.tasks.len().min(svg::MAX_BLOCKS) * 600);
    let title = svg::title_text(trace);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    if let Some(ending) = crate::render::header::ending_line(trace) {
        let _ = writeln!(out, "<p class=\"ending\">{}</p>", escape(&ending));
    }
    let _ = writeln!(
        out,
        "<p class=\"settings\">{}</p>",
        escape(&svg::settings_line(trace))
    );
    replay_controls(&mut out, trace);

    // The chart, with the line of the replay's instant.
    let mut chart = String::new();
    let bottom = svg::chart(&mut chart, trace, analysis, 0.0);
    let _ = writeln!(
        out,
        "<svg id=\"gantt\" viewBox=\"0 0 {w} {bottom:.0}\" width=\"{w}\" height=\"{bottom:.0}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n{defs}{chart}\
         <line id=\"now\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"{now_bottom:.0}\" stroke=\"#ffbf00\" \
         stroke-width=\"3\" visibility=\"hidden\"/>\n</svg>",
        w = svg::WIDTH,
        defs = svg::DEFS,
        now_bottom = bottom - 30.0,
    );
    let mut key = String::new();
    let key_bottom = svg::key(&mut key, trace, 2.0);
    let _ = writeln!(
        out,
        "<svg id=\"key\" viewBox=\"0 0 {w} {h:.0}\" width=\"{w}\" height=\"{h:.0}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n{defs}{key}</svg>",
        w = svg::WIDTH,
        h = key_bottom + 2.0,
        defs = svg::DEFS,
    );

    out.push_str("<h2>Tree of tasks</h2>\n");
    tree(&mut out, trace, analysis);
    out.push_str("<h2>Tasks</h2>\n");
    legend_table(&mut out, trace, analysis);
    let _ = writeln!(
        out,
        "<h2>Figures</h2>\n<pre id=\"figures\">{}</pre>",
        svg::figure_text(trace, analysis)
            .lines()
            .map(escape)
            .collect::<Vec<_>>()
            .join("\n")
    );
    out.push_str("<div id=\"tooltip\" hidden></div>\n");
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"trace-data\">{}</script>",
        data(trace, analysis)
    );
    let _ = writeln!(out, "<script>{SCRIPT}</script>\n</body>\n</html>");
    out
}

/// The play button, the time slider, the clock and the list of running tasks.
fn replay_controls(out: &mut String, trace: &Trace) {
    let scale = svg::Scale::of(trace);
    let end = scale.end_ns.round();
    let replayable = trace.tasks.len() <= svg::MAX_BLOCKS;
    let _ = writeln!(
        out,
        "<div id=\"replay\"><button id=\"play\" type=\"button\">▶ play</button> \
         <input id=\"time\" type=\"range\" min=\"0\" max=\"{end}\" step=\"any\" value=\"{end}\" \
         aria-label=\"time\"> <output id=\"clock\">{}</output> \
         <span id=\"status\">{}</span></div>",
        escape(&svg::instant(end as u64)),
        if replayable {
            String::new()
        } else {
            escape(&format!(
                "the replay draws each task for traces of up to {} tasks",
                svg::MAX_BLOCKS
            ))
        }
    );
}

/// The tree of tasks: each task a box with its node id (and, once done, its value), joined to
/// the tasks that computed its operands, drawn below it; the critical path's boxes and edges in
/// red. Laid out with leaves side by side in the order of the tree and each parent above the
/// middle of its children, by loops over an explicit stack.
fn tree(out: &mut String, trace: &Trace, analysis: &Analysis) {
    let n_tasks = trace.tasks.len();
    if n_tasks == 0 {
        out.push_str("<p class=\"note\">no tasks: the expression has no operator</p>\n");
        return;
    }
    if n_tasks > MAX_TREE_TASKS {
        let _ = writeln!(
            out,
            "<p class=\"note\">The tree of {} is not drawn (more than {MAX_TREE_TASKS}); the \
             chart and the table show them.</p>",
            escape(&plural(n_tasks, "task"))
        );
        return;
    }
    let layout = layout(trace);
    let width = (layout.n_columns as f64 - 1.0).max(0.0) * TREE_COLUMN + 2.0 * TREE_MARGIN + 40.0;
    let height = f64::from(layout.depth_max) * TREE_ROW + 2.0 * TREE_MARGIN + 20.0;
    let position = |task: usize| {
        (
            TREE_MARGIN + 20.0 + layout.column[task] * TREE_COLUMN,
            TREE_MARGIN + f64::from(layout.depth[task]) * TREE_ROW,
        )
    };
    let _ = writeln!(
        out,
        "<div class=\"scroll\"><svg id=\"tree\" viewBox=\"0 0 {width:.0} {height:.0}\" \
         width=\"{width:.0}\" height=\"{height:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n{}",
        svg::DEFS
    );
    // Edges first, under the boxes: from each task down to the tasks of its operands.
    for task in 0..n_tasks {
        let (x1, y1) = position(task);
        for &dep in trace.deps(task) {
            let dep = dep as usize;
            if dep >= n_tasks {
                continue;
            }
            let (x2, y2) = position(dep);
            let critical = analysis.on_critical_path[task] && analysis.on_critical_path[dep];
            let _ = writeln!(
                out,
                "<line class=\"edge{}\" x1=\"{x1:.1}\" y1=\"{:.1}\" x2=\"{x2:.1}\" y2=\"{:.1}\"/>",
                if critical { " critical" } else { "" },
                y1 + 11.0,
                y2 - 11.0,
            );
        }
    }
    for task in 0..n_tasks {
        let (x, y) = position(task);
        let record = &trace.tasks[task];
        let mut class = String::from("tree-node");
        if analysis.on_critical_path[task] {
            class.push_str(" critical");
        }
        match record.outcome {
            TaskOutcome::Failed => class.push_str(" failed"),
            TaskOutcome::Cancelled => class.push_str(" cancelled"),
            TaskOutcome::NotRun => class.push_str(" not-run"),
            _ => {}
        }
        let task_label = crate::render::label::label(trace, task);
        let _ = writeln!(
            out,
            "<g class=\"{class}\" data-task=\"{task}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"40\" \
             height=\"22\" rx=\"5\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text class=\"tree-value\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></g>",
            x - 20.0,
            y - 11.0,
            y + 4.0,
            escape(&task_label.id()),
            y + 25.0,
            escape(&task_label.value(10)),
        );
    }
    out.push_str("</svg></div>\n");
}

/// Where the tree's boxes go: a column (leaves 0, 1, 2, …; a parent over the middle of its
/// children) and a depth (the roots 0) per task.
struct Layout {
    column: Vec<f64>,
    depth: Vec<u32>,
    n_columns: usize,
    depth_max: u32,
}

/// Lays out the tree of tasks. A task's parent is the first task that takes its value (a
/// program's graph may give a task several); the roots are the tasks whose value nobody takes,
/// in trace order. One depth-first walk on an explicit stack, children in operand order.
fn layout(trace: &Trace) -> Layout {
    let n_tasks = trace.tasks.len();
    let mut parent: Vec<Option<usize>> = vec![None; n_tasks];
    for task in 0..n_tasks {
        for &dep in trace.deps(task) {
            let dep = dep as usize;
            if dep < n_tasks && dep != task && parent[dep].is_none() {
                parent[dep] = Some(task);
            }
        }
    }
    let mut column = vec![0.0f64; n_tasks];
    let mut depth = vec![0u32; n_tasks];
    let mut visited = vec![false; n_tasks];
    let mut next_column = 0usize;
    let mut depth_max = 0;
    // The children of each task, in operand order: the operands whose first consumer it is.
    let children: Vec<Vec<usize>> = (0..n_tasks)
        .map(|task| {
            trace
                .deps(task)
                .iter()
                .map(|&dep| dep as usize)
                .filter(|&dep| dep < n_tasks && parent[dep] == Some(task))
                .collect()
        })
        .collect();
    // (task, whether its children are laid out)
    let mut stack: Vec<(usize, bool)> = Vec::new();
    for root in (0..n_tasks).filter(|&task| parent[task].is_none()) {
        stack.push((root, false));
        while let Some((task, children_done)) = stack.pop() {
            if children_done {
                column[task] = if let (Some(&first), Some(&last)) =
                    (children[task].first(), children[task].last())
                {
                    f64::midpoint(column[first], column[last])
                } else {
                    next_column += 1;
                    (next_column - 1) as f64
                };
                continue;
            }
            if std::mem::replace(&mut visited[task], true) {
                continue;
            }
            depth_max = depth_max.max(depth[task]);
            stack.push((task, true));
            for &child in children[task].iter().rev() {
                depth[child] = depth[task] + 1;
                stack.push((child, false));
            }
        }
    }
    Layout {
        column,
        depth,
        n_columns: next_column.max(1),
        depth_max,
    }
}

/// The legend as an HTML table, the rows the terminal legend lists.
fn legend_table(out: &mut String, trace: &Trace, analysis: &Analysis) {
    let selection = legend::entries(trace, analysis);
    let chosen = &selection.tasks;
    if chosen.is_empty() && selection.notes.is_empty() {
        out.push_str("<p class=\"note\">no tasks: the expression has no operator</p>\n");
        return;
    }
    out.push_str("<table id=\"legend\">\n<thead><tr>");
    for (_, heading, _) in svg::legend_columns() {
        let _ = write!(out, "<th>{}</th>", escape(heading));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for &index in chosen {
        let outcome = match trace.tasks[index].outcome {
            TaskOutcome::Failed => " failed",
            TaskOutcome::Cancelled => " cancelled",
            TaskOutcome::NotRun => " not-run",
            _ if analysis.on_critical_path[index] => " critical",
            _ => "",
        };
        let _ = write!(out, "<tr class=\"row{outcome}\" data-task=\"{index}\">");
        for cell in svg::legend_cells(trace, analysis, index) {
            let _ = write!(out, "<td>{}</td>", escape(&cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    for note in &selection.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
    }
}

/// The trace as the page's script reads it: the end of the chart, and per task (up to
/// [`svg::MAX_BLOCKS`]) its id, times, worker, outcome, whether it is on the critical path and
/// its tooltip. Written as JSON with `<` escaped, so that no string can close the script.
fn data(trace: &Trace, analysis: &Analysis) -> String {
    let quote = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"?\"".to_string());
    let scale = svg::Scale::of(trace);
    let mut json = String::new();
    let _ = write!(
        json,
        "{{\"end\":{},\"x0\":{:.2},\"x1\":{:.2},\"tasks\":[",
        scale.end_ns.round(),
        scale.x(0.0),
        scale.x(scale.end_ns)
    );
    if trace.tasks.len() <= svg::MAX_BLOCKS {
        for (index, task) in trace.tasks.iter().enumerate() {
            if index > 0 {
                json.push(',');
            }
            let outcome = match task.outcome {
                TaskOutcome::Ran => "ran",
                TaskOutcome::Failed => "failed",
                TaskOutcome::Cancelled => "cancelled",
                TaskOutcome::NotRun => "not run",
                TaskOutcome::Running => "running",
            };
            let _ = write!(
                json,
                "\n{{\"id\":{},\"worker\":{},\"ready\":{},\"start\":{},\"end\":{},\"outcome\":\"{outcome}\",\
                 \"started\":{},\"critical\":{},\"tip\":{}}}",
                quote(&crate::render::label::label(trace, index).id()),
                task.worker,
                task.ready_ns,
                task.start_ns,
                task.end_ns,
                task.outcome.started(),
                analysis.on_critical_path[index],
                quote(&svg::tooltip(trace, index)),
            );
        }
    }
    json.push_str("]}");
    json.replace('<', "\\u003c")
}

/// The page's styles: the replay's states, the tree, the table, printing.
const STYLE: &str = r"
body { font-family: sans-serif; margin: 1.5em; color: #212121; max-width: 1040px; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
h2 { font-size: 1.1em; margin-top: 1.4em; }
.ending { color: #7f0000; font-weight: bold; font-size: 1.1em; margin: 0.2em 0; }
.settings { color: #424242; margin: 0.2em 0 1em; }
#replay { display: flex; align-items: center; gap: 0.8em; margin: 0.6em 0; }
#replay input { flex: 1; }
#play { font-size: 1em; padding: 0.3em 0.9em; }
#clock { font-variant-numeric: tabular-nums; min-width: 5em; }
#status { color: #424242; min-width: 14em; }
svg { max-width: 100%; height: auto; }
.scroll { overflow-x: auto; }
#gantt .block.pending { opacity: 0.12; }
#gantt .block.running rect { stroke: #ffbf00; stroke-width: 4; }
.tree-node rect { fill: #4e79a7; stroke: #1f3a5a; stroke-width: 1; }
.tree-node text { fill: white; }
.tree-node.critical rect { fill: #d62728; stroke: #7f0000; stroke-width: 2; }
.tree-node.failed rect { fill: url(#hatch-failed); stroke: #7f0000; stroke-width: 2; }
.tree-node.failed text, .tree-node.cancelled text { fill: black; }
.tree-node.cancelled rect { fill: url(#hatch-cancelled); }
.tree-node.not-run rect { fill: white; stroke: #9e9e9e; stroke-dasharray: 3 2; }
.tree-node.not-run text { fill: #757575; }
.tree-node .tree-value { fill: #212121; font-size: 11px; }
.tree-node.pending rect { fill: white; stroke: #9e9e9e; }
.tree-node.pending text { fill: #757575; }
.tree-node.pending .tree-value, .tree-node.running .tree-value { visibility: hidden; }
.tree-node.running rect { fill: #ffbf00; stroke: #7f5f00; stroke-width: 3; }
.tree-node.running text { fill: black; }
.edge { stroke: #757575; stroke-width: 1.5; }
.edge.critical { stroke: #7f0000; stroke-width: 3; }
table { border-collapse: collapse; font-size: 0.95em; }
th, td { text-align: left; padding: 0.15em 0.7em; border-bottom: 1px solid #e0e0e0; }
tr.failed { font-weight: bold; color: #7f0000; }
tr.critical td:first-child { color: #7f0000; font-weight: bold; }
tr.running { background: #fff3c4; }
#figures { font-size: 0.95em; }
.note { color: #424242; }
#tooltip { position: fixed; background: #fffde7; border: 1px solid #9e9e9e; padding: 0.3em 0.6em;
  font-size: 0.95em; pointer-events: none; max-width: 36em; box-shadow: 0 2px 6px #0003; }
@media print { #replay, #tooltip { display: none; } }
";

/// The replay and the tooltips, in plain JavaScript.
const SCRIPT: &str = r#"
"use strict";
const data = JSON.parse(document.getElementById("trace-data").textContent);
const slider = document.getElementById("time");
const clock = document.getElementById("clock");
const status = document.getElementById("status");
const now = document.getElementById("now");
const button = document.getElementById("play");
const elements = Array.from(document.querySelectorAll("[data-task]"));

function instant(ns) {
  if (ns <= 0) return "0";
  const units = [[1e9, "s"], [1e6, "ms"], [1e3, "µs"], [1, "ns"]];
  for (const [size, unit] of units) {
    if (ns >= size) return (+(ns / size).toPrecision(3)) + " " + unit;
  }
  return ns + " ns";
}

// What task `task` was doing at time t: a task is running when its start <= t < its end.
function state(task, t) {
  if (!task.started || t < task.start) return "pending";
  if (t < task.end) return "running";
  return "done";
}

function show(t) {
  t = Math.max(0, Math.min(data.end, t));
  slider.value = t;
  // The instant shown, for whoever reads the page's DOM (the browser test).
  document.getElementById("replay").dataset.t = t;
  clock.textContent = instant(t);
  const running = [];
  let done = 0;
  data.tasks.forEach((task, index) => {
    const s = state(task, t);
    if (s === "running") running.push(task.id);
    if (s === "done") done += 1;
  });
  for (const element of elements) {
    const task = data.tasks[+element.dataset.task];
    if (!task) continue;
    const s = state(task, t);
    element.classList.remove("pending", "running", "done");
    element.classList.add(s);
  }
  if (data.tasks.length > 0) {
    status.textContent = (running.length ? "running: " + running.join(", ") : "running: none") +
      " · done " + done + " of " + data.tasks.length;
  }
  const x = data.x0 + (data.end > 0 ? t / data.end : 0) * (data.x1 - data.x0);
  now.setAttribute("x1", x);
  now.setAttribute("x2", x);
  now.setAttribute("visibility", t < data.end ? "visible" : "hidden");
}

let timer = null;
function stop() {
  if (timer !== null) clearInterval(timer);
  timer = null;
  button.textContent = "▶ play";
}
function play() {
  if (timer !== null) return stop();
  let t = +slider.value >= data.end ? 0 : +slider.value;
  button.textContent = "❚❚ pause";
  show(t);
  // About five seconds for the whole run, whatever its length.
  timer = setInterval(() => {
    t += data.end / 100;
    show(t);
    if (t >= data.end) stop();
  }, 50);
}
button.addEventListener("click", play);
slider.addEventListener("input", () => { stop(); show(+slider.value); });

const tooltip = document.getElementById("tooltip");
for (const element of elements) {
  const task = data.tasks[+element.dataset.task];
  if (!task) continue;
  element.addEventListener("mousemove", (event) => {
    tooltip.textContent = task.tip;
    tooltip.hidden = false;
    tooltip.style.left = (event.clientX + 14) + "px";
    tooltip.style.top = (event.clientY + 14) + "px";
  });
  element.addEventListener("mouseleave", () => { tooltip.hidden = true; });
}

// #t=NS opens the page at that instant, #play starts the replay; otherwise the whole run.
const hash = new URLSearchParams(location.hash.slice(1));
show(hash.has("t") ? +hash.get("t") : data.end);
if (hash.has("play")) play();
"#;
