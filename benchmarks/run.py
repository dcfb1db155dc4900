"""diffcheck's performance against its targets (issue 6): `python benchmarks/run.py [--quick] [--json]`.

Every measurement runs in a fresh process (benchmarks/workloads.py), one library per process: importing torch or
SymPy next to another engine would inflate every garbage-collector pass and distort it. The jobs of one run are
interleaved (each workload, each library, then the next run), there are three runs, and the table shows medians.
Ratios are what to read; absolute times drift by up to 2x between runs on a shared machine.

PyTorch, micrograd and HIPS autograd live outside the project: give their interpreters with --torch-python and
--peers-python (or DIFFCHECK_TORCH_PYTHON / DIFFCHECK_PEERS_PYTHON), or install them next to diffcheck. A library
that cannot be imported is skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "workloads.py"
SYMBOLIC = Path(__file__).resolve().parent / "symbolic_batch.py"  # targets 5 and 6
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
HALVES = "bare SymPy, 2 processes, half the cases each"
# The same imports with the collector paused as diffcheck's program pauses it (cli.run): what `check` adds of its own.
PAUSED_IMPORTS = "import numpy, sympy, rich, click (collector paused, frozen at exit)"
CHECK_EXPRESSION = ("sin(x) * exp(x) + x ** 2", "x=1")

# target: (what, limit) — every ratio is "at most"
TARGETS = {
    "scalar": ("scalar graph: diffcheck / PyTorch per op", 1 / 3),
    "chain-scaling": ("deep chain: per op at the deepest / at 10,000", 1.3),
    "chain-memory": ("deep chain: bytes per op after forward", 512),
    "arrays": ("big arrays: diffcheck / hand-written NumPy", 1.2),
    "help": ("`diffcheck --help` / `import click`", 1.5),
    "version": ("`diffcheck --version` / `import click`", 1.5),
    "check": ("`diffcheck check` / `import numpy, sympy, rich, click`", 1.25),
    "symbolic": ("500-node expression: `check` / SymPy's own diff", 3.0),
    "batch": ("`verify` of generated cases, -j 1 / bare SymPy diff + evaluation", 1.3),
    "batch-jobs": ("`verify` -j 2 / -j 1 (at least 1.7× faster)", 1 / 1.7),
}


def find_python(option: str | None, variable: str, module: str, notes: list) -> str | None:
    """The interpreter that can import `module`: the option, the environment variable, or this one."""
    for candidate in (option, os.environ.get(variable), sys.executable):
        if candidate and subprocess.run([candidate, "-c", f"import {module}"], capture_output=True).returncode == 0:
            return candidate
    flag = "--torch-python" if module == "torch" else "--peers-python"
    notes.append(f"{module}: not installed (give its interpreter with {flag} or {variable}); skipped")
    return None


def worker(python: str, *args: str, timeout: float = 1800) -> dict:
    """One workload in a fresh process: workloads.py, or symbolic_batch.py for the arguments after "symbolic-batch"."""
    script, args = (SYMBOLIC, args[1:]) if args[0] == "symbolic-batch" else (WORKER, args)
    done = subprocess.run([python, str(script), *args], capture_output=True, text=True, env=ENV, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def command_seconds(argv: list[str], repeats: int) -> list[float]:
    """Wall-clock seconds of `argv`, started afresh `repeats` times."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, env=ENV)
        seconds.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return seconds


