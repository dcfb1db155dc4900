"""Op rows, losses: torch.nn.functional's mse_loss, l1_loss, smooth_l1_loss, huber_loss, binary_cross_entropy,
binary_cross_entropy_with_logits, nll_loss and cross_entropy, each with `reduction='mean' | 'sum' | 'none'`.

Forward as PyTorch's CPU kernels compute the loss of each element (Loss.cpp's, in their order of operations), then
the reduction; backward as derivatives.yaml's `*_backward` functions. Where PyTorch builds the loss from other ops
(l1_loss is abs(input - target).mean(); cross_entropy is nll_loss(log_softmax(input)); smooth_l1_loss with beta=0 is
l1_loss) the row is `via` and the engine makes the same nodes. Class targets are integer tensors (`index_args`):
never differentiable, concrete integers on the SymPy side.
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import is_tensor
from .dispatch import TorchValueError
from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row
REDUCTIONS = ("mean", "sum", "none")
REDUCTION = Param("reduction", "choice", REDUCTIONS, refusal="{} is not a valid value for reduction")
WEIGHT, POS_WEIGHT = Param("weight", "tensor"), Param("pos_weight", "tensor")


def _functional(name: str, **fields) -> Signature:
    return Signature(spellings=(Spelling(name, torch=False, method=False, functional=True),), **fields)


def _reduce(loss, reduction: str):
    """apply_loss_reduction: the mean or the sum of the elements' losses, or the losses themselves."""
    if reduction not in REDUCTIONS:
        raise TorchValueError(f"{reduction} is not a valid value for reduction")
    if reduction == "none":
        return loss
    return (np.mean(loss) if reduction == "mean" else np.sum(loss))[()]


def _norm(x, reduction: str, scale=1.0):
    """The factor a `*_backward` applies for the reduction: scale / numel for 'mean'."""
    return scale / math.prod(np.shape(x)) if reduction == "mean" else scale


def _same_shape(x, y) -> None:
    """PyTorch broadcasts a target of another size with a warning; diffcheck refuses it, as NumPy's shapes error."""
    if np.shape(x) != np.shape(y):
        raise ValueError(f"operands could not be broadcast together with shapes {np.shape(x)} {np.shape(y)}")


def _number(sp, value):
    return sp.Rational(repr(float(value)))


# SymPy's arithmetic built unevaluated, as the arithmetic rows build it: SymPy differentiates the loss as written
def _sub(sp, a, b):
    return sp.Add(a, sp.Mul(-1, b, evaluate=False), evaluate=False)


def _add(sp, a, b):
    return sp.Add(a, b, evaluate=False)


def _mul(sp, a, b):
    return sp.Mul(a, b, evaluate=False)


def _sym_reduce(sp, loss, reduction: str):
    loss = np.asarray(loss, dtype=object)
    if reduction == "none":
        return loss
    total = sp.Add(*loss.reshape(-1).tolist())
    return total / loss.size if reduction == "mean" else total


def _elementwise_sym(function):
    """A loss's SymPy form from the SymPy form of one element's loss, reduced."""

    def sym(sp, x, y, reduction="mean", **params):
        losses = np.frompyfunc(lambda a, b: function(sp, a, b, **params), 2, 1)(x, y)
        return _sym_reduce(sp, losses, reduction)

    return sym


def _diff_is(value):
    return lambda x, y, reduction="mean", **params: np.abs(np.asarray(x) - y) == params.get(value, 0.0)


# ---- mse_loss ------------------------------------------------------------------------------------------------------
def _mse(x, y, reduction="mean"):
    _same_shape(x, y)
    d = x - y  # mse_kernel: diff * diff
    return _reduce(d * d, reduction)


def _mse_vjp(F, g, out, x, y, reduction="mean"):
    # mse_loss_backward(grad, self, target), and (grad, target, self) for the target: MseLossBackwardBackward0
    return F.mse_loss_backward(g, x, y, reduction), F.mse_loss_backward(g, y, x, reduction)


