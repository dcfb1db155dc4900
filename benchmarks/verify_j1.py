"""`verify -j 1` of 1,000 generated cases against bare SymPy (issue 22's first target: at most 0.4), wall and CPU.

    python benchmarks/verify_j1.py [--repeats 5] [--jobs 1] [--before /path/to/another/checkout]

One run, interleaved over the repeats, medians: bare SymPy differentiating and evaluating the cases in one process
(symbolic_batch.py's `batch sympy`, its own timing from before `import sympy`, as the target's denominator), then
`python -m diffcheck verify DIR -j N` of the same cases as sample files (symbolic_batch.py's layout), for this checkout
and, with --before, another one (its bytecode compiled first, as here). Wall seconds of the command, and CPU seconds
of the whole process tree: this process makes itself a child subreaper (Linux), so the fork server and its workers,
which the command does not wait for, are reaped here and their CPU time counted. The load average is printed before
and after: on a shared machine the ratios of one run are what to read.
"""

from __future__ import annotations

import argparse
import compileall
import ctypes
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from symbolic_batch import cases, text

ROOT = Path(__file__).resolve().parent.parent
_PR_SET_CHILD_SUBREAPER = 36


def write_cases(folder: Path, count: int) -> None:
    """The cases as symbolic_batch.py writes them for `batch diffcheck-j1`: 50 per file."""
    made = cases(count)
    for start in range(0, count, 50):
        lines = []
        for index in range(start, min(count, start + 50)):
            tree, point = made[index]
            inputs = ", ".join(f"{n} = {v!r}" for n, v in point.items())
            lines.append(f'[[case]]\nname = "case {index}"\nprogram = "{text(tree)}"\ninputs = {{ {inputs} }}\n')
        Path(folder, f"cases-{start // 50:03d}.toml").write_text("\n".join(lines), encoding="utf-8")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reap() -> None:
    """Wait for every process left to this subreaper (the fork server ends once the command has)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def verify(root: Path, folder: Path, jobs: int) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=str(root))
    command = [sys.executable, "-m", "diffcheck", "verify", str(folder), "-j", str(jobs), "--format", "json"]
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(  # from the folder: `-m` puts the working directory first on sys.path
        [*command, "-o", str(folder / "report.json")], env=env, cwd=folder, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    reap()
    if done.returncode != 0:
        raise SystemExit(f"{root}: verify exited {done.returncode}: {done.stderr[-1000:]}")
    return wall, children_cpu() - cpu


def sympy(count: int, library: str = "sympy") -> tuple[float, float]:
    """symbolic_batch.py's `batch sympy` (or `sympy-2`: two processes): its own wall time, and the CPU of the tree."""
    cpu = children_cpu()
    script = Path(__file__).resolve().parent / "symbolic_batch.py"
    done = subprocess.run([sys.executable, str(script), "batch", library, "--cases", str(count)], capture_output=True)
    reap()
    return json.loads(done.stdout)["seconds"], children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--before", type=Path, help="another checkout, measured beside this one")
    args = parser.parse_args()
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1)
    trees = {"this checkout": ROOT, **({"--before": args.before} if args.before else {})}
    for root in trees.values():
        compileall.compile_dir(root / "diffcheck", quiet=1)
    rows: dict[str, list] = {"bare SymPy": [], **{name: [] for name in trees}}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        write_cases(Path(folder), args.cases)
        for _ in range(args.repeats):
            rows["bare SymPy"].append(sympy(args.cases))
            for name, root in trees.items():
                rows[name].append(verify(root, Path(folder), args.jobs))
    print(f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after; medians of {args.repeats}, -j {args.jobs}")
    base = [statistics.median(column) for column in zip(*rows["bare SymPy"])]
    for name, measured in rows.items():
        wall, cpu = (statistics.median(column) for column in zip(*measured))
        walls = ", ".join(f"{w:.2f}" for w, _ in measured)
        print(f"{name:14} wall {wall:6.3f} s ({wall / base[0]:.2f})  CPU {cpu:6.3f} s ({cpu / base[1]:.2f})  [{walls}]")


if __name__ == "__main__":
    main()
