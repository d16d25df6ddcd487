//! `--python`: the program parcalc prints, in each of its forms (the course's `futures` idiom,
//! `dataflow`, `dask`), is run with `python3` and must print what parcalc prints for the same
//! expression (or fail where parcalc fails), with the same workers and delay written into it.
//!
//! Where `python3` is missing the tests say so on stderr and pass, unless
//! `PARCALC_REQUIRE_PYTHON` or `CI` is set, as for the differential test; where Dask is missing
//! the Dask runs are skipped the same way, unless `PARCALC_REQUIRE_DASK` or `CI` is set. Nothing
//! here measures time: the idiom's order is checked on the program's text (every independent
//! task submitted before the main thread waits), a run on one worker must end (a deadlock
//! would be killed after a minute and fail), and the program's own timing line is only checked
//! to be there.

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::util::{Test, python_missing, skip_or_fail};

/// A program that has not ended by then is taken for deadlocked.
const DEADLOCK: Duration = Duration::from_secs(60);

/// The course example.
const COURSE: &str = "(3 + 7) * (2 + 8) * ((2 * 3) - 1)";

/// What a run of `python3` printed.
struct Ran {
    stdout: String,
    stderr: String,
    status: Option<i32>,
}

/// What `python3` printed for `program`; `None` when there is no `python3`. A program still
/// running after [`DEADLOCK`] is killed, and the test fails.
fn run_python(program: &str) -> Option<Ran> {
    let child = Command::new("python3")
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            python_missing();
            return None;
        }
        Err(error) => panic!("cannot run python3: {error}"),
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(program.as_bytes()).unwrap();
    drop(stdin);
    // Both pipes are read on threads of their own, so a full pipe never stops the program.
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("stdout is piped")));
    let stderr = read(Box::new(child.stderr.take().expect("stderr is piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLOCK {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the program did not end within {DEADLOCK:?}: deadlocked?\n{program}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Some(Ran {
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        status: status.code(),
    })
}