row(
    name="mse_loss",
    grad_fn="MseLossBackward0",
    arity=2,
    params=(REDUCTION,),
    elementwise=False,
    front=_functional("mse_loss"),
    example=([(3,), (3,)], {}),
    forward=_mse,
    vjp=_mse_vjp,
    sym=_elementwise_sym(lambda sp, a, b: _mul(sp, _sub(sp, a, b), _sub(sp, a, b))),
    derivative="d/dx mean((x - y)^2) = 2 (x - y) / n",
)


# ---- l1_loss: PyTorch composes it, abs(input - target) then the reduction ------------------------------------------
def _l1(x, y, reduction="mean"):
    _same_shape(x, y)
    return _reduce(np.abs(x - y), reduction)


def _l1_via(F, x, y, reduction="mean"):
    if reduction not in REDUCTIONS:
        raise TorchValueError(f"{reduction} is not a valid value for reduction")
    loss = F.abs(F.sub(x, y))
    return loss if reduction == "none" else F.mean(loss) if reduction == "mean" else F.sum(loss)


row(
    name="l1_loss",
    grad_fn="MeanBackward0",  # reduction='mean'; SumBackward0 for 'sum', AbsBackward0 for 'none'
    arity=2,
    params=(REDUCTION,),
    elementwise=False,
    front=_functional("l1_loss"),
    example=([(3,), (3,)], {}),
    forward=_l1,
    via=_l1_via,
    sym=_elementwise_sym(lambda sp, a, b: sp.Abs(_sub(sp, a, b), evaluate=False)),
    derivative="d/dx mean(|x - y|) = sign(x - y) / n",
    kink=_diff_is("none"),
    convention="x == y: gradient 0 (abs's sign(0) = 0)",
)


# ---- smooth_l1_loss and huber_loss ---------------------------------------------------------------------------------
def _smooth_l1(x, y, reduction="mean", beta=1.0):
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _same_shape(x, y)
    z = np.abs(x - y)  # smooth_l1_kernel: z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
    with np.errstate(all="ignore"):
        loss = np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)
    return _reduce(loss, reduction)


def _smooth_l1_vjp(F, g, out, x, y, reduction="mean", beta=1.0):
    # smooth_l1_loss_backward(grad, self, target) and (grad, target, self): SmoothL1LossBackwardBackward0
    return F.smooth_l1_loss_backward(g, x, y, reduction, beta), F.smooth_l1_loss_backward(g, y, x, reduction, beta)


def _smooth_l1_element(sp, a, b, beta=1.0):
    d = _sub(sp, a, b)
    z = sp.Abs(d, evaluate=False)
    if beta == 0:
        return z
    beta = _number(sp, beta)
    return sp.Piecewise(
        (_mul(sp, _mul(sp, d, d), 1 / (2 * beta)), z < beta), (sp.Add(z, -beta / 2, evaluate=False), True)
    )


_smooth_l1_sym = _elementwise_sym(_smooth_l1_element)


def _smooth_l1_via(F, x, y, reduction="mean", beta=1.0):
    if beta == 0:  # PyTorch: "if beta == 0.0, return l1_loss", whose nodes are abs's and the reduction's
        return _l1_via(F, x, y, reduction)
    return F.smooth_l1_kernel(x, y, reduction, beta)


row(
    name="smooth_l1_kernel",
    grad_fn="SmoothL1LossBackward0",
    arity=2,
    params=(REDUCTION, "beta"),
    elementwise=False,
    internal=True,
    forward=_smooth_l1,
    vjp=_smooth_l1_vjp,
    example=([(3,), (3,)], {"reduction": "mean", "beta": 1.0}),
    sym=_smooth_l1_sym,
    derivative="smooth_l1_loss's node (beta > 0)",
)
row(
    name="smooth_l1_loss",
    grad_fn="SmoothL1LossBackward0",  # beta = 0: l1_loss's nodes
    arity=2,
    params=(REDUCTION, "beta"),
    elementwise=False,
    front=_functional("smooth_l1_loss"),
    example=([(3,), (3,)], {}),
    forward=_smooth_l1,
    via=_smooth_l1_via,
    sym=_smooth_l1_sym,
    derivative="d/dx smooth_l1 = (x - y) / beta where |x - y| < beta, else sign(x - y)",
    kink=_diff_is("beta"),
    convention="|x - y| == beta: the linear branch, sign(x - y) (the gradient is continuous there; "
    "beta = 0: l1's sign(0) = 0)",
)


