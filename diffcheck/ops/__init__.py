"""THE op table: every op declared once, as rows by family — spellings, overloads, parameter kinds, NumPy forward,
backward rule, SymPy form and its evaluator, grad_fn name, smooth domain, special points with PyTorch's convention.

The engine reads `forward`/`vjp`/`grad_fn`, the symbolic side reads `sym` and `mp`, every room that reads a call
goes through `dispatch`, and `describe` gives what `diffcheck ops` shows. The table shares vocabulary, not
derivative knowledge: SymPy differentiates `sym` on its own, so the comparison is a real check of every `vjp` here.
Rows registered later (`register`, `registered`) reach every room: each rebuilds what it derives through `subscribe`.
"""

from __future__ import annotations

from . import (
    activations,
    arithmetic,
    backward_functions,
    blends,
    classification,
    creation,
    elementwise,
    internal,
    gather,
    layer_norm,
    linalg,
    losses,
    matrices,
    modular,
    normalisers,
    pieces,
    piecewise,
    reductions,
    selection,
    shape,
    soft_activations,
    statistics,
    subscripts,
    transposes,
)
from .arithmetic import indeterminate_power
from .dispatch import (
    PREFIXES,
    SIGNATURES,
    TorchIndexError,
    TorchShapeError,
    TorchTypeError,
    TorchValueError,
    resolve,
)
from .table import (
    FRONTS,
    OPS,
    SYMPY_ONLY,
    Op,
    Param,
    Signature,
    Spelling,
    dims,
    flag,
    kind_of,
    register,
    registered,
    subscribe,
    unregister,
)

__all__ = [
    "FRONTS",
    "OPS",
    "PREFIXES",
    "SIGNATURES",
    "SYMPY_ONLY",
    "Op",
    "Param",
    "Signature",
    "Spelling",
    "TorchIndexError",
    "TorchShapeError",
    "TorchTypeError",
    "TorchValueError",
    "dims",
    "flag",
    "indeterminate_power",
    "kind_of",
    "register",
    "registered",
    "resolve",
    "subscribe",
    "unregister",
]

register(
    *arithmetic.ROWS,
    *elementwise.ROWS,
    *blends.ROWS,
    *modular.ROWS,
    *piecewise.ROWS,
    *reductions.ROWS,
    *statistics.ROWS,
    *linalg.ROWS,
    *transposes.ROWS,
    *shape.ROWS,
    *matrices.ROWS,
    *pieces.ROWS,
    *normalisers.ROWS,
    *layer_norm.ROWS,
    *activations.ROWS,
    *soft_activations.ROWS,
    *subscripts.ROWS,
    *selection.ROWS,
    *creation.ROWS,
    *internal.ROWS,
    *losses.ROWS,
    *classification.ROWS,
    *backward_functions.ROWS,
    *gather.ROWS,
)


def __getattr__(name: str):
    if name == "FRONT_OPS":  # the ops users call, as the table has them now
        return frozenset(FRONTS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
