"""Batch verification: find sample files, load their cases, run them in worker processes, collect a Report.

Workers start once and take cases in small chunks; every case is announced before it runs, so a case that outlives
`--timeout` is killed with its worker (which is replaced) and a worker that dies is charged to the case it was running.
Results are stored by position, so the report's order never depends on `-j` or on which worker was faster.
"""
from __future__ import annotations

import os
import time
from collections import deque
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, ContextManager, Optional

from .check import CheckResult, Report
from .compare import MATCH, NONE, NOT_RETAINED
from .errors import DiffcheckError
from .samples import Refusal, Sample

PASS, FAIL, ERROR, TIMEOUT = "pass", "fail", "error", "timeout"
# Imported once, in the fork server, so no worker pays them on its first case (48 ms, against 9 ms for the next):
# the modules `check` imports when it runs, and the SymPy module its first evaluated Add imports.
_PRELOAD = ["diffcheck.check", "diffcheck.symbolic", "diffcheck.verify", "diffcheck.engine", "diffcheck.parse",
            "diffcheck.lower", "diffcheck.special", "diffcheck.points", "diffcheck.compare", "diffcheck.tensor_repr",
            "sympy.tensor.tensor"]


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
        return Report([o.result for o in self.outcomes if o.result is not None],
                      self.errors + [o.error for o in self.outcomes if o.error])

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


# ---- discovery and loading ------------------------------------------------------------------------------------------
def display(path: Path) -> str:
    """A path as reports show it: relative to the working directory when inside it (GitHub annotations need that)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Sample files in argument order; a folder gives its `*.toml` files recursively, sorted, hidden folders skipped."""
    files: dict[Path, Path] = {}  # resolved -> as found: a file named twice runs once
    errors = []
    for path in paths:
        if path.is_dir():
            found = [p for p in path.rglob("*.toml")
                     if not p.is_dir() and not any(part.startswith(".") for part in p.relative_to(path).parts[:-1])]
            for file in sorted(found, key=lambda p: p.relative_to(path).parts):
                if file.is_file():
                    files.setdefault(file.resolve(), file)
                else:  # a broken link or a symlink loop: a sample that silently vanished would weaken the gate
                    errors.append(f"{file}: not a readable file (a broken link or a symlink loop)")
        elif path.is_file():
            files.setdefault(path.resolve(), path)
        else:
            errors.append(f"{path}: no such file or directory")
    return list(files.values()), errors


def load_all(files: list[Path]) -> tuple[list[Sample | Refusal], list[str]]:
    """Every case of every file in order (unreadable files and refused cases included), and warnings."""
    from .samples import load

    items: list[Sample | Refusal] = []
    warnings: list[str] = []
    for path in files:
        name = display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            items.append(Refusal(name, 1, None, f"{name}:1: cannot read: {reason}"))
            continue
        loaded, warned = load(text, name)
        items.extend(loaded)
        warnings.extend(warned)
    return items, warnings


def shard(items: list, k: int, n: int) -> list:
    """Items k, k + n, k + 2n ... (1-based): the N shards partition the items, and interleaving spreads a slow file."""
    return items[k - 1::n]


# ---- running ----------------------------------------------------------------------------------------------------------
def verify(paths: list[Path], jobs: Optional[int] = None, timeout: float = 60.0,
           shard_of: Optional[tuple[int, int]] = None,
           progress: Optional[Callable[[int], ContextManager[Callable[[bool], None]]]] = None) -> tuple[Batch, list]:
    """Discover, load, slice and run; returns the batch and its items (which `update` needs).

    `progress(total)` is entered once the cases are known and yields `advance(failed)`, called as each case finishes.
    """
    started = time.perf_counter()
    files, errors = discover(paths)
    jobs = jobs or default_jobs()
    with Pool(check_case, jobs, timeout) as pool:  # the workers import SymPy while the files load
        items, warnings = load_all(files)
        if shard_of:
            items = shard(items, *shard_of)
        samples = [item for item in items if isinstance(item, Sample)]
        ran: dict[int, Outcome] = {}
        with progress(len(items)) if progress else nullcontext(lambda failed: None) as advance:
            for _ in range(len(items) - len(samples)):  # refused cases are errors, known before anything runs
                advance(True)

            def finished(index: int, done: Done) -> None:
                ran[index] = _outcome(samples[index], done, timeout)
                advance(ran[index].status != PASS)

            pool.run([s.case for s in samples], finished)
    outcomes = iter(ran[index] for index in range(len(samples)))
    outcomes = [next(outcomes) if isinstance(item, Sample) else
                Outcome(item.file, item.line, item.name, ERROR, error=item.message) for item in items]
    if not items and not errors:
        where = ", ".join(str(p) for p in paths)
        slice_ = f" in shard {shard_of[0]}/{shard_of[1]}" if shard_of else ""
        errors.append(f"no cases found{slice_} in {where} (looked for [[case]] tables in *.toml files)")
    return Batch(outcomes, errors, warnings, time.perf_counter() - started, jobs, shard_of), items


