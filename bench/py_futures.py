#!/usr/bin/env python3
"""CPython baseline: the same dataflow evaluation as parcalc, with concurrent.futures.

usage: py_futures.py WORKERS DELAY_MS < FILE    evaluate on a ThreadPoolExecutor
       py_futures.py seq DELAY_MS < FILE        evaluate the same node list in a plain loop

The expression is parsed with Python's own `ast` module and flattened into a post-order list
of nodes. In pool mode every operator node is a task, submitted once its operands are known
(a pending-operand counter per node, decremented in the finishing task), so no worker ever
blocks on another future. DELAY_MS is slept by every operator, as parcalc's --delay.

Prints one line: value (abbreviated), nodes, wall seconds of the evaluation alone (parsing
excluded), and nanoseconds per node.
"""
import ast
import operator
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def post_order(root):
    """[(function, operand indices) or (None, literal)], children before parents."""
    nodes, index_of = [], {}
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if isinstance(node, ast.Constant):
            index_of[id(node)] = len(nodes)
            nodes.append((None, node.value))
        elif not expanded:
            stack.append((node, True))
            children = [node.operand] if isinstance(node, ast.UnaryOp) else [node.left, node.right]
            stack.extend((child, False) for child in reversed(children))
        elif isinstance(node, ast.UnaryOp):
            index_of[id(node)] = len(nodes)
            nodes.append((UNARY[type(node.op)], (index_of[id(node.operand)],)))
        else:
            index_of[id(node)] = len(nodes)
            nodes.append((BINARY[type(node.op)], (index_of[id(node.left)], index_of[id(node.right)])))
    return nodes


def run_sequential(nodes, delay):
    values = [None] * len(nodes)
    for i, (function, operands) in enumerate(nodes):
        if function is None:
            values[i] = operands
            continue
        if delay:
            time.sleep(delay)
        values[i] = function(*(values[k] for k in operands))
    return values[-1]


def run_pool(nodes, delay, n_workers):
    n = len(nodes)
    values = [None] * n
    parent = [None] * n
    pending = [0] * n
    for i, (function, operands) in enumerate(nodes):
        if function is None:
            values[i] = operands
        else:
            pending[i] = len(operands)
            for k in operands:
                parent[k] = i
    lock = threading.Lock()
    finished = threading.Event()

    with ThreadPoolExecutor(max_workers=n_workers) as pool:

        def task(i):
            function, operands = nodes[i]
            if delay:
                time.sleep(delay)
            values[i] = function(*(values[k] for k in operands))
            done(i)

        def done(i):
            p = parent[i]
            if p is None:
                finished.set()
                return
            with lock:
                pending[p] -= 1
                ready = pending[p] == 0
            if ready:
                pool.submit(task, p)

        if n == 1:
            finished.set()
        for i, (function, _) in enumerate(nodes):
            if function is None:
                done(i)
        finished.wait()
    return values[-1]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    mode, delay = sys.argv[1], float(sys.argv[2]) / 1000
    nodes = post_order(ast.parse(sys.stdin.read().strip(), mode="eval").body)
    started = time.perf_counter()
    value = run_sequential(nodes, delay) if mode == "seq" else run_pool(nodes, delay, int(mode))
    wall = time.perf_counter() - started
    bits = value.bit_length() if isinstance(value, int) else 0
    shown = str(value) if bits < 200 else f"<int of {bits} bits>"
    print(f"value={shown} nodes={len(nodes)} wall={wall:.4f}s ns_per_node={wall / len(nodes) * 1e9:.0f}")


main()
