#!/usr/bin/env python3
"""parcalc's whole-process benchmarks, side by side with GNU bc and CPython, in one run.

usage: python3 bench/run.py [--runs N] [--quick] [--programs]

Builds parcalc in release mode, generates the inputs with bench/gen_expr.py, and measures each
comparison N times (default 5), alternating the contenders so that machine noise hits them
alike. Reports medians (and peak memory where it matters) as a Markdown table on stdout.
GNU bc is installed with apt-get when missing (and when apt-get is there).
"""
import argparse
import os
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


def ensure_tools():
    missing = [pkg for tool, pkg in (("bc", "bc"), (GNU_TIME, "time")) if not shutil.which(tool)]
    if missing and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False)


def measure(cmd, stdin_path=None, timeout=None):
    """One run: (wall seconds, peak RSS MiB, stdout, stderr). Wall is None on a timeout."""
    with tempfile.NamedTemporaryFile("r") as rusage:
        full = [GNU_TIME, "-f", "%M", "-o", rusage.name, *cmd] if os.path.exists(GNU_TIME) else cmd
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        started = time.perf_counter()
        try:
            done = subprocess.run(full, stdin=stdin, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, None, "", ""
        finally:
            if stdin_path:
                stdin.close()
        wall = time.perf_counter() - started
        text = rusage.read().strip().splitlines()
        peak = int(text[-1]) / 1024 if text and text[-1].isdigit() else None
        if done.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr.decode()[-2000:]}")
        return wall, peak, done.stdout.decode(), done.stderr.decode()


def stats_eval_ms(stderr):
    match = re.search(r"eval ([0-9.]+) ms · (\d+) nodes", stderr)
    return (float(match.group(1)), int(match.group(2))) if match else (None, None)


def py_wall(stdout):
    match = re.search(r"wall=([0-9.]+)s", stdout)
    return float(match.group(1)) if match else None


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


