"""The worker pool: order whatever the worker count, a hanging item killed, a dying worker charged to its item."""

from __future__ import annotations

import gc
import os
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from diffcheck.errors import DiffcheckError
from diffcheck.batch.pool import run_pool
from diffcheck.batch.verify import in_shard


def task(item):
    """Test task, run in the workers (importable from this module): behaves as `item` says."""
    kind, value = item
    if kind == "sleep":
        time.sleep(value)
    elif kind == "die":
        os._exit(value)
    elif kind == "refuse":
        raise DiffcheckError(value)
    elif kind == "bug":
        raise ZeroDivisionError("division by zero")
    elif kind == "collector":  # is the worker's collector running, with what it inherited frozen?
        return gc.isenabled(), gc.get_freeze_count() > 0
    return value * 2


def test_results_keep_the_items_order_whatever_the_worker_count():
    items = [("ok", n) for n in range(23)]
    for jobs in (1, 3):
        done = run_pool(task, items, jobs, timeout=30)
        assert [(d.kind, d.value) for d in done] == [("ok", n * 2) for n in range(23)]


def test_a_hanging_item_is_killed_and_the_rest_still_runs():
    items = [("ok", 1), ("sleep", 600), ("ok", 2), ("ok", 3), ("ok", 4)]
    started = time.monotonic()
    done = run_pool(task, items, 1, timeout=1.0)  # one worker: the items after the hang need its replacement
    assert time.monotonic() - started < 30
    assert [d.kind for d in done] == ["ok", "timeout", "ok", "ok", "ok"]
    assert [d.value for d in done if d.kind == "ok"] == [2, 4, 6, 8]
    assert done[1].seconds == 1.0


def test_a_dying_worker_is_charged_to_its_item_only():
    done = run_pool(task, [("ok", 1), ("die", 3), ("ok", 2)], 2, timeout=30)
    assert [d.kind for d in done] == ["ok", "crash", "ok"]
    assert done[1].value == "worker process died (exit code 3) while running this case"


class DiesOnArrival:
    """A task the worker cannot even receive: unpickling it ends the worker's process before it says it is ready."""

    def __reduce__(self):
        return os._exit, (4,)


def test_a_worker_that_never_starts_is_charged_to_one_item_each_time_and_the_run_ends():
    done = run_pool(DiesOnArrival(), [("ok", 1), ("ok", 2)], 1, timeout=30)
    assert [(d.kind, d.value) for d in done] == [
        ("crash", "worker process died (exit code 4) before running this case")
    ] * 2


def test_workers_collect_with_what_the_fork_server_imported_frozen():
    """The fork server imports with its collector paused (diffcheck.batch._forkserver); each worker freezes what it
    inherits and collects as usual."""
    done = run_pool(task, [("collector", None)], 1, timeout=60)
    assert (done[0].kind, done[0].value) == ("ok", (True, True))


def test_errors_inside_a_task_are_one_line_outcomes():
    done = run_pool(task, [("refuse", "no value for input 'x'"), ("bug", None)], 1, timeout=30)
    assert [(d.kind, d.value) for d in done] == [
        ("error", "no value for input 'x'"),
        ("error", "internal error: ZeroDivisionError: division by zero"),
    ]


@settings(deadline=None)  # timing is not the property: a busy CI machine must not fail it
@given(st.integers(0, 40), st.integers(1, 7))
def test_shards_partition_the_items_exactly(count, n):
    items = list(range(count))
    slices = [[i for position, i in enumerate(items, start=1) if in_shard(position, k, n)] for k in range(1, n + 1)]
    assert sorted(i for s in slices for i in s) == items
    assert all(len(s) - len(slices[-1]) in (0, 1) for s in slices)  # balanced
