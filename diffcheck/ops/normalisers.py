"""Op rows, normalisers along one dim: softmax and log_softmax (torch.X, Tensor.X and torch.nn.functional.X).

Forward as PyTorch's CPU kernels compute them (the max subtracted, exp, the sum; softmax multiplies by the sum's
reciprocal), backward as derivatives.yaml's `_softmax_backward_data` / `_log_softmax_backward_data` (rows of
ops/backward_functions.py). `dim` is one int
and required, as PyTorch's (`torch.softmax(x)` is its TypeError; F.softmax's implicit dim is deprecated and not taken).
"""

from __future__ import annotations

import numpy as np

from .arrays import kind
from .dispatch import check_dims
from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row
_DIM = (Param("dim", "int"),)


def _axis(x, dim: int, kernel: str) -> int:
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{kernel.split('_')[0]}(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    check_dims(dim, np.ndim(x))
    if kind(x) in "biu":
        name = "Bool" if kind(x) == "b" else "Long"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")
    return dim % np.ndim(x) if np.ndim(x) else None


def precise(function, a):
    """NumPy's float32 exp and log are off by up to a few ulps, PyTorch's (SLEEF) kernels by under one: float32 is
    computed in float64 and rounded, which agrees with PyTorch's to the last bit or one ulp."""
    if getattr(a, "dtype", None) == np.float32:
        return function(a.astype(np.float64)).astype(np.float32)
    return function(a)


def _shifted(x, axis):
    # the max itself, infinite too: PyTorch's kernels give nan for a row holding +inf (inf - inf), as measured
    # (logsumexp, unlike them, shifts by 0 there)
    return x - np.max(x, axis=axis, keepdims=True)


def softmax(x, dim):
    axis = _axis(x, dim, "softmax_lastdim_kernel_impl")
    e = _shifted(x, axis)  # a fresh array: exp and the scaling work in place (big tensors: fewer passes, no
    np.exp(e, out=e) if e.dtype == np.float64 else np.copyto(e, precise(np.exp, e))  # allocations)
    total = np.sum(e, axis=axis, keepdims=True)
    # PyTorch's kernel along the last dim multiplies by the sum's reciprocal; along another it divides
    if axis is None or axis == np.ndim(x) - 1:
        np.multiply(e, 1 / total, out=e)
    else:
        np.divide(e, total, out=e)
    return e[()]


_BLOCK = 1 << 15  # elements of a block of rows (256 KiB of float64): its temporaries stay in the CPU's cache
_BLOCKED = 1 << 16  # from this many elements the blocks pay for their Python loop


def _row_blocks(a, axis):
    """`a` as rows along `axis` and the slices of its blocks of rows, where blocking pays: a big C-contiguous
    float64 array reduced along its last dim (each row computed as the whole array computes it: the same bits, one
    memory pass instead of one per step). None elsewhere."""
    if not (a.dtype == np.float64 and a.ndim >= 2 and axis == a.ndim - 1 and a.size >= _BLOCKED):
        return None
    if not a.flags.c_contiguous:
        return None
    rows = a.reshape(-1, a.shape[-1])
    step = max(1, _BLOCK // max(1, rows.shape[1]))
    return rows, [slice(i, i + step) for i in range(0, rows.shape[0], step)]


def _log_softmax_blocked(x, axis):
    blocked = _row_blocks(x, axis)
    if blocked is None:
        return None
    rows, blocks = blocked
    out = np.empty_like(x)  # its own memory (a reshape of it would be a view, which backward copies)
    written = out.reshape(rows.shape)
    for b in blocks:
        s = np.subtract(rows[b], np.max(rows[b], axis=1, keepdims=True), out=written[b])
        s -= np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    return out


def log_softmax(x, dim):
    axis = _axis(x, dim, "log_softmax_lastdim_kernel_impl")
    blocked = _log_softmax_blocked(np.asarray(x), axis)
    if blocked is not None:
        return blocked
    s = _shifted(x, axis)
    e = precise(np.exp, s)
    s -= precise(np.log, np.sum(e, axis=axis, keepdims=True))
    return s[()]


def _exp_sym(sp, x):
    return np.frompyfunc(lambda e: sp.exp(e, evaluate=False), 1, 1)(x)


def _softmax_sym(sp, x, dim):
    e = _exp_sym(sp, np.asarray(x, dtype=object))
    axis = dim % max(np.ndim(e), 1) if np.ndim(e) else None
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_sym(sp, x, dim):
    x = np.asarray(x, dtype=object)
    axis = dim % max(np.ndim(x), 1) if np.ndim(x) else None
    total = np.sum(_exp_sym(sp, x), axis=axis, keepdims=True)
    return x - np.frompyfunc(lambda s: sp.log(s, evaluate=False), 1, 1)(total)


def _front(name: str) -> Signature:
    return Signature(spellings=(Spelling(name, functional=True),), needs_param=True)


row(
    name="softmax",
    grad_fn="SoftmaxBackward0",
    params=_DIM,
    elementwise=False,
    front=_front("softmax"),
    example=([(2, 2)], {"dim": 1}),
    forward=softmax,
    # _softmax_backward_data: grad_input = output * (grad - sum(grad * output, dim, keepdim=True))
    vjp=lambda F, g, out, x, dim: (F.softmax_backward_data(g, out, dim),),
    sym=_softmax_sym,
    derivative="d/dx_j softmax(x)_i = s_i (δ_ij - s_j) along dim",
    mp="exp",
)
row(
    name="log_softmax",
    grad_fn="LogSoftmaxBackward0",
    params=_DIM,
    elementwise=False,
    front=_front("log_softmax"),
    example=([(2, 2)], {"dim": 1}),
    forward=log_softmax,
    # _log_softmax_backward_data: grad_input = grad - exp(output) * sum(grad, dim, keepdim=True)
    vjp=lambda F, g, out, x, dim: (F.log_softmax_backward_data(g, out, dim),),
    sym=_log_softmax_sym,
    derivative="d/dx_j log_softmax(x)_i = δ_ij - softmax(x)_j along dim",
    mp="log",
)
