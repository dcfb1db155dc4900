"""Op rows, internal: the shape ops backward rules need to stay differentiable (no spelling users write)."""

from __future__ import annotations

import numpy as np

from .arrays import expand, sum_to
from .table import Family, Param

ROWS = Family()
row = ROWS.row
_SHAPE = (Param("shape", "shape"),)

row(
    name="expand",
    grad_fn="ExpandBackward0",
    params=_SHAPE,
    saves=False,
    elementwise=False,
    internal=True,
    forward=lambda x, shape: expand(x, shape),
    vjp=lambda F, g, out, x, shape: (F.sum_to(g, np.shape(x)),),
    sym=lambda sp, x, shape: np.broadcast_to(x, shape),
    derivative="sum the gradient back to the input's shape",
    example=([()], {"shape": (2,)}),
)
row(
    name="sum_to",
    grad_fn="SumBackward1",
    params=_SHAPE,
    saves=False,
    elementwise=False,
    internal=True,
    forward=lambda x, shape: sum_to(x, shape),
    vjp=lambda F, g, out, x, shape: (F.expand(g, np.shape(x)),),
    sym=lambda sp, x, shape: sum_to(x, shape),
    derivative="broadcast the gradient to the input's shape",
    example=([(2, 2)], {"shape": (2,)}),
)
row(
    name="reshape",
    grad_fn="ViewBackward0",
    params=_SHAPE,
    saves=False,
    elementwise=False,
    internal=True,
    forward=lambda x, shape: np.reshape(x, shape),
    vjp=lambda F, g, out, x, shape: (F.reshape(g, np.shape(x)),),
    sym=lambda sp, x, shape: np.reshape(x, shape),
    derivative="reshape the gradient back",
    example=([(2, 2)], {"shape": (4,)}),
)
row(
    name="transpose",
    grad_fn="PermuteBackward0",
    saves=False,
    elementwise=False,
    internal=True,
    forward=np.transpose,
    vjp=lambda F, g, out, x: (F.transpose(g),),
    sym=lambda sp, x: np.transpose(x),
    derivative="transpose the gradient back",
    example=([(2, 3)], {}),
)
