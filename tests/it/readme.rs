//! README's transcripts are real runs: every `$ parcalc …` command shown in a fenced block (a
//! pipe aside) runs, exits as its transcript says, and prints the first line and the schedule
//! header shown. `bench/transcripts.py` rewrites the transcripts from real runs; which worker
//! ran which task and the timings vary from run to run, so only those lines are compared here.

use crate::util::Test;

/// The words of a command line as a POSIX shell splits it, for the quoting README uses:
/// blanks between words, single quotes around a word with blanks.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            ' ' if !quoted => {
                if let Some(word) = word.take() {
                    words.push(word);
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// Each transcript of README: the command and the lines it shows (blank lines at its end and
/// notes after `  # ` left out).
fn transcripts(readme: &str) -> Vec<(String, Vec<String>)> {
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_block = false;
    let mut current: Option<(String, Vec<String>)> = None;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            found.extend(current.take());
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            found.extend(current.take());
            if command.starts_with("parcalc ") && !command.contains('|') {
                current = Some((command.to_string(), Vec::new()));
            }
        } else if let Some((_, shown)) = current.as_mut() {
            let line = line.split("  # ").next().unwrap_or("").trim_end();
            shown.push(line.to_string());
        }
    }
    for (_, shown) in &mut found {
        while shown.last().is_some_and(String::is_empty) {
            shown.pop();
        }
    }
    found
}

#[test]
fn readme_transcripts_are_real_runs() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is read");
    let transcripts = transcripts(&readme);
    assert!(transcripts.len() >= 6, "{transcripts:?}");
    let dir = std::env::temp_dir().join(format!("parcalc-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (command, shown) in transcripts {
        let mut args = words(&command);
        args.remove(0);
        // Files a transcript writes go to a folder of the test's own.
        for at in 1..args.len() {
            if args[at - 1].starts_with("--trace-") {
                args[at] = dir.join(&args[at]).to_string_lossy().into_owned();
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = Test::new().env("COLUMNS", "80").args(&args).run();
        let failed = shown.iter().any(|line| line.starts_with("error:"));
        assert_eq!(run.status, Some(i32::from(failed)), "{command}");
        let output = format!("{}{}", run.stderr, run.stdout);
        let output: Vec<&str> = output.lines().collect();
        assert_eq!(
            output.first().copied(),
            shown.first().map(String::as_str),
            "{command}"
        );
        let header = |lines: &[&str]| {
            lines
                .iter()
                .find(|line| line.starts_with("schedule on "))
                .map(|line| (*line).to_string())
        };
        let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
        if header(&shown).is_some() {
            assert_eq!(header(&output), header(&shown), "{command}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
