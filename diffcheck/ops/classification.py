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
from .losses import REDUCTION, REDUCTIONS, WEIGHT, _functional, _number, _weights
from .normalisers import _log_softmax_sym, log_softmax
from .dispatch import TorchIndexError, TorchValueError
from .table import Family, Param

ROWS = Family()
row = ROWS.row
_CLASS = (WEIGHT, REDUCTION, Param("ignore_index", "int"))  # PyTorch's order: weight the third positional
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
def _class_weights(x, weight, name: str = "nll_loss_forward"):
    """The weight of each class (None: 1 each), checked against the input's classes as PyTorch checks it."""
    w = _weights(name, weight=weight)["weight"]
    if w is not None and w.shape != np.shape(x)[-1:]:
        raise RuntimeError(
            f"weight tensor should be defined either for all {np.shape(x)[-1]} classes or no classes but got "
            f"weight tensor of shape: {list(w.shape)}"
        )
    return w


def _nll(x, target, reduction="mean", ignore_index=-100, weight=None):
    if reduction not in REDUCTIONS:
        raise TorchValueError(f"{reduction} is not a valid value for reduction")
    t = _targets(x, target, ignore_index)
    w = _class_weights(x, weight)
    rows = np.reshape(x, (-1, np.shape(x)[-1]))
    keep = t != ignore_index
    picked = rows[np.arange(t.size), np.where(keep, t, 0)]
    zero = np.zeros((), picked.dtype)
    losses = np.where(keep, -picked if w is None else -picked * w[np.where(keep, t, 0)].astype(picked.dtype), zero)
    if reduction == "none":
        return losses.reshape(np.shape(target))[()] if np.ndim(x) == 2 else losses[0]
    total = np.sum(losses)  # nll_loss_out_frame: the sum, over the total weight (the kept targets') for 'mean'
    if reduction == "sum":
        return total[()]
    weights = keep.sum() if w is None else np.sum(np.where(keep, w[np.where(keep, t, 0)], 0))
    return (total / picked.dtype.type(weights))[()]


def nll_backward(g, x, target, reduction="mean", ignore_index=-100, weight=None):
    """nll_loss_backward on arrays: -(grad / total_weight) ('mean'), -grad; times the class's weight at each kept
    sample's target class, 0 elsewhere (zeros with the few entries written: a dense mask costs two passes more)."""
    data = _data(x)
    t = _targets(data, target, ignore_index)
    w = _class_weights(data, weight)
    keep = t != ignore_index
    rows, classes = np.arange(t.size)[keep], t[keep]
    scale = np.ones(t.size, dtype=data.dtype) if w is None else w[np.where(keep, t, 0)].astype(data.dtype)
    if reduction == "mean":
        g = g / data.dtype.type(keep.sum() if w is None else np.sum(scale[keep]))
    grad = np.zeros((t.size, np.shape(data)[-1]), dtype=data.dtype)
    each = np.reshape(g, -1)[rows] if reduction == "none" and data.ndim == 2 else g
    grad[rows, classes] = -each if w is None else -(scale[rows] * each)
    return grad.reshape(np.shape(data))


def _nll_sym(sp, x, target, reduction="mean", ignore_index=-100, weight=None):
    t = np.asarray(target, dtype=np.int64).reshape(-1)
    rows = np.reshape(np.asarray(x, dtype=object), (-1, np.shape(x)[-1]))
    w = [sp.Integer(1)] * np.shape(x)[-1] if weight is None else [_number(sp, v) for v in np.reshape(weight, -1)]
    kept = [(i, k) for i, k in enumerate(t) if k != ignore_index]
    losses = np.full(t.size, sp.Integer(0), dtype=object)
    for i, k in kept:
        losses[i] = -rows[i, k] * w[k]
    if reduction == "none":
        return losses.reshape(np.shape(target)) if np.ndim(x) == 2 else losses[0]
    total = sp.Add(*losses.tolist())
    return total / sp.Add(*[w[k] for _, k in kept]) if reduction == "mean" else total


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
    # nll_loss_backward: NllLossBackwardBackward0 under create_graph
    vjp=lambda F, g, out, x, target, reduction="mean", ignore_index=-100, weight=None: (
        F.nll_loss_backward(g, x, target, weight, reduction, ignore_index),
        None,
    ),
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
        vjp=lambda F, g, out, x, other: (rule(F, g, other),),
        sym=lambda sp, x, other: compute(x, _number(sp, other)),
        derivative=derivative,
    )


