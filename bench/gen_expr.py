#!/usr/bin/env python3
"""Generate large arithmetic expressions for parcalc's benchmarks and tests.

usage: gen_expr.py SHAPE N [SEED] > FILE

shapes:
  balanced  balanced binary tree of N single-digit leaves joined by + and -
            (N = 1,000,000 gives a 2M-node, ~6 MB expression)
  chain     left-deep chain of N terms: 1 + 2 - 3 + ...
  nested    N levels of parentheses around 1 + 2
  bigmul    balanced product tree of N random 63-bit integers (N = 65,536 gives a
            ~1.2M-digit product)
  random    random tree of N leaves with + - * // % and unary minus

The same SHAPE, N and SEED always give the same text.
"""
import random
import sys


def balanced(n, leaf, ops, rng):
    """A balanced tree over n leaves, built bottom-up (no recursion)."""
    level = [leaf(rng) for _ in range(n)]
    while len(level) > 1:
        joined = [f"({level[i]} {rng.choice(ops)} {level[i + 1]})" for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            joined.append(level[-1])
        level = joined
    return level[0]


def random_tree(n, rng):
    """A random tree over n leaves: repeatedly join two random neighbours."""
    items = []
    for _ in range(n):
        value = str(rng.randint(0, 99))
        items.append(f"-{value}" if rng.random() < 0.1 else value)
    while len(items) > 1:
        i = rng.randrange(len(items) - 1)
        op = rng.choice(["+", "-", "*", "//", "%"])
        items[i:i + 2] = [f"({items[i]} {op} {items[i + 1]})"]
    return items[0]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    shape, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 2026)
    if shape == "balanced":
        text = balanced(n, lambda r: str(r.randint(1, 9)), "+-", rng)
    elif shape == "chain":
        text = "1" + "".join(f" {rng.choice('+-')} {rng.randint(1, 9)}" for _ in range(n - 1))
    elif shape == "nested":
        text = "(" * n + "1 + 2" + ")" * n
    elif shape == "bigmul":
        text = balanced(n, lambda r: str(r.randint(2**62, 2**63)), "*", rng)
    elif shape == "random":
        text = random_tree(n, rng)
    else:
        sys.exit(__doc__)
    sys.stdout.write(text + "\n")


main()
