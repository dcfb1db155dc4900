"""`diffcheck run` on a training loop: a 2-layer MLP trained for 200 SGD steps on 64 samples (issue 18, target:
under 10 s), and how far its losses drift from PyTorch's in float32 ulps.

    python benchmarks/training.py [--torch-python /tmp/torch/bin/python] [--repeats 3]

The snippet is seeded, so PyTorch prints the same numbers on every run: the random data and the initial weights
agree bit for bit; the float32 matrix products (NumPy's BLAS here, PyTorch's own there, which sum in another order)
round differently, and the losses drift apart by some ulps. The table gives the median wall time of interpreting the
snippet as `diffcheck run` does (a fresh process: start-up, parsing, the 200 steps on diffcheck's engine, tracing),
of the same snippet under PyTorch (interpreter start and `import torch` included), each in a fresh process and
interleaved, and the distance in float32 ulps between the losses each prints at steps 0, 50, 100, 150 and 199.
`--verify` also times the whole `diffcheck run`, whose SymPy verification of the 200 calls (one graph shape, checked
once) is the expensive part.
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
SNIPPET = """import torch
import torch.nn as nn

torch.manual_seed(0)
X = torch.randn(64, 4)
y = (X * X).sum(dim=1, keepdim=True) - 1.0
model = nn.Sequential(nn.Linear(4, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for step in range(200):
    optimizer.zero_grad()
    loss = ((model(X) - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    if step % 50 == 0 or step == 199:
        print(step, repr(loss.item()))
"""


def interpret(path: str) -> None:
    """The worker: run the snippet as `diffcheck run` does, without its verification; print its output."""
    from diffcheck.snippet import run_snippet
    from diffcheck.snippet.parse import parse_snippet

    outcome = run_snippet(parse_snippet(Path(path).read_text(encoding="utf-8"), path))
    if outcome.error or outcome.raised:
        raise SystemExit(str(outcome.error or outcome.raised))


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, done.stdout


def losses(stdout: str) -> dict[int, float]:
    return {int(step): float(value) for step, value in (line.split() for line in stdout.splitlines())}


def ulps(a: float, b: float) -> int:
    ia, ib = (int(np.array(v, np.float32).view(np.int32)) for v in (a, b))
    return abs(ia - ib)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--torch-python", default=os.environ.get("DIFFCHECK_TORCH_PYTHON", "/tmp/torch/bin/python"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--verify", action="store_true", help="also time `diffcheck run` with its verification")
    parser.add_argument("--interpret", help=argparse.SUPPRESS)  # the worker's mode
    args = parser.parse_args()
    if args.interpret:
        return interpret(args.interpret)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mlp.py"
        path.write_text(SNIPPET.replace("HIDDEN", str(args.hidden)), encoding="utf-8")
        have_torch = Path(args.torch_python).exists()
        ours, theirs = [], []
        for _ in range(args.repeats):  # interleaved: both see the same load
            ours.append(timed([sys.executable, __file__, "--interpret", str(path)]))
            if have_torch:
                theirs.append(timed([args.torch_python, str(path)]))
        if args.verify:
            full = timed([sys.executable, "-m", "diffcheck", "run", "--quiet", "--timeout", "3600", str(path)])[0]
    print(f"2-layer MLP (4 -> {args.hidden} -> 1, tanh), 64 samples, 200 SGD steps; median of {args.repeats}")
    print(f"diffcheck run, interpreting:            {statistics.median(t for t, _ in ours):6.2f} s  (target < 10 s)")
    if args.verify:
        print(f"diffcheck run, verification included:   {full:6.2f} s")
    if not have_torch:
        print(f"PyTorch: {args.torch_python} not found, drift not measured")
        return
    print(f"PyTorch (start-up and import included): {statistics.median(t for t, _ in theirs):6.2f} s")
    mine, reference = losses(ours[0][1]), losses(theirs[0][1])
    print("step  diffcheck loss          PyTorch loss            float32 ulps apart")
    for step in sorted(reference):
        print(f"{step:4d}  {mine[step]!r:22}  {reference[step]!r:22}  {ulps(mine[step], reference[step])}")


if __name__ == "__main__":
    main()