# their rules are C++'s too: grad * other, a Scalar, is MulBackward1 again
_scalar_row("mul_scalar", "MulBackward1", lambda x, c: x * c, lambda F, g, c: F.mul_scalar(g, c), "d/dx x * c = c")
_scalar_row("div_scalar", "DivBackward1", lambda x, c: x / c, lambda F, g, c: F.div_scalar(g, c), "d/dx x / c = 1 / c")
_scalar_row("add_scalar", "AddBackward1", lambda x, c: x + c, lambda F, g, c: g, "d/dx x + c = 1")


# ---- cross_entropy -------------------------------------------------------------------------------------------------
def _check(reduction, label_smoothing):
    if reduction not in REDUCTIONS:
        raise TorchValueError(f"{reduction} is not a valid value for reduction")
    # float(): symengine's exact 0 (the fast route's form of 0.0) compares as `0.0 <= Zero` is False
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {float(label_smoothing)}")


def _class_dim(x) -> int:
    return 1 if np.ndim(_data(x)) >= 2 else 0


def _cross_entropy(F, x, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
    """cross_entropy_loss with class-index targets: nll_loss of log_softmax, and with label_smoothing > 0
    (1 - ls) * nll + ls / C * (-sum(log_softmax * weight), the ignored samples' 0, reduced)."""
    _check(reduction, label_smoothing)
    dim = _class_dim(x)
    logp = F.log_softmax(x, dim)
    nll = F.nll_loss(logp, target, weight, reduction, ignore_index)
    if not label_smoothing > 0:
        return nll
    ignored = _data(target) == ignore_index
    w = None if weight is None else _class_weights(_data(x), weight, "cross_entropy")
    weighted = logp if w is None else F.mul(logp, w.reshape((-1,) + (1,) * (np.ndim(_data(x)) - 1 - dim)))
    smooth = F.masked_fill(F.neg(F.sum(weighted, dim)), ignored, 0.0)
    if reduction == "mean":  # over the kept samples' count, or their classes' weights
        kept = _data(target).reshape(-1)[~ignored.reshape(-1)].astype(np.int64)
        smooth = F.div(F.sum(smooth), int(kept.size) if w is None else w[kept].sum())
    elif reduction == "sum":
        smooth = F.sum(smooth)
    classes = np.shape(_data(x))[dim]
    return F.add(F.mul_scalar(nll, 1 - label_smoothing), F.mul_scalar(smooth, label_smoothing / classes))


def _cross_entropy_probs(F, x, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
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
    if weight is not None:  # input * target * weight, the weight along the class dim
        w = _class_weights(_data(x), weight, "cross_entropy")
        product = F.mul(product, w.reshape((-1,) + (1,) * (np.ndim(_data(x)) - 1 - dim)))
    if reduction == "none":
        return F.neg(F.sum(product, dim))
    total = F.neg(F.sum(product))
    return F.div_scalar(total, math.prod(np.shape(_data(x))) // classes) if reduction == "mean" else total


def _numpy_functions() -> types.SimpleNamespace:
    """The compositions' functions on NumPy arrays: the forward."""
    return types.SimpleNamespace(
        log_softmax=log_softmax,
        nll_loss=lambda x, t, weight, reduction, ignore_index: _nll(x, t, reduction, ignore_index, weight),
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
        nll_loss=lambda x, t, weight, reduction, ignore_index: _nll_sym(sp, x, t, reduction, ignore_index, weight),
        neg=lambda x: -obj(x),
        sum=lambda x, dim=None: np.asarray(np.sum(obj(x), axis=dim), dtype=object)[()] if np.ndim(x) else x,
        masked_fill=lambda x, mask, value: np.where(mask, _number(sp, value), obj(x))[()],
        div=lambda x, c: obj(x) / (_number(sp, c) if isinstance(c, (float, np.floating)) else c),
        add=lambda a, b: obj(a) + obj(b),
        mul=lambda a, b: obj(a) * obj(b),
        mul_scalar=lambda x, c: obj(x) * _number(sp, c),
        div_scalar=lambda x, c: obj(x) / c,
        add_scalar=lambda x, c: obj(x) + _number(sp, c),
    )


_NUMPY = _numpy_functions()


def _rationals(sp, weight):
    """A weight as exact numbers on the SymPy side (None stays None)."""
    return None if weight is None else np.frompyfunc(lambda v: _number(sp, v), 1, 1)(np.asarray(weight, dtype=float))


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
        sym=lambda sp, x, t, weight=None, **params: compose(
            _sympy_functions(sp), x, t, _rationals(sp, weight), **params
        ),
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
