"""Reverse-mode differentiation of a symengine expression: the derivative with respect to every symbol asked for in
one backward pass over the expression's distinct subexpressions, where one `diff` per symbol walks the whole
expression each time (a 2-layer MLP's loss has thousands of weights over tens of thousands of shared nodes).

Exact, and symengine's calculus, not diffcheck's engine: each node's partial derivative with respect to one of its
arguments is what `diff` gives for that node alone (its function of a fresh symbol, the argument put back), so every
derivative is `diff`'s, arranged as the chain rule adds it up. Max and Min, which symengine cannot differentiate,
take SymPy's derivative (a Heaviside of the difference, 1/2 at a tie), written as a Piecewise.
"""

from __future__ import annotations

import symengine as se

from ..exact import postorder

_ZERO, _ONE, _HALF = se.Integer(0), se.Integer(1), se.Rational(1, 2)
_FRESH = se.Symbol("_adjoint")  # no input is named so: names are identifiers, or name[i,j]
_CONDITIONS = {
    "StrictLessThan",
    "LessThan",
    "Equality",
    "Unequality",
    "And",
    "Or",
    "Not",
    "BooleanTrue",
    "BooleanFalse",
}


def gradient(target, wrt: list) -> list:
    """d target / d s for each symbol s of `wrt` (0 where target does not depend on it)."""
    order = postorder([target])
    wanted = set(wrt)
    depends: set = set()
    for node in order:  # arguments first: a node depends on a wanted symbol through an argument (not a condition)
        if node in wanted or (type(node).__name__ not in _CONDITIONS and any(a in depends for a in node.args)):
            depends.add(node)
    parts: dict = {target: [_ONE]} if target in depends else {}
    found: dict = {}
    for node in reversed(order):  # every user of a node comes before it: its adjoint is complete when reached
        contributions = parts.pop(node, None)
        if contributions is None:
            continue
        adjoint = contributions[0] if len(contributions) == 1 else se.Add(*contributions)
        if node in wanted:
            found[node] = adjoint
            continue
        for arg, partial in _partials(node, depends):
            parts.setdefault(arg, []).append(adjoint * partial)
    return [found.get(s, _ZERO) for s in wrt]


def _partials(node, depends: set):
    """(argument, d node / d argument) for each argument that depends on a wanted symbol."""
    kind, args = type(node).__name__, node.args
    if kind == "Add":
        return [(a, _ONE) for a in args if a in depends]
    if kind == "Mul":
        return [(a, se.Mul(*args[:i], *args[i + 1 :])) for i, a in enumerate(args) if a in depends]
    if kind == "Pow":
        base, exponent = args
        out = []
        if base in depends:
            out.append((base, exponent * base ** (exponent - 1)))
        if exponent in depends:
            out.append((exponent, node if base == se.E else node * se.log(base)))
        return out
    if kind == "Piecewise":  # the value of branch i flows where condition i is the first that holds
        values, conditions = args[::2], args[1::2]
        return [(v, _branch(conditions, i)) for i, v in enumerate(values) if v in depends]
    if kind in ("Max", "Min"):
        return [(a, _step(kind, a, args[:i] + args[i + 1 :])) for i, a in enumerate(args) if a in depends]
    out = []
    for i, a in enumerate(args):
        if a in depends:
            alone = node.func(*args[:i], _FRESH, *args[i + 1 :])
            out.append((a, alone.diff(_FRESH).xreplace({_FRESH: a})))
    return out


def _branch(conditions: tuple, index: int):
    pieces = [(_ZERO, c) for c in conditions[:index]] + [(_ONE, conditions[index])]
    if conditions[index] != se.true:
        pieces.append((_ZERO, se.true))
    return se.Piecewise(*pieces)


def _step(kind: str, arg, others: tuple):
    """SymPy's d Max(a, *others) / da: Heaviside(a - Max(*others)) (Min: Heaviside(Min(*others) - a)), 1/2 at 0."""
    rest = others[0] if len(others) == 1 else getattr(se, kind)(*others)
    above = se.Gt(arg, rest) if kind == "Max" else se.Lt(arg, rest)
    return se.Piecewise((_ONE, above), (_HALF, se.Eq(arg, rest)), (_ZERO, se.true))
