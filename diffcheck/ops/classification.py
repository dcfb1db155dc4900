"""Op rows, classification losses: nll_loss and cross_entropy (class-index and probability targets,
`label_smoothing`, `ignore_index`), as torch.nn.functional has them.

nll_loss is one node (NllLossBackward0) whose target is an integer tensor (`index_args`). cross_entropy is built by
PyTorch from others (LossNLL.cpp): nll_loss(log_softmax(input, class_dim)), plus the smoothing term made of sum, neg,
masked_fill and C++'s Scalar overloads (MulBackward1, DivBackward1, AddBackward1: the internal rows here). The rows
are `via` and the one composition (`_cross_entropy`, `_cross_entropy_probs`) serves the engine (its functions), the
forward (NumPy's) and the SymPy form (object arrays), so the three cannot drift apart.
"""

from __future__ import annotations

import math
import types

import numpy as np

from .arrays import TYPE_NAMES, is_tensor, kind
from .losses import REDUCTION, REDUCTIONS, _functional, _number
from .normalisers import _log_softmax_sym, log_softmax
from .dispatch import TorchIndexError, TorchValueError
from .table import Family, Param

ROWS = Family()
row = ROWS.row
_CLASS = (REDUCTION, Param("ignore_index", "int"))
_CROSS = (*_CLASS, "label_smoothing")


def _data(value):
    return np.asarray(value.data if is_tensor(value) else value)


def _targets(x, target, ignore_index):
    """PyTorch's refusals of class targets; the targets as a batch (a 1-D input is one sample)."""
    t = _data(target)
    if kind(t) not in "iu":
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {TYPE_NAMES[t.dtype][0]}")
    if np.ndim(x) == 0:
        raise TorchValueError("Expected 1 or more dimensions (got 0)")
    if np.ndim(x) > 2:
        raise TorchValueError(f"an input of {np.ndim(x)} dimensions (spatial classes) is not supported by diffcheck")
    if t.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if np.ndim(x) == 1 and t.size != 1 or np.ndim(x) == 2 and t.shape != np.shape(x)[:1]:
        raise TorchValueError(
            f"Expected input batch_size ({np.shape(x)[0] if np.ndim(x) == 2 else 1}) to match target batch_size ({t.size})."
        )
    t = t.reshape(-1)
    classes = np.shape(x)[-1]
    bad = (t != ignore_index) & ((t < 0) | (t >= classes))
    if bad.any():
        raise TorchIndexError(f"Target {t[bad][0]} is out of bounds.")
    return t


# ---- nll_loss ------------------------------------------------------------------------------------------------------
def _nll(x, target, reduction="mean", ignore_index=-100):
    if reduction not in REDUCTIONS:
        raise TorchValueError(f"{reduction} is not a valid value for reduction")
    t = _targets(x, target, ignore_index)
    rows = np.reshape(x, (-1, np.shape(x)[-1]))
    keep = t != ignore_index
    picked = rows[np.arange(t.size), np.where(keep, t, 0)]
    losses = np.where(keep, -picked, np.zeros((), picked.dtype))
    if reduction == "none":
        return losses.reshape(np.shape(target))[()] if np.ndim(x) == 2 else losses[0]
    total = np.sum(losses)  # nll_loss_out_frame: the sum, over the total weight (the kept targets) for 'mean'
    return (total / picked.dtype.type(keep.sum()) if reduction == "mean" else total)[()]


def _nll_vjp(F, g, out, x, target, reduction="mean", ignore_index=-100):
    """nll_loss_backward: -(grad / total_weight) ('mean'), -grad; at each kept sample's target class, 0 elsewhere."""
    data = _data(x)
    t = _targets(data, target, ignore_index)
    keep = t != ignore_index
    rows, classes = np.arange(t.size)[keep], t[keep]
    if reduction == "mean":
        g = g / data.dtype.type(keep.sum())
    if not is_tensor(g):  # on arrays: zeros with the few entries written (a dense mask would cost two passes more)
        grad = np.zeros((t.size, np.shape(data)[-1]), dtype=data.dtype)
        grad[rows, classes] = -(np.reshape(g, -1)[rows] if reduction == "none" and data.ndim == 2 else g)
        return grad.reshape(np.shape(data)), None
    onehot = np.zeros((t.size, np.shape(data)[-1]), dtype=bool)
    onehot[rows, classes] = True
    if reduction == "none" and data.ndim == 2:
        g = F.reshape(g, (t.size, 1))
    return F.where(onehot.reshape(np.shape(data)), -g, 0.0), None


