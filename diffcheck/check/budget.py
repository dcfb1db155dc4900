"""Run the symbolic work where deep expressions fit, within a wall-clock budget that can be enforced.

SymPy differentiates and prints recursively: `sin` nested 300 deep exceeds Python's default recursion limit. The work
runs in a thread with a large stack and a raised limit, so depth is bounded by memory, not by the default 1000 frames.

A thread cannot be stopped: SymPy raising a Rational to a huge power, or expanding `exp(exp(exp(exp(exp(x)))))`, runs
in C or in one long loop until it is done. So work with a `timeout` runs in a forked child process, which is killed at
the deadline: nothing of a timed-out case keeps running in the caller's process (a CliRunner, a notebook). Forking a
process that has already imported SymPy costs a few milliseconds (benchmarks/budgets.py measures it against a whole
`diffcheck check`), so every budgeted case takes this path; the result comes back pickled through a pipe.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
from typing import Callable, Optional, TypeVar

from ..errors import DiffcheckError, LimitError

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024  # virtual: only the pages deep recursion touches are used
# SymPy spends 7 to 12 frames per level of nesting (a 990-deep chain of unary minus needs more than 6,000 and at
# most 12,000), and --max-nodes (5,000) bounds the nesting of a whole program: about 60,000 frames, with room. A
# lower limit would turn legal programs into "too deeply nested"; for a budgeted case it is raised in the child only.
RECURSION_LIMIT = 100_000
THREAD_NAME = "diffcheck-symbolic"
_GRACE_SECONDS = 5.0  # for a thread past its deadline to stop once interrupted
_PR_SET_PDEATHSIG = 1


def run_deep(
    work: Callable[[], T], timeout: Optional[float], fork: bool = True, meanwhile: Optional[Callable[[], None]] = None
) -> T:
    """`work()` on a big-stack thread; its result, its exception, or a LimitError after `timeout` seconds.

    With a `timeout` the work runs in a child process killed at the deadline (where `fork` exists, and unless `fork` is
    False: an engine whose thread pools do not survive a fork); with none it runs in this process, and on such a thread
    already it simply runs the work. `meanwhile()` is called in this process while the child works (before the work
    where there is no child): what the caller needs next, such as the report's imports, then costs no wall-clock time
    on a second core.
    """
    if timeout is not None and fork and hasattr(os, "fork"):
        return _in_child(work, timeout, meanwhile)
    if meanwhile is not None:
        meanwhile()
    if timeout is None and threading.current_thread().name == THREAD_NAME:
        return work()
    outcome = _on_big_stack(work, timeout)
    if outcome is None:
        raise _timed_out(timeout)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class TimedOut(LimitError):
    """The wall-clock budget ran out (the work was stopped)."""


def _timed_out(timeout: float) -> LimitError:
    return TimedOut(f"the case exceeded its wall-clock budget of {timeout:g} s (raise it with --timeout)")


def _on_big_stack(work: Callable[[], T], timeout: Optional[float]) -> Optional[dict]:
    """{"value": ...} or {"error": ...} from `work()` on a big-stack thread; None if it outlived `timeout`."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = work()
        except BaseException as error:  # noqa: BLE001 - handed back to the caller's thread as it is
            outcome["error"] = error

    previous_stack = threading.stack_size(STACK_BYTES)
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))  # one limit per interpreter: restored when done
    try:
        worker = threading.Thread(target=target, name=THREAD_NAME, daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous_stack)
    worker.join(timeout)
    if worker.is_alive() and _interrupt(worker):
        outcome = {"error": _timed_out(timeout)}
    if worker.is_alive():
        return None
    sys.setrecursionlimit(previous_limit)
    return outcome


class _Interrupted(BaseException):
    """Raised inside a thread past its deadline; a BaseException, so no `except Exception` on the way swallows it."""


def _interrupt(worker: threading.Thread) -> bool:
    """Raise _Interrupted in `worker` (it stops Python code, not a C call) and wait a moment for it to end: whether
    it ended. A thread that cannot be stopped is left to run, as before."""
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_Interrupted))
    worker.join(_GRACE_SECONDS)
    return not worker.is_alive()


def _in_child(work: Callable[[], T], timeout: float, meanwhile: Optional[Callable[[], None]]) -> T:
    """`work()` in a forked child: its pickled outcome read back before the deadline, or the child killed."""
    for stream in (sys.stdout, sys.stderr):  # what is buffered now must not be written twice (by the child too)
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    reading, writing = os.pipe()
    deadline = time.monotonic() + timeout
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(reading)
        _child(work, writing)
    os.close(writing)
    payload = None
    try:
        if meanwhile is not None:
            meanwhile()
        payload = _read_until(reading, deadline)
    finally:
        os.close(reading)
        if payload is None:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if payload is None:
        raise _timed_out(timeout)
    if not payload:
        raise DiffcheckError(f"the case's worker process died ({_death(status)}) before it answered")
    kind, value = pickle.loads(payload)
    if kind == "value":
        return value
    cls, args, state = value
    error = cls.__new__(cls, *args)  # the exception as raised, without calling an __init__ of another signature
    error.args = args
    error.__dict__.update(state)
    raise error


def _read_until(fd: int, deadline: float) -> Optional[bytes]:
    """Everything the child writes before it closes the pipe, or None when the deadline comes first. What the pipe
    holds when this looks counts even past the deadline (the caller may have been busy meanwhile): a child is late
    only with nothing written by then."""
    import select  # poll, not selectors: its import was 2 ms of every `check`

    chunks = []
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        left = deadline - time.monotonic()
        if not poller.poll(min(max(left, 0.0), 3600.0) * 1000):  # milliseconds; a closed pipe is ready too
            if time.monotonic() >= deadline:
                return None
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _death(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        hint = ": out of memory?" if number == signal.SIGKILL else ""
        return f"killed by signal {signal.Signals(number).name}{hint}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _child(work: Callable, fd: int) -> None:
    """Run `work` and write its pickled outcome to `fd`; end without running the parent's exit handlers."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it kills this child
        _end_with_the_parent()
        outcome = _on_big_stack(work, None)
        if "value" in outcome:
            payload = _dumps(("value", outcome["value"]))
        else:
            payload = _dumps(("error", _error_state(outcome["error"])))
        if payload is None:  # a result that does not pickle: a bug of ours, said as one
            payload = _dumps(("error", (RuntimeError, ("the case's result could not be sent back",), {})))
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    finally:
        os._exit(0)


def _error_state(error: BaseException) -> tuple:
    if os.environ.get("DIFFCHECK_DEBUG") and not isinstance(error, DiffcheckError):
        import traceback

        traceback.print_exception(error)  # the traceback lives in this process only
    state = (type(error), error.args, dict(getattr(error, "__dict__", {})))
    if _dumps(state) is None:
        return (RuntimeError, (f"{type(error).__name__}: {error}",), {})
    return state


def _dumps(value) -> Optional[bytes]:
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - whatever fails to pickle is replaced by the caller
        return None


def _end_with_the_parent() -> None:
    """The kernel kills this child when the process that forked it dies (Linux's PR_SET_PDEATHSIG), even by kill -9."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
