//! The lines above the chart: how the evaluation ended, if not with a value ("failed at #5
//! (division by zero) after 3 of 9 tasks", "cancelled after …"), the settings the schedule ran
//! with, and which of them have changed since, so an old schedule is never taken for a new one.
//!
//! Lines break between the parts (` · `), never inside one. This module only words what the
//! trace and the settings say.

use std::fmt::Write as _;

use crate::plan::Grain;
use crate::render::gantt::trim_zeros;
use crate::render::paint::{self, Hue, Style};
use crate::render::{Color, Settings, text};
use crate::trace::{Ending, TaskOutcome, Trace};
use crate::units::format_duration;

const ENDING_STYLE: Style = Style::fg(Hue::Yellow).bold();
const CHANGED_STYLE: Style = Style::fg(Hue::Magenta);

pub(crate) fn header(
    trace: &Trace,
    current: Option<&Settings>,
    width: usize,
    color: Color,
) -> String {
    let width = text::view_width(width);
    let mut out = String::new();
    if let Some(ending) = ending_line(trace) {
        for line in text::wrap(&ending, width, "  ") {
            paint::push(&mut out, &line, ENDING_STYLE, color);
            out.push('\n');
        }
    }
    let ran = Settings::of(trace);
    let parts = [
        format!("schedule on {}", workers(ran.n_workers)),
        delay(ran),
        grain(ran.grain, trace.context.grain_used),
        format!("policy {}", ran.policy.name()),
    ];
    for line in text::join_wrapped(&parts, " · ", width) {
        let _ = writeln!(out, "{line}");
    }
    if let Some(now) = current {
        let mut changed: Vec<String> = Vec::new();
        if now.n_workers != ran.n_workers {
            changed.push(workers(now.n_workers));
        }
        if now.delay != ran.delay {
            changed.push(delay(*now));
        }
        if now.grain != ran.grain {
            changed.push(match now.grain {
                Grain::Auto => "grain auto".to_string(),
                Grain::Fixed(n) => format!("grain {n}"),
            });
        }
        if now.policy != ran.policy {
            changed.push(format!("policy {}", now.policy.name()));
        }
        if !changed.is_empty() {
            let line = format!(
                "settings changed since: now {}; evaluate again to see them",
                changed.join(", ")
            );
            for line in text::wrap(&line, width, "  ") {
                paint::push(&mut out, &line, CHANGED_STYLE, color);
                out.push('\n');
            }
        }
    }
    out
}

/// "failed at #5 (division by zero) after 3 of 9 tasks", "cancelled after 2 of 6 tasks", or
/// nothing for an evaluation that produced its value.
pub(crate) fn ending_line(trace: &Trace) -> Option<String> {
    let ran = trace.count(TaskOutcome::Ran);
    let n_tasks = trace.tasks.len();
    match &trace.ending {
        Ending::Finished => None,
        Ending::Failed { node, error, .. } => Some(format!(
            "failed at {node} ({error}) after {ran} of {n_tasks} tasks"
        )),
        Ending::Cancelled => Some(format!("cancelled after {ran} of {n_tasks} tasks")),
    }
}

fn workers(n_workers: usize) -> String {
    format!(
        "{} worker{}",
        text::thousands(n_workers),
        if n_workers == 1 { "" } else { "s" }
    )
}

fn delay(settings: Settings) -> String {
    if settings.delay.is_zero() {
        "no delay".to_string()
    } else {
        format!("delay {}", trim_zeros(&format_duration(settings.delay)))
    }
}

fn grain(grain: Grain, used: u32) -> String {
    match grain {
        Grain::Fixed(n) => format!("grain {n}"),
        Grain::Auto => format!("grain auto ({})", text::thousands(used as usize)),
    }
}
