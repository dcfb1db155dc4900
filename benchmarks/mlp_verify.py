"""`diffcheck run` verifying a 2-layer ReLU MLP's backward() (issue 18 item 5: 64 hidden units on a batch of 32 in
practical time), on each symbolic route, and on another checkout for a before/after in one run.

    python benchmarks/mlp_verify.py [--repeats 3] [--before /work/main] [--sizes 4,5,8 8,8,16 32,34,64]

A size is batch,inputs,hidden: the parameters are inputs*hidden + 2*hidden + 1 (57, 161 and 2,305 by default). Each
row is the median CPU time (the run and every process under it, from /proc: Linux) and wall time of a fresh
`diffcheck run --quiet` of the seeded snippet, its exit code, interleaved with the others so all see the same load;
the load average is printed with them (the machine is shared, so CPU time is the figure to compare). A run whose
check passes `--timeout` (60 s of wall time) reports the call as not verifiable: exit code 2, and the CPU time it had
used by then.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNIPPET = """import torch

torch.manual_seed(0)
X = torch.randn(BATCH, INPUTS)
y = torch.randn(BATCH, 1)
W1 = torch.randn(INPUTS, HIDDEN, requires_grad=True)
b1 = torch.zeros(HIDDEN, requires_grad=True)
W2 = torch.randn(HIDDEN, 1, requires_grad=True)
b2 = torch.zeros(1, requires_grad=True)
loss = ((torch.relu(X @ W1 + b1) @ W2 + b2 - y) ** 2).mean()
loss.backward()
print(loss.item())
"""


def timed(root: Path, route: str, path: Path) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, exit code) of one `diffcheck run` from the checkout at `root`: the CPU time of
    the run and every process under it, read from /proc while they live (the check's forked child is not always
    reaped where getrusage would count it)."""
    env = dict(os.environ, PYTHONPATH=str(root), DIFFCHECK_SYMBOLIC=route)
    command = [sys.executable, "-m", "diffcheck", "run", "--quiet", str(path)]
    start = time.perf_counter()
    # not from this checkout's folder: `python -m` would import the package found there, whatever PYTHONPATH says
    process = subprocess.Popen(command, env=env, cwd=path.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: dict[int, float] = {}
    while process.poll() is None:
        for pid, cpu in _descendants(os.getpid()).items():
            seen[pid] = max(seen.get(pid, 0.0), cpu)
        time.sleep(0.02)
    return sum(seen.values()), time.perf_counter() - start, process.returncode


def _descendants(root: int) -> dict[int, float]:
    """pid -> CPU seconds (user + system) of every process under `root`."""
    tick, children = os.sysconf("SC_CLK_TCK"), {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or one that ended
        children.setdefault(int(fields[1]), []).append((int(entry), (int(fields[11]) + int(fields[12])) / tick))
    found, stack = {}, [root]
    while stack:
        for pid, cpu in children.get(stack.pop(), []):
            found[pid] = cpu
            stack.append(pid)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout (main) to time next to this one")
    parser.add_argument("--sizes", nargs="+", default=["4,5,8", "8,8,16", "32,34,64"])
    args = parser.parse_args()
    runs = [("this checkout", ROOT, route) for route in ("sympy", "auto")]
    if args.before:
        runs.insert(0, (f"{args.before}", args.before, "auto"))
    print(f"load average at start: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"{'parameters':>10}  {'checkout':<16} {'route':<6} {'CPU s':>7} {'wall s':>7}  exit")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            batch, inputs, hidden = (int(n) for n in size.split(","))
            path = Path(folder) / f"mlp_{batch}_{inputs}_{hidden}.py"
            text = SNIPPET.replace("BATCH", str(batch)).replace("INPUTS", str(inputs))
            path.write_text(text.replace("HIDDEN", str(hidden)), encoding="utf-8")
            times: dict = {run: [] for run in runs}
            for _ in range(args.repeats):
                for run in runs:
                    if not times[run] or times[run][-1][2] == 0:  # a run that timed out once is not repeated
                        times[run].append(timed(run[1], run[2], path))
            for run, measured in times.items():
                cpu, wall = (statistics.median(m[k] for m in measured) for k in (0, 1))
                codes = sorted({m[2] for m in measured})
                name = run[0] if run[1] != ROOT else "this checkout"
                print(
                    f"{inputs * hidden + 2 * hidden + 1:>10,}  {name[-16:]:<16} {run[2]:<6} {cpu:7.2f} {wall:7.2f}  {codes}"
                )
    print(f"load average at end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
