"""What `diffcheck ops` shows, as plain data: one entry per op with its overload rows, each with the call that picks
it, its SymPy form and its special points. Derived from the rows and `dispatch` alone, so this view cannot drift from
what the engine and SymPy run; render/ops.py draws it. Imports SymPy only to print forms.
"""

from __future__ import annotations

import difflib
import inspect
import itertools
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from ..errors import DiffcheckError
from . import dispatch
from .table import FRONTS, OPS, Op, Signature, kind_of

# The argument kinds `resolve` dispatches on: a 0-D tensor, a Python number, 1-D and 2-D tensors. Tried in this
# order, the first call that reaches a row is the one shown for it (`pow(tensor, number)` → PowBackward0).
_KINDS = (0, None, 1, 2, 3)
_KIND_TEXT = {0: "tensor", None: "number", 1: "1-D", 2: "2-D", 3: "3-D"}


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
    rows: tuple[tuple[Op, str], ...]  # (row, picked_by)
    internal: bool = False


def _dispatch(sig: Signature, symbol: Optional[str]) -> dict[str, str]:
    """Each row `resolve` picks for `sig`, with the first call (in `_KINDS` order) that picks it: torch's function
    (`clamp(tensor, min)`: a call clamp refuses without a bound is no example), then its binary operator `symbol`
    where that reaches a row no call does (`number - tensor` is rsub, as torch.sub(number, tensor) is not)."""
    found: dict[str, str] = {}
    # (params, how the call shows them): sum(x), sum(x, dim), clamp(x, min), clamp(x, min=tensor)
    tried = ([] if sig.needs_param else [{}]) + ([{sig.params[0]: 0}] if sig.params else [])
    tried += [{sig.params[0]: (0,)}] if sig.list_row else []  # split(x, [1, 2]): a list picks its row
    tried += [{p: 0 for p in sig.params if kind_of(p) == "tensor"}] if sig.tensor_row else []  # linear's bias
    shown = [list(params) for params in tried]
    if sig.keyword_row:  # sort(x, stable=True): the keyword picks its row
        tried.append({sig.keyword_row[0]: True})
        shown.append([f"{sig.keyword_row[0]}=True"])
    if sig.tensor_params:
        tried.append({sig.params[0]: _A_TENSOR})
        shown.append([f"{sig.params[0]}=tensor"])
    for function, params, names in [(True, *t) for t in zip(tried, shown)] + ([(False, {}, [])] if symbol else []):
        for kinds in itertools.product(_KINDS, repeat=sig.arity):
            try:
                op, _, _ = dispatch.resolve(sig.name, kinds, dict(params), lambda kind: kind, function)
            except ValueError:  # a combination the op refuses (matmul of 0-D tensors)
                continue
            texts = [_KIND_TEXT[kind] for kind in kinds]
            call = f"{sig.name}({', '.join(texts + names)})" if function else f" {symbol} ".join(texts)
            found.setdefault(op.name, call)
    return found


_A_TENSOR = type("Tensor", (), {})()  # a parameter given a tensor: resolve picks the row by its type


def _operators() -> dict[str, list[tuple[str, str]]]:
    """Canonical name → (symbol, form) of every Python operator that reaches it."""
    return {
        sig.name: [(form.replace("a", "").replace("b", "").strip(), form) for form in sig.operators]
        for sig in FRONTS.values()
        if sig.operators
    }


def _groups() -> list[_Group]:
    """Every op: one group per canonical name in table order, then the internal rows; no SymPy needed."""
    operators = _operators()
    position = {name: index for index, name in enumerate(OPS)}
    canonical: dict[str, list[str]] = {}
    for spelling, sig in dispatch.SIGNATURES.items():
        canonical.setdefault(sig.name, []).append(spelling)
    groups = []
    for name, spellings in canonical.items():
        binary = next((symbol for symbol, form in operators.get(name, ()) if form == f"a {symbol} b"), None)
        picked = _dispatch(dispatch.SIGNATURES[spellings[0]], binary)
        rows = tuple(sorted(((OPS[row], call) for row, call in picked.items()), key=lambda r: position[r[0].name]))
        groups.append(_Group(name, tuple(spellings), tuple(operators.get(name, ())), rows))
    groups.sort(key=lambda g: position[g.rows[0][0].name])
    groups += [_Group(op.name, (), (), ((op, ""),), internal=True) for op in OPS.values() if op.internal]
    return groups


def _example(op: Op) -> tuple[list, dict]:
    """A whole-array row's smallest arguments that show what it does: its own `example`, else 2x2 matrices and
    dim 0."""
    if op.example is not None:
        return op.example
    return [(2, 2)] * op.arity, {p: 0 for p in op.params if kind_of(p) == "dims"}


def _symbols(sp, name: str, shape: tuple):
    """A real Symbol, or an object array of `name[i,j]` Symbols, as the symbolic side names a tensor's elements."""
    if shape == ():
        return sp.Symbol(name, real=True)
    array = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        array[index] = sp.Symbol(f"{name}[{','.join(map(str, index))}]", real=True)
    return array


def _example_arg(sp, op: Op, position: int, name: str, shape):
    """An example argument: symbols, a concrete index (zeros) or mask (alternating) where the row takes one, and a
    Python number as it is (gather's dim)."""
    if isinstance(shape, int):
        return shape
    if position in op.index_args:
        return np.zeros(shape, dtype=np.int64)
    if position in op.mask_args:
        return (np.arange(int(np.prod(shape))) % 2 == 0).reshape(shape)
    return _symbols(sp, name, shape)


def _sympy_form(op: Op) -> str:
    """`op.sym` on symbols named as the rule's own arguments (`c - x`, `a**b`), so it reads with `derivative`."""
    import sympy as sp

    names = list(inspect.signature(op.sym).parameters)[1 : 1 + op.arity]
    if op.elementwise:
        args = [sp.Symbol(name, real=True) for name in names]
        params = {name: sp.Symbol(name, real=True) for name in op.params}
    else:
        shapes, params = _example(op)
        if op.variadic:  # cat([x0, x1]): one list of tensors
            args = [[_symbols(sp, f"{names[0]}{i}", shape) for i, shape in enumerate(shapes)]]
        else:
            args = [_example_arg(sp, op, i, name, shape) for i, (name, shape) in enumerate(zip(names, shapes))]
    value = op.sym(sp, *args, **params)
    if op.outputs > 1:  # max(x, dim): the values (the indices have no SymPy form)
        value = value[0]
    if isinstance(value, tuple):  # split, unbind: several answers
        return str([v.tolist() if isinstance(v, np.ndarray) else v for v in value])
    return str(value.tolist() if isinstance(value, np.ndarray) else value)  # SymPy's repr is its str


def _entry(group: _Group) -> Entry:
    rows = tuple(
        Row(
            op.name,
            op.grad_fn,
            picked_by,
            op.arity,
            tuple(map(str, op.params)),
            op.derivative,
            _sympy_form(op),
            op.domain,
            op.kink is not None,
            op.singular is not None,
            op.convention,
            op.power is not None,
        )
        for op, picked_by in group.rows
    )
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
    key = next((query[len(p) :] for p in dispatch.PREFIXES if query.startswith(p) and len(query) > len(p)), query)
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
    shown = query if query.isprintable() else repr(query)[1:-1]  # one line, whatever the argument holds
    raise DiffcheckError(f"unknown op '{shown}' ({hint})")
