"""A live progress bar for batch commands (`verify`, `fuzz`): cases done, failures so far, rate and ETA.

Shown only on a terminal console and removed when done (transient), so piped output and machine formats never see it.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

Advance = Callable[[bool], None]


def _ignore(failed: bool = False) -> None:
    """`advance` off a terminal."""


@contextmanager
def progress(console, label: str, total: Optional[int], failures: str = "failed") -> Iterator[Advance]:
    """Yield `advance(failed)`, to be called once per finished case; a no-op unless `console` is a terminal.

    `total` None (e.g. `fuzz --time`) gives a bar without an end and without ETA. `failures` names what is counted.
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
        started, done, failed_so_far = time.perf_counter(), 0, 0

        def advance(failed: bool = False) -> None:
            nonlocal done, failed_so_far
            done, failed_so_far = done + 1, failed_so_far + bool(failed)
            rate = done / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=done, status=f"{failed_so_far} {failures}  {rate:.1f} cases/s")

        yield advance
