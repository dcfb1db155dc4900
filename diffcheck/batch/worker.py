"""A worker process of the pool (pool.py): forked from the fork server, it runs the chunks it is sent, in order, one
message per item. Only the standard library is imported here, as in pool.py."""

from __future__ import annotations

import os
import time
from typing import Callable

READY = None  # a worker's first message: it is running and waits for work
_IDLE = 0.02  # seconds a new worker waits for its first items before it imports SymPy meanwhile (a small batch's come
# at once)
_PR_SET_PDEATHSIG = 1


def work(conn, task: Callable, idle_imports: tuple) -> None:
    """Say ready, then run chunks of (index, item) until told to stop, sending each item's outcome in turn. A parent
    that is gone ends the worker quietly: its stderr belongs to the parent's one-line messages."""
    import gc
    import signal
    import warnings

    from ..errors import DiffcheckError

    _end_with_the_parent()
    gc.freeze()  # what the fork server imported lives as long as this worker: no collection need walk it
    gc.enable()  # the fork server paused it (diffcheck.batch._forkserver)
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # the parent's to handle: it kills the workers
        signal.signal(number, signal.SIG_IGN)
    warnings.simplefilter("ignore")
    try:
        conn.send(READY)
        if idle_imports and not conn.poll(_IDLE):  # no work yet (the parent still loads the files): import what
            _import(idle_imports)  # a few cases need
        while (chunk := conn.recv()) is not None:
            for index, item in chunk:
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
    except (EOFError, OSError):
        pass


def _import(modules: tuple) -> None:
    """Import `modules` as the fork server imports its own: the collector paused, and what they made frozen after,
    since it lives as long as the worker (SymPy's modules: a few hundred thousand objects every full collection of
    the worker would walk again)."""
    import gc
    import importlib

    gc.disable()
    try:
        for module in modules:
            importlib.import_module(module)
    except ImportError:  # the case that needs it says so
        pass
    finally:
        gc.freeze()
        gc.enable()


def _end_with_the_parent() -> None:
    """No worker outlives the verify process, however it ends (kill -9 included), even in the middle of a case.

    The kernel kills this worker when the fork server, its parent, exits (Linux's PR_SET_PDEATHSIG); the fork server
    exits when the last copy of its "alive" pipe closes, and multiprocessing gives each worker a copy: swapped for
    /dev/null here, so the verify process holds the only one. Elsewhere a worker ends at its next message."""
    import ctypes
    import signal
    from multiprocessing import forkserver

    server = os.getppid()
    alive = getattr(forkserver._forkserver, "_forkserver_alive_fd", None)
    if alive is not None:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, alive)  # the descriptor stays valid for multiprocessing, and holds the pipe no more
        os.close(null)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl: not Linux
        return
    if os.getppid() != server:  # the fork server ended before the request took effect
        os._exit(1)