def programs_section(runs, quick, work):
    """8. Programs: many small lines, a large pool, memory on a long file, the seed program."""
    real_python = "/root/.pyenv/versions/3.11.7/bin/python3"
    python = real_python if os.path.exists(real_python) else sys.executable
    n_lines = 20_000 if quick else 200_000
    small = os.path.join(work, f"small-{n_lines}.txt")
    with open(small, "w") as out:
        out.writelines(f"{123456 + i % 1000} * 789 + 42 // 5\n" for i in range(n_lines))
    # bc has no `//`: its `/` at scale 0 is the same floor division on these positive numbers.
    small_bc = small + ".bc"
    with open(small_bc, "w") as out:
        out.writelines(f"{123456 + i % 1000} * 789 + 42 / 5\n" for i in range(n_lines))
    py_loop = ("import sys\nfor line in sys.stdin:\n    line = line.strip()\n"
               "    if line:\n        print(eval(line.replace('^', '**')))\n")
    tables = []
    table = Table(f"8a. {n_lines:,} small lines like `123456 * 789 + 42 // 5`",
                  ["program", "median wall", "vs parcalc 2 workers"])
    contenders = {
        "parcalc, 2 workers": lambda: measure([PARCALC, "-w", "2", small]),
        "GNU bc": lambda: measure(["bc", "-q"], stdin_path=small_bc),
        "CPython loop of eval": lambda: measure([python, "-c", py_loop], stdin_path=small),
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
    table = Table("8b. 20,000 small lines, the pool's size", ["workers", "median wall", "vs 2 workers"])
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
    table = Table(f"8c. Memory on a file of {n_long:,} lines", ["program", "median wall", "peak memory"])
    for name, cmd in (("parcalc, 2 workers", [PARCALC, "-w", "2", long_file]),):
        rs = [measure(cmd) for _ in range(1)]
        table.add(name, fmt_s(median(r[0] for r in rs)), fmt_mib(median(r[1] for r in rs)))
    tables.append(table)

    table = Table("8d. The seed as five statements, 100 ms per operator, 4 workers",
                  ["program", "value", "median wall"])
    seed = ["-e", "a = 3 + 7", "-e", "b = 2 + 8", "-e", "c = 2 * 3", "-e", "d = c - 1", "-e", "a * b * d"]
    rs = [measure([PARCALC, "-w", "4", "--delay", "100ms", *seed]) for _ in range(runs)]
    table.add("parcalc -w 4 --delay 100ms -e … (5 statements)", rs[0][2].strip(), fmt_s(median(r[0] for r in rs)))
    tables.append(table)
    return tables


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, 3 runs")
    parser.add_argument("--programs", action="store_true", help="only section 8, programs")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    ensure_tools()
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix="parcalc-bench-")

    def generate(shape, n):
        path = os.path.join(work, f"{shape}-{n}.txt")
        with open(path, "w") as out:
            sh([sys.executable, os.path.join(BENCH, "gen_expr.py"), shape, str(n)], stdout=out)
        return path

    if args.programs:
        for table in programs_section(runs, args.quick, work):
            print(table.markdown())
        shutil.rmtree(work, ignore_errors=True)
        return

    py_futures = [sys.executable, os.path.join(BENCH, "py_futures.py")]
    tables = []
    n_balanced = 100_000 if args.quick else 1_000_000
    n_bigmul = 8192 if args.quick else 65536

    # 1. End to end on the balanced expression.
    balanced = generate("balanced", n_balanced)
    table = Table(f"1. End to end, balanced tree of {n_balanced:,} leaves ({os.path.getsize(balanced) / 1e6:.1f} MB)",
                  ["program", "median wall", "peak memory", "vs parcalc"])
    contenders = {
        "parcalc": lambda: measure([PARCALC, balanced]),
        "GNU bc": lambda: measure(["bc", "-q"], stdin_path=balanced),
        "CPython eval": lambda: measure([sys.executable, "-c", f"print(eval(open({balanced!r}).read()))"]),
    }
    results = repeat(runs, contenders)
    base = median(r[0] for r in results["parcalc"])
    for name, rs in results.items():
        wall = median(r[0] for r in rs)
        table.add(name, fmt_s(wall), fmt_mib(median(r[1] for r in rs)), f"{wall / base:.2f}×")
    tables.append(table)

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

    # 4. Bare pest recognition against the full parse and tree build, same text.
    table = Table(f"4. Parsing the balanced expression ({os.path.getsize(balanced) / 1e6:.1f} MB)", ["stage", "median", "throughput"])
    done = subprocess.run(["cargo", "bench", "--quiet", "--bench", "parse", "--", "both", balanced, str(runs)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        match = re.match(r"(.+?): ([0-9.]+) s median of \d+ \(([0-9.]+) MB/s", line)
        if match:
            table.add(match.group(1), f"{float(match.group(2)):.3f} s", f"{match.group(3)} MB/s")
    tables.append(table)

    # 5. Printing a 1,240,516-digit integer.
    table = Table("5. Printing 3 ^ 2600000 (1,240,516 digits)", ["program", "median"])
    py_print = ("import sys, time; sys.set_int_max_str_digits(0); x = 3 ** 2600000; "
                "t = time.perf_counter(); s = str(x); print(len(s), time.perf_counter() - t)")
    contenders = {
        "parcalc -e '3 ^ 2600000' (whole process)": lambda: measure([PARCALC, "-e", "3 ^ 2600000"]),
        "CPython str() alone": lambda: measure([sys.executable, "-c", py_print]),
    }
    results = repeat(1 if not args.quick else 1, {"CPython str() alone": contenders.pop("CPython str() alone")})
    results.update(repeat(runs, contenders))
    for name, rs in results.items():
        if name.startswith("CPython"):
            table.add(name, fmt_s(median(float(r[2].split()[1]) for r in rs)))
        else:
            table.add(name, fmt_s(median(r[0] for r in rs)))
    tables.append(table)

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

    # 7. Start-up.
    table = Table("7. Start-up to first result, `parcalc -e 1+1`", ["runs", "median wall"])
    walls = [measure([PARCALC, "-e", "1+1"])[0] for _ in range(max(20, runs * 4))]
    table.add(len(walls), f"{median(walls) * 1e3:.1f} ms")
    tables.append(table)

    tables += programs_section(runs, args.quick, work)

    print(f"Machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}; "
          f"{sys.version.split()[0]} CPython; runs per figure: {runs}\n")
    for table in tables:
        print(table.markdown())
    shutil.rmtree(work, ignore_errors=True)


main()
