"""`diffcheck fuzz`: run generated cases (in parallel), shrink what disagrees, write it as sample files, summarise."""
from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import click

from .cli import _consoles, fail

CHUNK = 8  # cases per task: small enough for a responsive --time and progress bar
SHRINK_BUDGET = 300  # checks per finding


@dataclass
class Run:
    """What a fuzz run produced: every outcome by index, the shrunk findings, and whether it was cut short."""

    outcomes: list = field(default_factory=list)
    findings: list = field(default_factory=list)  # (kind, signature, Candidate, detail, first case index)
    covered: int = 0  # raw disagreements already explained by a shrunk finding with the same ops
    seconds: float = 0.0
    interrupted: bool = False


def _ignore_sigint():
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and cancels the rest


def run_cases(cases: Optional[int], seconds: Optional[float], seed: int, depth: int, jobs: int, numeric: bool,
              against: Optional[str], progress=None) -> Run:
    """Cases 0, 1, 2 ... until `cases` are done or `seconds` have passed; Ctrl-C stops early and keeps what ran."""
    from .fuzz import run_chunk

    run, started = Run(), time.perf_counter()
    limit = cases if cases is not None else sys.maxsize
    chunks = ([*range(i, min(i + CHUNK, limit))] for i in range(0, limit, CHUNK))

    def out_of_time() -> bool:
        return seconds is not None and time.perf_counter() - started >= seconds

    def done(outcomes):
        run.outcomes.extend(outcomes)
        if progress:
            progress(run)

    try:
        if jobs == 1:  # in-process: no pickling, and a monkeypatched op table is seen
            for chunk in chunks:
                if out_of_time():
                    break
                done(run_chunk(chunk, seed, depth, numeric, against))
        else:
            _parallel(chunks, jobs, out_of_time, done, (seed, depth, numeric, against))
    except KeyboardInterrupt:
        run.interrupted = True
    run.outcomes.sort(key=lambda o: o.index)
    run.seconds = time.perf_counter() - started
    return run


def _parallel(chunks, jobs, out_of_time, done, settings) -> None:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from .fuzz import run_chunk

    pool = ProcessPoolExecutor(jobs, initializer=_ignore_sigint)
    pending: set = set()
    try:
        for chunk in chunks:
            if out_of_time():
                break
            pending.add(pool.submit(run_chunk, chunk, *settings))
            if len(pending) >= 2 * jobs:  # keep every worker busy, never queue the whole run
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(future.result())
        for future in pending:
            done(future.result())
        pending = set()
    finally:
        pool.shutdown(wait=not pending, cancel_futures=True)


def shrink_findings(run: Run, numeric: bool, against: Optional[str], budget: int = SHRINK_BUDGET) -> None:
    """Shrink each disagreement, smallest program first, and keep one per signature. A raw disagreement whose ops
    include every op of a finding already kept is counted as covered rather than shrunk again."""
    from collections import Counter

    from .fuzz import FINDINGS, ShrinkInterrupted, evaluate, rows_of, shrink, signature

    raw = sorted((o for o in run.outcomes if o.kind in FINDINGS),
                 key=lambda o: (FINDINGS.index(o.kind), o.candidate.ops, o.index))
    seen: dict[str, int] = {}
    stopped = False
    for outcome in raw:
        mine = Counter(rows_of(outcome.candidate.program))
        if any(kind == outcome.kind and c.ops and not Counter(rows_of(c.program)) - mine
               for kind, _, c, _, _ in run.findings):
            run.covered += 1
            continue
        try:
            small = shrink(outcome.candidate, lambda c: _same_failure(evaluate(c, numeric, against), outcome), budget)
            detail = evaluate(small, numeric, against)[2]
        except ShrinkInterrupted as interrupt:  # keep what this one shrank to, shrink no more
            run.interrupted, stopped, small = True, True, interrupt.best
            detail = outcome.detail
        key = signature(outcome.kind, small)
        if key in seen:
            run.covered += 1
            continue
        seen[key] = outcome.index
        run.findings.append((outcome.kind, key, small, detail, outcome.index))
        if stopped:
            break


def _same_failure(evaluated: tuple, outcome) -> bool:
    """Still the same kind of failure; a crash must keep its exception type, or shrinking drifts to another bug."""
    kind, _, detail = evaluated
    return kind == outcome.kind and (kind != "crash" or detail.split(":")[0] == outcome.detail.split(":")[0])


def sample_text(kind: str, key: str, candidate, detail: str, seed: int, index: int) -> str:
    """A ready-to-run sample file for one finding: `diffcheck verify` on it exits 1 while the bug lasts."""
    import tomlkit

    document = tomlkit.document()
    document.add(tomlkit.comment(f"diffcheck fuzz finding ({kind}), shrunk from case {index} of seed {seed}"))
    document.add(tomlkit.comment(detail[:300]))
    case = tomlkit.table()
    case["name"] = _file_stem(key)
    case["program"] = candidate.program.source
    inputs = tomlkit.inline_table()
    inputs.update(candidate.values)
    case["inputs"] = inputs
    case["no_grad"] = sorted(candidate.no_grad)
    case["retain_grad"] = sorted(candidate.retain)
    cases = tomlkit.aot()
    cases.append(case)
    document["case"] = cases
    return tomlkit.dumps(document)


