"""`diffcheck run`, tracing: what the tracer (snippet/trace.py) keeps per tensor — its `Record` — and per version of it
— an `Entry` — with the limits on what one verified graph may hold."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from .. import engine
from ..defaults import SNIPPET_MAX_LEAF_ELEMENTS, SNIPPET_MAX_OPERATIONS, SNIPPET_MAX_TENSORS
from ..lang.program import Pos

MAX_STATEMENTS = SNIPPET_MAX_TENSORS  # named tensors in one verified graph
MAX_NODES = SNIPPET_MAX_OPERATIONS  # op applications in one verified graph
MAX_ELEMENTS = SNIPPET_MAX_LEAF_ELEMENTS  # leaf elements in one verified graph
MAX_TRACED = 10_000_000  # elements of the traced tensors alive at once
_LABEL = 50  # an unnamed tensor is labelled by its source text up to this length


class Record:
    """What the tracer knows of one tensor, shared by its entries and kept after it is freed."""

    __slots__ = ("binding", "opaque", "elements", "view", "derived", "unverifiable")

    def __init__(self, elements: int):
        self.binding: Optional[str] = None  # the variable it was first bound to
        self.opaque = False  # made through a graph the tracer did not see (a create_graph gradient)
        self.elements = elements
        self.view: Optional[tuple] = (
            None  # a view's (parent tensor, op, other arguments, params): it follows its parent
        )
        self.derived = None  # the parent's entry the view's latest entry was derived from
        self.unverifiable: Optional[str] = None  # why a version of it cannot be verified


class Entry:
    __slots__ = (
        "_tensor",
        "record",
        "ndim",
        "serial",
        "op",
        "args",
        "params",
        "value",
        "requires_grad",
        "label",
        "pos",
        "stale",
    )

    def __init__(self, tensor, record: Record, serial: int, op, args: tuple, params: dict, label: str, pos: Pos):
        # an engine tensor weakly (None once freed); split's tuple and several answers' first, strongly
        self._tensor = weakref.ref(tensor) if isinstance(tensor, engine.Tensor) else (lambda: tensor)
        self.record, self.ndim = record, np.ndim(tensor.data)
        self.serial, self.op, self.args, self.params = serial, op, args, params
        self.requires_grad, self.label, self.pos = tensor.requires_grad, label, pos
        self.stale = False  # a leaf whose tensor's values changed through `.data` since (Tracer.data_changed)
        # what can change later needs a copy: a leaf's values, or a result's that requires no grad (zero_())
        self.value = np.array(tensor.data, copy=True) if op is None or not self.requires_grad else None

    @property
    def tensor(self):
        return self._tensor()

    def current(self, tensor) -> bool:
        """Still describes `tensor`: same requires_grad, same values (nan equal to nan)."""
        if self.value is None:
            return tensor.requires_grad == self.requires_grad
        data = np.asarray(tensor.data)
        return (
            tensor.requires_grad == self.requires_grad
            and data.shape == self.value.shape
            and data.dtype == self.value.dtype
            and np.array_equal(data, self.value, equal_nan=data.dtype.kind == "f")
        )


class _Pieces:
    """The tuple split, chunk or unbind gave, as an entry holds it: it requires grad as its pieces do."""

    __slots__ = ("pieces", "requires_grad", "grad_fn", "retains_grad", "data")

    def __init__(self, pieces: tuple):
        self.pieces, self.requires_grad = pieces, any(t.requires_grad for t in pieces)
        self.grad_fn, self.retains_grad, self.data = pieces[0].grad_fn if pieces else None, False, np.empty(0)


@dataclass(eq=False)
class CustomCall:
    """The op of an entry a custom Function's `apply` made: `row(name)` is the table row that verifies this call
    (its forward and backward the user's, its SymPy form the traced forward's), or `problem` says why none can."""

    name: str
    row: Callable[[str], Any]
    problem: Optional[str] = None


class _Whole:
    """What an entry of several answers describes: never a variable's, never retained."""

    retains_grad = False

    def __init__(self, first):
        self.requires_grad, self.data = first.requires_grad, first.data


class Taken:
    """The names one case has given out. Each base name remembers the last suffix it was given, so the next `name#k`
    is found without trying again every suffix before it (a loop's thousands of versions of one variable, `y@5`,
    `y@5#2` … `y@5#5000`, would otherwise cost the square of their number); the names are the same: the smallest
    free suffix, as names are only ever added."""

    __slots__ = ("names", "_last")

    def __init__(self, names=()):
        self.names: set[str] = set(names)
        self._last: dict[str, int] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def unique(self, name: str) -> str:
        """`name`, or `name#k` with the smallest k ≥ 2 not given out yet; given out from now on."""
        candidate, k = name, self._last.get(name, 1)
        while candidate in self.names:
            k += 1
            candidate = f"{name}#{k}"
        self._last[name] = k
        self.names.add(candidate)
        return candidate


def _short(label: str, line: int) -> str:
    return label if 0 < len(label) <= _LABEL else f"<line {line}>"
