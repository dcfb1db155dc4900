"""Tables that fit the width they are drawn at: a report offers layouts, widest first, and the first whose columns fit
is drawn; nothing that matters is ever cropped.

A column either keeps every line of its cells whole (a status, a number, a path: `wrap=False`) or wraps them at
spaces only (a list of numbers, a derivative, a detail: `wrap=True`), so a number keeps its exponent and a path stays
clickable. The width a layout needs is known before drawing: each column's widest unbreakable piece, its header's
longest word included (a header wraps between words, never inside one). Spare width goes to the columns that can
use it, left to right, up to their natural width: a wide terminal shows the same cells on fewer lines. Where no
layout fits, the last one is drawn folded: rich breaks long words over lines, never replaces them with an ellipsis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Col:
    header: str
    cells: list = field(default_factory=list)  # str or rich Text, one per row
    wrap: bool = False  # may break lines at spaces; never inside a word
    justify: str = "left"
    floor: int = 0  # a wrapping column gets at least min(this, its natural width): a derivative is not one word a line
    fold: int = 0  # prose: words longer than this may fold over lines (0: never)


@dataclass
class Layout:
    columns: list[Col]
    under: list = field(default_factory=list)  # renderables printed under the table (moved-out cells, notes)
    ends: list = field(default_factory=list)  # rows that end a section (a rule under them), by index


def _plain(cell) -> str:
    return cell if isinstance(cell, str) else cell.plain


def _longest(texts, split: Callable[[str], list[str]]) -> int:
    from rich.cells import cell_len

    return max((cell_len(piece) for text in texts for piece in split(_plain(text))), default=0)


def natural(col: Col) -> int:
    return max(1, _longest([col.header, *col.cells], str.splitlines))


def need(col: Col) -> int:
    words = _longest([col.header], str.split)  # a header wraps between words in any column
    if not col.wrap:
        return max(words, _longest(col.cells, str.splitlines), 1)
    longest = _longest(col.cells, str.split)
    return max(words, min(longest, col.fold or longest), min(col.floor, natural(col)), 1)


def chrome(count: int) -> int:
    """Borders and padding of a boxed table of `count` columns."""
    return 3 * count + 1


def widths(columns: list[Col], width: int) -> list[int] | None:
    """Each column's width at a table width of at most `width`, or None where the columns cannot fit whole."""
    low = [need(c) for c in columns]
    high = [natural(c) for c in columns]
    spare = width - chrome(len(columns)) - sum(low)
    if spare < 0:
        return None
    out = list(low)
    for i in range(len(out)):  # left to right: a report puts what matters most first
        grow = min(spare, high[i] - low[i])
        out[i] += grow
        spare -= grow
    return out


def table(title, layout: Layout, sizes: list[int] | None):
    """A rich Table of the columns; `sizes` None: the last resort, every column folds."""
    from rich.table import Table
    from rich.text import Text

    columns = layout.columns
    grid = Table(title=title, title_justify="left")
    for index, col in enumerate(columns):
        header = Text(col.header, no_wrap=False, overflow="fold")  # wraps even where the column's cells do not
        if sizes is None:
            grid.add_column(header, justify=col.justify, overflow="fold")
        else:
            grid.add_column(
                header,
                width=sizes[index],
                no_wrap=not col.wrap,
                overflow="fold",
                justify=col.justify,
            )
    for index, row in enumerate(zip(*(col.cells for col in columns))):
        grid.add_row(*row, end_section=index < len(layout.ends) and layout.ends[index])
    return grid


class Fitted:
    """The first of `layouts` (functions returning a Layout, widest first) that fits the width it is drawn at."""

    def __init__(self, title, layouts: list[Callable[[], Layout]]):
        self.title, self.layouts = title, layouts

    def __rich_console__(self, console, options):
        for index, make in enumerate(self.layouts):
            layout = make()
            sizes = widths(layout.columns, options.max_width)
            if sizes is not None or index == len(self.layouts) - 1:
                yield table(self.title, layout, sizes)
                yield from layout.under
                return
