"""The op table as people read it: one entry per op with its overload rows, as plain data, rich tables and JSON.

Everything shown is derived from `ops/` (rows, SIGNATURES, `resolve`) and from the parser (which operators reach
which op), so this view cannot drift from what the engine and SymPy actually run. Pure functions that return.
"""
from __future__ import annotations

import difflib
import inspect
import itertools
import json
from dataclasses import asdict, dataclass, replace
from typing import Optional

import numpy as np

from .. import ops
from ..errors import DiffcheckError
from ..lang.program import Apply

# The argument kinds `resolve` dispatches on: a 0-D tensor, a Python number, 1-D and 2-D tensors. Tried in this
# order, the first call that reaches a row is the one shown for it (`pow(tensor, number)` → PowBackward0).
_KINDS = (0, None, 1, 2)
_KIND_TEXT = {0: "tensor", None: "number", 1: "1-D", 2: "2-D"}

# Python's operators; those the parser accepts become spellings (`a ** b` → pow), the rest it refuses.
_BINARY = ("+", "-", "*", "/", "//", "%", "**", "@", ">", ">=", "<", "<=", "==", "!=")
_UNARY = ("-", "+", "~")

# Whole-array rows take object arrays: the smallest arguments (shapes, parameters) that show what each one does.
_WHOLE_ARRAY_EXAMPLES = {
    "sum": ([(3,)], {}), "mean": ([(3,)], {}), "sum_dim": ([(2, 2)], {"dim": 0}), "mean_dim": ([(2, 2)], {"dim": 0}),
    "dot": ([(2,), (2,)], {}), "mv": ([(2, 2), (2,)], {}), "mm": ([(2, 2), (2, 2)], {}),
    "expand": ([()], {"shape": (2,)}), "sum_to": ([(2, 2)], {"shape": (2,)}), "reshape": ([(2, 2)], {"shape": (4,)}),
    "transpose": ([(2, 3)], {}),
}


@dataclass(frozen=True)
class Row:
    """One row of the table (one grad_fn), as `diffcheck ops` shows it."""

    row: str  # the table's name for the row: `pow_tensor`
    grad_fn: str  # PyTorch's backward node; "" for an op declared not differentiable
    picked_by: str  # a call that dispatches to this row: `pow(tensor, tensor)`; "" for internal rows
    arity: int
    params: tuple[str, ...]
    derivative: str  # the engine's backward rule in maths
    sympy: str  # the row's SymPy form for symbolic arguments
    domain: tuple[float, float]  # where random points are drawn: the op is smooth there
    kink: bool  # has points where it is not differentiable
    singular: bool  # has poles or points off its real domain
    convention: str  # what PyTorch does there
    indeterminate: bool = False  # a power: 1**inf and the like are 1 in IEEE 754 and PyTorch, nan in SymPy


@dataclass(frozen=True)
class Entry:
    """An op as users spell it, with every row it can dispatch to."""

    name: str  # the canonical name (`pow`), or the row's name for an internal op
    spellings: tuple[str, ...]  # function names that reach it: `maximum`, `max`
    operators: tuple[str, ...]  # operator forms that reach it: `a ** b`
    rows: tuple[Row, ...]
    internal: bool = False  # used only inside backward rules; nothing a user writes reaches it


@dataclass(frozen=True)
class _Group:
    name: str
    spellings: tuple[str, ...]
    operators: tuple[tuple[str, str], ...]  # (symbol, form)
    rows: tuple[tuple[ops.Op, str], ...]  # (row, picked_by)
    internal: bool = False


def _dispatch(sig: ops.Signature, symbol: Optional[str]) -> dict[str, str]:
    """Each row `resolve` picks for `sig`, with the first call (in `_KINDS` order) that picks it: torch's function
    (`clamp(tensor, min)`: a call clamp refuses without a bound is no example), then its binary operator `symbol`
    where that reaches a row no call does (`number - tensor` is rsub, as torch.sub(number, tensor) is not)."""
    found: dict[str, str] = {}
    tried = ([] if sig.needs_param else [{}]) + ([{sig.params[0]: 0}] if sig.params else [])  # sum(x), sum(x, dim)
    for function, params in [(True, params) for params in tried] + ([(False, {})] if symbol else []):
        for kinds in itertools.product(_KINDS, repeat=sig.arity):
            try:
                op, _, _ = ops.resolve(sig.name, kinds, dict(params), lambda kind: kind, function)
            except ValueError:  # a combination the op refuses (matmul of 0-D tensors)
                continue
            texts = [_KIND_TEXT[kind] for kind in kinds]
            call = f"{sig.name}({', '.join(texts + list(params))})" if function else f" {symbol} ".join(texts)
            found.setdefault(op.name, call)
    return found


def _operators() -> dict[str, list[tuple[str, str]]]:
    """Canonical name → (symbol, form) of every operator the parser turns into it."""
    from ..lang.parse import parse_program

    found: dict[str, list[tuple[str, str]]] = {}
    for symbol, form in [*((s, f"a {s} b") for s in _BINARY), *((s, f"{s}a") for s in _UNARY)]:
        try:
            value = parse_program(f"out = {form}").statements[0].value
        except DiffcheckError:
            continue
        if isinstance(value, Apply):  # `+a` is `a` itself
            found.setdefault(ops.SIGNATURES[value.op].name, []).append((symbol, form))
    return found


