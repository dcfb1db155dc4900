"""Flat cost per op (issue 22): `python benchmarks/flat_cost.py OLD_TREE NEW_TREE [--repeats N] [--sizes ...]`.

A deep chain (y = y * 0.9999, y = y + 0.0001, ...; then backward) at 1e4, 1e5 and 1e6 ops, each tree in fresh
processes taken in turn (so the host's load drifts over both alike), in a process that has imported NumPy, SymPy, rich
and click as the CLI's has: their objects are what makes every full pass of the cyclic collector long. Time is CPU
time (time.process_time: the machine is shared) per op, forward and backward, the median of the repeats; the ratio to
read is per op at the deepest over per op at 1e4 (target: at most 1.3). Memory is bytes per op the graph holds after
forward (tracemalloc, exact for NumPy's allocations too) and what is left once the root is dropped, without
gc.collect(): a graph must free by reference counting alone.
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

SIZES = (10_000, 100_000, 1_000_000)


def _chain(x, depth: int):
    y = x
    for _ in range(depth // 2):
        y = y * 0.9999
        y = y + 0.0001
    return y


def _import():
    import click  # noqa: F401  - the CLI's process has them all: the collector walks their objects too
    import numpy  # noqa: F401
    import rich  # noqa: F401
    import sympy  # noqa: F401

    import diffcheck

    return diffcheck


def time_worker(depth: int) -> dict:
    """CPU seconds of one chain's forward and backward, in this (fresh) process."""
    torch = _import()
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    _chain(x, 1000).backward()  # warm up
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    started = time.process_time()
    y = _chain(x, depth)
    built = time.process_time()
    y.backward()
    done = time.process_time()
    grad = float(x.grad)
    del y
    return {"forward": built - started, "backward": done - built, "total": done - started, "grad": grad}


def memory_worker(depth: int) -> dict:
    """Bytes per op after forward, after backward and once the root is dropped (no gc.collect())."""
    import gc
    import tracemalloc

    torch = _import()
    tracemalloc.start()
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    y = _chain(x, depth)
    forward = tracemalloc.get_traced_memory()[0] - base
    y.backward()
    backward = tracemalloc.get_traced_memory()[0] - base
    del y
    dropped = tracemalloc.get_traced_memory()[0] - base
    return {"forward": forward / depth, "backward": backward / depth, "dropped": dropped / depth}


def _run(tree: str, kind: str, depth: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(depth)],
        env={**os.environ, "PYTHONPATH": tree},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", help="source trees to compare, e.g. /work/main and this checkout")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--memory-size", type=int, default=100_000)
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "DEPTH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, depth = args.worker[0], int(args.worker[1])
        print(json.dumps((time_worker if kind == "time" else memory_worker)(depth)))
        return
    trees = args.trees or [str(Path(__file__).resolve().parent.parent)]
    loads = [os.getloadavg()[0]]
    runs = {(tree, size): [] for tree in trees for size in args.sizes}
    for _ in range(args.repeats):
        for size in args.sizes:
            for tree in trees:
                runs[tree, size].append(_run(tree, "time", size))
        loads.append(os.getloadavg()[0])
    memory = {tree: _run(tree, "memory", args.memory_size) for tree in trees}
    print(
        f"chain, CPU µs per op (median of {args.repeats}, forward + backward); load average "
        f"{min(loads):.2f}–{max(loads):.2f} over the run"
    )
    for tree in trees:
        grads = {run["grad"] for size in args.sizes for run in runs[tree, size][:1]}
        per_op = {
            size: {
                part: statistics.median(r[part] for r in runs[tree, size]) / size * 1e6
                for part in ("forward", "backward", "total")
            }
            for size in args.sizes
        }
        first = per_op[args.sizes[0]]["total"]
        cells = "  ".join(
            f"{size:>9,}: {p['total']:.3f} (fwd {p['forward']:.3f}, bwd {p['backward']:.3f}) ×{p['total'] / first:.2f}"
            for size, p in per_op.items()
        )
        m = memory[tree]
        print(f"{tree}\n  {cells}")
        print(
            f"  bytes/op at {args.memory_size:,}: forward {m['forward']:.1f}, after backward {m['backward']:.1f}, "
            f"root dropped {m['dropped']:.2f}; grads {sorted(grads)}"
        )
    if len(trees) == 2:
        old, new = trees
        for size in args.sizes:
            a, b = (statistics.median(r["total"] for r in runs[t, size]) for t in (old, new))
            print(f"new/old at {size:>9,}: {b / a:.3f}")


if __name__ == "__main__":
    main()
