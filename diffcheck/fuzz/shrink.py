"""Shrinking a fuzz finding: greedy delta debugging over the program tree, its flags and its values."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional

import numpy as np

from . import Candidate, program_text
from ..lang.program import Apply, Assign, Const, Expr, Var


def _children(expr: Expr) -> list[Expr]:
    return [*expr.args, *(v for _, v in expr.params)] if isinstance(expr, Apply) else []


def _paths(expr: Expr, prefix=()) -> list[tuple]:
    """Paths to every Apply node, parents first (so big cuts are tried before small ones)."""
    if not isinstance(expr, Apply):
        return []
    return [prefix] + [p for i, c in enumerate(_children(expr)) for p in _paths(c, prefix + (i,))]


def _at(expr: Expr, path: tuple) -> Expr:
    for i in path:
        expr = _children(expr)[i]
    return expr


def _put(expr: Expr, path: tuple, new: Expr) -> Expr:
    if not path:
        return new
    kids = _children(expr)
    kids[path[0]] = _put(kids[path[0]], path[1:], new)
    n = len(expr.args)
    return Apply(expr.op, tuple(kids[:n]), tuple((k, v) for (k, _), v in zip(expr.params, kids[n:])))


def _substitute(expr: Expr, name: str, new: Expr) -> Expr:
    if isinstance(expr, Var):
        return new if expr.name == name else expr
    if isinstance(expr, Const):
        return expr
    return Apply(
        expr.op,
        tuple(_substitute(a, name, new) for a in expr.args),
        tuple((k, _substitute(v, name, new)) for k, v in expr.params),
    )


def _rebuilt(c: Candidate, statements: list[Assign], **changes) -> Optional[Candidate]:
    """A candidate with new statements, printed and re-parsed, its flags cut down to what still exists."""
    from ..errors import DiffcheckError
    from ..lang.parse import parse_program

    if not statements:
        return None
    try:
        program = parse_program(program_text(statements), where="shrunk program")
    except DiffcheckError:
        return None
    names = {s.name for s in program.statements[:-1]}
    return replace(
        c,
        program=program,
        values={n: c.values[n] for n in program.inputs if n in c.values},
        no_grad=c.no_grad & set(program.inputs),
        retain=c.retain & names,
        **changes,
    )


def _variants(c: Candidate):
    """Smaller candidates, biggest cuts first: shorter programs, inlined names, subtrees cut, flags and values
    simplified."""
    st = list(c.program.statements)
    for k in range(len(st) - 1):  # an earlier statement becomes the output
        yield _rebuilt(c, st[:k] + [Assign("out", st[k].value)])
    for k in range(len(st) - 1):  # inline a named intermediate into its uses
        rest = [Assign(s.name, _substitute(s.value, st[k].name, st[k].value)) for s in st[k + 1 :]]
        yield _rebuilt(c, st[:k] + rest)
    inputs = [Var(n) for n in c.program.inputs]
    for k, s in enumerate(st):
        for path in _paths(s.value):
            node = _at(s.value, path)
            for new in [*node.args, *inputs, Const(1.0)]:
                yield _rebuilt(c, st[:k] + [Assign(s.name, _put(s.value, path, new))] + st[k + 1 :])
    for name in sorted(c.retain):
        yield replace(c, retain=c.retain - {name})
    for name in sorted(c.no_grad):
        yield replace(c, no_grad=c.no_grad - {name})
    for name, value in c.values.items():
        array = np.asarray(value, dtype=float)
        for simple in (0.0, 1.0, -1.0, 0.5):
            if not np.all(array == simple):
                yield replace(c, values={**c.values, name: np.full(array.shape, simple).tolist()})
        for i in range(array.size if array.ndim else 0):
            for simple in (0.0, 1.0, -1.0, 0.5):
                if array.reshape(-1)[i] != simple:
                    moved = array.copy()
                    moved.reshape(-1)[i] = simple
                    yield replace(c, values={**c.values, name: moved.tolist()})


def _size(c: Candidate) -> tuple:
    values = [
        abs(v) not in (0.0, 0.5, 1.0)
        for v in np.concatenate([np.asarray(v, dtype=float).reshape(-1) for v in c.values.values()] or [np.zeros(0)])
    ]
    return (c.ops, len(c.program.statements), len(c.program.inputs), sum(values), len(c.retain) + len(c.no_grad))


class ShrinkInterrupted(KeyboardInterrupt):
    """Ctrl-C while shrinking; `best` is the smallest failing candidate found so far."""

    def __init__(self, best: Candidate):
        super().__init__()
        self.best = best


def shrink(candidate: Candidate, still_fails: Callable[[Candidate], bool], budget: int = 400) -> Candidate:
    """Greedy delta debugging: take the first smaller variant that still fails, until none does or the budget (checks
    run) is spent. Ctrl-C raises ShrinkInterrupted holding the smallest failing candidate so far."""
    best, spent = candidate, 0
    try:
        improved = True
        while improved and spent < budget:
            improved = False
            for variant in _variants(best):
                if variant is None or _size(variant) >= _size(best):
                    continue
                spent += 1
                if still_fails(variant):
                    best, improved = variant, True
                    break
                if spent >= budget:
                    break
    except KeyboardInterrupt:
        raise ShrinkInterrupted(best) from None
    return best
