"""The consoles every command prints through, and plain-text export of a renderable (rich is imported only here,
in render/, and only when a command prints)."""

from __future__ import annotations

import os
import sys


def consoles():
    """stdout for data, stderr for errors; a wide stdout when it is not a terminal, so tables are never cropped.
    No emoji codes: user text such as `:x:` is printed as written (and rich's emoji table is never loaded)."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich exits 1 ("a gradient disagrees"): the command line says why, exit 2
            raise BrokenPipeError("stdout was closed")

    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 200
    return _Console(width=width, highlight=False, emoji=False), _Console(stderr=True, highlight=False, emoji=False)


def plain_text(renderable, width: int) -> list[str]:
    """A renderable as lines of plain text (no styles, no trailing padding), for reports outside a terminal."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False, record=True)
    console.print(renderable)
    return [line.rstrip() for line in console.export_text().splitlines()]  # rich pads lines to the width
