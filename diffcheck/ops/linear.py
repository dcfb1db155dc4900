"""Op rows, `torch.nn.functional.linear` (what `nn.Linear` computes): `input @ weight.T + bias`, one row per path
ATen's `linear` takes, each with the node PyTorch records — a 2-D input with a bias is one `addmm`
(AddmmBackward0), a 1-D one is unsqueezed, run through addmm and viewed back (ViewBackward0).

The forward is NumPy's matrix product then the bias added: PyTorch's BLAS accumulates in another order, so float32
results may differ from PyTorch's in the last bits (benchmarks/training.py measures how far).
"""

from __future__ import annotations

import numpy as np

from .table import Family, Signature, Spelling

ROWS = Family()
row = ROWS.row


def _linear(x, w, b):
    if np.result_type(x) != np.result_type(w) or np.result_type(w) != np.result_type(b):
        names = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {names.get(np.result_type(x), 'Long')} and "
            f"{names.get(np.result_type(w), 'Long')}"
        )
    if np.shape(x)[-1] != np.shape(w)[1]:
        rows = np.shape(x)[0] if np.ndim(x) == 2 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{np.shape(x)[-1]} and "
            f"{np.shape(w)[1]}x{np.shape(w)[0]})"
        )
    return np.matmul(x, np.transpose(w)) + b


def _vjp(F, g, out, x, w, b):
    """d/dx = g W, d/dW = g^T x (x as a row when 1-D), d/db = g summed over the batch (the engine sums)."""
    if np.ndim(g) == 1:
        return F.matmul(F.transpose(w), g), F.reshape(g, (-1, 1)) * F.reshape(x, (1, -1)), g
    return F.matmul(g, w), F.matmul(F.transpose(g), x), g


def _sym(sp, x, w, b):
    return np.matmul(x, np.transpose(w)) + b


row(
    name="linear",
    grad_fn="AddmmBackward0",
    arity=3,
    elementwise=False,
    example=([(2, 3), (4, 3), (4,)], {}),
    forward=_linear,
    vjp=_vjp,
    sym=_sym,
    derivative="d/dx (x W^T + b) = g W, d/dW = g^T x, d/db = sum of g over the batch",
    front=Signature(
        spellings=(Spelling("linear", torch=False, method=False, functional=True),),
        tensors_only=True,
        by_rank=(((2, 2, 1), "linear"), ((1, 2, 1), "linear_vector")),
    ),
)
row(
    name="linear_vector",
    grad_fn="ViewBackward0",
    arity=3,
    elementwise=False,
    front=None,
    example=([(3,), (4, 3), (4,)], {}),
    forward=_linear,
    vjp=_vjp,
    sym=_sym,
    derivative="as linear, for a 1-D input",
)
