"""Worker processes for a batch: started once from a fork server, fed chunks, killed for a timeout or replaced if lost.

A worker runs its chunk in order and sends one message per item, its outcome; so the parent always knows which item
is running (the first unfinished one of the chunk) and since when (the previous outcome, or the chunk's sending), with
no message per start. A case that outlives the timeout is killed with its worker (which is replaced), and a worker
that dies is charged to the item it was running. Only the standard library is imported here: `verify` starts the
fork server (which imports SymPy) before it imports anything heavy itself.
"""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import Any, Callable, Iterable, Optional

from .worker import READY, work

# Imported once, in the fork server, so no worker pays them on its first case (48 ms, against 9 ms for the next):
# the modules `check` imports when it runs. First, the module that pauses the server's collector while it imports
# the rest. SymPy (`_SYMPY`) only where the route is SymPy's: symengine's cases do not import it, and the server is
# ready sooner without it; a worker imports it while it waits for its first items (`verify` starts one as it loads
# the files), for the cases symengine cannot serve (1% of generated cases, a fifth of the samples).
_PRELOAD = [
    "diffcheck.batch._forkserver",
    "diffcheck.check",
    "diffcheck.check.fast",
    "diffcheck.check.forms",
    "diffcheck.check.written",
    "diffcheck.check.adjoint",
    "diffcheck.batch.verify",
    "diffcheck.engine",
    "diffcheck.lang.parse",
    "diffcheck.lang.lower",
    "diffcheck.check.special",
    "diffcheck.check.points",
    "diffcheck.check.compare",
    "diffcheck.engine.printing",
]
_SYMPY = ["diffcheck.symbolic", "sympy.tensor.tensor"]  # and the SymPy module its first evaluated Add imports
_STARTS = 40  # tries to start a worker, 50 ms apart: a fork server lost to kill -9 is replaced once it is reaped
_LONGEST_WAIT = 3600.0  # seconds of one wait for the workers (a finite --timeout of 1e300 s cannot be slept in one go)
_AHEAD = 64  # items drawn ahead per worker: its next chunks are ready, and a draw is not a wait for one file's loading


