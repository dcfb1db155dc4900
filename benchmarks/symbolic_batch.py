"""The symbolic side and the batch (issue 6, targets 5 and 6), one library per fresh process; benchmarks/run.py runs
them with the other workloads.

    python benchmarks/symbolic_batch.py symbolic diffcheck|sympy [--sin-depth 300]
    python benchmarks/symbolic_batch.py batch diffcheck-j1|diffcheck-j2|sympy|sympy-2 [--cases 1000]

Each prints one JSON line. `symbolic` times two deep expressions: `nested`, a 500-node expression nested 85 deep, and
`sin`, `sin` applied 300 times (written as 300 statements). `diffcheck` checks each through `diffcheck.check.check`
(parse included); `sympy` builds the same expression with SymPy directly, `diff`s it with respect to each input
(`diff_seconds`, the target's denominator) and evaluates the derivatives at the point with `subs` → float. `batch`
runs 1,000 small generated cases: `diffcheck-jN` writes them as sample files into a temporary folder and times the
whole `python -m diffcheck verify DIR -j N` command; `sympy` builds, differentiates and evaluates the same cases in
this one process (its time includes importing SymPy, as the command's does); `sympy-2` runs the `sympy` workload in two
processes at once, each on every other case, and times both from start to end: what two cores give SymPy itself, the
ceiling of `-j 2`'s speed-up on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
POINT = {"x": 0.5, "y": -0.25}
SIN_DEPTH = 300

# ---- expressions as small trees: (op, child, ...) or an input name or a number, printed to text or built in SymPy ----
UNARY = ("sin", "cos", "tanh", "exp")
BINARY = {"add": "+", "sub": "-", "mul": "*"}


def text(tree) -> str:
    if isinstance(tree, str):
        return tree
    if isinstance(tree, (int, float)):
        return repr(tree)
    op, *args = tree
    if op in BINARY:
        return f"({text(args[0])} {BINARY[op]} {text(args[1])})"
    if op == "pow":
        return f"({text(args[0])} ** {args[1]})"
    return f"{op}({text(args[0])})"


def build(tree, sp, syms: dict):
    """The tree as a SymPy user writes it: ordinary (evaluated) SymPy arithmetic; iterative, so depth is free."""
    done: dict[int, object] = {}
    stack = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, str):
            done[id(node)] = syms[node]
        elif isinstance(node, (int, float)):
            done[id(node)] = sp.Float(node) if isinstance(node, float) else sp.Integer(node)
        elif ready:
            op, *args = node
            values = [done[id(a)] for a in args]
            if op == "add":
                done[id(node)] = values[0] + values[1]
            elif op == "sub":
                done[id(node)] = values[0] - values[1]
            elif op == "mul":
                done[id(node)] = values[0] * values[1]
            elif op == "pow":
                done[id(node)] = values[0] ** values[1]
            else:
                done[id(node)] = getattr(sp, op)(values[0])
        else:
            stack.append((node, True))
            stack.extend((a, False) for a in node[1:])
    return done[id(tree)]


def nodes(tree) -> int:
    """Nodes as the parser counts them (a power's exponent is a constant node)."""
    return 1 if not isinstance(tree, tuple) else 1 + sum(nodes(a) for a in tree[1:])


def depth(tree) -> int:
    return 1 if not isinstance(tree, tuple) else 1 + max(depth(a) for a in tree[1:])


def small(rng: random.Random, levels: int):
    """A random scalar expression over x and y, at most `levels` deep."""
    if levels <= 1 or rng.random() < 0.2:
        return rng.choice(["x", "y", "x", "y", round(rng.uniform(0.5, 2.0), 2)])
    kind = rng.random()
    if kind < 0.45:
        return (rng.choice(UNARY), small(rng, levels - 1))
    if kind < 0.9:
        return (rng.choice(list(BINARY)), small(rng, levels - 1), small(rng, levels - 1))
    return ("pow", small(rng, levels - 1), rng.choice([2, 3]))


def nested(seed: int = 5, levels: int = 82, size: int = 500):
    """A spine `levels` deep, each level an op over the spine and a small side tree, about `size` nodes in all.

    `sin` every third level keeps the values (and the derivative) of order one, whatever the products do (`tanh` there
    would too, but SymPy's assumption queries on nested `tanh` grow exponentially with depth: 90 s at this size).
    """
    rng = random.Random(seed)
    tree = "x"
    for level in range(levels):
        if level % 3 == 2:
            tree = ("sin", tree)
            continue
        side = small(rng, 4)
        while nodes(side) < (size - nodes(tree)) / (levels - level) * 1.5 - 3:
            side = (rng.choice(list(BINARY)), side, small(rng, 3))
        op = rng.choice(["add", "mul", "sub"])
        tree = (op, tree, side) if rng.random() < 0.5 else (op, side, tree)
    return tree


def cases(count: int, seed: int = 6) -> list[tuple]:
    """`count` small cases: (tree, point), deterministic for a seed; each reads x (y mostly too)."""
    rng = random.Random(seed)
    made = []
    while len(made) < count:
        tree = small(rng, 4)
        names = {n for n in _leaves(tree) if isinstance(n, str)}
        if "x" not in names or not isinstance(tree, tuple):
            continue
        made.append((tree, {n: round(rng.uniform(-1.0, 1.0), 3) for n in sorted(names)}))
    return made


def _leaves(tree):
    if not isinstance(tree, tuple):
        yield tree
    else:
        for a in tree[1:]:
            yield from _leaves(a)


def sin_program(levels: int) -> str:
    return "\n".join(
        ["t1 = sin(x)"] + [f"t{i} = sin(t{i - 1})" for i in range(2, levels)] + [f"out = sin(t{levels - 1})"]
    )


# ---- the workloads ---------------------------------------------------------------------------------------------------
def deep(work):
    """`work()` on a thread with a big stack and a raised recursion limit, as SymPy needs for deep nesting."""
    sys.setrecursionlimit(100_000)
    threading.stack_size(512 * 1024 * 1024)
    out = {}
    thread = threading.Thread(target=lambda: out.update(value=work()))
    thread.start()
    thread.join()
    return out["value"]


def symbolic(library: str, sin_depth: int = SIN_DEPTH) -> dict:
    tree = nested()
    started = time.perf_counter()
    if library == "diffcheck":
        from diffcheck.check import Case, check
        from diffcheck.lang.parse import parse_program
    else:
        import sympy as sp
    imported = time.perf_counter() - started
    result = {
        "library": library,
        "import_seconds": imported,
        "nested_nodes": nodes(tree),
        "nested_depth": depth(tree),
        "sin_depth": sin_depth,
    }
    for label, source, values in (("nested", text(tree), dict(POINT)), ("sin", sin_program(sin_depth), {"x": 0.5})):
        if library == "diffcheck":

            def work():
                started = time.perf_counter()
                checked = check(Case(parse_program(source), values))
                return (
                    time.perf_counter() - started,
                    not checked.failed,
                    [t.sympy for t in checked.tensors if t.role == "input"],
                )

            seconds, ok, grads = deep(work)
            result[label] = {"seconds": seconds, "ok": ok, "grad": grads}
        else:

            def work():
                syms = {n: sp.Symbol(n, real=True) for n in values}
                expr = build(tree, sp, syms) if label == "nested" else _sin_chain(sp, syms["x"], sin_depth)
                started = time.perf_counter()
                derivatives = [sp.diff(expr, s) for s in syms.values()]
                differentiated = time.perf_counter() - started
                at = {syms[n]: v for n, v in values.items()}
                grads = [float(d.subs(at)) for d in derivatives]
                return differentiated, time.perf_counter() - started, grads

            diff_seconds, seconds, grads = deep(work)
            result[label] = {"diff_seconds": diff_seconds, "seconds": seconds, "grad": grads}
    return result


def _sin_chain(sp, x, levels: int):
    expr = x
    for _ in range(levels):
        expr = sp.sin(expr)
    return expr


def batch(library: str, count: int, part: tuple[int, int] = (0, 1)) -> dict:
    made = cases(count)[part[0] :: part[1]]
    if library == "sympy-2":
        started = time.perf_counter()
        halves = [
            subprocess.Popen(
                [sys.executable, __file__, "batch", "sympy", "--cases", str(count), "--part", f"{k}/2"],
                stdout=subprocess.PIPE,
                text=True,
                env=ENV,
            )
            for k in range(2)
        ]
        checksums = [json.loads(half.communicate()[0])["checksum"] for half in halves]
        return {
            "library": library,
            "cases": count,
            "seconds": time.perf_counter() - started,
            "checksum": sum(checksums),
        }
    if library == "sympy":
        started = time.perf_counter()
        import sympy as sp

        grads = []
        for tree, point in made:
            syms = {n: sp.Symbol(n, real=True) for n in point}
            expr = build(tree, sp, syms)
            at = {syms[n]: v for n, v in point.items()}
            float(expr.subs(at))
            grads.append([float(sp.diff(expr, syms[n]).subs(at)) for n in point])
        return {
            "library": library,
            "cases": count,
            "seconds": time.perf_counter() - started,
            "checksum": sum(map(sum, grads)),
        }
    jobs = library.removeprefix("diffcheck-j")
    with tempfile.TemporaryDirectory() as folder:
        per_file = 50
        for start in range(0, count, per_file):
            lines = []
            for index in range(start, min(count, start + per_file)):
                tree, point = made[index]
                inputs = ", ".join(f"{n} = {v!r}" for n, v in point.items())
                lines.append(f'[[case]]\nname = "case {index}"\nprogram = "{text(tree)}"\ninputs = {{ {inputs} }}\n')
            Path(folder, f"cases-{start // per_file:03d}.toml").write_text("\n".join(lines), encoding="utf-8")
        report = Path(folder, "report.json")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "diffcheck", "verify", folder, "-j", jobs, "--format", "json", "-o", str(report)],
            capture_output=True,
            text=True,
            env=ENV,
        )
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(f"verify exited {done.returncode}: {done.stderr[-2000:]}")
        summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    return {
        "library": library,
        "cases": count,
        "seconds": seconds,
        "jobs": int(jobs),
        "passed": summary["passed"],
        "failed": summary["failed"],
        "errors": summary["errors"],
        "timeouts": summary["timeouts"],
        "exit_code": done.returncode,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=["symbolic", "batch"])
    parser.add_argument("library", nargs="?", default="")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--sin-depth", type=int, default=SIN_DEPTH, help="how many times sin is applied")
    parser.add_argument("--part", default="0/1", help="K/N: batch only cases K, K + N, ... (0-based)")
    args = parser.parse_args()
    if args.workload == "symbolic":
        if args.library not in ("diffcheck", "sympy"):
            parser.error("symbolic: library is diffcheck or sympy")
        result = symbolic(args.library, args.sin_depth)
    elif args.workload == "batch":
        if args.library not in ("sympy", "sympy-2", "diffcheck-j1", "diffcheck-j2"):
            parser.error("batch: library is sympy, sympy-2, diffcheck-j1 or diffcheck-j2")
        k, n = map(int, args.part.split("/"))
        result = batch(args.library, args.cases, (k, n))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
