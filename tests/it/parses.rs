//! Every door parses a statement once: `--count-parses` writes, at the end, how many statements
//! the session parsed, and each run here feeds a known number of statements through one door
//! (`-e`, FILE, stdin, the REPL's lines, a paste, `:load`, `-i`, the commands that take an
//! expression), with the routes a statement may take after its parse (the calling thread, the
//! pool, a program, the tree, `--python`, `--speedup`, the schedule).

use crate::repl::Repl;
use crate::util::Test;

/// Statements of every kind: small, a reduction, a function and its calls, a long one, `;`,
/// an assignment, an error, a comment (not a statement, but parsed like one).
const PROGRAM: &str = "1 + 2
sum(k * k for k in range(100))
f = lambda n: 1 if n < 2 else n * f(n - 1)
f(10); x = 3
(x +
 4) * 2
1 / 0
# a comment
";
/// The statements of [`PROGRAM`]: its lines, the `;` adding one, the two lines of the open
/// parenthesis counting as one, and the comment.
const PROGRAM_STATEMENTS: usize = 8;

fn parses(stderr: &str) -> usize {
    let line = stderr
        .lines()
        .find_map(|line| line.strip_prefix("parses: "))
        .unwrap_or_else(|| panic!("no count of parses in:\n{stderr}"));
    line.trim().parse().unwrap()
}

fn folder(name: &str) -> std::path::PathBuf {
    crate::util::temp_folder("parses", name)
}

#[test]
fn the_batch_doors_parse_each_statement_once() {
    let folder = folder("batch");
    let file = folder.join("program.calc");
    std::fs::write(&file, PROGRAM).unwrap();
    let file = file.to_str().unwrap();
    let long = format!("{}1", "1 + ".repeat(2_000));
    for flags in [
        &[][..],
        &["-w", "1"],
        &["--tree"],
        &["--stats"],
        &["--delay", "1us", "--trace"],
        &["--speedup", "2"],
        &["--python"],
    ] {
        // FILE and stdin.
        let run = Test::new()
            .args(flags)
            .args(&["--count-parses", file])
            .run();
        assert_eq!(
            parses(&run.stderr),
            PROGRAM_STATEMENTS,
            "{flags:?} FILE\n{}",
            run.stderr
        );
        let run = Test::new()
            .args(flags)
            .args(&["--count-parses"])
            .stdin(PROGRAM)
            .run();
        assert_eq!(
            parses(&run.stderr),
            PROGRAM_STATEMENTS,
            "{flags:?} stdin\n{}",
            run.stderr
        );
        // -e, a long one among them.
        let run = Test::new()
            .args(flags)
            .args(&["--count-parses", "-e", "y = 2; y * 3", "-e", &long])
            .args(&[
                "-e",
                "sum(range(10 ** 5))",
                "-e",
                "g = lambda a: a + y",
                "-e",
                "g(1)",
            ])
            .run();
        assert_eq!(parses(&run.stderr), 6, "{flags:?} -e\n{}", run.stderr);
    }
}

#[test]
fn the_repl_parses_each_statement_once() {
    let folder = folder("repl");
    let file = folder.join("program.calc");
    std::fs::write(&file, PROGRAM).unwrap();
    let mut repl = Repl::start(&["-w", "2", "--count-parses", "-i", file.to_str().unwrap()]);
    repl.check("x * 5", "15");
    repl.check("sum(k for k in range(10))", "45");
    repl.paste(&["a = 6", "a * 7", "f(5)"]);
    repl.expect("120");
    repl.check(":tree 1 + 2", "#2 +");
    repl.line(":python 2 * 3");
    repl.expect("ThreadPoolExecutor");
    repl.expect("» ");
    repl.line(":speedup (1 + 2) * (3 + 4) 2");
    repl.expect("speedup = wall on 1 worker / wall on P");
    repl.expect("» ");
    repl.check(&format!(":load {}", file.display()), "3628800");
    repl.line(":quit");
    // -i FILE, two lines, a paste of three, three commands, :load FILE.
    let expected = PROGRAM_STATEMENTS + 2 + 3 + 3 + PROGRAM_STATEMENTS;
    repl.expect(&format!("parses: {expected}"));
}
