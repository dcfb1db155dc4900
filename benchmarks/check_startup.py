"""`diffcheck check`'s start-up against `python -c "import sympy, numpy"` (issue 22's target: at most 0.6).

    python benchmarks/check_startup.py [--repeats 9] [--before /path/to/another/checkout] [--cwd DIR] [--importtime]

One run, interleaved over the repeats (in a shuffled order), medians: `python -m diffcheck check "sin(x) * exp(x) + x ** 2" x=1` of this
checkout (and of another one with --before), and the bare imports, each in a fresh process. Wall seconds, and CPU
seconds of the process and its children (the case's child process; NumPy's BLAS threads count too, so the CPU of the
bare imports exceeds their wall time). The bytecode of each tree is compiled first, as installing a wheel does: with
PYTHONDONTWRITEBYTECODE set, a fresh checkout would otherwise compile every module in every run (about 25 ms of
`check`'s). The commands run in --cwd (default: an empty temporary folder, where no pyproject.toml is read). The load
average is printed before and after: on a shared machine the ratios of one run are what to read; with the second core
busy, what `check` overlaps on it (rich's import while the case runs) comes back as wall time. --importtime prints,
for each tree, the modules whose own import took longest in one run (both processes, `python -X importtime`).
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = ["-m", "diffcheck", "check", "sin(x) * exp(x) + x ** 2", "x=1"]
BARE = ["-c", "import sympy, numpy"]


def timed(argv: list[str], root: str, cwd: str) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process (its children's CPU included)."""
    env = dict(os.environ, PYTHONPATH=root)
    env.pop("DIFFCHECK_SYMBOLIC", None)
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run([sys.executable, *argv], capture_output=True, env=env, cwd=cwd, check=False)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def slowest_imports(root: str, cwd: str, count: int = 15) -> list[tuple[float, str]]:
    env = dict(os.environ, PYTHONPATH=root)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *CHECK], capture_output=True, text=True, env=env, cwd=cwd
    )
    rows = [line.split("|") for line in done.stderr.splitlines() if line.startswith("import time:")]
    own = [(int(r[0].split(":")[1]) / 1000, r[2].strip()) for r in rows if r[0].split(":")[1].strip().isdigit()]
    return sorted(own, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--before", type=Path, help="another checkout, measured beside this one")
    parser.add_argument("--cwd", type=Path, help="where the commands run (default: an empty temporary folder)")
    parser.add_argument("--importtime", action="store_true", help="also list each tree's slowest imports")
    args = parser.parse_args()
    trees = {"check": ROOT, **({"check, --before": args.before.resolve()} if args.before else {})}
    for root in trees.values():
        compileall.compile_dir(root / "diffcheck", quiet=1)
    runs = {name: (CHECK, str(root)) for name, root in trees.items()}
    runs["import sympy, numpy"] = (BARE, "")
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as empty:
        cwd = str(args.cwd or empty)
        order = random.Random(0)
        for _ in range(args.repeats):
            for name in order.sample(list(runs), len(runs)):  # a shuffled order: none is always first after a pause
                argv, root = runs[name]
                seconds, used = timed(argv, root, cwd)
                wall[name].append(seconds)
                cpu[name].append(used)
        imports = {name: slowest_imports(str(root), cwd) for name, root in trees.items()} if args.importtime else {}
    bare_wall, bare_cpu = statistics.median(wall["import sympy, numpy"]), statistics.median(cpu["import sympy, numpy"])
    print(f"medians of {args.repeats}, interleaved; load average {load} -> {os.getloadavg()}, {os.cpu_count()} CPUs")
    for name in runs:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"  {name:<22} wall {1e3 * w:6.1f} ms ({w / bare_wall:.3f})   CPU {1e3 * c:6.1f} ms ({c / bare_cpu:.3f})")
    for name, rows in imports.items():
        print(f"{name}: slowest imports, own ms: " + ", ".join(f"{module} {ms:.1f}" for ms, module in rows))


if __name__ == "__main__":
    main()