def _nll_sym(sp, x, target, reduction="mean", ignore_index=-100):
    t = np.asarray(target, dtype=np.int64).reshape(-1)
    rows = np.reshape(np.asarray(x, dtype=object), (-1, np.shape(x)[-1]))
    losses = np.array([-rows[i, k] if k != ignore_index else sp.Integer(0) for i, k in enumerate(t)], dtype=object)
    if reduction == "none":
        return losses.reshape(np.shape(target)) if np.ndim(x) == 2 else losses[0]
    total = sp.Add(*losses.tolist())
    return total / int((t != ignore_index).sum()) if reduction == "mean" else total


row(
    name="nll_loss",
    grad_fn="NllLossBackward0",
    arity=2,
    params=_CLASS,
    elementwise=False,
    index_args=(1,),
    listed=(0,),  # PyTorch lists the input only: the target (and weight) have no edge
    front=_functional("nll_loss"),
    example=([(2, 3), (2,)], {}),
    forward=_nll,
    vjp=_nll_vjp,
    sym=_nll_sym,
    derivative="d/dx_ic nll_loss = -1/n where c is sample i's target, else 0",
)


# ---- C++'s Scalar overloads, as cross_entropy's composition records them -------------------------------------------
def _scalar_row(name: str, grad_fn: str, compute, rule, derivative: str):
    row(
        name=name,
        grad_fn=grad_fn,
        params=("other",),
        saves=False,
        elementwise=False,
        internal=True,
        example=([(2,)], {"other": 0.5}),
        forward=lambda x, other: compute(x, other),
        vjp=lambda F, g, out, x, other: (rule(g, other),),
        sym=lambda sp, x, other: compute(x, _number(sp, other)),
        derivative=derivative,
    )


_scalar_row("mul_scalar", "MulBackward1", lambda x, c: x * c, lambda g, c: g * c, "d/dx x * c = c")
_scalar_row("div_scalar", "DivBackward1", lambda x, c: x / c, lambda g, c: g / c, "d/dx x / c = 1 / c")
_scalar_row("add_scalar", "AddBackward1", lambda x, c: x + c, lambda g, c: g, "d/dx x + c = 1")


# ---- cross_entropy -------------------------------------------------------------------------------------------------
def _check(reduction, label_smoothing):
    if reduction not in REDUCTIONS:
        raise TorchValueError(f"{reduction} is not a valid value for reduction")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {float(label_smoothing)}")


def _class_dim(x) -> int:
    return 1 if np.ndim(_data(x)) >= 2 else 0


def _cross_entropy(F, x, target, reduction="mean", ignore_index=-100, label_smoothing=0.0):
    """cross_entropy_loss with class-index targets: nll_loss of log_softmax, and with label_smoothing > 0
    (1 - ls) * nll + ls / C * (-sum(log_softmax), the ignored samples' 0, reduced)."""
    _check(reduction, label_smoothing)
    dim = _class_dim(x)
    logp = F.log_softmax(x, dim)
    nll = F.nll_loss(logp, target, reduction, ignore_index)
    if not label_smoothing > 0:
        return nll
    ignored = _data(target) == ignore_index
    smooth = F.masked_fill(F.neg(F.sum(logp, dim)), ignored, 0.0)
    if reduction == "mean":
        smooth = F.div(F.sum(smooth), int((~ignored).sum()))
    elif reduction == "sum":
        smooth = F.sum(smooth)
    classes = np.shape(_data(x))[dim]
    return F.add(F.mul_scalar(nll, 1 - label_smoothing), F.mul_scalar(smooth, label_smoothing / classes))


