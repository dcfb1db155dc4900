"""Batch verification: find sample files, load their cases, run them in worker processes (batch/pool.py), collect a Report.

Results are stored by position, so the report's order never depends on `-j` or on which worker was faster.
"""

from __future__ import annotations

import os
import stat
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, ContextManager, Optional

from ..check import CheckResult, EngineRun, Report
from ..check.compare import MATCH, NONE, NOT_RETAINED
from .. import defaults
from ..errors import DiffcheckError
from .pool import Done, Pool, default_jobs
from .samples import Refusal, Sample, Unloaded, for_engines, in_dtype, with_case

PASS, FAIL, ERROR, TIMEOUT = "pass", "fail", "error", "timeout"
UNSUPPORTED = "unsupported"  # the case needs what its engine lacks (an op): an outcome, neither a pass nor a failure


@dataclass
class Outcome:
    """One case of the batch: a result, or the one-line error that stopped it (file-level errors have no name)."""

    file: str
    line: int
    name: Optional[str]
    status: str  # pass | fail | error | timeout
    result: Optional[CheckResult] = None
    error: Optional[str] = None
    seconds: float = 0.0
    note: str = ""  # why the engine could not run the case (status unsupported)
    engine: str = ""  # the engine it ran on, when one was named (--engine, the case's `engines`)


@dataclass
class Batch:
    outcomes: list[Outcome]
    errors: list[str] = field(default_factory=list)  # about the whole run: a missing path, no cases at all
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1
    shard: Optional[tuple[int, int]] = None

    @property
    def report(self) -> Report:
        """The run as a Report, whose `return_code` is the exit code."""
        return Report(
            [o.result for o in self.outcomes if o.result is not None],
            self.errors + [o.error for o in self.outcomes if o.error],
        )

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


PROGRESS = {PASS: "", FAIL: "failed", ERROR: "errored", TIMEOUT: "timed out", UNSUPPORTED: "unsupported"}
STDIN = "<stdin>"  # how reports name a sample file read from stdin (`verify -`)


def renamed(batch: Batch, old: str, new: str) -> Batch:
    """`batch` with file `old` called `new` in its rows and messages (a file read from stdin, run from a temporary
    copy)."""

    def text(message: Optional[str]) -> Optional[str]:
        return None if message is None else message.replace(old, new)

    outcomes = [replace(o, file=new if o.file == old else o.file, error=text(o.error)) for o in batch.outcomes]
    return replace(batch, outcomes=outcomes, errors=[text(e) for e in batch.errors])