def _file_stem(key: str) -> str:
    kind, _, rows = key.partition(":")
    ops = "-".join(dict.fromkeys(rows.split("+")))[:40]
    return f"fuzz-{kind}-{ops}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def _summary(run: Run, console, against: Optional[str]) -> None:
    from rich.table import Table

    from .fuzz import FINDINGS, summarize

    kinds, explained = summarize(run.outcomes)
    count = len(run.outcomes)
    table = Table(title="diffcheck fuzz" + (" (interrupted)" if run.interrupted else ""))
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    rows = [("cases", count), ("cases/s", f"{count / run.seconds:.1f}" if run.seconds else "-"),
            ("agree", kinds["ok"])]
    rows += [(f"explained: {status}", n) for status, n in sorted(explained.items())]
    rows += [("disagreements (raw)", sum(kinds[k] for k in FINDINGS)),
             ("  mismatch", kinds["mismatch"]), ("  non-finite", kinds["non-finite"]), ("  crash", kinds["crash"])]
    if against:
        rows.append((f"  {against} differs", kinds[against]))
    rows += [("findings (shrunk, distinct)", len(run.findings)), ("covered by a finding", run.covered),
             ("timeouts", kinds["timeout"]), ("invalid (generator)", kinds["invalid"])]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    for kind, key, candidate, detail, index in run.findings:
        console.print(f"[bold]{kind}[/] {key.partition(':')[2]} (case {index}): "
                      f"{candidate.program.source.replace(chr(10), '; ')}  at {candidate.values}")
        console.print(f"    {detail[:400]}", markup=False)


@click.command()
@click.option("--cases", type=click.IntRange(min=1), default=None, help="Number of cases (default 500 without --time).")
@click.option("--time", "seconds", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop starting new cases after this many seconds.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Same seed, same cases.")
@click.option("--depth", type=click.IntRange(1, 12), default=4, show_default=True,
              help="Maximum nesting depth of each statement.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the findings, one sample file each (diffcheck verify FOLDER reproduces them).")
@click.option("--numeric", is_flag=True, help="Add central differences to every check (slower).")
@click.option("--against", type=click.Choice(["torch", "jax"]), default=None,
              help="Also run every program on an installed PyTorch or JAX and report where it differs.")
@click.option("--dry-run", is_flag=True, help="Print a sample of generated programs and points; check nothing.")
def fuzz(cases, seconds, seed, depth, jobs, out, numeric, against, dry_run):
    """Generate random programs over the op table, check each on both sides, shrink disagreements to minimal
    sample files.

    \b
    Examples:
      diffcheck fuzz --cases 2000 --seed 7 --depth 6 --out found/
      diffcheck fuzz --time 60 -j 4
      diffcheck fuzz --dry-run --cases 5
    \b
    Exit codes: 0 nothing unexplained found, 1 some disagreement found (written under --out), 2 bad usage.
    """
    from .fuzz import ENGINES, adapter, generate

    if cases is None and seconds is None:
        cases = 500
    if dry_run:
        for index in range(min(cases or 10, 50)):
            c = generate(seed, index, depth)
            flags = f"  no_grad={sorted(c.no_grad)}" * bool(c.no_grad) + f"  retain={sorted(c.retain)}" * bool(c.retain)
            click.echo(f"# case {index}: {c.values}{flags}\n{c.program.source}\n")
        sys.exit(0)
    if against and not adapter(against).available():
        fail(f"--against {against} needs {ENGINES[against]}: pip install 'diffcheck[{against}]'")
    out_console, _ = _consoles()
    run = _with_progress(out_console, cases, seconds, seed, depth, jobs, numeric, against)
    shrink_findings(run, numeric, against)
    if out is not None and run.findings:
        out.mkdir(parents=True, exist_ok=True)
        for kind, key, candidate, detail, index in run.findings:
            (out / f"{_file_stem(key)}.toml").write_text(sample_text(kind, key, candidate, detail, seed, index))
    _summary(run, out_console, against)
    if out is not None and run.findings:
        click.echo(f"{len(run.findings)} finding(s) written to {out}/", err=True)
    sys.exit(1 if run.findings else 0)


def _with_progress(console, cases, seconds, seed, depth, jobs, numeric, against) -> Run:
    """The run, with a live bar (cases, disagreements, cases/s) when stdout is a terminal."""
    from .fuzz import FINDINGS
    from .progress import progress

    with progress(console if sys.stdout.isatty() else None, "fuzz", cases, "disagreeing") as advance:
        seen = 0

        def tally(run: Run) -> None:  # called per finished chunk, with every outcome so far
            nonlocal seen
            for outcome in run.outcomes[seen:]:
                advance(outcome.kind in FINDINGS)
            seen = len(run.outcomes)

        return run_cases(cases, seconds, seed, depth, jobs, numeric, against, tally)
