#!/usr/bin/env python3
"""parcalc's whole-process benchmarks, side by side with GNU bc, CPython, PARI/GP and gmpy2.

usage: python3 bench/run.py [--runs N] [--quick] [--sections 1,8,9] [--policies] [--programs]
                            [--map-reduce]
       python3 bench/run.py map-reduce [--runs N]   (section 12 alone, as --map-reduce)

Builds parcalc in release mode, generates the inputs with bench/gen_expr.py, and measures each
comparison N times (default 5), alternating the contenders so that machine noise hits them
alike. Reports medians (and peak memory where it matters) as a Markdown table on stdout.
Sections 8 and 9 compare the big-integer work with two programs built on GMP: PARI/GP (`gp`)
and gmpy2 (in the interpreter `python3` names). GNU bc, GNU time and PARI/GP are installed with
apt-get when missing (and when apt-get is there), gmpy2 with that interpreter's pip.

CPython is always timed through the real interpreter (its `sys.executable`), never through a
launcher script on PATH (pyenv's shim adds tens of milliseconds to every start).
"""
import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
PARCALC = os.path.join(ROOT, "target", "release", "parcalc")
COURSE = "(3 + 7) * (2 + 8) * ((2 * 3) - 1)"
GNU_TIME = "/usr/bin/time"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def real_python():
    """The interpreter `python3` names, resolved past any launcher script; this one otherwise."""
    launcher = shutil.which("python3")
    if launcher:
        done = subprocess.run([launcher, "-c", "import sys; print(sys.executable)"],
                              capture_output=True, text=True, check=False)
        path = done.stdout.strip()
        if done.returncode == 0 and path and os.path.exists(path):
            return path
    return sys.executable


PYTHON = real_python()


def ensure_tools():
    tools = (("bc", "bc"), (GNU_TIME, "time"), ("gp", "pari-gp"))
    missing = [pkg for tool, pkg in tools if not shutil.which(tool)]
    if missing and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False)
    if subprocess.run([PYTHON, "-c", "import gmpy2"], capture_output=True).returncode != 0:
        subprocess.run([PYTHON, "-m", "pip", "install", "-q", "gmpy2"], check=False)


def has_gmp_tools():
    gmpy2 = subprocess.run([PYTHON, "-c", "import gmpy2"], capture_output=True).returncode == 0
    return gmpy2 and shutil.which("gp") is not None


def measure(cmd, stdin_path=None, timeout=None, stdout_path=None):
    """One run: (wall seconds, peak RSS MiB, stdout, stderr). Wall is None on a timeout. With
    `stdout_path`, the output goes to that file (and stdout is "")."""
    with tempfile.NamedTemporaryFile("r") as rusage:
        full = [GNU_TIME, "-f", "%M", "-o", rusage.name, *cmd] if os.path.exists(GNU_TIME) else cmd
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        stdout = open(stdout_path, "wb") if stdout_path else subprocess.PIPE
        started = time.perf_counter()
        try:
            done = subprocess.run(full, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, None, "", ""
        finally:
            if stdin_path:
                stdin.close()
            if stdout_path:
                stdout.close()
        wall = time.perf_counter() - started
        text = rusage.read().strip().splitlines()
        peak = int(text[-1]) / 1024 if text and text[-1].isdigit() else None
        if done.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr.decode()[-2000:]}")
        return wall, peak, (done.stdout or b"").decode(), done.stderr.decode()


def stats_eval_ms(stderr):
    match = re.search(r"eval ([0-9.]+) ms · (\d+) nodes", stderr)
    return (float(match.group(1)), int(match.group(2))) if match else (None, None)


def py_wall(stdout):
    match = re.search(r"wall=([0-9.]+)s", stdout)
    return float(match.group(1)) if match else None


def inner_seconds(stderr):
    """The time a gmpy2 snippet measured inside its own process (its `t=` line)."""
    match = re.search(r"^t=([0-9.e-]+)$", stderr, re.MULTILINE)
    return float(match.group(1)) if match else None


def last_eval_seconds(stderr):
    """The evaluation time of the last statement, from parcalc's --stats lines."""
    found = re.findall(r"eval ([0-9.]+) ms", stderr)
    return float(found[-1]) / 1e3 if found else None


