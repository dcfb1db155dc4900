"""`diffcheck check` of programs that reuse each value (issue #22): `y = sin(y) * 0.5 + cos(y) * 0.5 + x`, repeated.

    python benchmarks/reused_values.py [--steps 10 20 30 100] [--repeats 5] [--before /path/to/another/checkout]
                                       [--timeout 30] [--order 2] [--symbolic sympy]

Each step uses the previous value twice: the program is small as a graph and 2**steps nodes written out. Each run is
`python -m diffcheck check PROGRAM x=0.3` in a fresh process (wall seconds), interleaved over the repeats, medians;
with --before, the same commands on another checkout beside this one. A run that passes `--timeout` (diffcheck's own
wall-clock budget, exit code 2) is shown as `> T`, and that tree skips the larger step counts, which are never
faster. The load average is printed before and after: on a shared machine the ratios are what to read.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def program(steps: int) -> str:
    body = "".join(f"y{i + 1} = sin(y{i}) * 0.5 + cos(y{i}) * 0.5 + x\n" for i in range(steps))
    return f"y0 = x\n{body}y{steps}"


def timed(root: Path, steps: int, options: list[str], cwd: str) -> tuple[float, int]:
    """Wall seconds and exit code of one `check` of the `steps`-step program by the checkout at `root`, run in `cwd`
    (an empty folder: `python -m` would import the package of the folder it runs in, whatever PYTHONPATH says)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    env.pop("DIFFCHECK_SYMBOLIC", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "diffcheck", "check", program(steps), "x=0.3", *options],
        capture_output=True,
        env=env,
        cwd=cwd,
        check=False,
    )
    return time.perf_counter() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 20, 30, 100])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout, measured beside this one")
    parser.add_argument("--timeout", type=float, default=30.0, help="diffcheck's --timeout for each run, seconds")
    parser.add_argument("--order", type=int, choices=(1, 2), default=1)
    parser.add_argument("--symbolic", choices=("auto", "sympy", "symengine"), default="auto")
    args = parser.parse_args()
    options = ["--timeout", str(args.timeout), "--order", str(args.order), "--symbolic", args.symbolic]
    trees = {"this checkout": ROOT, **({"--before": args.before.resolve()} if args.before else {})}
    for root in trees.values():
        compileall.compile_dir(root / "diffcheck", quiet=1)
    times: dict = {(name, steps): [] for name in trees for steps in args.steps}
    codes: dict = {}
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as empty:
        for _ in range(args.repeats):
            for steps in sorted(args.steps):
                for name, root in trees.items():
                    if any(codes.get((name, s)) == 2 for s in args.steps if s <= steps):
                        continue  # it ran out of time at fewer steps
                    seconds, code = timed(root, steps, options, empty)
                    times[name, steps].append(seconds)
                    codes[name, steps] = code if code == 2 else codes.get((name, steps), code)
    print(
        f"check --order {args.order} --symbolic {args.symbolic}: medians of {args.repeats}, interleaved; "
        f"load average {load} -> {os.getloadavg()}, {os.cpu_count()} CPUs"
    )
    print("| steps | " + " | ".join(f"{name}, s (exit)" for name in trees) + " |")
    print("|---:|" + "---:|" * len(trees))
    for steps in args.steps:
        cells = []
        for name in trees:
            if codes.get((name, steps)) == 2:
                cells.append(f"> {args.timeout:g} (2)")
            elif not times[name, steps]:
                cells.append("skipped: out of time at fewer steps")
            else:
                cells.append(f"{statistics.median(times[name, steps]):.3f} ({codes[name, steps]})")
        print(f"| {steps} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