@dataclass
class Done:
    kind: str  # ok | error | timeout | crash
    value: Any  # the task's return value, or a one-line message
    seconds: float


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (a container's limit), not the host's
    except AttributeError:
        return os.cpu_count() or 1


def start_server():
    """The fork server's context, the server started with the preloads. It returns at once, the server importing in
    the background: called early, its imports overlap whatever the caller does next."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD + (_SYMPY if _sympy_route() else []))
    forkserver.ensure_running()  # idempotent; forking a worker waits for the imports
    return context


def _sympy_route() -> bool:
    """Whether the cases go to SymPy: its route asked for (`--symbolic sympy` sets the environment's), or symengine
    missing."""
    from importlib.util import find_spec

    return os.environ.get("DIFFCHECK_SYMBOLIC") == "sympy" or find_spec("symengine") is None


class _Slot:
    """One worker process, its pipe, the chunk it holds (first: the item it runs) and since when that item runs."""

    def __init__(self, context, task: Callable, idle_imports: tuple):
        parent, child = context.Pipe()
        self.process = context.Process(target=work, args=(child, task, idle_imports), daemon=True)
        self.process.start()
        child.close()
        self.conn, self.chunk, self.ready, self.started = parent, deque(), False, 0.0
        self.dealt = False  # whether it was given items: one that never was is killed at the end (no need to wait)
        self.room = _room(parent)

    def running(self) -> bool:
        """Whether the worker is running an item (and the clock of its timeout runs)."""
        return self.ready and bool(self.chunk)

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


def _room(conn) -> int:
    """Bytes the parent can send into the worker's emptied pipe without blocking (half the socket's buffer, as Linux
    reports it doubled); 0 where the pipe is no socket."""
    import socket

    try:
        sock = socket.socket(fileno=conn.fileno())
    except (OSError, ValueError):
        return 0
    try:
        return sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) // 2
    except OSError:
        return 0
    finally:
        sock.detach()


class _Stop:
    """SIGTERM and SIGHUP to the verify process while a batch runs: the first ends the run at the pool's next wake-up
    (its self-pipe wakes the wait), its unfinished cases reported as stopped; a second is an interrupt, as Ctrl-C
    is. Handlers are installed only in the main thread, the only place they can be, and restored on exit."""

    SIGNALS = ("SIGTERM", "SIGHUP")

    def __init__(self):
        self.signal: Optional[str] = None
        self.reader, self.writer = os.pipe()
        os.set_blocking(self.writer, False)
        self.previous: dict = {}

    def __enter__(self) -> "_Stop":
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for name in self.SIGNALS:
                self.previous[name] = signal.signal(getattr(signal, name), self._handle)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        for name, handler in self.previous.items():
            signal.signal(getattr(signal, name), handler)
        os.close(self.reader)
        os.close(self.writer)

    def _handle(self, number: int, frame) -> None:
        import signal

        if self.signal is not None:
            raise KeyboardInterrupt
        self.signal = signal.Signals(number).name
        try:
            os.write(self.writer, b"!")
        except BlockingIOError:
            pass


class Pool:
    """`jobs` worker processes, started once and reused for every item: diffcheck and SymPy are imported once, in the
    fork server the workers are forked from, which starts (in the background) as the pool is made; items go out in
    chunks that shrink as the work runs out; a worker killed for a timeout or lost to a crash is replaced. Leaving
    the `with` block stops the workers (kills them if a run did not finish). Inside it SIGTERM and SIGHUP stop the
    run (`stopped` names the signal)."""

    def __init__(self, task: Callable, jobs: int, timeout: float):
        import selectors

        self.context = start_server()
        self.task, self.jobs, self.timeout = task, jobs, timeout
        self.slots: list[_Slot] = []
        self.selector = selectors.DefaultSelector()  # registered once per worker: no poll object per wake-up
        self.unfinished = False
        self.stop = _Stop()
        self.selector.register(self.stop.reader, selectors.EVENT_READ, None)
        self.early: Optional[Any] = None  # the thread starting the first worker (`start_early`)

    @property
    def stopped(self) -> Optional[str]:
        return self.stop.signal

    def __enter__(self) -> "Pool":
        self.stop.__enter__()
        return self

    def start_early(self) -> None:
        """Start the first worker now, on a thread (forking waits for the fork server's imports), so it is ready,
        and has imported what only some cases need, when the caller has its items (verify: the files loaded)."""
        import threading

        def add() -> None:
            try:
                self._add(tuple(_SYMPY))
            except Exception:  # noqa: BLE001 - `run` starts it again, and says (or charges the items) what fails
                pass

        self.early = threading.Thread(target=add, daemon=True)
        self.early.start()

    def _joined(self) -> None:
        if self.early is not None:
            self.early.join()
            self.early = None

    def __exit__(self, *exc) -> None:
        self._joined()
        try:
            for slot in list(self.slots):
                self._drop(slot, kill=self.unfinished or exc[0] is not None or not slot.dealt)
        finally:
            self.selector.close()
            self.stop.__exit__(*exc)

    def _add(self, idle_imports: tuple = ()) -> None:
        import selectors

        for attempt in range(_STARTS):
            try:
                slot = _Slot(self.context, self.task, idle_imports)
                break
            except (EOFError, OSError) as error:  # the fork server is gone, and not yet reaped to be replaced
                if attempt == _STARTS - 1:
                    raise _Unstartable(f"could not start a worker process ({type(error).__name__}: {error})") from None
                time.sleep(0.05)
        self.selector.register(slot.conn, selectors.EVENT_READ, slot)
        self.selector.register(slot.process.sentinel, selectors.EVENT_READ, slot)
        self.slots.append(slot)

    def _drop(self, slot: _Slot, kill: bool) -> None:
        self.selector.unregister(slot.conn)
        self.selector.unregister(slot.process.sentinel)
        slot.stop(kill)
        self.slots.remove(slot)

    def _start(self, count: int, pending: deque, settle: Callable[[int, Done], None]) -> None:
        """Start `count` workers; if none can be, the items waiting for them are charged with why."""
        try:
            for _ in range(count):
                self._add()
        except _Unstartable as error:
            while pending:
                settle(pending.popleft()[0], Done("crash", str(error), 0.0))

    def run(self, items: Iterable, finished: Optional[Callable[[int, Done], None]] = None) -> list[Done]:
        """`task(item)` for every item, each call killed after `timeout` s (0: never); `finished(index, done)` is
        called as each item's outcome arrives, in completion order. Results are in the items' order. `items` may be
        a generator that loads them: it is drawn on ahead of the workers' needs, and while they run."""
        timeout, slots = self.timeout, self.slots
        feed = _Feed(items, self.jobs * _AHEAD)
        pending, results = feed.pending, feed.results

        def settle(index: int, done: Done) -> None:
            results[index] = done
            if finished:
                finished(index, done)

        feed.fill()
        while self.early is not None and self.early.is_alive() and not feed.done:  # the fork server still imports
            feed.fill(more=True)
        self._joined()
        self.unfinished = bool(pending)
        self._deal(pending, feed.done)  # the early worker's first chunk, before it turns to importing SymPy
        known = len(pending) + sum(len(slot.chunk) for slot in slots)
        self._start(min(self.jobs, known) - len(slots), pending, settle)
        while pending or any(slot.chunk for slot in slots) or not feed.done:  # each item: to draw, pending, in a
            if self.stop.signal:  # chunk, or done
                feed.draw()
                self._give_up(pending, settle)
                return results  # type: ignore[return-value]
            feed.fill()
            self._deal(pending, feed.done)
            now = time.monotonic()
            deadlines = [s.started + timeout - now for s in slots if timeout and s.running()]
            readable, ended = set(), set()
            wait = min([_LONGEST_WAIT, *deadlines]) if deadlines else None
            events = self.selector.select(0) if not feed.done else []
            if not events and not feed.done and (wait is None or wait > 0):  # nothing to read, nothing overdue yet:
                feed.fill(more=True)  # draw more meanwhile
                continue
            for key, _ in events or self.selector.select(max(0.0, wait) if wait is not None else None):
                if key.data is not None:  # a worker's pipe or its process; None: the stop signal's pipe
                    (readable if key.fileobj is key.data.conn else ended).add(key.data)
            for slot in list(slots):
                lost = self._lost(slot, slot in ended, slot in readable, results, finished)
                if lost is not None:
                    if slot.chunk:  # charged to the item it ran (or would have run first: a broken worker ends)
                        settle(slot.chunk.popleft()[0], lost)
                    pending.extendleft(reversed(slot.chunk))  # the rest of its chunk goes back, in order
                    self._drop(slot, kill=True)
                    if pending or not feed.done:
                        self._start(1, pending, settle)
        self.unfinished = False
        return results  # type: ignore[return-value]

    def _deal(self, pending: deque, all_drawn: bool) -> None:
        """A chunk to each worker that is idle or on the last item it holds (so it goes straight on to the next
        chunk, waiting for no reply): a quarter of each worker's share of what is left, at most 16, so few messages
        early and a balanced end."""
        from multiprocessing.reduction import ForkingPickler

        for slot in self.slots:
            if len(slot.chunk) < 2 and pending:
                left = len(pending) if all_drawn else 2**62  # more to come: not the end yet
                size = max(1, min(16, left // (4 * self.jobs), len(pending)))
                chunk = [pending[k] for k in range(size)]
                data = ForkingPickler.dumps(chunk)  # what Connection.send sends
                if slot.chunk and len(data) > slot.room:  # it could block the parent while the worker runs on
                    continue
                for _ in chunk:
                    pending.popleft()
                if not slot.chunk:  # idle: the chunk's first item starts now (a busy worker's clock runs on)
                    slot.started = time.monotonic()
                slot.chunk.extend(chunk)
                slot.dealt = True
                try:
                    slot.conn.send_bytes(data)
                except OSError:  # it died: its sentinel is ready, and the chunk is handled as lost
                    pass

    def _lost(
        self, slot: _Slot, ended: bool, readable: bool, results: list, finished: Optional[Callable[[int, Done], None]]
    ) -> Optional[Done]:
        """What `slot` says after a wake-up: its outcomes are recorded; a Done if it is lost (dead or timed out)."""
        if ended:  # its process is gone: first what it sent before, then its death
            try:
                while slot.conn.poll():
                    _receive(slot, slot.conn.recv(), results, finished)
            except (EOFError, OSError):
                pass
            slot.process.join()
            ran = time.monotonic() - slot.started if slot.running() else 0.0
            return Done("crash", _death(slot.process.exitcode, slot.ready), ran)
        if readable:  # one message per wake-up: the selector wakes again while more wait
            try:
                _receive(slot, slot.conn.recv(), results, finished)
            except (EOFError, OSError):  # it is ending: its process sentinel says so next
                pass
        if self.timeout and slot.running() and time.monotonic() - slot.started > self.timeout:
            return Done("timeout", None, self.timeout)
        return None

    def _give_up(self, pending: deque, settle: Callable[[int, Done], None]) -> None:
        """After SIGTERM or SIGHUP: every unfinished item is charged as stopped (the workers are killed on exit)."""
        now = time.monotonic()
        for slot in self.slots:
            if slot.running():
                index = slot.chunk.popleft()[0]
                settle(
                    index, Done("stopped", f"stopped while running: verify got {self.stop.signal}", now - slot.started)
                )
            pending.extendleft(reversed(slot.chunk))  # the rest, and all of a chunk whose worker never started
            slot.chunk.clear()
        while pending:
            settle(pending.popleft()[0], Done("stopped", f"not run: verify got {self.stop.signal}", 0.0))


class _Feed:
    """The items to run, drawn from their iterable `ahead` at a time: `pending` holds those drawn and not yet dealt,
    as (index, item); `results` has a place for each item drawn."""

    def __init__(self, items: Iterable, ahead: int):
        self.source, self.ahead = iter(items), ahead
        self.pending: deque = deque()
        self.results: list[Optional[Done]] = []
        self.done = False  # every item drawn

    def fill(self, more: bool = False) -> None:
        """Draw until `ahead` items are pending (`more`: `ahead` more, whatever is pending)."""
        count = self.ahead if more else self.ahead - len(self.pending)
        if self.done or count <= 0:
            return
        drawn = 0
        for item in islice(self.source, count):
            self.pending.append((len(self.results), item))
            self.results.append(None)
            drawn += 1
        self.done = drawn < count

    def draw(self) -> None:
        """Draw every item left."""
        while not self.done:
            self.fill(more=True)


class _Unstartable(Exception):
    """No worker process could be started: the message says why, for the items left."""


def run_pool(
    task: Callable, items: list, jobs: int, timeout: float, finished: Optional[Callable[[int, Done], None]] = None
) -> list[Done]:
    """`Pool.run` on a pool of `jobs` workers made for these items."""
    with Pool(task, jobs, timeout) as pool:
        return pool.run(items, finished)


def _receive(
    slot: _Slot, message: Optional[tuple], results: list, finished: Optional[Callable[[int, Done], None]]
) -> None:
    now = time.monotonic()
    if message is READY:  # the clock of the item it holds starts now, not when the chunk was sent
        slot.ready, slot.started = True, now
        return
    kind, index, value, seconds = message
    results[index] = Done(kind, value, seconds)
    if finished:
        finished(index, results[index])
    slot.chunk.popleft()
    slot.started = now  # the worker went straight on to the next item of its chunk, if any


def _death(code: Optional[int], started: bool) -> str:
    import signal

    when = "while running" if started else "before running"
    if code == 255:  # also what multiprocessing says when the fork server is gone (it takes its workers along)
        return f"worker process lost (its fork server died, or it exited with code 255) {when} this case"
    if code is not None and code < 0:
        try:
            return f"worker process died (killed by {signal.Signals(-code).name}) {when} this case"
        except ValueError:
            pass
    return f"worker process died (exit code {code}) {when} this case"
