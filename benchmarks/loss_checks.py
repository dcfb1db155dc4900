"""`diffcheck check` of a 10-class linear model's loss, F.cross_entropy(W @ x + b, target) with W 10x8 (90 weights),
and of a 2-layer MLP's loss with 64 weights (W1 8x4, b1, W2 3x8): issue 16's targets, under 5 s and under 10 s.

`python benchmarks/loss_checks.py [--repeat N]`: each program runs `diffcheck check` N times (default 3) in a fresh
process (`python -m diffcheck check ... --format json`, SymPy's import included, as a user runs it), and the medians
of the wall time and of the process's CPU time (user + sys, from os.wait4) are printed with the load average: on a
shared machine the wall time is the CPU time stretched by the other processes, the CPU time what the check needs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))


def _values(rng, shapes: dict) -> list[str]:
    return [
        f"{name}={np.round(rng.uniform(-1, 1, shape), 3).tolist()}".replace(" ", "") for name, shape in shapes.items()
    ]


def programs() -> list[tuple[str, str, list[str], float]]:
    """(label, program, arguments, target seconds); x is data (--no-grad), target a class index."""
    rng = np.random.default_rng(0)
    linear = _values(rng, {"W": (10, 8), "x": (8,), "b": (10,)}) + ["target=3", "--no-grad", "x"]
    mlp = _values(rng, {"W1": (8, 4), "b1": (8,), "W2": (3, 8), "x": (4,)}) + ["target=1", "--no-grad", "x"]
    return [
        ("linear 10x8 (90 weights)", "F.cross_entropy(W @ x + b, target)", linear, 5.0),
        ("MLP 4-8-3 (64 weights)", "h = tanh(W1 @ x + b1); F.cross_entropy(W2 @ h, target)", mlp, 10.0),
    ]


def run_once(program: str, args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one `diffcheck check` in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "diffcheck", "check", program, *args, "--format", "json"],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"check failed: {process.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    print(f"load average before: {os.getloadavg()}")
    print(f"{'program':<26} {'wall s':>8} {'CPU s':>8} {'target s':>9}   (medians of {repeat})")
    for label, program, args, target in programs():
        runs = [run_once(program, args) for _ in range(repeat)]
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(f"{label:<26} {wall:>8.2f} {cpu:>8.2f} {target:>9.1f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
