//! Sessions and the habits of other calculators, in a pseudo-terminal as people meet them:
//! `:load`, `:save`, `:clear`, `parcalc -i FILE`, and the notes and hints for what bc, `bc -l`
//! and pocket calculators accept.

use std::path::PathBuf;

use crate::repl::Repl;

/// A fresh folder for a test's files.
fn folder(name: &str) -> PathBuf {
    crate::util::temp_folder("sessions", name)
}

#[test]
fn load_keeps_a_files_variables_and_clear_forgets_them() {
    let folder = folder("load");
    let file = folder.join("defs.calc");
    std::fs::write(&file, "x = 6; y = x * 7\ny + 1\n").unwrap();
    let mut repl = Repl::start(&["-w", "2"]);
    // The file's expression prints its value; its variables stay.
    repl.check(&format!(":load {}", file.display()), "43");
    repl.check("x * y", "252");
    repl.check(":clear", "forgot 2 variables");
    repl.line("x");
    repl.expect("name 'x' is not defined");
    repl.expect("» ");
}

/// `:save FILE` of a session of two variables, `:clear`, then `:load FILE`.
#[track_caller]
fn save_clear_and_load(repl: &mut Repl, file: &std::path::Path) {
    repl.check(
        &format!(":save {}", file.display()),
        &format!("saved 2 variables to {}", file.display()),
    );
    repl.check(":clear", "forgot 2 variables");
    repl.line(&format!(":load {}", file.display()));
    repl.expect("» ");
}

#[test]
fn save_writes_what_load_reads_back() {
    let folder = folder("save");
    let file = folder.join("saved.calc");
    let mut repl = Repl::start(&["-w", "2"]);
    repl.check("big = 2 ^ 100", "big = 1267650600228229401496703205376");
    repl.check("third = 1 / 3", "third = 0.3333333333333333");
    save_clear_and_load(&mut repl, &file);
    repl.check("big + third", "1.2676506002282294e+30");
    repl.check("big % 1000", "376");
}

#[test]
fn a_loaded_files_errors_name_their_line() {
    let folder = folder("errors");
    let file = folder.join("bad.calc");
    std::fs::write(&file, "a = 1\n1 / 0\nb = a + 1\n").unwrap();
    let mut repl = Repl::start(&["-w", "2"]);
    repl.line(&format!(":load {}", file.display()));
    repl.expect(&format!("{}:2: error: division by zero", file.display()));
    repl.expect("» ");
    repl.check("b", "2");
    repl.line(":load /nonexistent/parcalc.calc");
    repl.expect("error: cannot read /nonexistent/parcalc.calc");
    repl.expect("» ");
}

#[test]
fn a_loaded_file_separates_statements_with_semicolons() {
    let folder = folder("semicolons");
    let file = folder.join("semi.calc");
    std::fs::write(
        &file,
        "a = 2; b = a > 1
c = 5; 1 / 0
",
    )
    .unwrap();
    let mut repl = Repl::start(&["-w", "2"]);
    repl.line(&format!(":load {}", file.display()));
    repl.expect(&format!("{}:2: error: division by zero", file.display()));
    repl.expect("» ");
    repl.check("a + b + c", "8");
}

#[test]
fn interactive_flag_runs_the_file_then_opens_the_prompt() {
    let folder = folder("interactive");
    let file = folder.join("start.calc");
    std::fs::write(&file, "y = 6 * 7\n").unwrap();
    let path = file.display().to_string();
    let mut repl = Repl::start(&["-i", &path, "-e", "z = y + 1"]);
    repl.check("y * 2", "84");
    repl.check("z", "43");
}

