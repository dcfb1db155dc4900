"""An exact value at a point, by kind: what both symbolic routes (SymPy's and symengine's) hand to the comparison.

Its own module, below the rest, so the symengine route can build one without importing SymPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True, slots=True)
class Exact:
    """A SymPy value at a point, by kind: finite, inf, -inf, zoo (complex infinity), nan or complex."""

    kind: str
    value: float = math.nan

    @property
    def is_finite(self) -> bool:
        return self.kind == "finite"

    def __str__(self) -> str:
        return repr(self.value) if self.kind == "finite" else self.kind


# ---- evaluating an expression tree at a point (both routes' numeric evaluators) -----------------------------------
def add_all(*terms):
    """An n-ary Add at a point, left to right (mpmath numbers)."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def multiply_all(*factors):
    """An n-ary Mul at a point, left to right."""
    total = factors[0]
    for factor in factors[1:]:
        total = total * factor
    return total


def first_branch(*parts):
    """A Piecewise at a point: the value of its first branch whose condition holds."""
    for value, condition in zip(parts[::2], parts[1::2]):
        if condition:
            return value
    raise ValueError("no branch of the Piecewise holds")


def run_steps(steps: list, outputs: list):
    """A compiled evaluator: `steps` are (function, argument slots) appending one value each after the inputs'
    values; the function returns the values at `outputs`."""

    def function(*values) -> list:
        computed = list(values)
        for step, args in steps:
            computed.append(step(*[computed[a] for a in args]))
        return [computed[i] for i in outputs]

    return function


def postorder(exprs: list, seen: Optional[set] = None) -> list:
    """Every distinct subexpression of `exprs` (SymPy's or symengine's; plain numbers left out), each after its
    arguments; iterative, so depth costs no stack. `seen`: subexpressions already walked (left out, with theirs),
    updated with the new ones."""
    order, seen = [], set() if seen is None else seen
    stack = [(e, False) for e in reversed(exprs) if hasattr(e, "args")]
    while stack:
        expr, ready = stack.pop()
        if ready:
            order.append(expr)
        elif expr not in seen:
            seen.add(expr)
            stack.append((expr, True))
            stack.extend((a, False) for a in reversed(expr.args) if a not in seen)
    return order
