"""A live progress bar for batch commands (`verify`, `fuzz`): cases done, failures so far, rate and ETA.

Shown only on a terminal console and removed when done (transient), so piped output and machine formats never see it.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

Advance = Callable[..., None]
RATE_AFTER = 1.0  # seconds of work before a rate is shown: the first cases' rate says nothing


def _ignore(kind: str = "", ran: bool = True, total: Optional[int] = None) -> None:
    """`advance` off a terminal."""


@contextmanager
def progress(console, label: str, total: Optional[int]) -> Iterator[Advance]:
    """Yield `advance(kind, ran=True)`, to be called once per finished case; a no-op unless `console` is a terminal.

    `kind` is how the case ended when it is worth counting ("failed", "errored", "disagreeing"; empty for a good
    one); each kind is counted apart. `ran` False: a case refused before it ran (a broken file), which the rate leaves
    out. `total` None (e.g. `fuzz --time`) gives a bar without an end and without ETA, until `advance(total=n)` says
    it (`verify`, once its files are loaded), counting no case.
    """
    if console is None or not console.is_terminal:
        yield _ignore
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total, status="")
        started, done, ran_count, kinds = time.perf_counter(), 0, 0, {}

        def advance(kind: str = "", ran: bool = True, total: Optional[int] = None) -> None:
            nonlocal done, ran_count
            if total is not None:
                bar.update(task, total=total)
                return
            done, ran_count = done + 1, ran_count + ran
            if kind:
                kinds[kind] = kinds.get(kind, 0) + 1
            elapsed = time.perf_counter() - started
            counts = ", ".join(f"{n} {k}" for k, n in kinds.items())
            rate = f"  {ran_count / elapsed:.1f} cases/s" if elapsed >= RATE_AFTER else ""
            bar.update(task, completed=done, status=counts + rate)

        yield advance
