"""`verify -j 2` against `-j 1` (issue 22's target: at least 1.7× faster), beside what two processes give bare SymPy.

    python benchmarks/verify_jobs.py [--repeats 5] [--cases 1000] [--before /path/to/another/checkout]

One run, interleaved over the repeats, medians, wall seconds: bare SymPy differentiating and evaluating the generated
cases in one process and in two (half the cases each, both timed from start to end: symbolic_batch.py's `sympy` and
`sympy-2`), then `python -m diffcheck verify DIR -j 1` and `-j 2` of the same cases as sample files, for this checkout
and, with --before, another. The ratio SymPy 1 / SymPy 2 is what two processes can give on this machine at this load:
the target is measurable only where it reaches 1.7. CPU seconds of each command's whole process tree are shown too
(verify_j1.py reaps the fork server and its workers). The load average is printed before and after.

`verify -j 1` of one case is timed too: the part of a run that no number of workers shortens (the interpreter, the
fork server's imports, the first fork, the report and the exit). With it, S, and `-j 1`'s time, S + W, the best `-j 2`
can do on two free cores is S + W / 2, Amdahl's bound, printed beside the measured ratio.
"""

from __future__ import annotations

import argparse
import compileall
import ctypes
import os
import statistics
import tempfile
from pathlib import Path

from verify_j1 import _PR_SET_CHILD_SUBREAPER, ROOT, sympy, verify, write_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--before", type=Path, help="another checkout, measured beside this one")
    args = parser.parse_args()
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1)
    trees = {"": ROOT, **({"before ": args.before} if args.before else {})}
    for root in trees.values():
        compileall.compile_dir(root / "diffcheck", quiet=1)
    rows: dict[str, list] = {"bare SymPy, 1 process": [], "bare SymPy, 2 processes": []}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as single:
        write_cases(Path(folder), args.cases)
        write_cases(Path(single), 1)
        for _ in range(args.repeats):
            rows["bare SymPy, 1 process"].append(sympy(args.cases))
            rows["bare SymPy, 2 processes"].append(sympy(args.cases, "sympy-2"))
            for name, root in trees.items():
                rows.setdefault(f"{name}verify -j 1, one case", []).append(verify(root, Path(single), 1))
                for jobs in (1, 2):
                    rows.setdefault(f"{name}verify -j {jobs}", []).append(verify(root, Path(folder), jobs))
    print(
        f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after; {args.cases} cases, medians of {args.repeats}"
    )
    wall = {}
    for name, measured in rows.items():
        wall[name], cpu = (statistics.median(column) for column in zip(*measured))
        walls = ", ".join(f"{w:.2f}" for w, _ in measured)
        print(f"{name:30} wall {wall[name]:7.3f} s  CPU {cpu:7.3f} s  [{walls}]")
    print(f"two processes, bare SymPy: {wall['bare SymPy, 1 process'] / wall['bare SymPy, 2 processes']:.2f}x")
    for name in trees:
        one, serial = wall[f"{name}verify -j 1"], wall[f"{name}verify -j 1, one case"]
        bound = one / (serial + (one - serial) / 2)
        print(f"{name}verify -j 2 against -j 1: {one / wall[f'{name}verify -j 2']:.2f}x (Amdahl's bound {bound:.2f}x)")


if __name__ == "__main__":
    main()