def _huber(x, y, reduction="mean", delta=1.0):
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _same_shape(x, y)
    z = np.abs(x - y)  # huber_kernel: z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
    return _reduce(np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), reduction)


def _huber_element(sp, a, b, delta=1.0):
    d, delta = _sub(sp, a, b), _number(sp, delta)
    z = sp.Abs(d, evaluate=False)
    return sp.Piecewise(
        (_mul(sp, _mul(sp, d, d), sp.Rational(1, 2)), z < delta),
        (_mul(sp, delta, sp.Add(z, -delta / 2, evaluate=False)), True),
    )


def _huber_vjp(F, g, out, x, y, reduction="mean", delta=1.0):
    # huber_loss_backward(grad, self, target) and (grad, target, self): HuberLossBackwardBackward0
    return F.huber_loss_backward(g, x, y, reduction, delta), F.huber_loss_backward(g, y, x, reduction, delta)


row(
    name="huber_loss",
    grad_fn="HuberLossBackward0",
    arity=2,
    params=(REDUCTION, "delta"),
    elementwise=False,
    front=_functional("huber_loss"),
    example=([(3,), (3,)], {}),
    forward=_huber,
    vjp=_huber_vjp,
    sym=_elementwise_sym(_huber_element),
    derivative="d/dx huber = x - y where |x - y| <= delta, else delta sign(x - y)",
    kink=_diff_is("delta"),
    convention="|x - y| == delta: delta sign(x - y) (the gradient is continuous there)",
)


# ---- binary cross entropy ------------------------------------------------------------------------------------------
def _weights(name: str, **weights) -> dict:
    """Weight tensors as arrays (the engine's tensor, an array or None): PyTorch refuses one that requires grad."""
    for key, value in weights.items():
        if is_tensor(value) and value.requires_grad:
            raise RuntimeError(
                f"The function '{name}' is not differentiable with respect to argument '{key}'. "
                "This input cannot have requires_grad True."
            )
    return {key: None if value is None else np.asarray(getattr(value, "data", value)) for key, value in weights.items()}


def _bce(x, y, reduction="mean", weight=None):
    w = _weights("binary_cross_entropy", weight=weight)["weight"]
    _same_shape(x, y)
    if np.any(~((x >= 0) & (x <= 1))):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if np.any(~((y >= 0) & (y <= 1))):
        raise RuntimeError("all elements of target should be between 0 and 1")
    # binary_cross_entropy_out_cpu: (t - 1) * max(log1p(-x), -100) - t * max(log(x), -100), times the weight
    with np.errstate(all="ignore"):
        loss = (y - 1) * np.maximum(np.log1p(-x), -100) - y * np.maximum(np.log(x), -100)
    return _reduce(loss if w is None else loss * w, reduction)


_EPSILON = float(np.float32(1e-12))  # Loss.cpp's EPSILON is a float: 9.99999996e-13 in double too, as measured


def _bce_vjp(F, g, out, x, y, reduction="mean", weight=None):
    # binary_cross_entropy_backward (BinaryCrossEntropyBackwardBackward0); binary_cross_entropy_target_backward,
    # composed: -logit(x) * grad, the weight, / numel
    gy = -(F.log(x / (1 - x))) * g
    w = _weights("binary_cross_entropy", weight=weight)["weight"]
    return F.binary_cross_entropy_backward(g, x, y, reduction, weight), *_weighted(F, x, reduction, w, gy)


def _weighted(F, x, reduction, w, *grads):
    """Times the weight, then `div_(numel)` for 'mean' (a Scalar divisor: DivBackward1)."""
    grads = grads if w is None else tuple(grad * w for grad in grads)
    if reduction == "mean":
        n = math.prod(np.shape(getattr(x, "data", x)))
        grads = tuple(F.div_scalar(grad, n) for grad in grads)
    return grads


