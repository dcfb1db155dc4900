"""Op rows, blends of three tensors: addcmul and addcdiv (`value=`), lerp (a number weight, LerpBackward0, or a tensor
weight, LerpBackward1). Forwards are PyTorch's CPU kernels' scalar formulas in their order of operations (the value
times tensor1 first; lerp's two forms either side of |weight| = 1/2), their multiply and add fused into one rounding
as PyTorch's compiled kernels do (`fused.fma`).
"""

from __future__ import annotations

import numpy as np

from .fused import fma
from .table import Family, Signature

ROWS = Family()
row = ROWS.row


def _scalar(x, value):
    """A Python number as the element type, as PyTorch's kernel casts its Scalar (float32: rounded)."""
    dtype = np.result_type(x)
    return dtype.type(value) if dtype.kind == "f" else value


def _addcmul(x, t1, t2, value=1):
    """PyTorch's kernel: self + value * t1 * t2, its multiply and add fused."""
    dtype = np.result_type(x, t1, t2)
    return fma(_scalar(dtype, value) * t1, t2, x, dtype)[()]


def _addcdiv(x, t1, t2, value=1):
    return (_scalar(np.result_type(x, t1, t2), value) * t1 / t2 + x)[()]


def _addcmul_vjp(F, g, out, x, t1, t2, value=1):
    """derivatives.yaml: self: grad; tensor1: grad * (tensor2 * value); tensor2: grad * (tensor1 * value)."""
    return g, g * F.mul_scalar(t2, value), g * F.mul_scalar(t1, value)


def _addcdiv_vjp(F, g, out, x, t1, t2, value=1):
    """derivatives.yaml: self: grad; tensor1: grad * (value / tensor2); tensor2: -grad * (value * tensor1 /
    (tensor2 * tensor2))."""
    return g, g * (value / t2), -g * (F.mul_scalar(t1, value) / (t2 * t2))


_BLEND = dict(arity=3, params=("value",))
row(
    name="addcmul",
    grad_fn="AddcmulBackward0",
    **_BLEND,
    forward=_addcmul,
    vjp=_addcmul_vjp,
    sym=lambda sp, x, t1, t2, value=1: x + value * t1 * t2,
    derivative="d/dx = 1, d/dt1 = value t2, d/dt2 = value t1",
)
row(
    name="addcdiv",
    grad_fn="AddcdivBackward0",
    **_BLEND,
    forward=_addcdiv,
    vjp=_addcdiv_vjp,
    sym=lambda sp, x, t1, t2, value=1: x + value * t1 / t2,
    derivative="d/dx = 1, d/dt1 = value / t2, d/dt2 = -value t1 / t2**2",
    singular=lambda x, t1, t2, value=1: np.asarray(t2) == 0,
    convention="t2 = 0: value and grads inf or nan, as the division's",
)


def _lerp(x, end, weight):
    """PyTorch's kernel: x + w (end - x) for |w| < 1/2, else end - (end - x)(1 - w), each multiply and add fused."""
    w = _scalar(np.result_type(x, end), weight) if np.ndim(weight) == 0 and not hasattr(weight, "dtype") else weight
    with np.errstate(invalid="ignore"):
        step = end - x
        dtype = np.result_type(x, end, w)
        small = fma(w, step, x, dtype)
        large = fma(-step, 1 - w, end, dtype)
        return np.where(np.abs(w) < 0.5, small, large)[()]


def _lerp_vjp(F, g, out, x, end, weight):
    """derivatives.yaml (lerp.Scalar): end: grad * weight; self: grad * (1 - weight), 1 - weight in double (end
    first: the sorted order of the names, in which PyTorch's generated code makes the nodes)."""
    d_end = F.mul_scalar(g, weight)
    return F.mul_scalar(g, 1 - float(weight)), d_end


def _lerp_tensor_vjp(F, g, out, x, end, weight):
    """derivatives.yaml (lerp.Tensor): end: grad * weight; self: grad * (1 - weight); weight: grad * (end - self)."""
    d_end = g * weight
    d_self = g * (1 - weight)
    return d_self, d_end, g * (end - x)


row(
    name="lerp",
    grad_fn="LerpBackward0",
    arity=2,
    params=("weight",),
    front=Signature(needs_param=True, tensor_params="lerp_tensor"),
    forward=_lerp,
    vjp=_lerp_vjp,
    sym=lambda sp, x, end, weight: x + weight * (end - x),
    derivative="d/dx = 1 - weight, d/dend = weight",
)
row(
    name="lerp_tensor",
    grad_fn="LerpBackward1",
    arity=3,
    front=None,
    forward=_lerp,
    vjp=_lerp_tensor_vjp,
    sym=lambda sp, x, end, weight: x + weight * (end - x),
    derivative="d/dx = 1 - weight, d/dend = weight, d/dweight = end - x",
)
