"""Op rows, reductions and linear algebra: sum and mean (whole or along `dim`), matmul's dot, mv and mm.

Whole-array rows: `sym` takes object arrays, and `example` gives `diffcheck ops` the arguments to show it on.
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import axes, kind, reduced, TYPE_NAMES
from .table import Family, Signature, dims, flag

ROWS = Family()
row = ROWS.row


def _mean(x, axis=None, keepdims=False):
    """np.mean, refusing integer and bool tensors as PyTorch does (NumPy gives float64)."""
    if kind(x) in "biu":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {'Bool' if kind(x) == 'b' else 'Long'}"
        )
    return np.mean(x, axis=axis, keepdims=keepdims)


def _product(kernel: str, mismatch, compute):
    """dot, mv, mm: PyTorch neither promotes their operands' dtypes (NumPy would) nor multiplies bools."""

    def forward(a, b):
        ta, tb = np.result_type(a), np.result_type(b)
        if ta != tb:
            raise RuntimeError(mismatch(TYPE_NAMES[ta], TYPE_NAMES[tb]))
        if ta.kind == "b":
            raise NotImplementedError(f""""{kernel}" not implemented for 'Bool'""")
        return compute(a, b)

    return forward


_DIM = (dims("dim"), flag("keepdim"))


# ---- reductions and linear algebra (whole-array: `sym` maps object arrays) ------------------------------------------
row(
    name="sum",
    grad_fn="SumBackward0",
    saves=False,
    elementwise=False,
    forward=np.sum,
    example=([(3,)], {}),
    front=Signature(params=_DIM, dim_row="sum_dim"),
    vjp=lambda F, g, out, x: (F.expand(g, np.shape(x)),),
    sym=lambda sp, x: np.sum(x),
    derivative="d/dx_i sum(x) = 1",
)
row(
    name="sum_dim",
    grad_fn="SumBackward1",
    params=_DIM,
    saves=False,
    elementwise=False,
    front=None,
    example=([(2, 2)], {"dim": 0}),
    forward=lambda x, dim, keepdim=False: np.sum(x, axis=axes(np.shape(x), dim), keepdims=keepdim),
    vjp=lambda F, g, out, x, dim, keepdim=False: (F.expand(F.unsqueeze(g, dim, keepdim, np.shape(x)), np.shape(x)),),
    sym=lambda sp, x, dim, keepdim=False: np.sum(x, axis=axes(np.shape(x), dim), keepdims=keepdim),
    derivative="d/dx_i sum(x, dim) = 1",
)
row(
    name="mean",
    grad_fn="MeanBackward0",
    saves=False,
    elementwise=False,
    forward=_mean,
    example=([(3,)], {}),
    front=Signature(params=_DIM, dim_row="mean_dim"),
    vjp=lambda F, g, out, x: (F.expand(g, np.shape(x)) / math.prod(np.shape(x)),),
    sym=lambda sp, x: np.sum(x) / math.prod(np.shape(x)),
    derivative="d/dx_i mean(x) = 1/n",
)
row(
    name="mean_dim",
    grad_fn="MeanBackward1",
    params=_DIM,
    saves=False,
    elementwise=False,
    front=None,
    example=([(2, 2)], {"dim": 0}),
    forward=lambda x, dim, keepdim=False: _mean(x, axis=axes(np.shape(x), dim), keepdims=keepdim),
    vjp=lambda F, g, out, x, dim, keepdim=False: (
        F.expand(F.unsqueeze(g, dim, keepdim, np.shape(x)), np.shape(x)) / reduced(np.shape(x), dim),
    ),
    sym=lambda sp, x, dim, keepdim=False: (
        np.sum(x, axis=axes(np.shape(x), dim), keepdims=keepdim) / reduced(np.shape(x), dim)
    ),
    derivative="d/dx_i mean(x, dim) = 1/n along dim",
)
row(
    name="dot",
    grad_fn="DotBackward0",
    arity=2,
    elementwise=False,
    front=None,
    example=([(2,), (2,)], {}),
    forward=_product(
        "dot", lambda a, b: f"dot : expected both vectors to have same dtype, but found {a[0]} and {b[0]}", np.dot
    ),
    vjp=lambda F, g, out, a, b: (g * b, g * a),
    sym=lambda sp, a, b: np.dot(a, b),
    derivative="d/da a·b = b",
)
row(
    name="mv",
    grad_fn="MvBackward0",
    arity=2,
    elementwise=False,
    front=None,
    example=([(2, 2), (2,)], {}),
    forward=_product(
        "addmv_impl_cpu",
        lambda m, v: f"addmv input tensors must have the same dtype, but got {v[0]}, {m[0]}, and {v[0]}",
        np.matmul,
    ),
    vjp=lambda F, g, out, m, v: (F.reshape(g, (-1, 1)) * F.reshape(v, (1, -1)), F.matmul(F.transpose(m), g)),
    sym=lambda sp, m, v: np.matmul(m, v),
    derivative="d/dM (M v) = g v^T, d/dv = M^T g",
)
row(
    name="mm",
    grad_fn="MmBackward0",
    arity=2,
    elementwise=False,
    front=None,
    example=([(2, 2), (2, 2)], {}),
    forward=_product(
        "addmm_impl_cpu_",
        lambda a, b: f"expected m1 and m2 to have the same dtype, but got: {a[1]} != {b[1]}",
        np.matmul,
    ),
    vjp=lambda F, g, out, a, b: (F.matmul(g, F.transpose(b)), F.matmul(F.transpose(a), g)),
    sym=lambda sp, a, b: np.matmul(a, b),
    derivative="d/dA (A B) = g B^T, d/dB = A^T g",
)
# `a @ b` picks its row by the arguments' ranks (no other is supported)
ROWS.append(
    Signature(
        name="matmul",
        arity=2,
        operators=("a @ b",),
        tensors_only=True,
        by_rank=(((1, 1), "dot"), ((2, 1), "mv"), ((2, 2), "mm")),
    )
)