#[test]
fn other_calculators_habits_get_a_hint() {
    let mut repl = Repl::start(&["-w", "2"]);
    repl.line("scale = 20");
    repl.expect("note: parcalc has no scale setting");
    repl.expect("» ");
    repl.line("ans");
    repl.expect("the last value is _");
    repl.expect("» ");
    repl.line("e(1)");
    repl.expect("write exp(1)");
    repl.expect("» ");
    repl.line("abs -3");
    repl.expect("write abs(-3)");
    repl.expect("» ");
    repl.line("sin 1");
    repl.expect("write sin(1)");
    repl.expect("» ");
    // A one-letter unknown name gets no implausible suggestion.
    repl.line("q2");
    let shown = repl.expect("» ");
    assert!(!shown.contains("did you mean"), "{shown}");
}

#[test]
fn the_startup_file_runs_before_the_first_prompt_unless_no_init() {
    let init: &[(&str, &[u8])] = &[(".config/parcalc/init.calc", b"y = 7\ny * 100\n")];
    let mut repl = Repl::start_with_files(&["-w", "2"], &[("NO_COLOR", "1")], init);
    // Its values are not shown; its names are known.
    repl.check("y * 6", "42");
    let mut repl = Repl::start_with_files(&["-w", "2", "--no-init"], &[("NO_COLOR", "1")], init);
    repl.line("y");
    repl.expect("name 'y' is not defined");
    repl.expect("» ");
}

#[test]
fn config_sets_the_defaults_and_flags_override_them() {
    let config: &[(&str, &[u8])] = &[(
        ".config/parcalc/config.toml",
        b"# defaults\nworkers = 3\npolicy = \"fifo\"\n",
    )];
    let mut repl = Repl::start_with_files(&[], &[("NO_COLOR", "1")], config);
    repl.check(":workers", "3 workers");
    repl.check("(1 + 2) * (3 + 4) + (5 + 6) * (7 + 8)", "186");
    repl.line(":trace");
    let chart = repl.expect("» ");
    assert!(
        chart.contains("worker 2") && chart.contains("policy fifo"),
        "{chart}"
    );
    let mut repl = Repl::start_with_files(&["-w", "2"], &[("NO_COLOR", "1")], config);
    repl.check(":workers", "2 workers");
}

#[test]
fn a_bad_config_line_is_named_with_its_file_and_number() {
    let folder = folder("config");
    std::fs::create_dir_all(folder.join("parcalc")).unwrap();
    let path = folder.join("parcalc/config.toml");
    std::fs::write(&path, "workers = 2\nwrokers = 3\n").unwrap();
    let run = crate::util::Test::new()
        .args(&["-e", "1 + 1"])
        .env("XDG_CONFIG_HOME", folder.to_str().unwrap())
        .run();
    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "error: {}:2: unknown setting 'wrokers' (did you mean 'workers'?)",
            path.display()
        )),
        "{}",
        run.stderr
    );
    // A good file's defaults apply in batch mode too, under the flags.
    std::fs::write(&path, "delay = \"1ms\"\ngrain = 1\n").unwrap();
    let run = crate::util::Test::new()
        .args(&["--trace", "-w", "2", "-e", "(1 + 2) * 3"])
        .env("XDG_CONFIG_HOME", folder.to_str().unwrap())
        .run();
    assert!(
        run.stdout.contains("delay 1 ms") && run.stdout.contains("2 workers"),
        "{}",
        run.stdout
    );
}

/// Functions are variables: `:vars` shows their definitions, `:save` writes them so that
/// `:load` defines them again, recursion included.
#[test]
fn functions_are_saved_and_loaded_as_definitions() {
    let folder = folder("functions");
    let file = folder.join("functions.calc");
    let mut repl = Repl::start(&["-w", "2"]);
    repl.line("def sq(x): return x * x");
    repl.expect("» ");
    repl.line("fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)");
    repl.expect("» ");
    // In name order.
    repl.line(":vars");
    repl.expect("fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)");
    repl.expect("def sq(x): return x * x");
    repl.expect("» ");
    save_clear_and_load(&mut repl, &file);
    repl.check("sq(fib(10))", "3025");
}
