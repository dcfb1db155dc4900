"""`diffcheck run` verifying one backward() against the size of its graph, in named tensors: the figures behind
`defaults.SNIPPET_MAX_TENSORS` and `SNIPPET_MAX_OPERATIONS`.

    python benchmarks/run_graph_size.py [--repeats 3] [--before /work/main] [--only chain,rnn8]

Workloads, each at several sizes (steps): scalar chains (`y = y * 0.99 + x`, `y = torch.sin(y)`: a named tensor a step),
a tanh RNN cell unrolled T steps (`h = torch.tanh(W @ xs[t] + U @ h)`, W and U 4x4 or 8x8: T + 1 named tensors), a chain
whose step uses y twice (`torch.sin(y) * 0.5 + torch.cos(y) * 0.5 + x`), a small MLP trained with one backward() per
step (each call small; the first, last and 3 sampled are verified), a chain through `floor` (an op symengine has no form
of: SymPy's route), the sin chain on SymPy's route (`DIFFCHECK_SYMBOLIC=sympy`), and the chain one step past the limit
(refused). Each row is the median wall and CPU time (the run and every process under it) of a fresh `diffcheck run
--quiet`, the sizes of all workloads taken in turn in each repeat so that the shared machine's load falls on all alike;
the load average is printed with them. A run whose check passes `--timeout` (60 s of wall time) ends with exit code 2
and is not repeated.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from mlp_verify import timed  # a fresh `diffcheck run --quiet`: (CPU s, wall s, exit code)

ROOT = Path(__file__).resolve().parent.parent
X = "import torch\ntorch.manual_seed(0)\nx = torch.tensor(0.5, requires_grad=True)\ny = x\nfor i in range({n}):\n"
END = "y.backward()\nprint(x.grad.item())\n"
RNN = (
    "import torch\ntorch.manual_seed(0)\nW = (torch.randn({h}, {h}) * 0.3).requires_grad_()\n"
    "U = (torch.randn({h}, {h}) * 0.3).requires_grad_()\nxs = torch.randn({n}, {h})\nh = torch.zeros({h})\n"
    "for t in range({n}):\n    h = torch.tanh(W @ xs[t] + U @ h)\nloss = h.sum()\nloss.backward()\n"
    "print(W.grad.sum().item())\n"
)
MLP = (
    "import torch\ntorch.manual_seed(0)\nX = torch.randn(16, 4)\nY = torch.randn(16, 1)\n"
    "model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))\n"
    "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor step in range({n}):\n    opt.zero_grad()\n"
    "    loss = ((model(X) - Y) ** 2).mean()\n    loss.backward()\n    opt.step()\nprint(loss.item())\n"
)
# name -> (snippet, sizes, route)
WORKLOADS = {
    "chain": (X + "    y = y * 0.99 + x\n" + END, (200, 1000, 5000), "auto"),
    "sin": (X + "    y = torch.sin(y)\n" + END, (200, 1000, 5000), "auto"),
    "rnn4": (RNN.replace("{h}", "4"), (50, 100, 300), "auto"),
    "rnn8": (RNN.replace("{h}", "8"), (50, 100, 300), "auto"),
    "twice": (X + "    y = torch.sin(y) * 0.5 + torch.cos(y) * 0.5 + x\n" + END, (10, 15, 20), "auto"),
    "mlp-train": (MLP, (100,), "auto"),
    "floor": (X + "    y = y * 0.99 + torch.floor(y) * 0.01 + x\n" + END, (5, 10, 15), "auto"),
    "sin-sympy": (X + "    y = torch.sin(y)\n" + END, (50, 200), "sympy"),
    "chain-past": (X + "    y = y * 0.99 + x\n" + END, (5001,), "auto"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout (main) to time next to this one")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated workloads")
    args = parser.parse_args()
    trees = [("this checkout", ROOT)] + ([(str(args.before)[-16:], args.before)] if args.before else [])
    print(f"load average at start: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        runs = []  # (workload, steps, route, tree name, tree, snippet path)
        for name in args.only.split(","):
            text, sizes, route = WORKLOADS[name]
            for n in sizes:
                path = Path(folder) / f"{name}_{n}.py"
                path.write_text(text.replace("{n}", str(n)), encoding="utf-8")
                runs += [(name, n, route, label, tree, path) for label, tree in trees]
        times: dict = {run: [] for run in runs}
        for _ in range(args.repeats):
            for run in runs:
                # a run that timed out (or was refused) once is not repeated
                if not times[run] or times[run][-1][2] != 2:
                    times[run].append(timed(run[4], run[2], run[5]))
    print(f"{'workload':<11} {'steps':>6}  {'route':<6} {'checkout':<16} {'wall s':>7} {'CPU s':>7}  exit")
    for run, measured in times.items():
        cpu, wall = (statistics.median(m[k] for m in measured) for k in (0, 1))
        codes = sorted({m[2] for m in measured})
        print(f"{run[0]:<11} {run[1]:>6}  {run[2]:<6} {run[3]:<16} {wall:7.2f} {cpu:7.2f}  {codes}")
    print(f"load average at end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
