"""`diffcheck run` of a long loop, cost per iteration: `python benchmarks/run_loop.py [OLD_TREE] NEW_TREE [--repeats N]`.

Three snippets, each at several sizes: `chain`, a loop `y = y * 1.0` then one backward() (its verification apart:
run_graph_size.py times that; until the tracer named one variable's versions in linear time its naming cost the
square of the loop's length), `print`, the same loop printed without backward(), and `train`, a training step per
iteration (backward(), an update under no_grad, grad.zero_(): one traced case per iteration), at a tenth of the size.
Each run is a fresh process with the tree on PYTHONPATH, the trees taken in turn so that the host's load drifts over
both alike. Time is CPU time (time.process_time, the interpreter's thread included: the machine is shared) of
`run_snippet` alone — the interpretation and each backward()'s tracing, not the verification — after a small warm-up
run, per iteration, the median of the repeats. Read the ratio of the largest size's cost per iteration to the
smallest's (flat: at most 1.3). A run past --timeout seconds is shown as such and the tree's larger sizes skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SIZES = (5_000, 20_000, 100_000)
HEAD = "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x\n"
SNIPPETS = {
    "chain": HEAD + "for i in range({n}):\n    y = y * 1.0\ny.backward()\nprint(x.grad)\n",
    "print": HEAD + "for i in range({n}):\n    y = y * 1.0\nprint(y)\n",
    "train": (
        "import torch\nw = torch.tensor(1.0, requires_grad=True)\nfor i in range({n}):\n"
        "    loss = (w * 2.0 - 1.0) ** 2\n    loss.backward()\n    with torch.no_grad():\n        w -= 0.01 * w.grad\n"
        "    w.grad.zero_()\nprint(w)\n"
    ),
}
SCALE = {"chain": 1, "print": 1, "train": 10}  # iterations = size // SCALE


def worker(kind: str, n: int) -> dict:
    """CPU seconds of `run_snippet` over the snippet at `n` iterations, in this (fresh) process."""
    from diffcheck.snippet import Limits, run_snippet
    from diffcheck.snippet.parse import parse_snippet

    limits = Limits(steps=10**9, seconds=1e9)

    def run(iterations: int) -> float:
        snippet = parse_snippet(SNIPPETS[kind].format(n=iterations), "loop.py")
        started = time.process_time()
        outcome = run_snippet(snippet, lambda _: None, limits)
        seconds = time.process_time() - started
        assert outcome.error is None and outcome.raised is None, (outcome.error, outcome.raised)
        return seconds

    run(200)  # warm up: the lazy imports and tables of a first call
    return {"seconds": run(n)}


def _run(tree: str, kind: str, n: int, timeout: float):
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--worker", kind, str(n)],
            env={**os.environ, "PYTHONPATH": tree},
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        ).stdout
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out)["seconds"]


def _cell(size: int, per: float | None, first: float | None) -> str:
    if per is None:
        return f"{size:>7,}: timed out"
    ratio = f" ×{per / first:.2f}" if first else ""
    return f"{size:>7,}: {per:8.1f}{ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", help="source trees to compare, e.g. /work/main and this checkout")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--kinds", nargs="+", choices=sorted(SNIPPETS), default=list(SNIPPETS))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one run may take")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    trees = args.trees or [str(Path(__file__).resolve().parent.parent)]
    loads = [os.getloadavg()[0]]
    runs: dict = {(tree, kind, size): [] for tree in trees for kind in args.kinds for size in args.sizes}
    gave_up: set = set()  # (tree, kind) past the timeout: its larger sizes are skipped
    for _ in range(args.repeats):
        for kind in args.kinds:
            for size in args.sizes:
                for tree in trees:
                    if (tree, kind) in gave_up and not runs[tree, kind, size]:
                        continue
                    seconds = _run(tree, kind, size // SCALE[kind], args.timeout)
                    if seconds is None:
                        gave_up.add((tree, kind))
                    else:
                        runs[tree, kind, size].append(seconds)
        loads.append(os.getloadavg()[0])
    print(
        f"`run` of a loop, CPU µs per iteration (median of {args.repeats}; ×: to the smallest size); load average "
        f"{min(loads):.2f}–{max(loads):.2f} over the run"
    )
    for kind in args.kinds:
        _report(kind, trees, args.sizes, runs)


def _report(kind: str, trees: list, sizes: list, runs: dict) -> None:
    """One snippet's lines: µs per iteration per tree and size, and new/old for two trees."""
    print(f"{kind} (iterations: size / {SCALE[kind]})" if SCALE[kind] > 1 else kind)
    for tree in trees:
        per = {
            size: statistics.median(r) / (size // SCALE[kind]) * 1e6 if (r := runs[tree, kind, size]) else None
            for size in sizes
        }
        print(f"  {tree}\n    " + "  ".join(_cell(size, p, per[sizes[0]]) for size, p in per.items()))
    if len(trees) == 2:
        pairs = {size: [runs[t, kind, size] for t in trees] for size in sizes}
        ratios = {
            size: statistics.median(new) / statistics.median(old) if old and new else None
            for size, (old, new) in pairs.items()
        }
        print("    new/old  " + "  ".join(f"{size:,}: " + (f"{r:.3f}" if r else "—") for size, r in ratios.items()))


if __name__ == "__main__":
    main()
