"""Evaluates parcalc expressions with CPython, one per line, printing repr() or `error`.

Usage: python3 oracle.py FILE, or python3 oracle.py --program FILE (see run_program). `^` is Python's `**`; the functions are the builtins abs, min
and max and math's sqrt, gcd, lcm and factorial. A complex result (a negative number to a
fractional power) counts as an error, as parcalc raises one there.
"""

import math
import re
import sys

sys.set_int_max_str_digits(0)
NAMES = {
    "__builtins__": {},
    "abs": abs,
    "min": min,
    "max": max,
    "sqrt": math.sqrt,
    "gcd": math.gcd,
    "lcm": math.lcm,
    "factorial": math.factorial,
}


def run_program(path):
    """`--program FILE`: the lines are the statements of one program, run as parcalc runs them:
    `name = expr` binds name and prints `assigned`, an expression binds `_` and prints its
    repr, and a statement that fails prints `error` and binds nothing."""
    variables = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)", line)
            target, text = (match.group(1), match.group(2)) if match else (None, line)
            try:
                value = eval(text.replace("^", "**"), NAMES, variables)
                if isinstance(value, complex):
                    raise ValueError("complex")
                variables[target or "_"] = value
                print("assigned" if target else repr(value))
            except Exception:
                print("error")


if sys.argv[1] == "--program":
    run_program(sys.argv[2])
    sys.exit()

with open(sys.argv[1], encoding="utf-8") as lines:
    for line in lines:
        try:
            value = eval(line.replace("^", "**"), NAMES)
            print("error" if isinstance(value, complex) else repr(value))
        except Exception:
            print("error")
