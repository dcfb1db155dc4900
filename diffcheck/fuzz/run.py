"""Running a fuzz campaign: cases in parallel chunks, shrinking what disagrees, findings as sample files."""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass, field
from typing import Optional

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


def run_cases(
    cases: Optional[int],
    seconds: Optional[float],
    seed: int,
    depth: int,
    jobs: int,
    numeric: bool,
    against: Optional[str],
    progress=None,
) -> Run:
    """Cases 0, 1, 2 ... until `cases` are done or `seconds` have passed; Ctrl-C stops early and keeps what ran."""
    from . import run_chunk

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

    from . import run_chunk

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

    from . import FINDINGS, evaluate, rows_of, signature
    from .shrink import ShrinkInterrupted, shrink

    raw = sorted(
        (o for o in run.outcomes if o.kind in FINDINGS),
        key=lambda o: (FINDINGS.index(o.kind), o.candidate.ops, o.index),
    )
    seen: dict[str, int] = {}
    stopped = False
    for outcome in raw:
        mine = Counter(rows_of(outcome.candidate.program))
        if any(
            kind == outcome.kind and c.ops and not Counter(rows_of(c.program)) - mine
            for kind, _, c, _, _ in run.findings
        ):
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
    case["name"] = file_stem(key)
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


def file_stem(key: str) -> str:
    kind, _, rows = key.partition(":")
    ops = "-".join(dict.fromkeys(rows.split("+")))[:40]
    return f"fuzz-{kind}-{ops}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