def with_figure(result, kind):
    """A measure() result with the figure a comparison reads appended: the process's wall time,
    parcalc's evaluation time, or a snippet's own inner time."""
    wall, peak, stdout, stderr = result
    figure = {"wall": lambda: wall, "eval": lambda: last_eval_seconds(stderr),
              "inner": lambda: inner_seconds(stderr)}[kind]()
    return wall, peak, stdout, stderr, figure


def gmpy2_pow_str(exponent):
    """gmpy2 computing and printing `3 ** exponent`, timing the pow and str in the process."""
    return ("import sys, time, gmpy2\n"
            f"t = time.perf_counter(); s = str(gmpy2.mpz(3) ** {exponent}); t = time.perf_counter() - t\n"
            "sys.stdout.write(s + '\\n'); sys.stderr.write(f't={t}\\n')\n")


GMPY2_FAC = ("import sys, time, gmpy2\n"
             "t = time.perf_counter(); f = gmpy2.fac(1000000); t = time.perf_counter() - t\n"
             "sys.stderr.write(f't={t}\\n')\n")

GMPY2_DENSE = ("import sys, time, gmpy2\n"
               "a = gmpy2.mpz(3) ** 2018900; b = gmpy2.mpz(7) ** 1496100\n"
               "t = time.perf_counter(); c = a * b; t = time.perf_counter() - t\n"
               "sys.stderr.write(f't={t}\\n')\n")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_s(value):
    return "timeout" if value is None else f"{value:.3f} s"


def fmt_mib(value):
    return "–" if value is None else f"{value:.0f} MiB"


