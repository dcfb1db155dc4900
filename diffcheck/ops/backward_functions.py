"""Op rows, internal: PyTorch's backward functions of the normalisers and losses (`_softmax_backward_data`,
`mse_loss_backward`, `nll_loss_backward` ...). The rows of softmax and the losses call them, so a first derivative
under `create_graph=True` has PyTorch's node (SoftmaxBackwardDataBackward0, MseLossBackwardBackward0 ...) and its
second derivative derivatives.yaml's double-backward formulas (FunctionsManual's `*_double_backward`), term by term.
On arrays (a first-order backward) each forward is the kernel the loss's rule was before.
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import kept_shape, sum_kept, sum_to
from .classification import _CLASS, nll_backward
from .losses import _EPSILON, REDUCTION, WEIGHT, _norm, _weights
from .normalisers import _row_blocks, precise
from .table import Family, Param

ROWS = Family()
row = ROWS.row
_DIM = (Param("dim", "int"),)


def _shape(x) -> tuple:
    """A rule's operand's shape: an array (a second derivative's plain backward) or the engine's tensor."""
    return np.shape(getattr(x, "data", x))


def _numel(x) -> int:
    return math.prod(_shape(x))


def _mean(F, grad, x, reduction):
    """`grad /= input.numel()` for 'mean' (a Scalar divisor: DivBackward1 under create_graph)."""
    return F.div_scalar(grad, _numel(x)) if reduction == "mean" else grad


def _grad_output_rule(F, backward, g, gout, reduction, *args):
    """`*_double_backward_grad_output`: the backward of g itself for 'none', else (backward(ones) * g).sum()."""
    if reduction == "none":
        return backward(g, *args)
    return F.sum(backward(F.ones_like(gout), *args) * g)


# ---- softmax and log_softmax ---------------------------------------------------------------------------------------
def _softmax_backward(gout, y, dim):
    """output * (grad - sum(grad * output, dim, keepdim)), in one buffer."""
    if np.ndim(y) == 0:
        return (y * (gout - gout * y))[()]
    t = np.multiply(gout, y)
    np.subtract(gout, sum_to(t, kept_shape(np.shape(y), dim)), out=t)
    return np.multiply(t, y, out=t)


def _softmax_double_backward(F, g, gout, dim, y):
    """grad_output * grad - (output * grad_output).sum(dim, true) * grad - grad_output * (output * grad).sum(dim, true)"""
    shape = _shape(y)
    return gout * g - sum_kept(F, y * gout, dim, shape) * g - gout * sum_kept(F, y * g, dim, shape)


def _softmax_sym(sp, gout, y, dim):
    return y * (gout - np.sum(gout * y, axis=dim % max(np.ndim(y), 1), keepdims=True))


row(
    name="softmax_backward_data",
    grad_fn="SoftmaxBackwardDataBackward0",
    arity=2,
    params=_DIM,
    elementwise=False,
    internal=True,
    example=([(2, 2), (2, 2)], {"dim": 1}),
    forward=_softmax_backward,
    # grad_output: _softmax_backward_data(grad, output, dim); output: softmax_double_backward(grad, grad_output, ...)
    vjp=lambda F, g, out, gout, y, dim: (
        F.softmax_backward_data(g, y, dim),
        _softmax_double_backward(F, g, gout, dim, y),
    ),
    sym=_softmax_sym,
    derivative="softmax's backward: y (g - sum(g y)) along dim",
)


def _log_softmax_backward(gout, y, dim):
    """grad - exp(output) * sum(grad, dim, keepdim), in one buffer (a big float64 array block by block of rows)."""
    blocked = _row_blocks(y, dim % np.ndim(y)) if np.ndim(y) and type(gout) is np.ndarray else None
    if blocked is not None and gout.shape == y.shape and gout.dtype == y.dtype and gout.flags.c_contiguous:
        rows, blocks = blocked
        result = np.empty_like(y)  # its own memory: backward stores it as x.grad uncopied
        grads, written = gout.reshape(rows.shape), result.reshape(rows.shape)
        for b in blocks:
            e = np.exp(rows[b], out=written[b])
            np.multiply(e, np.sum(grads[b], axis=1, keepdims=True), out=e)
            np.subtract(grads[b], e, out=e)
        return result
    e = precise(np.exp, y)
    if not np.ndim(e):
        return gout - e * gout
    np.multiply(e, sum_to(gout, kept_shape(np.shape(y), dim)), out=e)
    return np.subtract(gout, e, out=e)  # the array itself, not a view: backward can store it as x.grad uncopied


def _log_softmax_sym(sp, gout, y, dim):
    exp = np.frompyfunc(lambda v: sp.exp(v, evaluate=False), 1, 1)
    return gout - exp(y) * np.sum(gout, axis=dim % max(np.ndim(y), 1), keepdims=True)


row(
    name="log_softmax_backward_data",
    grad_fn="LogSoftmaxBackwardDataBackward0",
    arity=2,
    params=_DIM,
    elementwise=False,
    internal=True,
    example=([(2, 2), (2, 2)], {"dim": 1}),
    forward=_log_softmax_backward,
    # grad_output: grad - (grad * output.exp()).sum(dim, true); output: -grad_output.sum(dim, true) * output.exp() * grad
    vjp=lambda F, g, out, gout, y, dim: (
        g - sum_kept(F, g * F.exp(y), dim, _shape(y)),
        -sum_kept(F, gout, dim, _shape(y)) * F.exp(y) * g,
    ),
    sym=_log_softmax_sym,
    derivative="log_softmax's backward: g - exp(y) sum(g) along dim",
    mp="exp",
)


# ---- mse_loss, smooth_l1_loss, huber_loss --------------------------------------------------------------------------
def _mse_backward(gout, x, y, reduction="mean"):
    return _norm(x, reduction, 2.0) * (x - y) * gout  # mse_backward_cpu_kernel: norm * (input - target) * grad


def _mse_double(F, g, gout, x, reduction):
    """mse_loss_double_backward(grad * grad_output, input): 2 * grad, / numel for 'mean'."""
    return _mean(F, F.mul_scalar(g * gout, 2.0), x, reduction)  # 2 * grad: a Scalar factor, MulBackward1


row(
    name="mse_loss_backward",
    grad_fn="MseLossBackwardBackward0",
    arity=3,
    params=(REDUCTION,),
    elementwise=False,
    internal=True,
    example=([(), (3,), (3,)], {}),
    forward=_mse_backward,
    vjp=lambda F, g, out, gout, x, y, reduction="mean": (
        _grad_output_rule(F, F.mse_loss_backward, g, gout, reduction, x, y, reduction),
        _mse_double(F, g, gout, x, reduction),
        -_mse_double(F, g, gout, x, reduction),
    ),
    sym=lambda sp, gout, x, y, reduction="mean": _norm(x, reduction, 2) * (np.asarray(x) - y) * gout,
    derivative="mse_loss's backward: 2 (x - y) g / n",
)


def _smooth_l1_backward(gout, x, y, reduction="mean", beta=1.0):
    """smooth_l1_backward: |d| < beta ? norm * d / beta * grad : norm * sign(d) * grad, d = input - target."""
    norm, d = _norm(x, reduction), x - y
    with np.errstate(all="ignore"):
        return np.where(np.abs(d) < beta, norm * d / beta * gout, norm * np.sign(d) * gout)[()]


def _inside(F, x, y, bound):
    """(|input - target| < bound), a constant mask (the double backwards' `(d < beta).type_as(grad)`)."""
    return F.abs(x - y) < bound


def _smooth_l1_rule(F, g, out, gout, x, y, reduction="mean", beta=1.0):
    """grad_output: the backward again; input: smooth_l1_loss_double_backward(grad * grad_output, ...),
    grad * (|d| < beta) / beta (/ numel for 'mean'; zeros for beta = 0); target: its negation."""
    if beta == 0:
        second = F.zeros_like(g * gout)
    else:
        second = _mean(F, F.div_scalar(g * gout * _inside(F, x, y, beta), beta), x, reduction)
    return (
        _grad_output_rule(F, F.smooth_l1_loss_backward, g, gout, reduction, x, y, reduction, beta),
        second,
        -second,
    )


def _smooth_l1_sym(sp, gout, x, y, reduction="mean", beta=1.0):
    norm = _norm(x, reduction)
    step = np.frompyfunc(lambda d: sp.Piecewise((d / beta, abs(d) < beta), (1, d > 0), (-1, d < 0), (0, True)), 1, 1)
    return norm * step(np.asarray(x) - y) * gout


row(
    name="smooth_l1_loss_backward",
    grad_fn="SmoothL1LossBackwardBackward0",
    arity=3,
    params=(REDUCTION, "beta"),
    elementwise=False,
    internal=True,
    example=([(), (3,), (3,)], {"reduction": "mean", "beta": 1.0}),
    forward=_smooth_l1_backward,
    vjp=_smooth_l1_rule,
    sym=_smooth_l1_sym,
    derivative="smooth_l1_loss's backward: (x - y) / beta or sign(x - y), times g / n",
)


def _huber_backward(gout, x, y, reduction="mean", delta=1.0):
    """huber_backward: d < -delta ? -norm * delta * grad : d > delta ? norm * delta * grad : norm * d * grad."""
    norm, d = _norm(x, reduction), x - y
    return np.where(d < -delta, -norm * delta * gout, np.where(d > delta, norm * delta * gout, norm * d * gout))[()]


def _huber_rule(F, g, out, gout, x, y, reduction="mean", delta=1.0):
    """grad_output: huber_loss_double_backward_grad_output; input: huber_loss_double_backward(grad * grad_output,
    ...), grad * (|d| < delta) (/ numel for 'mean'); target: its negation."""
    second = _mean(F, g * gout * _inside(F, x, y, delta), x, reduction)
    return (
        _grad_output_rule(F, F.huber_loss_backward, g, gout, reduction, x, y, reduction, delta),
        second,
        -second,
    )


row(
    name="huber_loss_backward",
    grad_fn="HuberLossBackwardBackward0",
    arity=3,
    params=(REDUCTION, "delta"),
    elementwise=False,
    internal=True,
    example=([(), (3,), (3,)], {"reduction": "mean", "delta": 1.0}),
    forward=_huber_backward,
    vjp=_huber_rule,
    sym=lambda sp, gout, x, y, reduction="mean", delta=1.0: (
        _norm(x, reduction)
        * np.frompyfunc(lambda d: sp.Piecewise((-delta, d < -delta), (delta, d > delta), (d, True)), 1, 1)(
            np.asarray(x) - y
        )
        * gout
    ),
    derivative="huber_loss's backward: x - y, clipped to ±delta, times g / n",
)


# ---- binary_cross_entropy ------------------------------------------------------------------------------------------
_EPS = 1e-12  # the double backwards' eps, a double (the first backward's is float32(1e-12))


def _bce_rule(F, g, out, gout, x, y, reduction="mean", weight=None):
    """binary_cross_entropy_double_backward (input), _double_backward_target and _double_backward_grad_output."""
    w = _weights("binary_cross_entropy", weight=weight)["weight"]
    gi = (x * x - 2 * x * y + y) / ((x + _EPS) ** 2 * ((1 - x) + _EPS) ** 2) * (g * gout)
    denominator = F.clamp_min((1 - x) * x, _EPS)  # PyTorch clamps in place under no_grad: the same values
    gt = -g * gout if w is None else -g * gout * w
    ggo = (x - y) / ((x + _EPS) * ((1 - x) + _EPS)) * g
    if w is not None:
        gi, ggo = gi * w, ggo * w
    gt = gt / denominator
    return _mean(F, ggo, x, reduction), _mean(F, gi, x, reduction), _mean(F, gt, x, reduction)


def _bce_backward(gout, x, y, reduction="mean", weight=None):
    """binary_cross_entropy_backward: grad * (x - t) / max((1 - x) x, EPSILON), times the weight, / numel."""
    w = _weights("binary_cross_entropy", weight=weight)["weight"]
    grad = gout * (x - y) / np.maximum((1 - x) * x, _EPSILON)
    grad = grad if w is None else grad * w
    return (grad / _numel(x) if reduction == "mean" else grad)[()]


row(
    name="binary_cross_entropy_backward",
    grad_fn="BinaryCrossEntropyBackwardBackward0",
    arity=3,
    params=(REDUCTION, WEIGHT),
    elementwise=False,
    internal=True,
    example=([(), (3,), (3,)], {}),
    forward=_bce_backward,
    vjp=_bce_rule,
    sym=lambda sp, gout, x, y, reduction="mean", weight=None: (
        _norm(x, reduction) * gout * (np.asarray(x) - y) / ((1 - np.asarray(x)) * x)
    ),
    derivative="binary_cross_entropy's backward: g (x - y) / (x (1 - x)) / n",
)


# ---- nll_loss ------------------------------------------------------------------------------------------------------
row(
    name="nll_loss_backward",
    grad_fn="NllLossBackwardBackward0",
    arity=3,
    params=_CLASS,
    elementwise=False,
    internal=True,
    index_args=(2,),
    example=([(), (2, 3), (2,)], {}),
    forward=lambda gout, x, target, weight=None, reduction="mean", ignore_index=-100: nll_backward(
        gout, x, target, reduction, ignore_index, weight
    ),
    # grad_output: nll_loss(grad, target, weight, reduction, ignore_index); self: zeros_like(grad)
    vjp=lambda F, g, out, gout, x, target, weight=None, reduction="mean", ignore_index=-100: (
        F.nll_loss(g, target, weight=weight, reduction=reduction, ignore_index=ignore_index),
        F.zeros_like(g),
        None,
    ),
    sym=lambda sp, gout, x, target, weight=None, reduction="mean", ignore_index=-100: nll_backward(
        gout, np.asarray(x, dtype=object), np.asarray(target, dtype=np.int64), reduction, ignore_index, weight
    ),
    derivative="nll_loss's backward: -g (/ the total weight) at each sample's target class",
)