def _cross_entropy_probs(F, x, target, reduction="mean", ignore_index=-100, label_smoothing=0.0):
    """cross_entropy_loss_prob_target: -(log_softmax * target) summed over the classes, reduced; a smoothed
    target is target * (1 - ls) + ls / C."""
    _check(reduction, label_smoothing)
    if np.shape(_data(x)) != np.shape(_data(target)):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    dim = _class_dim(x)
    classes = np.shape(_data(x))[dim]
    logp = F.log_softmax(x, dim)
    if label_smoothing > 0:
        target = F.add_scalar(F.mul_scalar(target, 1 - label_smoothing), label_smoothing / classes)
    product = F.mul(logp, target)
    if reduction == "none":
        return F.neg(F.sum(product, dim))
    total = F.neg(F.sum(product))
    return F.div_scalar(total, math.prod(np.shape(_data(x))) // classes) if reduction == "mean" else total


def _numpy_functions() -> types.SimpleNamespace:
    """The compositions' functions on NumPy arrays: the forward."""
    return types.SimpleNamespace(
        log_softmax=log_softmax,
        nll_loss=_nll,
        neg=np.negative,
        sum=lambda x, dim=None: np.sum(x, axis=dim)[()],
        masked_fill=lambda x, mask, value: np.where(mask, np.zeros((), x.dtype) + value, x)[()],
        div=lambda x, c: (x / np.asarray(x).dtype.type(c))[()],
        add=np.add,
        mul=np.multiply,
        mul_scalar=lambda x, c: x * c,
        div_scalar=lambda x, c: x / c,
        add_scalar=lambda x, c: x + c,
    )


def _sympy_functions(sp) -> types.SimpleNamespace:
    """The compositions' functions on object arrays of SymPy expressions: the SymPy form."""
    obj = lambda x: np.asarray(x, dtype=object)  # noqa: E731
    return types.SimpleNamespace(
        log_softmax=lambda x, dim: _log_softmax_sym(sp, obj(x), dim),
        nll_loss=lambda x, t, reduction, ignore_index: _nll_sym(sp, x, t, reduction, ignore_index),
        neg=lambda x: -obj(x),
        sum=lambda x, dim=None: np.asarray(np.sum(obj(x), axis=dim), dtype=object)[()] if np.ndim(x) else x,
        masked_fill=lambda x, mask, value: np.where(mask, _number(sp, value), obj(x))[()],
        div=lambda x, c: obj(x) / c,
        add=lambda a, b: obj(a) + obj(b),
        mul=lambda a, b: obj(a) * obj(b),
        mul_scalar=lambda x, c: obj(x) * _number(sp, c),
        div_scalar=lambda x, c: obj(x) / c,
        add_scalar=lambda x, c: obj(x) + _number(sp, c),
    )


_NUMPY = _numpy_functions()


def _cross_entropy_row(name: str, compose, example, grad_fn: str, **fields):
    row(
        name=name,
        grad_fn=grad_fn,  # reduction='mean', no smoothing; the composition's last node otherwise
        arity=2,
        params=_CROSS,
        elementwise=False,
        example=example,
        forward=lambda x, t, **params: compose(_NUMPY, x, t, **params),
        via=compose,
        sym=lambda sp, x, t, **params: compose(_sympy_functions(sp), x, t, **params),
        derivative="d/dx_ic cross_entropy = (softmax(x)_ic - y_ic) / n  (y: the target's one-hot or probabilities)",
        **fields,
    )


_cross_entropy_row(
    "cross_entropy",
    _cross_entropy,
    ([(2, 3), (2,)], {}),
    "NllLossBackward0",
    index_args=(1,),
    front=_functional(
        "cross_entropy",
        by_rank=(((1, 0), "cross_entropy"), ((2, 1), "cross_entropy"))
        + (((1, 1), "cross_entropy_probs"), ((2, 2), "cross_entropy_probs")),
    ),
)
_cross_entropy_row("cross_entropy_probs", _cross_entropy_probs, ([(2, 3), (2, 3)], {}), "DivBackward1", front=None)