def check_case(case) -> CheckResult:
    """The worker's task: one case through the same `check` as the `check` command."""
    from .check import check

    try:
        return check(case)
    except DiffcheckError as error:
        if error.pos is not None and error.where is None:  # a position inside the program text, not the file
            error.where = "program"
        raise


def _outcome(sample: Sample, done: "Done", timeout: float) -> Outcome:
    from .samples import broken

    base = dict(file=sample.file, line=sample.line, name=sample.name, seconds=done.seconds)
    where = f"{sample.file}:{sample.line}: case '{sample.name}'"
    if done.kind == "timeout":
        return Outcome(**base, status=TIMEOUT, error=f"{where}: timeout: still running after {timeout:g} s (killed)")
    if done.kind != "ok":
        return Outcome(**base, status=ERROR, error=f"{where}: {done.value}")
    result = replace(done.value, broken_expectations=broken(sample.expect, done.value, sample.case))
    return Outcome(**base, status=FAIL if result.failed else PASS, result=result)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (a container's limit), not the host's
    except AttributeError:
        return os.cpu_count() or 1


@dataclass
class Done:
    kind: str  # ok | error | timeout | crash
    value: Any  # the task's return value, or a one-line message
    seconds: float


def _worker(conn, task: Callable) -> None:
    """Run chunks of (index, item) until told to stop; announce each item, then send its outcome."""
    import signal
    import warnings

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it kills the workers
    warnings.simplefilter("ignore")  # stderr belongs to the parent's one-line messages
    while (chunk := conn.recv()) is not None:
        for index, item in chunk:
            conn.send(("start", index))
            started = time.perf_counter()
            try:
                kind, value = "ok", task(item)
            except DiffcheckError as error:
                kind, value = "error", str(error)
            except RecursionError:
                kind, value = "error", "input too deeply nested for this run (recursion limit)"
            except Exception as error:  # noqa: BLE001 - one case's bug must not end the batch
                kind, value = "error", f"internal error: {type(error).__name__}: {error}"
            conn.send((kind, index, value, time.perf_counter() - started))


class _Slot:
    """One worker process, its pipe, the chunk it holds and the case it is running."""

    def __init__(self, context, task: Callable):
        parent, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, task), daemon=True)
        self.process.start()
        child.close()
        self.conn, self.chunk, self.current, self.started = parent, deque(), None, 0.0

    def stop(self, kill: bool) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(None if kill else 5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class Pool:
    """`jobs` worker processes, started once and reused for every item: diffcheck and SymPy are imported once, in the
    fork server the workers are forked from, which starts (in the background) as the pool is made; items go out in
    small chunks; a worker killed for a timeout or lost to a crash is replaced. Leaving the `with` block stops the
    workers (kills them if a run did not finish)."""

    def __init__(self, task: Callable, jobs: int, timeout: float):
        import multiprocessing

        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self.context = multiprocessing.get_context(method)
        if method == "forkserver":
            from multiprocessing import forkserver

            self.context.set_forkserver_preload(_PRELOAD)
            forkserver.ensure_running()  # returns at once; forking a worker waits for the imports
        self.task, self.jobs, self.timeout = task, jobs, timeout
        self.slots: list[_Slot] = []
        self.unfinished = False

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        for slot in self.slots:
            slot.stop(kill=self.unfinished or exc[0] is not None)
        self.slots = []

    def run(self, items: list, finished: Optional[Callable[[int, Done], None]] = None) -> list[Done]:
        """`task(item)` for every item, each call killed after `timeout` s (0: never); `finished(index, done)` is
        called as each item's outcome arrives, in completion order. Results are in the items' order."""
        from multiprocessing.connection import wait

        timeout, slots = self.timeout, self.slots
        results: list[Optional[Done]] = [None] * len(items)
        pending = deque(enumerate(items))
        size = max(1, min(4, len(items) // (self.jobs * 4)))  # small chunks: fewer round trips, yet balanced at the end
        slots.extend(_Slot(self.context, self.task) for _ in range(min(self.jobs, len(items)) - len(slots)))
        self.unfinished = bool(items)
        while pending or any(slot.chunk for slot in slots):  # every item is pending, in a chunk, or done
            for slot in slots:
                if not slot.chunk and pending:
                    slot.chunk = deque(pending.popleft() for _ in range(min(size, len(pending))))
                    try:
                        slot.conn.send(list(slot.chunk))
                    except OSError:  # it died: its sentinel is ready, and the chunk is handled as lost below
                        pass
            now = time.monotonic()
            deadlines = [s.started + timeout - now for s in slots if timeout and s.current is not None]
            ready = wait([s.conn for s in slots] + [s.process.sentinel for s in slots],
                         max(0.0, min(deadlines)) if deadlines else None)
            for slot in list(slots):
                lost = None
                if slot.conn in ready or slot.process.sentinel in ready:
                    try:
                        while slot.conn.poll():
                            _receive(slot, slot.conn.recv(), results, finished)
                    except (EOFError, OSError):
                        pass
                    if not slot.process.is_alive():
                        ran = time.monotonic() - slot.started if slot.current is not None else 0.0
                        lost = Done("crash", _death(slot.process.exitcode), ran)
                if lost is None and timeout and slot.current is not None and \
                        time.monotonic() - slot.started > timeout:
                    lost = Done("timeout", None, timeout)
                if lost is not None:
                    if slot.current is None and slot.chunk:  # died before its first case: charge that one, so a
                        lost.value = lost.value.replace("while running", "before running")  # broken worker ends
                    if slot.chunk:
                        index = slot.chunk.popleft()[0]
                        results[index] = lost
                        if finished:
                            finished(index, lost)
                    pending.extendleft(reversed(slot.chunk))  # the rest of its chunk goes back, in order
                    slot.stop(kill=True)
                    slots.remove(slot)
                    if pending:
                        slots.append(_Slot(self.context, self.task))
        self.unfinished = False
        return results  # type: ignore[return-value]


def run_pool(task: Callable, items: list, jobs: int, timeout: float,
             finished: Optional[Callable[[int, Done], None]] = None) -> list[Done]:
    """`Pool.run` on a pool of `jobs` workers made for these items."""
    with Pool(task, jobs, timeout) as pool:
        return pool.run(items, finished)


def _receive(slot: _Slot, message: tuple, results: list, finished: Optional[Callable[[int, Done], None]]) -> None:
    if message[0] == "start":
        slot.current, slot.started = message[1], time.monotonic()
        return
    kind, index, value, seconds = message
    results[index] = Done(kind, value, seconds)
    if finished:
        finished(index, results[index])
    slot.chunk.popleft()
    slot.current = None


def _death(code: Optional[int]) -> str:
    import signal

    if code is not None and code < 0:
        try:
            return f"worker process died (killed by {signal.Signals(-code).name}) while running this case"
        except ValueError:
            pass
    return f"worker process died (exit code {code}) while running this case"


# ---- --update -----------------------------------------------------------------------------------------------------------
def update(batch: Batch, items: list) -> tuple[list[str], list[str]]:
    """Pin the current results of the cases that agree; returns (what was written, what was refused), one line each.

    A case whose gradients disagree, or that errored, is never pinned. Updated cases no longer count as failing.
    """
    from .batch_render import write_atomic
    from .samples import pins, update_text

    by_file: dict[str, dict[int, dict]] = {}
    written, refused = [], []
    for position, (item, outcome) in enumerate(zip(items, batch.outcomes)):
        if not isinstance(item, Sample):
            continue
        where = f"{item.file}:{item.line}: case '{item.name}'"
        if outcome.result is None:
            refused.append(f"{where}: not pinned: it did not run ({outcome.status})")
            continue
        clean = replace(outcome.result, broken_expectations=[])
        if clean.failed:
            failing = [f"{t.name}: {t.status}" for t in clean.tensors if t.status not in (MATCH, NONE, NOT_RETAINED)]
            failing = failing or [f"{clean.output.name} (value): {clean.output.status}"]
            refused.append(f"{where}: not pinned: it fails ({', '.join(failing)}) — fix the case or the engine first")
            continue
        by_file.setdefault(item.file, {})[item.index] = pins(clean, item.expect, item.case)
        if outcome.result.broken_expectations:
            written.append(f"{where}: re-pinned ({'; '.join(outcome.result.broken_expectations)})")
            batch.outcomes[position] = replace(outcome, status=PASS, result=clean)
    for file, new in by_file.items():
        path = Path(file)
        text = path.read_text(encoding="utf-8")
        updated, changed = update_text(text, new)
        if updated != text:
            write_atomic(path, updated)
            written.append(f"{file}: pinned the expectations of {len(changed)} case{'s' * (len(changed) != 1)}")
    return written, refused