class Table:
    def __init__(self, title, header):
        self.title, self.header, self.rows = title, header, []

    def add(self, *cells):
        self.rows.append([str(c) for c in cells])

    def markdown(self):
        lines = [f"### {self.title}", "", "| " + " | ".join(self.header) + " |",
                 "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"


def repeat(runs, contenders):
    """contenders: {name: callable returning a dict of figures}; interleaved runs."""
    results = {name: [] for name in contenders}
    for _ in range(runs):
        for name, run in contenders.items():
            results[name].append(run())
    return results


# The README's expression on which the three scheduling policies differ: a balanced product
# of sums beside a chain of six operators.
POLICY_EXAMPLE = "(1 + 2) * (3 + 4) + (5 + 6) * (7 + 8) + ((((1 + 1) * 2 + 1) * 2 + 1) * 2)"


def trace_ms(text, label):
    """The figure `label` of a `--trace` printout (`wall time`, `optimal (Hu)`), in ms."""
    match = re.search(rf"^{re.escape(label)}\s+([0-9.]+) (ns|µs|ms|s)\b", text, re.MULTILINE)
    if not match:
        return None
    scale = {"ns": 1e-6, "µs": 1e-3, "ms": 1.0, "s": 1e3}[match.group(2)]
    return float(match.group(1)) * scale


def policies_table(runs):
    """Each scheduling policy's median evaluation time on 1 to 4 workers at 100 ms per operator,
    beside the optimal makespan (Hu's algorithm, as `--trace` reports it), on the course example
    and the README's policy example. `critical-path` is Hu's list schedule: the last column counts
    its runs within 2% of the optimum (at least 10 runs per row, whatever --runs says)."""
    policies = ("lifo", "fifo", "critical-path")
    runs = max(runs, 10)
    table = Table(f"10. Scheduling policies beside the optimal schedule, 100 ms per operator, {runs} runs",
                  ["expression", "workers", "optimal (Hu)", *(f"{p} median eval" for p in policies),
                   "critical-path runs within 2% of optimal"])
    for label, expr in (("course example", COURSE), ("README policy example", POLICY_EXAMPLE)):
        for n in range(1, 5):
            def run(policy, n=n, expr=expr):
                _, _, out, err = measure([PARCALC, "--stats", "--trace", "--no-color", "-w", str(n),
                                          "--delay", "100ms", "--policy", policy, "-e", expr])
                return stats_eval_ms(err)[0], trace_ms(out, "optimal (Hu)")
            results = repeat(runs, {policy: lambda policy=policy: run(policy) for policy in policies})
            optimal = median(r[1] for r in results["critical-path"])
            walls = {policy: median(r[0] for r in rs) for policy, rs in results.items()}
            within = sum(1 for r in results["critical-path"] if r[0] <= optimal * 1.02)
            table.add(label, n, f"{optimal:.0f} ms", *(f"{walls[p]:.1f} ms" for p in policies),
                      f"{within} of {len(results['critical-path'])}")
    return table


def programs_section(runs, quick, work):
    """11. Programs: many small lines, a large pool, memory on a long file, the seed program."""
    python = PYTHON
    n_lines = 20_000 if quick else 200_000
    # Random operands, the same every run: a multiplication, a floor division, an addition.
    rng = random.Random(11)
    lines = [f"{rng.randrange(1, 10 ** 6)} * {rng.randrange(1, 1000)} + "
             f"{rng.randrange(1, 100)} // {rng.randrange(1, 10)}" for _ in range(n_lines)]
    small = os.path.join(work, f"small-{n_lines}.txt")
    with open(small, "w") as out:
        out.writelines(line + "\n" for line in lines)
    # bc has no `//`: its `/` at scale 0 is the same floor division on these positive numbers.
    small_bc = small + ".bc"
    with open(small_bc, "w") as out:
        out.writelines(line.replace("//", "/") + "\n" for line in lines)
        out.write("quit\n")
    py_loop = ("import sys\nwith open(sys.argv[1]) as f:\n    for line in f:\n"
               "        print(eval(line))\n")
    tables = []
    table = Table(f"11a. {n_lines:,} small lines like `123456 * 789 + 42 // 5`, random operands, "
                  "the file as an argument, the output to a file",
                  ["program", "median wall", "vs parcalc 2 workers"])
    out_path = os.path.join(work, "small-out.txt")
    contenders = {
        "parcalc, 2 workers": lambda: measure([PARCALC, "-w", "2", small], stdout_path=out_path),
        "GNU bc": lambda: measure(["bc", "-q", small_bc], stdout_path=out_path),
        "CPython loop of eval": lambda: measure([python, "-c", py_loop, small],
                                                stdout_path=out_path),
    }
    results = repeat(runs, contenders)
    base = median(r[0] for r in results["parcalc, 2 workers"])
    for name, rs in results.items():
        wall = median(r[0] for r in rs)
        table.add(name, fmt_s(wall), f"{wall / base:.2f}×")
    tables.append(table)

    # A pool of 1,024 threads loads the shared machine: a short file and few runs.
    short = os.path.join(work, "small-20000.txt")
    with open(short, "w") as out:
        out.writelines(f"{123456 + i % 1000} * 789 + 42 // 5\n" for i in range(20_000))
    table = Table("11b. 20,000 small lines, the pool's size", ["workers", "median wall", "vs 2 workers"])
    contenders = {n: (lambda n=n: measure([PARCALC, "-w", str(n), short])) for n in (2, 1024)}
    results = repeat(min(runs, 3), contenders)
    base = median(r[0] for r in results[2])
    for n, rs in results.items():
        wall = median(r[0] for r in rs)
        table.add(n, fmt_s(wall), f"{wall / base:.2f}×")
    tables.append(table)

    n_long = 200_000 if quick else 2_000_000
    long_file = os.path.join(work, f"small-{n_long}.txt")
    with open(long_file, "w") as out:
        out.writelines(f"x{i % 7} = {i} * 3 + 1\n" if i % 3 else f"{i} // 7 + 1\n" for i in range(n_long))
    table = Table(f"11c. Memory on a file of {n_long:,} lines", ["program", "median wall", "peak memory"])
    for name, cmd in (("parcalc, 2 workers", [PARCALC, "-w", "2", long_file]),):
        rs = [measure(cmd) for _ in range(1)]
        table.add(name, fmt_s(median(r[0] for r in rs)), fmt_mib(median(r[1] for r in rs)))
    tables.append(table)

    table = Table("11d. The seed as five statements, 100 ms per operator, 4 workers",
                  ["program", "value", "median wall"])
    seed = ["-e", "a = 3 + 7", "-e", "b = 2 + 8", "-e", "c = 2 * 3", "-e", "d = c - 1", "-e", "a * b * d"]
    rs = [measure([PARCALC, "-w", "4", "--delay", "100ms", *seed]) for _ in range(runs)]
    table.add("parcalc -w 4 --delay 100ms -e … (5 statements)", rs[0][2].strip(), fmt_s(median(r[0] for r in rs)))
    tables.append(table)
    return tables


ALL_SECTIONS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, 3 runs")
    parser.add_argument("--sections", default=",".join(map(str, ALL_SECTIONS)),
                        help="comma-separated section numbers to run (default: all)")
    parser.add_argument("--policies", action="store_true", help="only the scheduling policies (--sections 10)")
    parser.add_argument("--programs", action="store_true", help="only the programs of many statements (--sections 11)")
    parser.add_argument("--map-reduce", action="store_true", help="only the map-reduce (--sections 12)")
    parser.add_argument("--fib", action="store_true", help="only the recursive calls (--sections 13)")
    args = parser.parse_args()
    sections = {int(part) for part in args.sections.split(",") if part.strip()}
    if args.policies:
        sections = {10}
    if args.programs:
        sections = {11}
    if args.map_reduce:
        sections = {12}
    if args.fib:
        sections = {13}
    runs = 3 if args.quick else args.runs
    ensure_tools()
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix="parcalc-bench-")

    def generate(shape, n):
        path = os.path.join(work, f"{shape}-{n}.txt")
        if not os.path.exists(path):
            with open(path, "w") as out:
                sh([PYTHON, os.path.join(BENCH, "gen_expr.py"), shape, str(n)], stdout=out)
        return path

    py_futures = [PYTHON, os.path.join(BENCH, "py_futures.py")]
    tables = []
    n_balanced = 100_000 if args.quick else 1_000_000
    n_bigmul = 8192 if args.quick else 65536

    if 1 in sections:
        # 1. End to end on the balanced expression.
        balanced = generate("balanced", n_balanced)
        table = Table(f"1. End to end, balanced tree of {n_balanced:,} leaves ({os.path.getsize(balanced) / 1e6:.1f} MB)",
                      ["program", "median wall", "peak memory", "vs parcalc"])
        contenders = {
            "parcalc": lambda: measure([PARCALC, balanced]),
            "GNU bc": lambda: measure(["bc", "-q"], stdin_path=balanced),
            "CPython eval": lambda: measure([PYTHON, "-c", f"print(eval(open({balanced!r}).read()))"]),
        }
        results = repeat(runs, contenders)
        base = median(r[0] for r in results["parcalc"])
        for name, rs in results.items():
            wall = median(r[0] for r in rs)
            table.add(name, fmt_s(wall), fmt_mib(median(r[1] for r in rs)), f"{wall / base:.2f}×")
        tables.append(table)

    if 2 in sections:
        # 2. Big-integer product tree.
        bigmul = generate("bigmul", n_bigmul)
        table = Table(f"2. Big-integer product tree of {n_bigmul:,} 63-bit leaves", ["program", "median eval", "median wall (process)", "vs parcalc 2 workers (eval)"])
        contenders = {
            "parcalc, 1 worker": lambda: measure([PARCALC, "--stats", "-w", "1", bigmul]),
            "parcalc, 2 workers": lambda: measure([PARCALC, "--stats", "-w", "2", bigmul]),
            "CPython sequential": lambda: measure([*py_futures, "seq", "0"], stdin_path=bigmul),
            "CPython futures, 2 workers": lambda: measure([*py_futures, "2", "0"], stdin_path=bigmul),
            "GNU bc (timeout 60 s)": lambda: measure(["bc", "-q"], stdin_path=bigmul, timeout=60),
        }
        results = repeat(1 if not args.quick and runs > 1 else runs, {"GNU bc (timeout 60 s)": contenders.pop("GNU bc (timeout 60 s)")})
        results.update(repeat(runs, contenders))
        evals = {}
        for name, rs in results.items():
            if name.startswith("parcalc"):
                evals[name] = median(stats_eval_ms(r[3])[0] for r in rs if r[0]) / 1e3
            elif name.startswith("CPython"):
                evals[name] = median(py_wall(r[2]) for r in rs if r[0])
            else:
                evals[name] = None
        base = evals["parcalc, 2 workers"]
        for name, rs in results.items():
            ev = evals[name]
            table.add(name, fmt_s(ev) if ev else "–", fmt_s(median(r[0] for r in rs)), f"{ev / base:.2f}×" if ev else "–")
        tables.append(table)

    if 3 in sections:
        balanced = generate("balanced", n_balanced)
        # 3. Per-node scheduling overhead at grain 1.
        table = Table(f"3. Scheduling overhead per node, every operator its own task ({n_balanced:,} leaves)", ["program", "median ns per node"])
        contenders = {
            "parcalc --grain 1, 1 worker": lambda: measure([PARCALC, "--stats", "--grain", "1", "-w", "1", balanced]),
            "parcalc --grain 1, 2 workers": lambda: measure([PARCALC, "--stats", "--grain", "1", "-w", "2", balanced]),
            "parcalc auto grain, 1 worker": lambda: measure([PARCALC, "--stats", "-w", "1", balanced]),
            "parcalc auto grain, 2 workers": lambda: measure([PARCALC, "--stats", "-w", "2", balanced]),
            "CPython futures, 1 worker": lambda: measure([*py_futures, "1", "0"], stdin_path=balanced),
            "CPython futures, 2 workers": lambda: measure([*py_futures, "2", "0"], stdin_path=balanced),
        }
        results = repeat(1 if args.quick else max(1, runs // 2), {k: v for k, v in contenders.items() if k.startswith("CPython")})
        results.update(repeat(runs, {k: v for k, v in contenders.items() if not k.startswith("CPython")}))
        for name, rs in results.items():
            if name.startswith("parcalc"):
                per = median(stats_eval_ms(r[3])[0] * 1e6 / stats_eval_ms(r[3])[1] for r in rs)
            else:
                per = median(float(re.search(r"ns_per_node=(\d+)", r[2]).group(1)) for r in rs)
            table.add(name, f"{per:.0f} ns")
        tables.append(table)

    if 4 in sections:
        balanced = generate("balanced", n_balanced)
        # 4. Bare pest recognition against the full parse and tree build, same text.
        table = Table(f"4. Parsing the balanced expression ({os.path.getsize(balanced) / 1e6:.1f} MB)", ["stage", "median", "throughput"])
        done = subprocess.run(["cargo", "bench", "--quiet", "--bench", "parse", "--", "both", balanced, str(runs)],
                              cwd=ROOT, capture_output=True, text=True, check=True)
        for line in done.stdout.splitlines():
            match = re.match(r"(.+?): ([0-9.]+) s median of \d+ \(([0-9.]+) MB/s", line)
            if match:
                table.add(match.group(1), f"{float(match.group(2)):.3f} s", f"{match.group(3)} MB/s")
        tables.append(table)

    if 5 in sections:
        # 5. Printing a 1,240,516-digit integer.
        table = Table("5. Printing 3 ^ 2600000 (1,240,516 digits)", ["program", "median"])
        py_print = ("import sys, time; sys.set_int_max_str_digits(0); x = 3 ** 2600000; "
                    "t = time.perf_counter(); s = str(x); print(len(s), time.perf_counter() - t)")
        contenders = {
            "parcalc -e '3 ^ 2600000' (whole process)": lambda: measure([PARCALC, "-e", "3 ^ 2600000"]),
            "CPython str() alone": lambda: measure([PYTHON, "-c", py_print]),
        }
        results = repeat(1 if not args.quick else 1, {"CPython str() alone": contenders.pop("CPython str() alone")})
        results.update(repeat(runs, contenders))
        for name, rs in results.items():
            if name.startswith("CPython"):
                table.add(name, fmt_s(median(float(r[2].split()[1]) for r in rs)))
            else:
                table.add(name, fmt_s(median(r[0] for r in rs)))
        tables.append(table)

    if 6 in sections:
        # 6. The course example with a delay.
        table = Table("6. The course example, 100 ms per operator", ["workers", "parcalc median eval", "CPython futures median", "ideal greedy schedule"])
        ideal = {1: 600, 2: 400, 4: 300}
        for n in (1, 2, 4):
            contenders = {
                "parcalc": lambda n=n: measure([PARCALC, "--stats", "-w", str(n), "--delay", "100ms", "-e", COURSE]),
                "python": lambda n=n: measure([*py_futures, str(n), "100"], stdin_path=course_file),
            }
            course_file = os.path.join(work, "course.txt")
            with open(course_file, "w") as f:
                f.write(COURSE + "\n")
            results = repeat(runs, contenders)
            ours = median(stats_eval_ms(r[3])[0] for r in results["parcalc"])
            theirs = median(py_wall(r[2]) for r in results["python"]) * 1e3
            table.add(n, f"{ours:.1f} ms ({(ours / ideal[n] - 1) * 100:+.1f}%)", f"{theirs:.1f} ms", f"{ideal[n]} ms")
        tables.append(table)

    if 7 in sections:
        # 7. Start-up.
        table = Table("7. Start-up to first result, `parcalc -e 1+1`", ["runs", "median wall"])
        walls = [measure([PARCALC, "-e", "1+1"])[0] for _ in range(max(20, runs * 4))]
        table.add(len(walls), f"{median(walls) * 1e3:.1f} ms")
        tables.append(table)

    if {8, 9} & sections and not has_gmp_tools():
        sys.exit("sections 8 and 9 need gp (pari-gp) and gmpy2, which could not be installed")

    if 8 in sections:
        # 8. Big-integer work against GMP: PARI/GP and gmpy2 (GMP 6, one core).
        table = Table("8. Big integers against GMP (PARI/GP, gmpy2)",
                      ["work", "parcalc", "anchor", "anchor's figure", "parcalc / anchor"])

        def row(work, ours, theirs, anchor, same_output=False):
            results = repeat(runs, {"ours": ours, "theirs": theirs})
            if same_output and results["ours"][0][2].strip() != results["theirs"][0][2].strip():
                sys.exit(f"{work}: parcalc and {anchor} print different values")
            mine = median(r[4] for r in results["ours"])
            other = median(r[4] for r in results["theirs"])
            table.add(work, fmt_s(mine), anchor, fmt_s(other), f"{mine / other:.2f}×")

        row("print `3 ^ 2600000` (1.24M digits), whole process",
            lambda: with_figure(measure([PARCALC, "-e", "3 ^ 2600000"]), "wall"),
            lambda: with_figure(measure([PYTHON, "-c", gmpy2_pow_str(2_600_000)]), "inner"),
            "gmpy2 pow + str, in process", same_output=True)
        row("print `3 ^ 2600000`, whole process against whole process",
            lambda: with_figure(measure([PARCALC, "-e", "3 ^ 2600000"]), "wall"),
            lambda: with_figure(measure([PYTHON, "-c", gmpy2_pow_str(2_600_000)]), "wall"),
            "gmpy2 pow + str, whole process")
        bigmul = generate("bigmul", n_bigmul)
        bigmul_gp = os.path.join(work, "bigmul.gp")
        with open(bigmul) as text, open(bigmul_gp, "w") as out:
            out.write("print(" + text.read().strip() + ")\n")
        gp = ["gp", "-q", "-f", "-D", "parisizemax=2G"]
        row(f"product of {n_bigmul:,} 63-bit numbers, printed, whole process",
            lambda: with_figure(measure([PARCALC, bigmul]), "wall"),
            lambda: with_figure(measure(gp, stdin_path=bigmul_gp), "wall"),
            "PARI/GP, whole process", same_output=True)
        row("`factorial(1000000)` evaluation",
            lambda: with_figure(measure([PARCALC, "--stats", "-e", "f = factorial(1000000)"]), "eval"),
            lambda: with_figure(measure([PYTHON, "-c", GMPY2_FAC]), "inner"),
            "gmpy2.fac, in process")
        dense = ["-e", "a = 3 ^ 2018900", "-e", "b = 7 ^ 1496100", "-e", "c = a * b"]
        row("dense 3.2 × 4.2 Mbit product",
            lambda: with_figure(measure([PARCALC, "--stats", *dense]), "eval"),
            lambda: with_figure(measure([PYTHON, "-c", GMPY2_DENSE]), "inner"),
            "gmpy2 `a * b`, in process")
        tables.append(table)

    if 9 in sections:
        # 9. Growth of printing with size.
        table = Table("9. Printing `3 ^ E` as it grows, whole process against gmpy2's pow + str",
                      ["digits", "parcalc (whole process)", "gmpy2 pow + str (in process)",
                       "gmpy2 (whole process)", "parcalc / gmpy2 in process"])
        figures = {}
        for exponent in (650_000, 1_300_000, 2_600_000, 5_200_000, 10_400_000):
            results = repeat(runs, {
                "parcalc": lambda e=exponent: measure([PARCALC, "-e", f"3 ^ {e}"]),
                "gmpy2": lambda e=exponent: measure([PYTHON, "-c", gmpy2_pow_str(e)]),
            })
            digits = len(results["parcalc"][0][2].strip())
            ours = median(r[0] for r in results["parcalc"])
            inner = median(inner_seconds(r[3]) for r in results["gmpy2"])
            whole = median(r[0] for r in results["gmpy2"])
            figures[exponent] = (ours, inner)
            table.add(f"{digits / 1e6:.2f}M", fmt_s(ours), fmt_s(inner), fmt_s(whole), f"{ours / inner:.2f}×")
        (ours_small, inner_small), (ours_big, inner_big) = figures[2_600_000], figures[10_400_000]
        table.add("growth 1.24M → 4.96M", f"{ours_big / ours_small:.2f}×", f"{inner_big / inner_small:.2f}×", "", "")
        tables.append(table)

    if 10 in sections:
        tables.append(policies_table(runs))

    if 11 in sections:
        tables.extend(programs_section(runs, args.quick, work))

    if 12 in sections:
        tables.append(map_reduce_table(runs))
        tables.append(float_reduction_table(runs))

    if 13 in sections:
        tables.append(fib_table(runs, work))

    print(f"Machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}; "
          f"{sys.version.split()[0]} CPython; runs per figure: {runs}\n")
    for table in tables:
        print(table.markdown())
    shutil.rmtree(work, ignore_errors=True)


# Map-reduce: one reduction over ten million elements, on 1 and 2 workers and in CPython.
MAP_REDUCE = "sum(k * k % 7 for k in range(10^7))"
MAP_REDUCE_PY = """
import time
started = time.perf_counter()
value = sum(k * k % 7 for k in range(10**7))
print(value, "wall=%.6fs" % (time.perf_counter() - started))
"""


def map_reduce_table(runs):
    """parcalc's evaluation time (--stats) on 1 and 2 workers beside CPython's own evaluation
    of the same line (timed inside the interpreter), interleaved runs, medians."""
    contenders = {
        "1 worker": lambda: measure([PARCALC, "--stats", "-w", "1", "-e", MAP_REDUCE]),
        "2 workers": lambda: measure([PARCALC, "--stats", "-w", "2", "-e", MAP_REDUCE]),
        "python": lambda: measure([PYTHON, "-c", MAP_REDUCE_PY]),
    }
    results = repeat(runs, contenders)
    values = {r[2].split()[0] for rs in results.values() for r in rs}
    if len(values) != 1:
        sys.exit(f"map-reduce: the values differ: {values}")
    one = median(stats_eval_ms(r[3])[0] for r in results["1 worker"])
    two = median(stats_eval_ms(r[3])[0] for r in results["2 workers"])
    python = median(py_wall(r[2]) for r in results["python"]) * 1e3
    table = Table(f"12. Map-reduce, `{MAP_REDUCE}` (value {values.pop()})",
                  ["evaluator", "median evaluation", "vs 1 worker", "vs CPython"])
    table.add("parcalc, 1 worker", f"{one:.1f} ms", "1.00×", f"{python / one:.2f}× faster")
    table.add("parcalc, 2 workers", f"{two:.1f} ms", f"{one / two:.2f}× faster", f"{python / two:.2f}× faster")
    table.add(f"CPython {sys.version.split()[0]}", f"{python:.1f} ms", "", "1.00×")
    return table


# A float reduction: Python's sum of floats is exact to the last bit only in CPython's order,
# so parcalc keeps the values it cannot fold yet; their memory must stay bounded.
FLOAT_REDUCE = "sum(k * 0.5 for k in range(10^8))"


def float_reduction_table(runs):
    """Peak memory and wall time of a float reduction over 10^8 elements, parcalc on 2
    workers beside CPython, interleaved runs, medians; the values must be equal."""
    contenders = {
        "parcalc, 2 workers": lambda: measure([PARCALC, "-w", "2", "-e", FLOAT_REDUCE]),
        "python": lambda: measure([PYTHON, "-c", "print(sum(k * 0.5 for k in range(10**8)))"]),
    }
    results = repeat(runs, contenders)
    values = {r[2].strip() for rs in results.values() for r in rs}
    if len(values) != 1:
        sys.exit(f"float reduction: the values differ: {values}")
    table = Table(f"12b. Memory of a float reduction, `{FLOAT_REDUCE}` (value {values.pop()})",
                  ["program", "median wall", "peak memory"])
    for name, rs in results.items():
        label = f"CPython {sys.version.split()[0]}" if name == "python" else name
        table.add(label, fmt_s(median(r[0] for r in rs)), fmt_mib(median(r[1] for r in rs)))
    return table


# Recursion as fork-join: the same two lines in parcalc and CPython, bc's `define`, and the
# native Rust function as the floor.
FIB_LAMBDA = "fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)"
FIB_N = 30
FIB_BC = f"""define f(n) {{
  if (n < 2) return (n);
  return (f(n - 1) + f(n - 2));
}}
f({FIB_N})
quit
"""
FIB_RUST = f"""fn fib(n: u64) -> u64 {{
    if n < 2 {{ n }} else {{ fib(n - 1) + fib(n - 2) }}
}}
fn main() {{
    println!("{{}}", fib(std::hint::black_box({FIB_N})));
}}
"""


def fib_table(runs, work):
    """fib(30) by recursion, whole processes, interleaved runs, medians: parcalc on 1 and 2
    workers, CPython running the same two lines, GNU bc reading a FILE argument (its fastest
    form), and a native Rust function compiled with -O; the values must be equal."""
    bc_file = os.path.join(work, "fib.bc")
    with open(bc_file, "w") as out:
        out.write(FIB_BC)
    rust_source = os.path.join(work, "fib.rs")
    native = os.path.join(work, "fib-native")
    with open(rust_source, "w") as out:
        out.write(FIB_RUST)
    sh(["rustc", "-O", "-o", native, rust_source])
    call = f"fib({FIB_N})"
    contenders = {
        "parcalc, 2 workers": lambda: measure([PARCALC, "-w", "2", "-e", FIB_LAMBDA, "-e", call]),
        "parcalc, 1 worker": lambda: measure([PARCALC, "-w", "1", "-e", FIB_LAMBDA, "-e", call]),
        "python": lambda: measure([PYTHON, "-c", f"{FIB_LAMBDA}\nprint({call})"]),
        "GNU bc (FILE)": lambda: measure(["bc", "-q", bc_file]),
        "native Rust": lambda: measure([native]),
    }
    results = repeat(runs, contenders)
    values = {r[2].strip() for rs in results.values() for r in rs}
    if len(values) != 1:
        sys.exit(f"fib: the values differ: {values}")
    base = median(r[0] for r in results["parcalc, 2 workers"])
    table = Table(f"13. Recursion, `{FIB_LAMBDA}` then `{call}` (value {values.pop()})",
                  ["program", "median wall", "peak memory", "vs parcalc, 2 workers"])
    for name, rs in results.items():
        label = f"CPython {sys.version.split()[0]}" if name == "python" else name
        wall = median(r[0] for r in rs)
        table.add(label, fmt_s(wall), fmt_mib(median(r[1] for r in rs)), f"{wall / base:.2f}×")
    return table


if sys.argv[1:2] == ["map-reduce"]:
    # The section's own switch, kept: the same as --map-reduce.
    sys.argv[1:2] = ["--map-reduce"]
main()
