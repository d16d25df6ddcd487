//! The trace in Chrome's Trace Event format, which Perfetto and `chrome://tracing` open.
//!
//! One complete event (`"ph": "X"`) per task that started, on thread `tid` = worker index, times
//! in microseconds, with what became of it in `args.outcome`, its index in `args.task` and the
//! indices of the tasks it waited for in `args.deps`; `thread_name` and `process_name`
//! metadata events (`"ph": "M"`) name the lanes.
//! Subexpressions and values are abbreviated past [`MAX_NAME_CHARS`] characters so that the file
//! of a two-million-task trace stays proportional to the number of tasks, not to the tree's
//! size times its depth. This module writes JSON text; it does not touch files.

use std::fmt::Write;

use crate::render::label;
use crate::trace::{TaskOutcome, Trace};

/// Longest subexpression or value written into an event.
const MAX_NAME_CHARS: usize = 200;

/// The process id of every event: one evaluation is one process.
const PID: u32 = 1;

pub(crate) fn chrome_json(trace: &Trace) -> String {
    // Events are written one by one rather than built as one `serde_json::Value`: a tree of
    // two million JSON objects would take gigabytes. serde_json still quotes every string.
    let quote = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"?\"".to_string());
    let micros = |ns: u64| ns as f64 / 1e3;
    let mut out = String::with_capacity(64 + trace.tasks.len() * 160);
    out.push_str("{\"traceEvents\":[\n");
    let _ = write!(
        out,
        r#"{{"ph":"M","name":"process_name","pid":{PID},"tid":0,"args":{{"name":"parcalc evaluation"}}}}"#
    );
    for worker in 0..trace.n_lanes() {
        let _ = write!(
            out,
            ",\n{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{PID},\"tid\":{worker},\"args\":{{\"name\":\"worker {worker}\"}}}}"
        );
    }
    for (index, task) in trace.tasks.iter().enumerate() {
        let label = label::label(trace, index);
        let outcome = match task.outcome {
            TaskOutcome::NotRun => continue,
            TaskOutcome::Ran => "ran",
            TaskOutcome::Failed => "failed",
            TaskOutcome::Cancelled => "cancelled",
            TaskOutcome::Running => "running",
        };
        let _ = write!(
            out,
            ",\n{{\"ph\":\"X\",\"name\":{},\"cat\":\"task\",\"pid\":{PID},\"tid\":{},\"ts\":{},\"dur\":{},\
             \"args\":{{\"task\":{index},\"node\":\"{}\",\"nodes\":{},\"value\":{},\"ready_us\":{},\"outcome\":\"{outcome}\",\"deps\":{:?}}}}}",
            quote(&label.what(MAX_NAME_CHARS)),
            task.worker,
            micros(task.start_ns),
            micros(task.end_ns.saturating_sub(task.start_ns)),
            label.id(),
            task.n_nodes,
            quote(&label.value(MAX_NAME_CHARS)),
            micros(task.ready_ns),
            trace.deps(index),
        );
    }
    out.push_str("\n],\"displayTimeUnit\":\"ms\"}\n");
    out
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::trace::analysis::fixtures::{Schedule, course_example};
    use serde_json::Value as Json;

    /// The fields the Trace Event format requires of complete and metadata events.
    #[test]
    fn events_have_the_required_fields() {
        let trace = course_example(Schedule::Four);
        let parsed: Json = serde_json::from_str(&chrome_json(&trace)).unwrap();
        assert_eq!(parsed["displayTimeUnit"], "ms");
        let events = parsed["traceEvents"].as_array().unwrap();
        let complete: Vec<&Json> = events.iter().filter(|event| event["ph"] == "X").collect();
        assert_eq!(complete.len(), trace.tasks.len());
        for event in &complete {
            assert!(event["name"].is_string(), "{event}");
            assert!(event["pid"].is_u64(), "{event}");
            assert!(event["tid"].is_u64(), "{event}");
            assert!(event["ts"].is_number(), "{event}");
            assert!(event["dur"].is_number(), "{event}");
        }
        let root = complete
            .iter()
            .find(|event| event["args"]["node"] == "#12")
            .unwrap();
        assert_eq!(root["name"], "(3 + 7) * (2 + 8) * ((2 * 3) - 1)");
        assert_eq!(root["args"]["value"], "500");
        assert_eq!(root["ts"], 200_000.0);
        assert_eq!(root["dur"], 100_000.0);
        assert_eq!(root["args"]["ready_us"], 200_000.0);
        assert_eq!(root["tid"], 0);

        let metadata: Vec<&Json> = events.iter().filter(|event| event["ph"] == "M").collect();
        let thread_names: Vec<&str> = metadata
            .iter()
            .filter(|event| event["name"] == "thread_name")
            .map(|event| event["args"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            thread_names,
            ["worker 0", "worker 1", "worker 2", "worker 3"]
        );
        assert!(
            metadata
                .iter()
                .all(|event| event["args"]["name"].is_string())
        );
        assert!(metadata.iter().any(|event| event["name"] == "process_name"));
    }
}
