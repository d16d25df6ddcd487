#!/usr/bin/env python3
"""README's transcripts, from real runs.

Every line of README.md that starts with `$ parcalc` inside a fenced block is a command; the
lines after it, up to the next `$ ` line or the end of the block, are what it printed (stderr
then stdout, as a terminal shows them, 80 columns, no colour). A transcript that ends with a
line `…` shows only the lines before it; a note after an output line (`500   # in about 300
ms`) is kept after it.

    python3 bench/transcripts.py [--parcalc PATH]          # rewrite README.md from real runs
    python3 bench/transcripts.py --check [--parcalc PATH]  # only check, exit 1 on a difference

`--check` compares what does not depend on the run: the exit status, the first line of output
(the value, or the error) and the schedule's header (which worker ran which task, the timings
and, in a race, which tasks started vary from run to run); `tests/it/readme.rs` checks the
same in the test suite. Commands with a pipe (`| python3`) are left as they are.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")


def run(parcalc, command):
    """The output of `command` (a `$ parcalc …` line without the `$ `) and its exit status."""
    words = shlex.split(command)
    assert words[0] == "parcalc", command
    env = dict(os.environ, COLUMNS="80", NO_COLOR="1")
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [parcalc] + words[1:],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    lines = (done.stderr + done.stdout).rstrip("\n").split("\n")
    return lines, done.returncode


def transcripts(lines):
    """(index of the `$` line, index past its output) of each command, in order."""
    in_block = False
    found = []
    start = None
    for index, line in enumerate(lines):
        if line.startswith("```"):
            if in_block and start is not None:
                found.append((start, index))
                start = None
            in_block = not in_block
            continue
        if not in_block:
            continue
        if line.startswith("$ "):
            if start is not None:
                found.append((start, index))
            start = index if line.startswith("$ parcalc") and "|" not in line else None
    return found


def same_run(shown, output):
    """Whether `output` is a run of the same command as `shown`: the same first line (the value,
    or the error) and the same header of the schedule, if one is shown. Which worker ran which
    task, the timings and, in a race, which tasks started differ from run to run."""
    header = lambda lines: [line for line in lines if line.startswith("schedule on ")][:1]
    return shown[:1] == output[:1] and header(shown) == header(output)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument(
        "--parcalc", default=os.path.join(ROOT, "target", "release", "parcalc")
    )
    args = parser.parse_args()
    args.parcalc = os.path.abspath(args.parcalc)
    with open(README, encoding="utf-8") as file:
        lines = file.read().split("\n")
    differences = 0
    # Backwards, so that replacing one transcript leaves the indices of the earlier ones.
    for start, end in reversed(transcripts(lines)):
        command = lines[start][2:]
        shown = lines[start + 1 : end]
        # Blank lines between two commands of a block stay as they are.
        blanks = []
        while shown and not shown[-1].strip():
            blanks.append(shown.pop())
        # A note after an output line (`500   # in about 300 ms`) stays after it.
        notes = {}
        for at, line in enumerate(shown):
            note = re.search(r"\s{2,}# .*$", line)
            if note:
                notes[at] = note.group(0)
                shown[at] = line[: note.start()]
        output, status = run(args.parcalc, command)
        truncated = bool(shown) and shown[-1] == "…"
        if truncated:
            output = output[: len(shown) - 1] + ["…"]
        if args.check:
            expected_status = 1 if any(line.startswith("error:") for line in shown) else 0
            problems = []
            if status != expected_status:
                problems.append(f"exit status {status}, not {expected_status}")
            if not same_run(shown, output):
                problems.append(f"prints {output[:1]}, not {shown[:1]}")
            if problems:
                differences += 1
                print(f"README.md:{start + 1}: {command}: {', '.join(problems)}")
        else:
            for at, note in notes.items():
                if at < len(output):
                    output[at] += note
            lines[start + 1 : end] = output + blanks
    if args.check:
        sys.exit(1 if differences else 0)
    with open(README, "w", encoding="utf-8") as file:
        file.write("\n".join(lines))


if __name__ == "__main__":
    main()
