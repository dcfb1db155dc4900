"""Run the symbolic work where deep expressions fit, within a wall-clock budget.

SymPy differentiates and prints recursively: `sin` nested 300 deep exceeds Python's default recursion limit. The work
runs in a thread with a large stack and a raised limit, so depth is bounded by memory, not by the default 1000 frames;
the caller waits at most `timeout` seconds and reports which budget ran out.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable, Optional, TypeVar

from ..errors import LimitError

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024  # virtual: only the pages deep recursion touches are used
RECURSION_LIMIT = 100_000
THREAD_NAME = "diffcheck-symbolic"


def run_deep(work: Callable[[], T], timeout: Optional[float]) -> T:
    """`work()` on a big-stack thread; its result, its exception, or a LimitError after `timeout` seconds.

    With no `timeout` it waits as long as the work takes, and on such a thread already it simply runs the work.
    """
    if timeout is None and threading.current_thread().name == THREAD_NAME:
        return work()
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
    if not worker.is_alive():
        sys.setrecursionlimit(previous_limit)
    else:
        raise LimitError(f"the case exceeded its wall-clock budget of {timeout:g} s (raise it with --timeout)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
