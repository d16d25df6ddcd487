//! The HTML page in a real browser: headless Chromium opens the page that `--trace-html`
//! wrote, at several instants of the replay (`#t=NS`) and after playing part of it (`#play`,
//! in virtual time), and the test reads the DOM it leaves: the tasks the chart and the tree
//! show running at t must be exactly those whose start ≤ t < end in the trace the page embeds.
//!
//! Chromium runs with no network, no sandbox (the test may run as root), no GPU, and a fresh
//! empty profile each time. Where no Chromium is found the test says so on stderr and passes,
//! unless `PARCALC_REQUIRE_BROWSER` or `CI` is set (`.ci/run` installs Debian's `chromium`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Test, skip_or_fail};

/// A browser still running after this is killed, and the test fails.
const TIMEOUT: Duration = Duration::from_secs(90);

/// The first Chromium on the `PATH` (or `PARCALC_CHROMIUM`).
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PARCALC_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for directory in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let candidate = directory.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// A fresh folder under the target folder's temporary space.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("parcalc-browser-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The DOM Chromium leaves after loading `url` (with `extra` flags), from a fresh profile in
/// `dir`.
fn dump_dom(browser: &Path, dir: &Path, url: &str, extra: &[&str]) -> String {
    let profile = dir.join(format!(
        "profile-{}",
        url.len() ^ extra.len() ^ rand_suffix()
    ));
    std::fs::create_dir_all(&profile).unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .args(["--dump-dom", url])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish with {url} within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&profile);
    reader.join().unwrap()
}

/// A number that differs between calls, for profile folders.
fn rand_suffix() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed) << 8
}

/// The trace the page embeds, as `(start, end, started)` per task, and its end.
fn embedded(page: &str) -> (Vec<(f64, f64, bool)>, f64) {
    let marker = "<script type=\"application/json\" id=\"trace-data\">";
    let start = page.find(marker).expect("the page embeds its trace") + marker.len();
    let end = start + page[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    let tasks = data["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| {
            (
                task["start"].as_f64().unwrap(),
                task["end"].as_f64().unwrap(),
                task["started"].as_bool().unwrap(),
            )
        })
        .collect();
    (tasks, data["end"].as_f64().unwrap())
}

/// The tasks running at `t`: start ≤ t < end.
fn running_at(tasks: &[(f64, f64, bool)], t: f64) -> BTreeSet<usize> {
    tasks
        .iter()
        .enumerate()
        .filter(|&(_, &(start, end, started))| started && start <= t && t < end)
        .map(|(index, _)| index)
        .collect()
}

/// The `data-task` of every element of `dom` whose class starts with `kind` and has the word
/// `state`.
fn shown(dom: &str, kind: &str, state: &str) -> BTreeSet<usize> {
    let mut found = BTreeSet::new();
    let mut rest = dom;
    let opening = format!("class=\"{kind}");
    while let Some(at) = rest.find(&opening) {
        let tail = &rest[at + "class=\"".len()..];
        let classes = &tail[..tail.find('"').unwrap()];
        let after = &tail[classes.len()..];
        if classes.split(' ').any(|word| word == state)
            && let Some(task) = after
                .strip_prefix("\" data-task=\"")
                .and_then(|text| text.split('"').next())
                .and_then(|text| text.parse().ok())
        {
            found.insert(task);
        }
        rest = &tail[classes.len()..];
    }
    found
}

/// The instant the page shows, from the replay's `data-t`.
fn instant_shown(dom: &str) -> f64 {
    let marker = "id=\"replay\" data-t=\"";
    let at = dom.find(marker).expect("the replay has its instant") + marker.len();
    dom[at..at + dom[at..].find('"').unwrap()].parse().unwrap()
}

/// The chart and the tree of `dom` both show running exactly the tasks running at `t`, and the
/// status line counts them.
#[track_caller]
fn check_instant(dom: &str, tasks: &[(f64, f64, bool)], t: f64, what: &str) {
    let expected = running_at(tasks, t);
    assert_eq!(
        shown(dom, "block", "running"),
        expected,
        "{what}: the chart at {t}"
    );
    assert_eq!(
        shown(dom, "tree-node", "running"),
        expected,
        "{what}: the tree at {t}"
    );
    let done = tasks
        .iter()
        .filter(|&&(_, end, started)| started && end <= t)
        .count();
    assert!(
        dom.contains(&format!("done {done} of {}", tasks.len())),
        "{what}: {t}"
    );
}

#[test]
fn the_replay_shows_the_tasks_running_at_each_instant() {
    let Some(browser) = chromium() else {
        skip_or_fail(
            "chromium not found (apt-get install chromium)",
            "PARCALC_REQUIRE_BROWSER",
        );
        return;
    };
    let dir = scratch("replay");
    let pages = [
        (
            "course",
            vec!["-w", "3", "--delay", "20ms"],
            "(3 + 7) * (2 + 8) * ((2 * 3) - 1)",
            0,
        ),
        (
            "reduction",
            vec!["-w", "4", "--delay", "10ms"],
            "sum(k*k for k in range(8))",
            0,
        ),
        (
            "failed",
            vec!["-w", "2", "--delay", "20ms"],
            "(1 + 2) * (3 / 0) + (4 * 5)",
            1,
        ),
    ];
    for (name, flags, expr, status) in pages {
        let path = dir.join(format!("{name}.html"));
        let mut args = flags.clone();
        let path_text = path.to_str().unwrap().to_string();
        args.extend(["--trace-html", &path_text, "-e", expr]);
        Test::new().args(&args).expect_status(status);
        let page = std::fs::read_to_string(&path).unwrap();
        let (tasks, end) = embedded(&page);
        let url = format!("file://{}", path.display());
        // The instants: the start, the middle, the exact start of the last task to start (a
        // task runs from its start), the exact end of the first to end (and no longer), the end.
        let last_start = tasks
            .iter()
            .filter(|task| task.2)
            .map(|task| task.0)
            .fold(0.0, f64::max);
        let first_end = tasks
            .iter()
            .filter(|task| task.2)
            .map(|task| task.1)
            .fold(f64::INFINITY, f64::min);
        for t in [0.0, (end / 2.0).round(), last_start, first_end, end] {
            let dom = dump_dom(&browser, &dir, &format!("{url}#t={t}"), &[]);
            assert_eq!(instant_shown(&dom), t, "{name}");
            check_instant(&dom, &tasks, t, name);
        }
        // Opened plainly, the page shows the whole run: nothing running, every task that
        // started done.
        let dom = dump_dom(&browser, &dir, &url, &[]);
        assert!(shown(&dom, "block", "running").is_empty(), "{name}");
        assert_eq!(instant_shown(&dom), end, "{name}");
    }
    // Playing from 0 for a second of virtual time (20 steps of a hundredth of the run) stops
    // part way, and the page shows what ran at that instant.
    let path = dir.join("course.html");
    let page = std::fs::read_to_string(&path).unwrap();
    let (tasks, end) = embedded(&page);
    let dom = dump_dom(
        &browser,
        &dir,
        &format!("file://{}#t=0&play", path.display()),
        &["--virtual-time-budget=1000"],
    );
    let t = instant_shown(&dom);
    assert!(t > 0.0 && t < end, "played to {t} of {end}");
    check_instant(&dom, &tasks, t, "played");
    assert!(dom.contains("❚❚ pause"), "still playing");
    let _ = std::fs::remove_dir_all(&dir);
}