/// Whether `python3` can import Dask's distributed scheduler; where it cannot, the Dask runs
/// are skipped with a note, or fail under `PARCALC_REQUIRE_DASK` or `CI`.
fn dask_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    let available = *AVAILABLE.get_or_init(|| {
        Command::new("python3")
            .args(["-c", "import dask.distributed"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    });
    if !available {
        skip_or_fail(
            "Dask (python3 -m pip install 'dask[distributed]') not found",
            "PARCALC_REQUIRE_DASK",
        );
    }
    available
}

/// The program `parcalc --python=FORM` prints for the last of `exprs` (the others may assign
/// variables), with `flags` before them.
fn program(form: &str, flags: &[&str], exprs: &[&str]) -> String {
    let python = format!("--python={form}");
    let mut args: Vec<&str> = flags.to_vec();
    args.push(&python);
    for expr in exprs {
        args.extend(["-e", expr]);
    }
    Test::new().args(&args).expect_status(0).stdout
}

/// The program of each of `forms` for the last of `exprs` prints what parcalc prints for it,
/// on 2 workers.
#[track_caller]
fn check_forms(forms: &[&str], exprs: &[&str]) {
    let mut args = vec!["-w", "2"];
    for expr in exprs {
        args.extend(["-e", expr]);
    }
    let ours = Test::new().args(&args).run();
    for &form in forms {
        if form == "dask" && !dask_available() {
            continue;
        }
        let program = program(form, &["-w", "2"], exprs);
        let Some(ran) = run_python(&program) else {
            return;
        };
        let expected_status = i32::from(ours.status != Some(0));
        assert_eq!(
            ran.status,
            Some(expected_status),
            "{}\n{program}",
            ran.stderr
        );
        assert_eq!(ran.stdout, ours.stdout, "{form}: {exprs:?}\n{program}");
        if expected_status == 0 {
            assert!(ran.stderr.contains(" on 2 workers in "), "{}", ran.stderr);
        }
    }
}

/// The two forms that need nothing but Python.
#[track_caller]
fn check(exprs: &[&str]) {
    check_forms(&["futures", "dataflow"], exprs);
}

/// The program's timing line counts in the singular where there is one.
#[test]
fn one_task_on_one_worker_is_singular() {
    let program = Test::new()
        .args(&["-w", "1", "--python", "-e", "1 + 2"])
        .expect_status(0)
        .stdout;
    let Some(ran) = run_python(&program) else {
        return;
    };
    assert_eq!(ran.status, Some(0), "{}\n{program}", ran.stderr);
    assert_eq!(ran.stdout, "3\n");
    assert!(
        ran.stderr.starts_with("# 1 task on 1 worker in "),
        "{}",
        ran.stderr
    );
}

#[test]
fn programs_print_what_parcalc_prints() {
    check(&[COURSE]);
    check(&["0.1 + 0.2"]);
    check(&["-7 // 2 + 7.5 % -2 + 2 ^ -1 - -3"]);
    check(&["10 ^ 400 / 10 ^ 399"]);
    check(&["2 ^ 3 ^ 2 + 2 ** 0.5"]);
    check(&["1e300 * 1e10 - 1e308 * 10"]);
    check(&["abs(-3) + max(4, 1) + min(2, 3.5) + sqrt(16) + gcd(12, 18) + lcm(4, 6)"]);
    check(&["pow(3, 4, 5) + round(2.5) + int(7.9) + float(3) + hypot(3, 4) + ~5"]);
    check(&["sum(k * k % 7 for k in range(100)) + max(range(5)) * prod(range(1, 6))"]);
    check(&["sum(k*k for k in range(8))"]);
    check(&["sum(1 / k for k in range(1, 200)) + min(k % 7 - 0.5 for k in range(3, 40, 3))"]);
    check(&["sum(sum(j for j in range(k)) for k in range(10)) + (1 + 2) * (3 + 4)"]);
    check(&["sum(k for k in range(2 + 3, 4 * 5))"]);
    check(&["sin(pi / 4) + log(8, 2) + (5 & 3 | 8 << 1) + ~2"]);
    check(&["factorial(30) // max(1, 2, 3)"]);
    check(&["3 ^ 20000 + 1"]);
    check(&["42"]);
    check(&["x = 2.5", "y = 10 ^ 5000", "x * 4 + y % 7"]);
    check(&["x = 3", "sum(k * x for k in range(x))"]);
    let big_literal = format!("1{} + 1", "0".repeat(5000));
    check(&[&big_literal]);
    check(&["(1 if 2 > 1 else 1 / 0) + (0 or 4) * (1 < 2 < 3) - (not 0) + True"]);
    check(&["sum(i * j for i in range(5) for j in range(i) if (i + j) % 2) + 1"]);
    check(&[
        "x = 5",
        "sum(k > 2 and k for k in range(x)) + (x if x > 3 else -x)",
    ]);
}

#[test]
fn errors_are_pythons() {
    for form in ["futures", "dataflow"] {
        let program = program(form, &[], &["(1 + 2) * (3 / 0)"]);
        if let Some(ran) = run_python(&program) {
            assert_eq!(ran.status, Some(1), "{}{}", ran.stdout, ran.stderr);
            assert_eq!(ran.stderr, "error: ZeroDivisionError: division by zero\n");
        }
    }
    check(&["(1 + 2) * (3 / 0) + (4 * 5)"]);
    check(&["min(k for k in range(0))"]);
    check(&["sum(1 // (k - 3) for k in range(5))"]);
    check(&["sqrt(-1) + 1"]);
    check(&["2.0 ^ 10000"]);
    // An unknown name is parcalc's error, before any program is written.
    let run = Test::new()
        .args(&["--python", "-e", "y + 1"])
        .expect_status(1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("name 'y' is not defined"),
        "{}",
        run.stderr
    );
}

/// The course example in the course's idiom: `submit` and `.result()`, no callback; every task
/// of a level submitted before the main thread waits for any; 500 on three workers and on one
/// (which never deadlocks: only the main thread waits).
#[test]
fn the_course_idiom_submits_a_level_before_it_waits() {
    for workers in ["3", "1"] {
        let program = program(
            "futures",
            &["--workers", workers, "--delay", "50ms"],
            &[COURSE],
        );
        assert!(
            program.contains(&format!("\nWORKERS = {workers}\n")),
            "{program}"
        );
        assert!(program.contains("\nDELAY = 0.05  #"), "{program}");
        assert!(
            program.contains("with ThreadPoolExecutor(max_workers=WORKERS) as e:"),
            "{program}"
        );
        assert!(!program.contains("callback"), "{program}");
        let lines: Vec<&str> = program.lines().map(str::trim).collect();
        let position = |line: &str| {
            lines
                .iter()
                .position(|&l| l == line)
                .unwrap_or_else(|| panic!("no line {line:?} in\n{program}"))
        };
        let first_wait = lines
            .iter()
            .position(|line| line.starts_with('f') && line.contains(".result()"))
            .unwrap();
        // The three independent tasks, 3 + 7, 2 + 8 and 2 * 3, are all in flight before the
        // main thread waits for any of them.
        for submit in [
            "f2 = e.submit(add, 3, 7)",
            "f5 = e.submit(add, 2, 8)",
            "f9 = e.submit(mul, 2, 3)",
        ] {
            assert!(position(submit) < first_wait, "{program}");
        }
        position("f6 = e.submit(mul, f2.result(), f5.result())");
        position("f11 = e.submit(sub, f9.result(), 1)");
        position("f12 = e.submit(mul, f6.result(), f11.result())");
        position("return f12.result()");
        // Each node's future is named in the comment block.
        assert!(program.contains("#   f11  #11    (2 * 3) - 1"), "{program}");
        // Only the main thread waits: no function a worker runs calls .result().
        let functions =
            &program[program.find("\nWORKERS =").unwrap()..program.find("def evaluate").unwrap()];
        assert!(!functions.contains(".result()"), "{program}");
        if let Some(ran) = run_python(&program) {
            assert_eq!(
                (ran.stdout.as_str(), ran.status),
                ("500\n", Some(0)),
                "{}",
                ran.stderr
            );
            assert!(
                ran.stderr
                    .starts_with(&format!("# 6 tasks on {workers} worker")),
                "{}",
                ran.stderr
            );
        }
    }
}

/// A reduction in the idiom: `e.map` over chunks of its range, then a fold.
#[test]
fn a_reduction_is_a_map_and_a_fold() {
    let program = program(
        "futures",
        &["--delay", "1ms"],
        &["sum(k*k for k in range(8))"],
    );
    for expected in [
        "m4 = e.map(map_4, chunks(8))",
        "return fold_sum(m4)",
        "def map_4(part):",
        "return [slept(k * k) for k in part]",
    ] {
        assert!(program.contains(expected), "no {expected:?} in\n{program}");
    }
    if let Some(ran) = run_python(&program) {
        assert_eq!(ran.stdout, "140\n", "{}", ran.stderr);
    }
}

/// `--python=dataflow` is the callback-driven program, and says which policy its order is.
#[test]
fn the_dataflow_program_names_its_policy() {
    let program = program(
        "dataflow",
        &["--workers", "3", "--delay", "50ms"],
        &[COURSE],
    );
    assert!(program.contains("add_done_callback"), "{program}");
    // Workers never wait on another task's future.
    assert!(!program.contains(".result()"), "{program}");
    let docstring = &program[..program.find("import").unwrap()];
    let one_line = docstring.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        one_line.contains(
            "the order of parcalc's --policy fifo, not lifo's, which parcalc ran with (its default)"
        ),
        "{docstring}"
    );
    let fifo = Test::new()
        .args(&["--policy", "fifo", "--python=dataflow", "-e", COURSE])
        .expect_status(0)
        .stdout;
    let one_line = fifo.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        one_line.contains("the order parcalc ran with (--policy fifo)"),
        "{fifo}"
    );
    if let Some(ran) = run_python(&program) {
        assert_eq!(ran.stdout, "500\n", "{}", ran.stderr);
    }
}

