"""`diffcheck ops` drawn: the op table's entries (ops/describe.py) as rich tables and JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from ..ops.describe import Entry, Row
from ..ops.dispatch import PREFIXES


# ---- rendering ------------------------------------------------------------------------------------------------------
def _grad_fn_text(row: Row) -> str:
    return row.grad_fn or "none: not differentiable"


def _special_text(row: Row) -> str:
    points = ", ".join(kind for kind, has in (("kink", row.kink), ("singular", row.singular)) if has)
    text = f"{points}: {row.convention}" if points and row.convention else points or row.convention
    if row.indeterminate:
        text += f"{'; ' if text else ''}indeterminate: {INDETERMINATE_POWERS}"
    return text or "none"


INDETERMINATE_POWERS = "1**±inf, 1**nan, (-1)**±inf, ±inf**0, nan**0 are 1 (IEEE 754, PyTorch), nan in SymPy"


def _arity_text(row: Row) -> str:
    return str(row.arity) + (f"; {', '.join(row.params)}" if row.params else "")


def _domain_text(row: Row) -> str:
    return f"[{row.domain[0]:g}, {row.domain[1]:g}]"


def _spellings_text(entry: Entry) -> str:
    return ", ".join([*entry.spellings, *entry.operators]) or "internal: backward rules only"


def ops_table(all_entries: list[Entry]):
    """Every op, one line per row (per grad_fn); an op's overload rows are grouped, each with the call that picks it.
    Where the seven columns do not fit, a row's fields are stacked in one cell, each line labelled."""
    from rich.text import Text

    from .fit import Fitted

    title = Text.assemble(("The op table", "bold"), f" (every spelling also works prefixed: {' '.join(PREFIXES)})")
    return Fitted(
        title,
        [
            lambda: _ops_layout(all_entries, False),
            lambda: _ops_layout(all_entries, True),
            lambda: _ops_layout(all_entries, True, single=True),
        ],
    )


_FIELDS = (
    "arity; params",
    "backward rule (engine)",
    "SymPy form",
    "smooth domain",
    "kinks, singular points: PyTorch's convention",
)
_LABELS = ("arity", "rule", "SymPy", "domain", "special")


def _ops_layout(all_entries: list[Entry], stacked: bool, single: bool = False):
    """Seven columns; or the fields stacked in one cell, beside name and grad_fn when those fit whole; or (`single`)
    everything in one cell, so that no name or grad_fn is ever folded."""
    from rich.text import Text

    from .fit import Col, Layout

    names, grad_fns, fields, ends = [], [], [], []
    for entry in all_entries:
        others = [s for s in entry.spellings if s != entry.name] + list(entry.operators)
        op = Text(entry.name, style="bold")
        op.append("".join(f"\n{s}" for s in others) if entry.spellings else "\ninternal", style="dim")
        for index, row in enumerate(entry.rows):
            grad_fn = Text(row.grad_fn or "none")
            if len(entry.rows) > 1 or not row.grad_fn:
                grad_fn.append(f"\n{row.picked_by if row.grad_fn else 'not differentiable'}", style="dim")
            names.append(op if index == 0 else "")
            grad_fns.append(grad_fn)
            fields.append((_arity_text(row), row.derivative, row.sympy, _domain_text(row), _special_text(row)))
            ends.append(index == len(entry.rows) - 1)
    if stacked:
        cells = [
            Text("\n").join(Text.assemble((f"{label}: ", "dim"), text) for label, text in zip(_LABELS, row))
            for row in fields
        ]  # Text, not markup: `[x, x]` is data
        if single:
            whole = [
                Text("\n").join(part for part in (name, grad_fn, cell) if part)
                for name, grad_fn, cell in zip(names, grad_fns, cells)
            ]
            return Layout([Col("op: spellings, grad_fn, fields", whole, wrap=True, floor=30, fold=24)], ends=ends)
        columns = [Col("op: spellings", names, wrap=True), Col("grad_fn", grad_fns, wrap=True)]  # whole words
        columns.append(Col("fields", cells, wrap=True, floor=30, fold=24))
        return Layout(columns, ends=ends)
    # names are words: only the rare long one (`torch::autograd::NotImplemented`) folds
    columns = [Col("op: spellings", names, wrap=True, fold=16), Col("grad_fn", grad_fns, wrap=True, fold=20)]
    columns += [
        Col(head, [Text(row[i]) for row in fields], wrap=True, floor=12, fold=16) for i, head in enumerate(_FIELDS)
    ]
    return Layout(columns, ends=ends)


def ops_detail(found: list[Entry]):
    """`diffcheck ops NAME`: per entry its spellings, then every row field by field."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column(overflow="fold")

    def add(name: str, value: str = "") -> None:
        grid.add_row(name, Text(value))  # Text, not markup: `[x, x]` is data, not a style tag

    for entry in found:
        if grid.row_count:
            add("")
        grid.add_row(Text(entry.name, style="bold"), "")
        add("spellings", _spellings_text(entry))
        for index, row in enumerate(entry.rows):
            if index:
                add("")
            overload = row.picked_by and (len(entry.rows) > 1 or row.row != entry.name)  # `square` is row pow
            add("grad_fn", _grad_fn_text(row) + (f"  (row {row.row}: {row.picked_by})" if overload else ""))
            for name, value in (
                ("arity; params", _arity_text(row)),
                ("backward rule", row.derivative),
                ("SymPy form", row.sympy),
                ("smooth domain", _domain_text(row)),
                ("special points", _special_text(row)),
            ):
                add(name, value)
    return grid


def ops_json(found: list[Entry]) -> str:
    """`{"ops": [...]}`: each entry with `name`, `spellings`, `operators`, `internal` and `rows` (every Row field)."""
    return json.dumps({"ops": [asdict(entry) for entry in found]}, indent=2)