# ---- discovery and loading ------------------------------------------------------------------------------------------
def display(path: Path) -> str:
    """A path as reports show it: relative to the working directory when inside it (GitHub annotations need that)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, RuntimeError):  # outside it, or a symlink loop
        return path.as_posix()


def discover(paths: list[Path]) -> tuple[list[Path | Refusal], list[str]]:
    """Sample files in argument order, and an error row for each folder that cannot be listed and each link that
    leads nowhere; a folder gives its `*.toml` files recursively, sorted, hidden folders skipped. Also one line
    (no row) for each PATH that cannot be used at all."""
    found: dict[Path, Path | Refusal] = {}  # resolved -> as found: a file named twice runs once
    errors = []
    for path in paths:
        try:
            mode = os.stat(path).st_mode
        except OSError as error:  # missing, a name past NAME_MAX or PATH_MAX, a link loop, a folder we cannot enter
            reason = error.strerror or str(error)
            errors.append(f"{path}: {reason[:1].lower()}{reason[1:]}")
            continue
        for entry in _walk(path) if stat.S_ISDIR(mode) else [path]:
            found.setdefault(entry.resolve() if isinstance(entry, Path) else Path(entry.file), entry)
    return list(found.values()), errors


def _walk(folder: Path) -> list[Path | Refusal]:
    """A folder's `*.toml` files and its problems (a folder it cannot list, a `*.toml` that is no regular file), in
    the order of their relative paths."""
    entries: list[tuple[tuple, Path | Refusal]] = []

    def unlisted(error: OSError) -> None:
        where = display(Path(error.filename))
        entries.append(
            (
                Path(error.filename).relative_to(folder).parts,
                Refusal(
                    where,
                    0,
                    None,
                    f"{where}: cannot list this folder: {error.strerror} (its sample files are not checked)",
                ),
            )
        )

    for root, folders, names in os.walk(folder, onerror=unlisted):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            file = Path(root, name)
            if name.endswith(".toml"):
                problem = None if file.is_file() else _not_a_file(file)
                entries.append(
                    (
                        file.relative_to(folder).parts,
                        file if problem is None else Refusal(display(file), 0, None, f"{display(file)}: {problem}"),
                    )
                )
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]


def _not_a_file(file: Path) -> str:
    if not file.exists():
        return "not a readable file (a broken link or a symlink loop)"
    return "not a regular file (a FIFO, a socket or a device is read only when named as a PATH)"


def load_all(found: list[Path | Refusal], lazy: bool = False) -> tuple[list[Sample | Unloaded | Refusal], list[str]]:
    """Every case of every file in order (unreadable files, refused cases and discovery's rows included), and
    warnings. `lazy`: cases left to be loaded by the workers that run them, where they can be (`samples.Unloaded`)."""
    from .files import TooLarge, read_text
    from .samples import load

    items: list[Sample | Refusal] = []
    warnings: list[str] = []
    for path in found:
        if isinstance(path, Refusal):
            items.append(path)
            continue
        name = display(path)
        try:
            text = read_text(path)
        except (OSError, UnicodeDecodeError, TooLarge) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            items.append(Refusal(name, 1, None, f"{name}:1: cannot read: {reason}"))
            continue
        loaded, warned = load(text, name, lazy)
        items.extend(loaded)
        warnings.extend(warned)
    return items, warnings


def in_shard(position: int, k: int, n: int) -> bool:
    """Whether the item at `position` (1-based) is in shard k of n: items k, k + n, k + 2n ...; the N shards partition
    the items, and interleaving spreads a slow file."""
    return (position - k) % n == 0


# ---- running ----------------------------------------------------------------------------------------------------------
def verify(
    paths: list[Path],
    jobs: Optional[int] = None,
    timeout: float = defaults.TIMEOUT,
    shard_of: Optional[tuple[int, int]] = None,
    progress: Optional[Callable[[Optional[int]], ContextManager[Callable[..., None]]]] = None,
    engines: tuple[str, ...] = (),
    dtype: Optional[str] = None,
    symbolic: str = "",
    done: Optional[Callable[[Outcome], None]] = None,
    lazy: bool = False,
) -> tuple[Batch, list]:
    """Discover, load, slice and run; returns the batch and its items (which `update` needs).

    The files are loaded as the workers need cases, and while they run. `progress(None)` is entered at once and
    yields `advance(kind, ran=True)`, called as each case finishes with how it ended (`PROGRESS`), the cases refused
    by the loader with `ran=False`; `advance(total=n)` once every file is loaded. More jobs than `JOBS_PER_CPU` per
    CPU are cut to that: past it, workers only compete for the CPUs and memory. `symbolic` is the exact side's route
    for every case (check/fast.py; empty: the default). `done(outcome)` is called as each case that ran finishes (the
    CLI makes its report's line meanwhile). `lazy`: the workers load the cases they run, sharing that work;
    otherwise the parent loads each case before it runs, and the items returned are `Sample`s and `Refusal`s, as
    `update` needs.
    """
    started = time.perf_counter()
    files, errors = discover(paths)
    jobs = min(jobs or default_jobs(), defaults.JOBS_PER_CPU * default_jobs())  # and the pool starts no more than cases
    items: list[Sample | Unloaded | Refusal] = []  # every case, in order, as loaded
    samples: list[Sample | Unloaded] = []  # the ones to run, in order
    warnings: list[str] = []
    ran: dict[int, Outcome] = {}
    stopped: list[bool] = []
    with Pool(check_sample, jobs, timeout) as pool:
        pool.start_early()  # the first worker starts (and imports SymPy) while the first files load
        with progress(None) if progress else nullcontext(_no_progress) as advance:

            def to_run():
                """The cases to run, loaded file by file as the pool draws them: in `dtype`, once per engine it runs
                on (--engine, its `engines` key), in this shard, on the `symbolic` route."""
                position = 0
                for path in files:
                    loaded, warned = load_all([path], lazy)
                    warnings.extend(warned)
                    for item in for_engines(in_dtype(loaded, dtype), engines):
                        position += 1
                        if shard_of and not in_shard(position, *shard_of):
                            continue
                        item = with_case(item, symbolic=symbolic) if symbolic else item
                        items.append(item)
                        if isinstance(item, Refusal):
                            advance(PROGRESS[ERROR], ran=False)
                        else:
                            samples.append(item)
                            yield item
                advance(total=len(items))

            def finished(index: int, result: Done) -> None:
                ran[index] = outcome_of(samples[index], result, timeout)
                stopped.append(result.kind == "stopped")
                advance(PROGRESS[ran[index].status], ran=not isinstance(result.value, Refusal))
                if done:
                    done(ran[index])

            pool.run(to_run(), finished)
    if pool.stopped:  # SIGTERM or SIGHUP: what finished is reported, the rest as errors
        errors.append(f"stopped by {pool.stopped}: {sum(stopped)} of {len(samples)} cases not finished")
    outcomes = iter(ran[index] for index in range(len(samples)))
    outcomes = [next(outcomes) if not isinstance(item, Refusal) else _refused(item) for item in items]
    if not items and not errors:
        where = ", ".join(str(p) for p in paths)
        slice_ = f" in shard {shard_of[0]}/{shard_of[1]}" if shard_of else ""
        errors.append(f"no cases found{slice_} in {where} (looked for [[case]] tables in *.toml files)")
    return Batch(outcomes, errors, warnings, time.perf_counter() - started, jobs, shard_of), items


def _no_progress(kind: str = "", ran: bool = True, total: Optional[int] = None) -> None:
    """`advance` without a progress bar."""


def verify_paths(
    *paths: str | Path,
    jobs: Optional[int] = None,
    timeout: float = defaults.TIMEOUT,
    engines: tuple[str, ...] = (),
    dtype: Optional[str] = None,
) -> Batch:
    """`diffcheck.verify(...)`: every case of the sample files under `paths`, as `diffcheck verify` runs them
    (worker processes, `timeout` seconds a case). `batch.report.return_code` is the command's exit code;
    `batch.outcomes` has one `Outcome` per case."""
    return verify([Path(p) for p in paths], jobs, timeout, None, None, tuple(engines), dtype, lazy=True)[0]


def check_case(case, engine: str = "") -> CheckResult:
    """The worker's task: one case through the same `check` as the `check` command, on `engine` (a name; empty:
    diffcheck's own)."""
    from ..check import check
    from ..engines import load

    try:
        return check(case, load(engine) if engine else None)
    except DiffcheckError as error:
        if error.pos is not None and error.where is None:  # a position inside the program text, not the file
            error.where = "program"
        raise


def check_sample(sample: Sample | Unloaded) -> CheckResult | EngineRun | Refusal:
    """The worker's task: `check_case`, with what the result no longer produces of the sample's pinned expectations
    (worked out in the worker, off the parent process's path); an unloaded case is loaded first, and may be refused."""
    from ..check import EngineRun
    from ..engines import EngineLoadError, Unsupported
    from .pins import broken

    if isinstance(sample, Unloaded):
        loaded = sample.load()
        if isinstance(loaded, Refusal):
            return loaded
        sample = loaded

    try:
        result = check_case(sample.case, sample.engine)
    except (Unsupported, EngineLoadError) as error:  # an op the engine lacks; a sample's engine not installed
        return EngineRun(sample.engine, sample.engine, unsupported=error.message)
    return replace(result, broken_expectations=broken(sample.expect, result, sample.case), engine=sample.engine)


def _refused(refusal: Refusal) -> Outcome:
    return Outcome(refusal.file, refusal.line, refusal.name, ERROR, error=refusal.message)


def outcome_of(sample: Sample | Unloaded, done: Done, timeout: float) -> Outcome:
    """One sample's Outcome from what its task (`check_sample`) gave."""
    if done.kind == "ok" and isinstance(done.value, Refusal):  # refused as the worker loaded it: as if by the parent
        return _refused(done.value)
    base = dict(file=sample.file, line=sample.line, name=sample.name, seconds=done.seconds, engine=sample.engine)
    where = f"{sample.file}:{sample.line}: case '{sample.name}'"
    if done.kind == "timeout":
        return Outcome(**base, status=TIMEOUT, error=f"{where}: timeout: still running after {timeout:g} s (killed)")
    if done.kind != "ok":
        return Outcome(**base, status=ERROR, error=f"{where}: {done.value}")
    if isinstance(done.value, EngineRun):  # not supported by the engine: no result, no error, no failure
        return Outcome(**base, status=UNSUPPORTED, note=done.value.unsupported)
    return Outcome(**base, status=FAIL if done.value.failed else PASS, result=done.value)


# ---- --update -----------------------------------------------------------------------------------------------------------
def update(batch: Batch, items: list) -> tuple[list[str], list[str]]:
    """Pin the current results of the cases that agree; returns (what was written, what was refused), one line each.

    A case whose gradients disagree, or that errored, is never pinned. Each file is re-read and rewritten by case
    name (`pins.pin_file`); a file that cannot be is an error of the batch, its cases left as they ran. Cases whose
    file was updated no longer count as failing.
    """
    from .pins import NotPinned, pin_file, pins

    by_file: dict[str, dict[str, dict]] = {}
    repinned: dict[str, list[tuple[int, str]]] = {}  # file -> (position, line) of the cases with broken pins
    digests: dict[str, str] = {}
    written, refused = [], []
    for position, (item, outcome) in enumerate(zip(items, batch.outcomes)):
        if not isinstance(item, Sample):
            continue
        where = f"{item.file}:{item.line}: case '{item.name}'"
        if item.engine:
            refused.append(f"{where}: not pinned: pins for an engine other than diffcheck's are written by hand")
            continue
        if outcome.result is None:
            refused.append(f"{where}: not pinned: it did not run ({outcome.status})")
            continue
        clean = replace(outcome.result, broken_expectations=[])
        if clean.failed:
            failing = [f"{t.name}: {t.status}" for t in clean.tensors if t.status not in (MATCH, NONE, NOT_RETAINED)]
            failing = failing or [f"{clean.output.name} (value): {clean.output.status}"]
            refused.append(f"{where}: not pinned: it fails ({', '.join(failing)}) — fix the case or the engine first")
            continue
        by_file.setdefault(item.file, {})[item.name] = pins(clean, item.expect, item.case)
        digests[item.file] = item.digest
        if outcome.result.broken_expectations:
            repinned.setdefault(item.file, []).append(
                (position, f"{where}: re-pinned ({'; '.join(outcome.result.broken_expectations)})")
            )
    for file, new in by_file.items():
        try:
            changed = pin_file(Path(file), new, digests[file])
        except NotPinned as error:
            batch.errors.append(f"{file}: not pinned: {error}")
            continue
        for position, line in repinned.get(file, []):
            written.append(line)
            outcome = batch.outcomes[position]
            batch.outcomes[position] = replace(
                outcome, status=PASS, result=replace(outcome.result, broken_expectations=[])
            )
        if changed:
            written.append(f"{file}: pinned the expectations of {len(changed)} case{'s' * (len(changed) != 1)}")
    return written, refused