/// `--python=dask`: Dask's futures, passed to `submit` as arguments; a local cluster unless
/// ADDRESS names a scheduler.
#[test]
fn the_dask_program_prints_what_parcalc_prints() {
    let program = program("dask", &["--workers", "3", "--delay", "10ms"], &[COURSE]);
    for expected in [
        "from dask.distributed import Client",
        "\nADDRESS = None\n",
        "with connect() as client:",
        "f6 = client.submit(mul, f2, f5, key=\"node-6\")",
        "return f12.result()",
    ] {
        assert!(program.contains(expected), "no {expected:?} in\n{program}");
    }
    if !dask_available() {
        return;
    }
    check_forms(
        &["dask"],
        &[
            "x = 2",
            "(3 + 7) * (2 + 8) * ((2 * 3) - x) + sum(k*k for k in range(8))",
        ],
    );
    check_forms(&["dask"], &["sum(1 / k for k in range(1, 50)) + sqrt(2)"]);
    check_forms(&["dask"], &["(1 + 2) * (3 / 0) + (4 * 5)"]);
}

/// Unknown forms are refused as bad usage.
#[test]
fn an_unknown_form_is_bad_usage() {
    let run = Test::new()
        .args(&["--python=threads", "-e", "1 + 2"])
        .expect_status(2);
    assert!(
        run.stderr.contains("expected futures, dataflow or dask"),
        "{}",
        run.stderr
    );
}
