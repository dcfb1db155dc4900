"""Budgets under stress (issue 21): `python benchmarks/budgets.py [--repeats N] [--baseline TREE]` runs each hostile
input of the issue as a real `diffcheck` process and prints how long it ran against its limit, its peak RSS (the
process and every child it waited for, from wait4) and the one line it ended with; then what the symbolic side's
child process costs: `diffcheck check "sin(x) * exp(x) + x ** 2" x=1` against the same command of another source tree
(`--baseline`, e.g. /work/main), alternating the two, medians of repeats. Not a test: timings go nowhere but here."""

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
GIB = 2**30

# name, arguments, limit in seconds (None: refused at once)
CHECKS = [
    ("exp tower, --timeout 5", ["check", "exp(exp(exp(exp(exp(x)))))", "x=1", "--timeout", "5"], 5.0),
    ("exact power 0.5**1e300", ["check", "maximum(x - x, 0.5) ** 1e300 + log(x - x)", "x=1", "--timeout", "10"], None),
    ("power tower at 3", ["check", "x**(x**(x**(x**x)))", "x=3"], None),
    (
        "sin-cos chain, --timeout 3",
        [
            "check",
            "; ".join(["a0 = sin(x)"] + [f"a{i} = sin(a{i - 1}) * cos(a{i - 1})" for i in range(1, 40)]),
            "x=1",
            "--timeout",
            "3",
        ],
        3.0,
    ),
    (
        "60,000-element value",
        ["check", "sum(x)", "x=[" + ",".join(["0"] * 60_000) + "]", "--max-elements", "60000", "--timeout", "30"],
        None,
    ),
]
SNIPPETS = {
    "str of shared lists": 'n = ["x" * 1000000]\nfor i in range(10):\n    n = [n, n]\ns = str(n)\n',
    "print with a megabyte sep": 's = "x" * 1000000\nprint(1, 2, 3, sep=s)\n',
    "print of 2,000 arguments": "print(" + ", ".join(["'" + "x" * 30 + "'"] * 2000) + ", sep='y' * 500)\n",
    "matmul 1e6 x 1 @ 1 x 1000": "import torch\ny = torch.ones(1000000, 1) @ torch.ones(1, 1000)\n",
    "zeros(0, 10**9).sum(0)": "import torch\ny = torch.zeros(0, 10**9).sum(0)\n",
    "99,000 sums, --time-budget 5": (
        "import torch\na = torch.ones(1000, 1000)\nfor i in range(1000):\n    for j in range(99):\n        b = a.sum()\n"
    ),
    "20 MB of prints, --max-output 1e7": 's = "x" * 1000000\nfor i in range(20):\n    print(s)\n',
    "range(10**24)": "r = sum(range(10**24))\n",
}
SNIPPET_FLAGS = {"99,000 sums, --time-budget 5": ["--time-budget", "5"]}
SNIPPET_LIMITS = {"99,000 sums, --time-budget 5": 5.0}


def measure(argv: list, tree: Path = ROOT) -> tuple[float, float, int, str]:
    """Seconds, peak RSS in GiB (this process and its waited-for children), exit code, last line of stderr."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "diffcheck", *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    stderr = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    lines = stderr.strip().splitlines()
    return seconds, usage.ru_maxrss * 1024 / GIB, process.returncode, lines[-1] if lines else ""


def stress() -> None:
    start = statistics.median(measure(["check", "x", "x=1"])[0] for _ in range(3))
    print(
        f"start-up (`diffcheck check x x=1`, median of 3): {start:.2f} s; 'over' is past the limit, start-up excluded"
    )
    print(f"{'budget':36} {'limit':>6} {'ran':>7} {'over':>6} {'peak RSS':>9}  exit  line")
    with tempfile.TemporaryDirectory() as folder:
        runs = [(name, argv, limit) for name, argv, limit in CHECKS]
        for name, text in SNIPPETS.items():
            path = Path(folder) / f"{len(runs)}.py"
            path.write_text(text)
            runs.append((name, ["run", *SNIPPET_FLAGS.get(name, []), str(path)], SNIPPET_LIMITS.get(name)))
        fifo = Path(folder) / "fifo.py"
        os.mkfifo(fifo)
        runs.append(("snippet path is a FIFO", ["run", str(fifo)], None))
        for name, argv, limit in runs:
            seconds, rss, code, line = measure(argv)
            over = f"{seconds - start - limit:+6.2f}" if limit else "     -"
            shown = f"{limit:6g}" if limit else "     -"
            print(f"{name:36} {shown} {seconds:6.2f}s {over} {rss:7.3f}GiB  {code:4}  {line[:90]}")


def startup(repeats: int, baseline: Path) -> None:
    argv = ["check", "sin(x) * exp(x) + x ** 2", "x=1"]
    times: dict[str, list] = {"baseline": [], "this tree": []}
    for _ in range(repeats):
        for label, tree in (("baseline", baseline), ("this tree", ROOT)):
            times[label].append(measure(argv, tree)[0])
    before, after = (statistics.median(times[k]) for k in ("baseline", "this tree"))
    print(
        f'\n`diffcheck check "sin(x) * exp(x) + x ** 2" x=1`, median of {repeats} (load {os.getloadavg()[0]:.2f}): '
        f"baseline {baseline} {before:.3f} s, this tree {after:.3f} s, ratio {after / before:.3f}"
    )
    sys.path.insert(0, str(ROOT))
    from diffcheck.check import Case, check
    from diffcheck.check.budget import run_deep
    from diffcheck.lang.parse import parse_program

    case = Case(parse_program(argv[1]), {"x": 1.0}, frozenset(), frozenset(), 1e-8, 1e-12, False)
    check(case)  # imports and caches warm, as in the command once it runs
    inside, child = [], []
    for _ in range(repeats * 4):
        for into, timeout in ((inside, None), (child, 60.0)):
            started = time.perf_counter()
            run_deep(lambda: check(case), timeout)
            into.append(time.perf_counter() - started)
    extra = statistics.median(child) - statistics.median(inside)
    print(
        f"the same check in process (big-stack thread) {statistics.median(inside) * 1e3:.1f} ms, in a forked child "
        f"{statistics.median(child) * 1e3:.1f} ms: the child costs {extra * 1e3:.1f} ms, {extra / after:.1%} of the command"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--baseline", type=Path, default=Path("/work/main"))
    args = parser.parse_args()
    stress()
    startup(args.repeats, args.baseline)


if __name__ == "__main__":
    main()
