"""Before/after: `python benchmarks/ab.py BEFORE_DIR AFTER_DIR [--repeats N]` times the scalar graph and the chains
with each source tree first on PYTHONPATH, alternating the two in fresh processes so that the host's load drifts over
both alike, and prints the medians, minima and after/before ratios (issue 15: no more than 1.10)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

WORKLOADS = {
    "scalar": ["scalar", "diffcheck", "--reps", "3"],
    "chain 10,000": ["chain", "diffcheck", "--size", "10000", "--reps", "3"],
    "chain 100,000": ["chain", "diffcheck", "--size", "100000", "--reps", "2"],
}


def _run(tree: str, argv: list) -> float:
    env = {**os.environ, "PYTHONPATH": tree}
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("workloads.py")), *argv],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["per_op_us"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    times = {(name, side): [] for name in WORKLOADS for side in ("before", "after")}
    for _ in range(args.repeats):
        for name, argv in WORKLOADS.items():
            for side in ("before", "after"):
                times[name, side].append(_run(getattr(args, side), argv))
    print(
        f"load average {os.getloadavg()[0]:.2f}; {args.repeats} runs each, µs per op (median; the minimum, which "
        "a loaded host disturbs least)"
    )
    for name in WORKLOADS:
        line = f"{name:14}"
        for label, pick in (("median", statistics.median), ("min", min)):
            before, after = (pick(times[name, side]) for side in ("before", "after"))
            line += f"  {label} {before:6.3f} → {after:6.3f} ({after / before:.3f})"
        print(line)


if __name__ == "__main__":
    main()