def _weighted_sym(function):
    """A loss's SymPy form from one element's (given its pos_weight), times the weight, reduced."""

    def sym(sp, x, y, reduction="mean", weight=None, pos_weight=None, **params):
        numbers = np.frompyfunc(lambda v: _number(sp, v), 1, 1)
        shape = np.shape(x)
        pw = np.broadcast_to(numbers(pos_weight), shape) if pos_weight is not None else np.full(shape, None)
        losses = np.frompyfunc(lambda a, b, p: function(sp, a, b, p, **params), 3, 1)(x, y, pw)
        if weight is not None:
            losses = losses * np.broadcast_to(numbers(weight), shape)
        return _sym_reduce(sp, losses, reduction)

    return sym


row(
    name="binary_cross_entropy",
    grad_fn="BinaryCrossEntropyBackward0",
    arity=2,
    params=(WEIGHT, REDUCTION),  # PyTorch's order: weight is the third positional argument
    elementwise=False,
    front=_functional("binary_cross_entropy"),
    example=([(3,), (3,)], {}),
    domain=(0.05, 0.95),
    forward=_bce,
    vjp=_bce_vjp,
    sym=_weighted_sym(
        lambda sp, a, b, _: -_add(sp, _mul(sp, b, sp.log(a)), _mul(sp, _sub(sp, 1, b), sp.log(_sub(sp, 1, a))))
    ),
    derivative="d/dx -(y log x + (1 - y) log(1 - x)) = (x - y) / (x (1 - x))",
    singular=lambda x, y, **_: (np.asarray(x) == 0) | (np.asarray(x) == 1),
    convention="x = 0 or 1: PyTorch clamps each log at -100 (a finite loss) and divides the gradient by "
    "max(x (1 - x), float32(1e-12))",
)


def _bce_logits_element(sp, a, b, pos_weight):
    softplus = sp.log(_add(sp, 1, sp.exp(-a, evaluate=False)))  # -log_sigmoid(a)
    if pos_weight is not None:  # times (pos_weight - 1) t + 1
        softplus = _mul(sp, softplus, _add(sp, _mul(sp, pos_weight - 1, b), 1))
    return _add(sp, _mul(sp, _sub(sp, 1, b), a), softplus)


def _bce_logits(x, y, reduction="mean", weight=None, pos_weight=None):
    weights = _weights("binary_cross_entropy_with_logits", weight=weight, pos_weight=pos_weight)
    _same_shape(x, y)
    # binary_cross_entropy_with_logits: (1 - t) * x - log_sigmoid(x) * ((pos_weight - 1) * t + 1), times the weight;
    # log_sigmoid = min(x, 0) - log1p(exp(-|x|))
    log_sigmoid = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    if weights["pos_weight"] is not None:
        log_sigmoid = log_sigmoid * ((weights["pos_weight"] - 1) * y + 1)
    loss = (1 - y) * x - log_sigmoid
    return _reduce(loss if weights["weight"] is None else loss * weights["weight"], reduction)


def _bce_logits_vjp(F, g, out, x, y, reduction="mean", weight=None, pos_weight=None):
    weights = _weights("binary_cross_entropy_with_logits", weight=weight, pos_weight=pos_weight)
    pw = weights["pos_weight"]
    if pw is None:  # *_with_logits_backward and its target_backward
        gx, gy = (F.sigmoid(x) - y) * g, -x * g
    else:  # ((pw t + 1) - t) sigmoid(x) - pw t; (log_sigmoid(-x) - log_sigmoid(x) pw) grad
        t = pw * y
        gx = ((t + 1 - y) * F.sigmoid(x) - t) * g
        gy = (F.logsigmoid(-x) - F.logsigmoid(x) * pw) * g
    return _weighted(F, x, reduction, weights["weight"], gx, gy)


row(
    name="binary_cross_entropy_with_logits",
    grad_fn="BinaryCrossEntropyWithLogitsBackward0",
    arity=2,
    params=(WEIGHT, REDUCTION, POS_WEIGHT),
    elementwise=False,
    front=_functional("binary_cross_entropy_with_logits"),
    example=([(3,), (3,)], {}),
    forward=_bce_logits,
    vjp=_bce_logits_vjp,
    sym=_weighted_sym(_bce_logits_element),
    derivative="d/dx (1 - y) x + log(1 + exp(-x)) = sigmoid(x) - y",
)