def plan(quick: bool, torch: str | None, micrograd: str | None, autograd: str | None) -> list[tuple]:
    """(group, label, interpreter, worker arguments) for every in-process job of one run."""
    me = sys.executable
    depths = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    reps = "3" if quick else "5"
    jobs = [
        ("scalar", "diffcheck", me, ("scalar", "diffcheck", "--reps", reps)),
        ("scalar", "diffcheck, collector paused", me, ("scalar", "diffcheck-paused", "--reps", reps)),
        ("scalar", "Python floats, no autodiff", me, ("scalar", "floats", "--reps", reps)),
    ]
    if torch:
        jobs.append(("scalar", "PyTorch", torch, ("scalar", "torch", "--reps", reps)))
    if micrograd:
        jobs.append(("scalar", "micrograd", micrograd, ("scalar", "micrograd", "--reps", reps)))
    if autograd:
        jobs.append(("scalar", "HIPS autograd", autograd, ("scalar", "autograd", "--reps", "1")))
    for depth in depths:
        sizes = ("--size", str(depth), "--reps", str(max(1, 30_000 // depth)))
        jobs.append(("chain", f"diffcheck {depth:,}", me, ("chain", "diffcheck", *sizes)))
        if torch and depth <= 100_000:
            jobs.append(("chain", f"PyTorch {depth:,}", torch, ("chain", "torch", *sizes)))
    deepest = ("--size", str(depths[-1]))
    jobs.append(
        (
            "chain",
            f"diffcheck {depths[-1]:,}, collector paused",
            me,
            ("chain", "diffcheck-paused", *deepest, "--reps", str(max(1, 30_000 // depths[-1]))),
        )
    )
    jobs.append(("chain-memory", f"diffcheck {depths[-1]:,}", me, ("chain-memory", "diffcheck", *deepest)))
    if torch:
        jobs.append(("chain-memory", "PyTorch 100,000", torch, ("chain-memory", "torch", "--size", "100000")))
    size = "1000000"
    for label, python, library in (
        ("hand-written NumPy (out= buffers)", me, "numpy"),
        ("naive NumPy", me, "numpy-naive"),
        ("diffcheck", me, "diffcheck"),
        ("PyTorch", torch, "torch"),
        ("HIPS autograd", autograd, "autograd"),
    ):
        if python:
            jobs.append(("arrays", label, python, ("arrays", library, "--size", size, "--reps", reps)))
    sin = ("--sin-depth", "150" if quick else "300")
    jobs += [
        ("symbolic", "diffcheck", me, ("symbolic-batch", "symbolic", "diffcheck", *sin)),
        ("symbolic", "SymPy", me, ("symbolic-batch", "symbolic", "sympy", *sin)),
    ]
    cases = ("--cases", "300" if quick else "1000")
    jobs += [
        ("batch", label, me, ("symbolic-batch", "batch", library, *cases))
        for label, library in (
            ("bare SymPy", "sympy"),
            (HALVES, "sympy-2"),
            ("diffcheck -j 1", "diffcheck-j1"),
            ("diffcheck -j 2", "diffcheck-j2"),
        )
    ]
    return jobs


def latency_commands() -> dict[str, list[str]]:
    me = sys.executable
    return {
        "python -c pass": [me, "-c", "pass"],
        "import click": [me, "-c", "import click"],
        "import numpy, sympy, rich, click": [me, "-c", "import numpy, sympy, rich, click"],
        PAUSED_IMPORTS: [me, "-c", "import gc; gc.disable(); import numpy, sympy, rich, click; gc.freeze()"],
        "diffcheck --help": [me, "-m", "diffcheck", "--help"],
        "diffcheck --version": [me, "-m", "diffcheck", "--version"],
        f'diffcheck check "{CHECK_EXPRESSION[0]}" {CHECK_EXPRESSION[1]}': [
            me,
            "-m",
            "diffcheck",
            "check",
            *CHECK_EXPRESSION,
        ],
    }


def compile_bytecode() -> None:
    """Write diffcheck's bytecode, as installing a wheel does. A checkout run with PYTHONDONTWRITEBYTECODE set (as on
    some CI machines) or with sources newer than their cached bytecode would otherwise compile the modules again in
    every fresh process, and the start-up rows would time the compiler (~20 ms of `check`'s) instead of diffcheck."""
    import compileall

    if not compileall.compile_dir(ROOT / "diffcheck", quiet=1):
        raise SystemExit("benchmarks: could not compile diffcheck's modules")


def measure(args) -> dict:
    notes: list[str] = []
    compile_bytecode()
    torch = find_python(args.torch_python, "DIFFCHECK_TORCH_PYTHON", "torch", notes)
    micrograd = find_python(args.peers_python, "DIFFCHECK_PEERS_PYTHON", "micrograd", notes)
    autograd = find_python(args.peers_python, "DIFFCHECK_PEERS_PYTHON", "autograd", notes)
    jobs = plan(args.quick, torch, micrograd, autograd)
    commands = latency_commands()
    repeats = 3 if args.quick else 5
    raw: dict[tuple[str, str], list[dict]] = {}
    latency: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(args.runs):
        for group, label, python, arguments in jobs:
            print(f"run {run + 1}/{args.runs}: {group} {label}", file=sys.stderr, flush=True)
            raw.setdefault((group, label), []).append(worker(python, *arguments))
        for _ in range(repeats):  # the commands interleaved too, each started afresh every time
            for name, argv in commands.items():
                latency[name] += command_seconds(argv, 1)
    return {"raw": raw, "latency": latency, "notes": notes}


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def summarize(measured: dict, quick: bool) -> dict:
    raw, latency = measured["raw"], measured["latency"]
    rows: dict[str, list[dict]] = {}
    for (group, label), runs in raw.items():
        row = {"library": label, "runs": runs}
        if group in ("scalar", "chain"):
            row["per_op_us"] = median_of(runs, "per_op_us")
            if "forward_us" in runs[0]:
                row["forward_us"] = median_of(runs, "forward_us")
                row["backward_us"] = median_of(runs, "backward_us")
        elif group == "chain-memory":
            for key in ("forward_bytes_per_op", "after_backward_bytes_per_op", "after_drop_bytes_per_op"):
                row[key] = median_of(runs, key)
            row["exact"] = runs[0]["exact"]
        elif group == "symbolic":
            for label in ("nested", "sin"):
                for key in ("seconds", "diff_seconds"):
                    if key in runs[0][label]:
                        row[f"{label}_{key}"] = statistics.median(r[label][key] for r in runs)
            row["ok"] = all(r[label].get("ok", True) for r in runs for label in ("nested", "sin"))
            row["nested_nodes"], row["nested_depth"], row["sin_depth"] = (
                runs[0]["nested_nodes"],
                runs[0]["nested_depth"],
                runs[0]["sin_depth"],
            )
        elif group == "batch":
            row["seconds"] = median_of(runs, "seconds")
            row["cases"] = runs[0]["cases"]
        else:
            row["ms"] = median_of(runs, "ms")
        row["check"] = runs[0].get("check")
        rows.setdefault(group, []).append(row)
    seconds = {name: statistics.median(values) for name, values in latency.items()}
    by = {group: {row["library"]: row for row in group_rows} for group, group_rows in rows.items()}
    ratios = {}
    if "PyTorch" in by["scalar"]:
        ratios["scalar"] = by["scalar"]["diffcheck"]["per_op_us"] / by["scalar"]["PyTorch"]["per_op_us"]
    chain = [row for row in rows["chain"] if row["library"].startswith("diffcheck") and "paused" not in row["library"]]
    ratios["chain-scaling"] = chain[-1]["per_op_us"] / chain[0]["per_op_us"]
    ratios["chain-memory"] = rows["chain-memory"][0]["forward_bytes_per_op"]
    ratios["arrays"] = by["arrays"]["diffcheck"]["ms"] / by["arrays"]["hand-written NumPy (out= buffers)"]["ms"]
    check = next(name for name in seconds if name.startswith("diffcheck check"))
    ratios["help"] = seconds["diffcheck --help"] / seconds["import click"]
    ratios["version"] = seconds["diffcheck --version"] / seconds["import click"]
    ratios["check"] = seconds[check] / seconds["import numpy, sympy, rich, click"]
    ratios["symbolic"] = by["symbolic"]["diffcheck"]["nested_seconds"] / by["symbolic"]["SymPy"]["nested_diff_seconds"]
    ratios["batch"] = by["batch"]["diffcheck -j 1"]["seconds"] / by["batch"]["bare SymPy"]["seconds"]
    ratios["batch-jobs"] = by["batch"]["diffcheck -j 2"]["seconds"] / by["batch"]["diffcheck -j 1"]["seconds"]
    targets = [
        {
            "target": key,
            "what": TARGETS[key][0],
            "value": value,
            "limit": TARGETS[key][1],
            "ok": value <= TARGETS[key][1],
        }
        for key, value in ratios.items()
    ]
    notes = list(measured["notes"])
    batch = by["batch"]
    ceiling = batch["bare SymPy"]["seconds"] / batch[HALVES]["seconds"]
    notes.append(
        f"two cores make SymPy itself {ceiling:.2f}× faster (half the cases in each of two processes), "
        f"the ceiling of `-j 2`'s speed-up here; `-j 2` is {1 / ratios['batch-jobs']:.2f}× faster"
    )
    notes.append(
        f"`diffcheck check` is {seconds[check] / seconds[PAUSED_IMPORTS]:.2f}× the same imports with the "
        "collector paused as the program pauses it: its own imports and work, without the collector's part"
    )
    notes += _disagreements(rows)
    if not by["symbolic"]["diffcheck"]["ok"]:
        notes.append("symbolic: a deep expression's gradients did not agree")
    if "PyTorch" not in by["scalar"]:
        notes.append("scalar-graph target not evaluated: it is a ratio against PyTorch")
    return {
        "quick": quick,
        "runs": len(next(iter(raw.values()))),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average": os.getloadavg(),
        "groups": rows,
        "latency_seconds": seconds,
        "targets": targets,
        "notes": notes,
    }


def _disagreements(rows: dict) -> list[str]:
    """Every library must compute the same values: a note for each that does not (to 1e-9 relative)."""
    notes = []
    for group in ("scalar", "arrays"):
        reference = rows[group][0]["check"]
        for row in rows[group][1:]:
            if row["check"] and any(
                abs(a - b) > 1e-9 * max(1.0, abs(b)) for a, b in zip(row["check"], reference) if b != 0.0 and a != 0.0
            ):
                notes.append(f"{group}: {row['library']} computed {row['check']}, not {reference}")
    return notes


def table(summary: dict) -> str:
    """The medians and the targets, as Markdown."""
    g = summary["groups"]
    lines = [
        f"Medians of {summary['runs']} runs, each library in a fresh process; Python {summary['python']}, "
        f"{summary['machine']}, load average {summary['load_average'][0]:.1f}.",
        "",
    ]
    lines += [
        "| scalar graph (MLP, 9,897 ops), forward + backward | µs per op | forward | backward |",
        "|---|---:|---:|---:|",
    ]
    for row in g["scalar"]:
        split = (
            f"{row['forward_us']:.2f} | {row['backward_us']:.2f}"
            if "forward_us" in row and row["library"] != "Python floats, no autodiff"
            else " | "
        )
        lines.append(f"| {row['library']} | {row['per_op_us']:.2f} | {split} |")
    lines += ["", "| deep chain (y*c, y+c, ...) | µs per op | forward | backward |", "|---|---:|---:|---:|"]
    for row in g["chain"]:
        lines.append(
            f"| {row['library']} | {row['per_op_us']:.2f} | {row['forward_us']:.2f} | {row['backward_us']:.2f} |"
        )
    lines += [
        "",
        "| deep chain memory | bytes/op after forward | after backward (root alive) | root dropped |",
        "|---|---:|---:|---:|",
    ]
    for row in g["chain-memory"]:
        how = "" if row["exact"] else " (resident-memory growth)"
        lines.append(
            f"| {row['library']}{how} | {row['forward_bytes_per_op']:.0f} | "
            f"{row['after_backward_bytes_per_op']:.0f} | {row['after_drop_bytes_per_op']:.0f} |"
        )
    lines += ["", "| sum(sin(x)*exp(-y) + x**2/(1+y**2)), 1e6 float64, forward + backward | ms |", "|---|---:|"]
    for row in g["arrays"]:
        lines.append(f"| {row['library']} | {row['ms']:.1f} |")
    sym = {row["library"]: row for row in g["symbolic"]}
    dc, sp = sym["diffcheck"], sym["SymPy"]
    lines += [
        "",
        "| deep expressions | SymPy's diff, s | SymPy diff + subs, s | `check`, s |",
        "|---|---:|---:|---:|",
        f"| {dc['nested_nodes']} nodes, {dc['nested_depth']} deep | {sp['nested_diff_seconds']:.2f} | "
        f"{sp['nested_seconds']:.2f} | {dc['nested_seconds']:.2f} |",
        f"| `sin` applied {dc['sin_depth']} times | {sp['sin_diff_seconds']:.2f} | {sp['sin_seconds']:.2f} | "
        f"{dc['sin_seconds']:.2f}{'' if dc['ok'] else ' (disagrees)'} |",
    ]
    lines += ["", f"| batch of {g['batch'][0]['cases']:,} generated cases | s |", "|---|---:|"]
    lines += [f"| {row['library']} | {row['seconds']:.2f} |" for row in g["batch"]]
    lines += ["", "| start-up | ms |", "|---|---:|"]
    for name, seconds in summary["latency_seconds"].items():
        lines.append(f"| `{name}` | {seconds * 1e3:.0f} |")
    lines += ["", "| target | measured | limit | |", "|---|---:|---:|---|"]
    for t in summary["targets"]:
        fmt = "{:.0f}" if t["target"] == "chain-memory" else "{:.2f}"
        lines.append(
            f"| {t['what']} | {fmt.format(t['value'])} | {fmt.format(t['limit'])} | {'ok' if t['ok'] else 'MISSED'} |"
        )
    if summary["notes"]:
        lines += [""] + [f"- {note}" for note in summary["notes"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer cases (about three minutes)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--runs", type=int, default=3, help="fresh-process runs per measurement (default 3)")
    parser.add_argument("--torch-python", help="an interpreter that can import torch")
    parser.add_argument("--peers-python", help="an interpreter that can import micrograd and autograd")
    args = parser.parse_args()
    summary = summarize(measure(args), args.quick)
    print(json.dumps(summary, indent=1) if args.json else table(summary))


if __name__ == "__main__":
    main()
