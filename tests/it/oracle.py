"""Evaluates parcalc expressions with CPython, one per line, printing repr() or `error`.

Usage: python3 oracle.py FILE. `^` is Python's `**`; the functions are the builtins abs, min
and max and math's sqrt, gcd, lcm and factorial. A complex result (a negative number to a
fractional power) counts as an error, as parcalc raises one there.
"""

import math
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

with open(sys.argv[1], encoding="utf-8") as lines:
    for line in lines:
        try:
            value = eval(line.replace("^", "**"), NAMES)
            print("error" if isinstance(value, complex) else repr(value))
        except Exception:
            print("error")
