//! A small builder for running the `parcalc` binary and checking what it printed.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// One run of `parcalc`: arguments, stdin, and the expected stdout, stderr and status.
#[must_use]
pub(crate) struct Test {
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    env: Vec<(String, String)>,
}

/// What a run printed.
pub(crate) struct Run {
    pub stdout: String,
    pub stderr: String,
    pub status: Option<i32>,
}

impl Test {
    pub(crate) fn new() -> Test {
        Test {
            args: Vec::new(),
            stdin: None,
            env: Vec::new(),
        }
    }

    pub(crate) fn args(mut self, args: &[&str]) -> Test {
        self.args
            .extend(args.iter().map(std::string::ToString::to_string));
        self
    }

    pub(crate) fn stdin(mut self, stdin: impl Into<Vec<u8>>) -> Test {
        self.stdin = Some(stdin.into());
        self
    }

    pub(crate) fn env(mut self, key: &str, value: &str) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Runs the binary to completion.
    pub(crate) fn run(self) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_parcalc"));
        command
            .args(&self.args)
            .env("NO_COLOR", "1")
            // Charts are drawn to COLUMNS when it is set: tests choose it themselves.
            .env_remove("COLUMNS")
            // No configuration file but a test's own.
            .env("XDG_CONFIG_HOME", "/nonexistent/parcalc-tests")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the parcalc binary runs");
        let stdin = self.stdin.unwrap_or_default();
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let writer = std::thread::spawn(move || {
            // A run that stops reading early closes the pipe: that is not a test failure.
            let _ = pipe.write_all(&stdin);
        });
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().expect("parcalc finishes");
        let _ = writer.join();
        Run {
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            status: status.code(),
        }
    }

    /// Runs and checks the exit status only; returns the run for further checks.
    #[track_caller]
    pub(crate) fn expect_status(self, status: i32) -> Run {
        let run = self.run();
        assert_eq!(
            run.status,
            Some(status),
            "stdout:\n{}\nstderr:\n{}",
            run.stdout,
            run.stderr
        );
        run
    }

    /// Runs and checks stdout and the exit status; returns the run for further checks.
    #[track_caller]
    pub(crate) fn expect(self, stdout: &str, status: i32) -> Run {
        let run = self.run();
        assert_eq!(
            (run.stdout.as_str(), run.status),
            (stdout, Some(status)),
            "stderr:\n{}",
            run.stderr
        );
        run
    }
}

/// A fresh, empty folder for the files of test `name` of the group `group`.
pub(crate) fn temp_folder(group: &str, name: &str) -> std::path::PathBuf {
    let folder =
        std::env::temp_dir().join(format!("parcalc-{group}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// Text of `text` with the common indentation removed and the first newline dropped, so
/// expected output can be written as an indented block.
pub(crate) fn unindent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    text.trim_end()
        .lines()
        .map(|line| line.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Whether a missing tool is a failure: one of `variables`, or `CI`, is set to anything but
/// nothing, `0` or `false`.
pub(crate) fn required(variable: &str) -> bool {
    [variable, "CI"].iter().any(|name| {
        std::env::var(name).is_ok_and(|value| !["", "0", "false"].contains(&value.as_str()))
    })
}

/// What a test does without python3: it fails where python3 is required
/// (`PARCALC_REQUIRE_PYTHON` or `CI`), and otherwise says on stderr that it is skipped.
#[track_caller]
pub(crate) fn python_missing() {
    skip_or_fail("python3 not found", "PARCALC_REQUIRE_PYTHON");
}

/// A test that cannot run for want of `what`: a failure where `variable` or `CI` is set, else a
/// note on stderr that it is skipped.
#[track_caller]
pub(crate) fn skip_or_fail(what: &str, variable: &str) {
    assert!(!required(variable), "{what}, and {variable} or CI is set");
    // Written to the real stderr, past the test harness's capture, so that it is seen.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {what} ({variable}=1 makes this a failure)"
    );
}
