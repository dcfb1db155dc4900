"""The batch pool (issue 6, target 6): workers start once and are reused, chunks keep per-item timeouts and order."""

from __future__ import annotations

import os
import pickle
import sys
import time

from diffcheck.batch.pool import Pool, run_pool
from diffcheck.lang.program import walk
from diffcheck.batch.samples import load

PINNED = """\
[[case]]
name = "pinned"
program = "y = clamp(x * 2, min=0.5)\\nz = sin(y) + y"
inputs = { x = 3 }
expect.grad = { x = 6 }
"""


def task(item):
    """Runs in the workers (importable from this module): the worker's pid, which of SymPy and the symengine route were
    there already."""
    kind, value = item
    if kind == "sleep":
        time.sleep(value)
    elif kind == "die":
        os._exit(value)
    return os.getpid(), ("sympy" in sys.modules, "diffcheck.check.written" in sys.modules), value


def test_workers_start_once_and_are_reused_across_runs():
    items = [("ok", n) for n in range(40)]
    with Pool(task, 2, timeout=30) as pool:
        first = pool.run(items)
        second = pool.run(items)
    pids = {d.value[0] for d in first}
    assert len(pids) <= 2 and {d.value[0] for d in second} == pids  # no process per item, none per run
    assert [d.value[2] for d in first] == list(range(40))


def test_items_from_a_generator_are_drawn_ahead_of_the_workers_and_while_they_run():
    """verify loads its files as the pool draws cases: the first cases run while later files load."""
    events = []

    def items():
        for n in range(400):
            time.sleep(0.005)  # a slow loader (2 s in all): the worker has long started when it ends
            events.append("drawn")
            yield ("ok", n)

    done = run_pool(task, items(), 1, timeout=30, finished=lambda index, outcome: events.append("finished"))
    assert [d.value[2] for d in done] == list(range(400)) and events.count("drawn") == 400
    first_result, last_draw = events.index("finished"), len(events) - 1 - events[::-1].index("drawn")
    assert 64 < first_result < last_draw  # the first draw (64 items a worker) came before any worker started


def test_a_case_past_its_timeout_is_killed_while_later_items_still_load():
    events = []

    def items():
        yield ("sleep", 60)
        for n in range(600):
            time.sleep(0.01)  # a slow loader: 6 s in all, 0.64 s a draw
            events.append("drawn")
            yield ("ok", n)

    done = run_pool(task, items(), 1, timeout=0.5, finished=lambda index, outcome: events.append(outcome.kind))
    assert done[0].kind == "timeout" and [d.value[2] for d in done[1:]] == list(range(600))
    assert events.index("timeout") < len(events) - 1 - events[::-1].index("drawn")


def test_workers_come_with_the_symengine_route_imported_once_in_the_fork_server_and_not_sympy():
    """The default route (auto) is symengine's: a worker imports SymPy only for a case symengine cannot serve."""
    done = run_pool(task, [("ok", 1)], 1, timeout=30)
    assert done[0].kind == "ok" and done[0].value[1] == (False, True)


def test_a_worker_started_early_imports_sympy_while_it_waits_and_serves_the_run():
    """verify starts its first worker as it loads the files: idle, that worker imports SymPy for the cases symengine
    cannot serve; the run then uses it, and starts no other for one item."""
    with Pool(task, 2, timeout=30) as pool:
        pool.start_early()
        pool._joined()  # the worker is forked; the parent "loads files" for a while
        time.sleep(1.0)
        done = pool.run([("ok", 1)])
        assert len(pool.slots) == 1
    assert done[0].kind == "ok" and done[0].value[1] == (True, True)


def test_a_worker_started_early_and_given_nothing_is_killed_not_waited_for():
    """(It may be importing SymPy: there is nothing it could still be doing for the batch.)"""
    with Pool(task, 1, timeout=30) as pool:
        pool.start_early()
        pool._joined()
        (slot,) = pool.slots
        assert pool.run([]) == []
    assert slot.process.exitcode == -9 and not pool.slots


def test_a_hang_inside_a_chunk_times_out_alone_and_the_order_holds():
    # 40 items on one worker go out four at a time: item 5 is the second of its chunk
    items = [("sleep", 600) if n == 5 else ("ok", n) for n in range(40)]
    started = time.monotonic()
    done = run_pool(task, items, 1, timeout=1.0)
    assert time.monotonic() - started < 60
    assert [d.kind for d in done] == ["timeout" if n == 5 else "ok" for n in range(40)]
    assert [d.value[2] for d in done if d.kind == "ok"] == [n for n in range(40) if n != 5]
    assert len({d.value[0] for d in done[:5]} | {d.value[0] for d in done[6:]}) == 2  # replaced once, not per item


def test_a_death_inside_a_chunk_is_charged_to_its_item_only():
    items = [("die", 3) if n == 6 else ("ok", n) for n in range(40)]
    done = run_pool(task, items, 2, timeout=30)
    assert [d.kind for d in done] == ["crash" if n == 6 else "ok" for n in range(40)]
    assert done[6].value == "worker process died (exit code 3) while running this case"


def test_a_sample_reaches_a_worker_unchanged_positions_and_missing_pins_included():
    (sample,), _ = load(PINNED, "pinned.toml")
    clone = pickle.loads(pickle.dumps(sample))
    assert clone == sample and clone.expect.output is sample.expect.output  # no output pinned: still "missing"
    nodes = [node for statement in sample.case.program.statements for node in walk(statement.value)]
    copied = [node for statement in clone.case.program.statements for node in walk(statement.value)]
    assert [(type(n), n.pos.line, n.pos.col) for n in copied] == [(type(n), n.pos.line, n.pos.col) for n in nodes]
    assert clone.case.program.inputs == ("x",) and len(nodes) == 9
