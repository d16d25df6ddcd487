"""Evaluates parcalc expressions with CPython, one per line, printing repr() or the error.

Usage: python3 oracle.py FILE, or python3 oracle.py --program FILE (see run_program), or
python3 oracle.py --messages FILE (see run_messages), with
Python 3.11 or later (math.cbrt and math.exp2 are 3.11's).
`^` is Python's `**` (parcalc has no exclusive or); the names are Python's builtins abs, min,
max, round, pow, int, float, sum, range, hex, oct and bin, math's functions of the same names as parcalc's
(math.prod as prod), and math's constants. An error prints as `error:` and the exception's
class for the classes parcalc raises (ZeroDivisionError, OverflowError, ValueError,
TypeError), else as `error`. A complex result (a negative number to a fractional power), and
arithmetic on one, count as a ValueError, as parcalc raises one there.
"""

import math
import re
import sys

sys.set_int_max_str_digits(0)
FUNCTIONS = [
    "sqrt", "isqrt", "cbrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh",
    "acosh", "atanh", "hypot", "degrees", "radians", "floor", "ceil", "trunc", "fabs",
    "copysign", "fmod", "erf", "erfc", "gamma", "lgamma", "factorial", "gcd", "lcm", "comb",
    "perm", "prod", "pi", "e", "tau", "inf", "nan",
]
NAMES = {name: getattr(math, name) for name in FUNCTIONS}
NAMES.update(
    {
        "__builtins__": {},
        "abs": abs,
        "min": min,
        "max": max,
        "round": round,
        "pow": pow,
        "int": int,
        "float": float,
        "sum": sum,
        "range": range,
        "hex": hex,
        "oct": oct,
        "bin": bin,
    }
)
CLASSES = (ZeroDivisionError, OverflowError, ValueError, TypeError)

if sys.version_info >= (3, 12):
    # 3.12's sum() of floats compensates its rounding errors; parcalc's contract is 3.11's
    # left-to-right additions, which this is.
    def sum_as_in_3_11(iterable, start=0):
        total = start
        for item in iterable:
            total = total + item
        return total

    NAMES["sum"] = sum_as_in_3_11


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


def run_messages(path):
    """`--messages FILE`: each line's repr, or its error as `error:Class: message`, for the
    lines whose message parcalc words as Python does."""
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            try:
                print(repr(eval(line.replace("^", "**"), dict(NAMES))))
            except Exception as error:
                print(f"error:{type(error).__name__}: {error}")


def run_functions(path):
    """`--functions FILE`: the lines are the statements of one program with user functions, run
    in one namespace as Python's REPL runs them: `def` and `name = expr` print `assigned`, an
    expression binds `_` and prints its repr (a function's without its address), and a
    statement that fails prints `error:` and its class (NameError and RecursionError
    included), binding nothing."""
    namespace = dict(NAMES)
    for line in open(path, encoding="utf-8"):
        text = line.replace("^", "**")
        try:
            if text.lstrip().startswith("def "):
                exec(text, namespace)
                print("assigned")
                continue
            match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)", text)
            target, expression = (match.group(1), match.group(2)) if match else (None, text)
            value = eval(expression, namespace)
            if isinstance(value, complex):
                raise ValueError("complex")
            namespace[target or "_"] = value
            if target:
                print("assigned")
            else:
                print(re.sub(r" at 0x[0-9a-f]+>", ">", repr(value)))
        except (CLASSES + (NameError, RecursionError)) as error:
            print("error:" + type(error).__name__)
        except Exception:
            print("error")


if sys.argv[1] == "--functions":
    sys.setrecursionlimit(100_000)
    run_functions(sys.argv[2])
    sys.exit()
if sys.argv[1] == "--program":
    run_program(sys.argv[2])
    sys.exit()
if sys.argv[1] == "--messages":
    run_messages(sys.argv[2])
    sys.exit()

with open(sys.argv[1], encoding="utf-8") as lines:
    for line in lines:
        try:
            value = eval(line.replace("^", "**"), dict(NAMES))
            print("error:ValueError" if isinstance(value, complex) else repr(value))
        except TypeError as error:
            # Arithmetic on a complex result, which parcalc refuses as a ValueError.
            complex_operand = "complex" in str(error)
            print("error:ValueError" if complex_operand else "error:TypeError")
        except CLASSES as error:
            print("error:" + type(error).__name__)
        except Exception:
            print("error")
