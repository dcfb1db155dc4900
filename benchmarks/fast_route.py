"""The exact side's fast route (issue 22), against its targets: `python benchmarks/fast_route.py [--repeats 3]`.

One run, side by side, each measurement in a fresh process (symbolic_batch.py's workloads; the route through
DIFFCHECK_SYMBOLIC), interleaved over the repeats; the table shows medians and the ratios the targets name:

- `verify` of 1,000 generated cases, -j 1 (auto route) / bare SymPy differentiating and evaluating them in one
  process: at most 0.4; the SymPy route's verify is shown beside it;
- `check` of `sin` applied 300 times: under 0.5 s; of the 508-node expression: under 0.2 s (inside the process,
  parse to result; the SymPy route's times once, beside them);
- `diffcheck check "sin(x) * exp(x) + x ** 2" x=1` / `python -c "import sympy, numpy"` (wall clock): at most 0.6
  (check_startup.py measures this one alone, with CPU time and another checkout beside it);
- `verify` -j 2 / -j 1: at most 1/1.7, with what two processes give bare SymPy itself beside it.

The machine's load average is printed before and after: on a shared machine the ratios are what to read. Where it
is loaded (other work on its cores), wall-clock ratios swing with it; CPU time does not, so the same 1,000 cases are
also checked in one process by `check` (the work of a verify worker) and by bare SymPy, each timed in CPU seconds
from before its imports (`--cpu diffcheck|sympy` runs one of them).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYMBOLIC = Path(__file__).resolve().parent / "symbolic_batch.py"
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))


def workload(*args: str, route: str = "auto") -> dict:
    done = subprocess.run(
        [sys.executable, str(SYMBOLIC), *args],
        capture_output=True,
        text=True,
        env=dict(ENV, DIFFCHECK_SYMBOLIC=route),
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu(library: str, cases: int) -> float:
    """CPU seconds of a fresh process checking `cases` generated cases in itself, imports included."""
    done = subprocess.run(
        [sys.executable, __file__, "--cpu", library, "--cases", str(cases)], capture_output=True, text=True, env=ENV
    )
    return float(done.stdout.strip().splitlines()[-1])


def cpu_worker(library: str, cases: int) -> float:
    sys.path.insert(0, str(SYMBOLIC.parent))
    import symbolic_batch

    if library == "sympy":
        symbolic_batch.batch("sympy", cases)
        return time.process_time()
    from diffcheck.check import Case, check
    from diffcheck.lang.parse import parse_program

    for tree, point in symbolic_batch.cases(cases):
        check(Case(parse_program(symbolic_batch.text(tree)), point))
    return time.process_time()


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, env=ENV, check=False)
    return time.perf_counter() - started


def run(repeats: int, cases: int) -> dict:
    # diffcheck's bytecode first, as installing a wheel writes it: with PYTHONDONTWRITEBYTECODE set, a fresh checkout
    # would compile every module in every process, about 25 ms of `check`'s start-up
    compileall.compile_dir(ROOT / "diffcheck", quiet=1)
    series: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        series.setdefault(name, []).append(value)

    check = [sys.executable, "-m", "diffcheck", "check", "sin(x) * exp(x) + x ** 2", "x=1"]
    count = str(cases)
    for repeat in range(repeats):
        add("bare SymPy, 1 process", workload("batch", "sympy", "--cases", count)["seconds"])
        add("verify -j 1 (auto)", workload("batch", "diffcheck-j1", "--cases", count)["seconds"])
        add("verify -j 2 (auto)", workload("batch", "diffcheck-j2", "--cases", count)["seconds"])
        add("CPU: check in one process (auto)", cpu("diffcheck", cases))
        add("CPU: bare SymPy in one process", cpu("sympy", cases))
        add("bare SymPy, 2 processes", workload("batch", "sympy-2", "--cases", count)["seconds"])
        deep = workload("symbolic", "diffcheck")
        add("check sin∘300 (auto)", deep["sin"]["seconds"])
        add("check 508-node (auto)", deep["nested"]["seconds"])
        add("diffcheck check (wall)", wall(check))
        add("import sympy, numpy (wall)", wall([sys.executable, "-c", "import sympy, numpy"]))
        if repeat == 0:  # the old route, once: minutes at these sizes
            add(
                "verify -j 1 (sympy route)",
                workload("batch", "diffcheck-j1", "--cases", count, route="sympy")["seconds"],
            )
            slow = workload("symbolic", "diffcheck", route="sympy")
            add("check sin∘300 (sympy route)", slow["sin"]["seconds"])
            add("check 508-node (sympy route)", slow["nested"]["seconds"])
    medians = {name: statistics.median(values) for name, values in series.items()}
    ratios = {
        "verify -j 1 / bare SymPy (target <= 0.4)": medians["verify -j 1 (auto)"] / medians["bare SymPy, 1 process"],
        "check / import sympy, numpy (target <= 0.6)": medians["diffcheck check (wall)"]
        / medians["import sympy, numpy (wall)"],
        "verify -j 2 / -j 1 (target <= 0.59)": medians["verify -j 2 (auto)"] / medians["verify -j 1 (auto)"],
        "bare SymPy 2 processes / 1 (the machine's ceiling)": medians["bare SymPy, 2 processes"]
        / medians["bare SymPy, 1 process"],
        "verify -j 1: auto / sympy route": medians["verify -j 1 (auto)"] / medians["verify -j 1 (sympy route)"],
        "CPU: check / bare SymPy, one process each": medians["CPU: check in one process (auto)"]
        / medians["CPU: bare SymPy in one process"],
    }
    return {"repeats": repeats, "cases": cases, "seconds": series, "medians": medians, "ratios": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="print the data as JSON instead of a table")
    parser.add_argument("--cpu", choices=["diffcheck", "sympy"], help="one CPU-time workload (run by the others)")
    args = parser.parse_args()
    if args.cpu:
        print(cpu_worker(args.cpu, args.cases))
        return
    load_before = os.getloadavg()
    data = run(args.repeats, args.cases)
    data["load_average"] = {"before": load_before, "after": os.getloadavg(), "cpus": os.cpu_count()}
    if args.json:
        print(json.dumps(data, indent=2))
        return
    print(f"{args.cases} cases, medians of {args.repeats} runs; load average {load_before} -> {os.getloadavg()}")
    for name, value in data["medians"].items():
        print(f"  {name:<40} {value:9.3f} s   ({', '.join(f'{v:.3f}' for v in data['seconds'][name])})")
    for name, value in data["ratios"].items():
        print(f"  {name:<52} {value:6.3f}")


if __name__ == "__main__":
    main()