def _groups() -> list[_Group]:
    """Every op: one group per canonical name in table order, then the internal rows; no SymPy needed."""
    operators = _operators()
    position = {name: index for index, name in enumerate(ops.OPS)}
    canonical: dict[str, list[str]] = {}
    for spelling, sig in ops.SIGNATURES.items():
        canonical.setdefault(sig.name, []).append(spelling)
    groups = []
    for name, spellings in canonical.items():
        binary = next((symbol for symbol, form in operators.get(name, ()) if form == f"a {symbol} b"), None)
        picked = _dispatch(ops.SIGNATURES[spellings[0]], binary)
        rows = tuple(sorted(((ops.OPS[row], call) for row, call in picked.items()), key=lambda r: position[r[0].name]))
        groups.append(_Group(name, tuple(spellings), tuple(operators.get(name, ())), rows))
    groups.sort(key=lambda g: position[g.rows[0][0].name])
    groups += [_Group(op.name, (), (), ((op, ""),), internal=True) for op in ops.OPS.values() if op.internal]
    return groups


def _sympy_form(op: ops.Op) -> str:
    """`op.sym` on symbols named as the rule's own arguments (`c - x`, `a**b`), so it reads with `derivative`."""
    import sympy as sp

    from ..symbolic import symbols

    names = list(inspect.signature(op.sym).parameters)[1:1 + op.arity]
    if op.elementwise:
        args = [sp.Symbol(name, real=True) for name in names]
        params = {name: sp.Symbol(name, real=True) for name in op.params}
    else:
        shapes, params = _WHOLE_ARRAY_EXAMPLES[op.name]
        args = [symbols(name, shape) for name, shape in zip(names, shapes)]
    value = op.sym(sp, *args, **params)
    return str(value.tolist() if isinstance(value, np.ndarray) else value)  # SymPy's repr is its str


def _entry(group: _Group) -> Entry:
    rows = tuple(Row(op.name, op.grad_fn, picked_by, op.arity, op.params, op.derivative, _sympy_form(op), op.domain,
                     op.kink is not None, op.singular is not None, op.convention, op.power is not None)
                 for op, picked_by in group.rows)
    return Entry(group.name, group.spellings, tuple(form for _, form in group.operators), rows, group.internal)


def entries() -> list[Entry]:
    """Every op of the table, each row exactly as the engine and the SymPy side use it."""
    return [_entry(group) for group in _groups()]


def names() -> list[str]:
    """Everything `diffcheck ops NAME` accepts (for shell completion); imports no SymPy."""
    keys: dict[str, None] = {}
    for group in _groups():
        keys.update(dict.fromkeys([group.name, *group.spellings, *(s for s, _ in group.operators)]))
        keys.update(dict.fromkeys(k for op, _ in group.rows for k in (op.name, op.grad_fn) if k))
    return list(keys)


def find(query: str) -> list[Entry]:
    """The entries NAME means: a spelling (`sin`, `torch.sin`, `clip`), an operator (`**`), or a row (`rsub`) or
    grad_fn (`PowBackward1`, any case), which keep only that row. Unknown → DiffcheckError with a did-you-mean."""
    from ..lang.parse import PREFIXES

    key = next((query[len(p):] for p in PREFIXES if query.startswith(p) and len(query) > len(p)), query)
    groups = _groups()
    whole = [g for g in groups if key == g.name or key in g.spellings or key in (s for s, _ in g.operators)]
    if whole:
        return [_entry(g) for g in whole]
    found = []
    for group in groups:
        rows = tuple(r for r in group.rows if key == r[0].name or key.lower() == r[0].grad_fn.lower() != "")
        if rows:
            found.append(_entry(replace(group, rows=rows)))
    if found:
        return found
    known = {name.lower(): name for name in names()}
    close = difflib.get_close_matches(key.lower(), list(known), n=1)
    hint = f"did you mean '{known[close[0]]}'?" if close else "`diffcheck ops` lists them all"
    raise DiffcheckError(f"unknown op '{query}' ({hint})")


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
    """Every op, one line per row (per grad_fn); an op's overload rows are grouped, each with the call that picks it."""
    from rich.table import Table
    from rich.text import Text

    from ..lang.parse import PREFIXES

    table = Table(title=f"[bold]The op table[/] (every spelling also works prefixed: {' '.join(PREFIXES)})",
                  title_justify="left")
    table.add_column("op: spellings", overflow="fold")
    table.add_column("grad_fn", no_wrap=True)
    for column in ("arity; params", "backward rule (engine)", "SymPy form", "smooth domain",
                   "kinks, singular points: PyTorch's convention"):
        table.add_column(column, overflow="fold")
    for entry in all_entries:
        others = [s for s in entry.spellings if s != entry.name] + list(entry.operators)
        op = Text(entry.name, style="bold")
        op.append("".join(f"\n{s}" for s in others) if entry.spellings else "\ninternal", style="dim")
        for index, row in enumerate(entry.rows):
            grad_fn = Text(row.grad_fn or "none")
            if len(entry.rows) > 1 or not row.grad_fn:
                grad_fn.append(f"\n{row.picked_by if row.grad_fn else 'not differentiable'}", style="dim")
            cells = [Text(text) for text in (_arity_text(row), row.derivative, row.sympy, _domain_text(row),
                                             _special_text(row))]  # Text, not markup: `[x, x]` is data
            table.add_row(op if index == 0 else "", grad_fn, *cells, end_section=index == len(entry.rows) - 1)
    return table


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
            for name, value in (("arity; params", _arity_text(row)), ("backward rule", row.derivative),
                                ("SymPy form", row.sympy), ("smooth domain", _domain_text(row)),
                                ("special points", _special_text(row))):
                add(name, value)
    return grid


def ops_json(found: list[Entry]) -> str:
    """`{"ops": [...]}`: each entry with `name`, `spellings`, `operators`, `internal` and `rows` (every Row field)."""
    return json.dumps({"ops": [asdict(entry) for entry in found]}, indent=2)
