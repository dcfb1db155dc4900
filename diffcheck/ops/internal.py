"""Op rows, internal: nodes PyTorch records that users never spell by these names — the in-place fills and copies
(`y.zero_()` is ZeroBackward0, `y.fill_(2)` FillBackward2, `y.copy_(s)` and `.grad` under create_graph
CopyBackwards), and PyTorch's backward functions, which are the nodes of a first derivative's graph under
`create_graph=True` (relu's rule is `threshold_backward`: ThresholdBackwardBackward0) with their own rules from
derivatives.yaml.
"""

from __future__ import annotations

import types

import numpy as np

from .activations import _typed
from .soft_activations import (
    _ONE_SIXTH,
    _GELU_BETA,
    _GELU_KAPPA,
    _GELU_PDF,
    GELU_CHOICES,
    _erf_of,
    _gelu_vjp,
)
from .table import Family, Param

ROWS = Family()
row = ROWS.row


def _filled(x, value):
    return np.full(np.shape(x), value, dtype=np.result_type(x))[()]


def _copied(dst, src):
    """`dst.copy_(src)`: src broadcast to dst's shape, in dst's dtype."""
    return np.broadcast_to(np.asarray(src), np.shape(dst)).astype(np.result_type(dst))[()]


def _threshold_backward(g, out):
    """threshold_backward(grad, result, 0): selects, so an inf or nan gradient becomes 0 where the result is <= 0.
    A float64 scalar pair without np.where's ~1 µs (relu's rule on every scalar graph)."""
    if type(out) is np.float64 and type(g) is np.float64:
        return _ZERO64 if out <= 0 else g
    out = np.asarray(out)
    return np.where(out <= 0, np.zeros((), np.result_type(g)), g)[()]


_ZERO64 = np.float64(0.0)


def _softplus_backward(g, x):
    """softplus_backward(grad, self, beta 1, threshold 20): the identity above the threshold, g * sigmoid(x) below.
    z = exp(x), then g * z / (z + 1), as PyTorch's CPU kernel."""
    z = np.exp(np.minimum(x, 20))
    return np.where(x > 20, g, g * z / (z + 1))[()]


def _hardsigmoid_backward(g, x):
    """(x > -3 && x < 3) ? grad * one_sixth : 0, one_sixth a float constant (float64 too)."""
    return np.where((x > -3) & (x < 3), g * _typed(x, _ONE_SIXTH), np.zeros((), np.result_type(g)))[()]


def _not_implemented(name: str):
    def vjp(F, g, out, *args, **params):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")

    return vjp


def _zeros(F, g):
    return F.zeros_like(g)


# ---- in-place fills and copies -------------------------------------------------------------------------------------
row(
    name="zero",
    grad_fn="ZeroBackward0",
    saves=False,
    internal=True,
    forward=lambda x: np.zeros_like(x)[()],
    vjp=lambda F, g, out, x: (_zeros(F, g),),
    sym=lambda sp, x: sp.Mul(0, x, evaluate=False),
    derivative="zeros: the old values are gone",
)
row(
    name="fill",
    grad_fn="FillBackward2",
    params=("value",),
    saves=False,
    internal=True,
    forward=_filled,
    vjp=lambda F, g, out, x, value: (_zeros(F, g),),
    sym=lambda sp, x, value: sp.Add(sp.Mul(0, x, evaluate=False), value, evaluate=False),
    derivative="zeros: the old values are gone",
)
row(
    name="fill_tensor",
    grad_fn="FillBackward3",
    arity=2,
    saves=False,
    internal=True,
    forward=_filled,
    vjp=lambda F, g, out, x, value: (_zeros(F, g), F.sum_to(g, ())),
    sym=lambda sp, x, value: sp.Add(sp.Mul(0, x, evaluate=False), value, evaluate=False),
    derivative="d/dx = 0; d/dvalue = the gradient's sum",
)
row(
    name="copy",
    grad_fn="CopyBackwards",
    arity=2,
    saves=False,
    internal=True,
    forward=_copied,
    vjp=lambda F, g, out, dst, src: (_zeros(F, g), g),
    sym=lambda sp, dst, src: sp.Add(sp.Mul(0, dst, evaluate=False), src, evaluate=False),
    derivative="d/ddst = 0; d/dsrc = 1 (summed to src's shape)",
)

# ---- PyTorch's backward functions: a first derivative's nodes under create_graph ---------------------------------
row(
    name="threshold_backward",
    grad_fn="ThresholdBackwardBackward0",
    arity=2,
    internal=True,
    forward=_threshold_backward,
    # grad_output: threshold_backward(grad, self, threshold); self: zeros_like(grad)
    vjp=lambda F, g, out, gout, result: (F.threshold_backward(g, result), _zeros(F, g)),
    sym=lambda sp, g, result: sp.Piecewise((0, result <= 0), (g, True)),
    derivative="d/dg = 1 where the result > 0, else 0; d/dresult = 0",
)
row(
    name="sigmoid_backward",
    grad_fn="SigmoidBackwardBackward0",
    arity=2,
    internal=True,
    forward=lambda g, out: g * (1 - out) * out,
    # grad_output: sigmoid_backward(grad, output); output: grad * grad_output * (-2 * output + 1)
    vjp=lambda F, g, out, gout, y: (F.sigmoid_backward(g, y), g * gout * (-2 * y + 1)),
    sym=lambda sp, g, y: g * (1 - y) * y,
    derivative="d/dg = (1 - y) y; d/dy = g (1 - 2 y)",
)
row(
    name="tanh_backward",
    grad_fn="TanhBackwardBackward0",
    arity=2,
    internal=True,
    forward=lambda g, out: g * (1 - out * out),
    # grad_output: tanh_backward(grad, output); output: -2 * output * grad * grad_output
    vjp=lambda F, g, out, gout, y: (F.tanh_backward(g, y), g * (-2 * y * gout)),
    sym=lambda sp, g, y: g * (1 - y * y),
    derivative="d/dg = 1 - y**2; d/dy = -2 y g",
)
row(
    name="softplus_backward",
    grad_fn="SoftplusBackwardBackward0",
    arity=2,
    internal=True,
    forward=_softplus_backward,
    # grad_output: softplus_backward(grad, self, beta, threshold); self: softplus_double_backward(...)
    # softplus_double_backward(g * gout, x): sigmoid_backward(g * gout, sigmoid(x)) * (x < threshold), a product
    vjp=lambda F, g, out, gout, x: (F.softplus_backward(g, x), F.sigmoid_backward(g * gout, F.sigmoid(x)) * (x < 20)),
    sym=lambda sp, g, x: g / (1 + sp.exp(-x)),
    derivative="d/dg = sigmoid(x) (1 above 20); d/dx = g sigmoid(x) (1 - sigmoid(x)) (0 above 20)",
)


def _hardtanh_backward(g, x, min_val=-1.0, max_val=1.0):
    """0 where x <= min_val or x >= max_val (the bounds excluded), else grad: selects."""
    return np.where((x <= min_val) | (x >= max_val), np.zeros((), np.result_type(g)), g)[()]


def _leaky_relu_backward(g, x, negative_slope=0.01):
    return np.where(x > 0, g, g * negative_slope)[()]


def _elu_backward(g, x, alpha=1.0, scale=1.0, input_scale=1.0):
    """elu_backward (is_result false): x <= 0 ? grad * negiptcoef * negcoef * exp(x * negiptcoef) : grad * poscoef,
    the coefficients in the tensor's dtype."""
    negcoef, poscoef, negiptcoef = _typed(x, alpha) * _typed(x, scale), _typed(x, scale), _typed(x, input_scale)
    return np.where(x <= 0, g * negiptcoef * negcoef * np.exp(x * negiptcoef), g * poscoef)[()]


def _log_sigmoid_backward(g, x):
    """log_sigmoid_backward_cpu_kernel: (max_deriv - sign * (z / (1 + z))) * grad, z = exp(-|x|)."""
    negative, one = x < 0, np.result_type(x).type(1)  # in x's dtype: float32 stays float32
    z = np.exp(-np.abs(x))
    return ((np.where(negative, one, 0 * one) - np.where(negative, one, -one) * (z / (z + one))) * g)[()]


row(
    name="hardtanh_backward",
    grad_fn="HardtanhBackwardBackward0",
    arity=2,
    params=("min_val", "max_val"),
    internal=True,
    forward=_hardtanh_backward,
    # grad_output: hardtanh_backward(grad, self, min_val, max_val); self: zeros_like(grad)
    vjp=lambda F, g, out, gout, x, min_val=-1.0, max_val=1.0: (
        F.hardtanh_backward(g, x, min_val, max_val),
        _zeros(F, g),
    ),
    sym=lambda sp, g, x, min_val=-1.0, max_val=1.0: sp.Piecewise((0, x <= min_val), (0, x >= max_val), (g, True)),
    derivative="d/dg = 1 inside the bounds, else 0; d/dx = 0",
)
row(
    name="leaky_relu_backward",
    grad_fn="LeakyReluBackwardBackward0",
    arity=2,
    params=("negative_slope",),
    internal=True,
    forward=_leaky_relu_backward,
    # grad_output: leaky_relu_backward(grad, self, negative_slope, false); self: zeros_like(grad)
    vjp=lambda F, g, out, gout, x, negative_slope=0.01: (F.leaky_relu_backward(g, x, negative_slope), _zeros(F, g)),
    sym=lambda sp, g, x, negative_slope=0.01: sp.Piecewise((g, x > 0), (g * negative_slope, True)),
    derivative="d/dg = 1 if x > 0 else s; d/dx = 0",
)
row(
    name="elu_backward",
    grad_fn="EluBackwardBackward0",
    arity=2,
    params=("alpha", "scale", "input_scale"),
    internal=True,
    forward=_elu_backward,
    # grad_output: elu_backward(grad, ...); self: elu_double_backward = elu_backward(grad * grad_output *
    # input_scale, ...) * (self < 0): 0 at x = 0, where the first derivative's own rule says alpha
    vjp=lambda F, g, out, gout, x, alpha=1.0, scale=1.0, input_scale=1.0: (
        F.elu_backward(g, x, alpha, scale, input_scale),
        F.elu_backward(g * gout * input_scale, x, alpha, scale, input_scale) * (x < 0),
    ),
    sym=lambda sp, g, x, alpha=1.0, scale=1.0, input_scale=1.0: sp.Piecewise(
        (g * scale, x > 0), (g * alpha * scale * input_scale * sp.exp(input_scale * x), True)
    ),
    derivative="d/dg = elu'(x); d/dx = g elu''(x) (0 at x = 0)",
)
row(
    name="log_sigmoid_backward",
    grad_fn="LogSigmoidBackwardBackward0",
    arity=2,
    internal=True,
    forward=_log_sigmoid_backward,
    # grad_output: log_sigmoid_backward(grad, self); self: log_sigmoid_double_backward(grad * grad_output, self),
    # grad * (z - 1) * z with z = sigmoid(self): smooth at 0, where the rule's |x| has a kink
    vjp=lambda F, g, out, gout, x: (F.log_sigmoid_backward(g, x), g * gout * (F.sigmoid(x) - 1) * F.sigmoid(x)),
    sym=lambda sp, g, x: g / (1 + sp.exp(x)),
    derivative="d/dg = sigmoid(-x); d/dx = g (sigmoid(x) - 1) sigmoid(x)",
)
row(
    name="hardswish_backward",
    grad_fn="HardswishBackwardBackward0",
    arity=2,
    internal=True,
    # x <= -3 ? 0 : x < 3 ? grad * (x / 3 + 0.5) : grad
    forward=lambda g, x: np.where(x <= -3, np.zeros((), np.result_type(g)), np.where(x < 3, g * (x / 3 + 0.5), g))[()],
    # grad_output: hardswish_backward(grad, self); self: where(-3 < self < 3, grad * grad_output / 3.0, 0)
    vjp=lambda F, g, out, gout, x: (
        F.hardswish_backward(g, x),
        F.where(F.logical_and(x > -3, x < 3), g * gout / 3.0, 0.0),
    ),
    sym=lambda sp, g, x: sp.Piecewise((0, x <= -3), (g * (x / 3 + sp.Rational(1, 2)), x < 3), (g, True)),
    derivative="d/dg = hardswish'(x); d/dx = g / 3 inside (-3, 3), else 0",
)
row(
    name="hardsigmoid_backward",
    grad_fn="torch::autograd::NotImplemented",  # printed <NotImplemented>
    arity=2,
    listed=(1,),  # PyTorch's node has one edge, the input's
    internal=True,
    forward=_hardsigmoid_backward,
    vjp=_not_implemented("hardsigmoid_backward"),  # derivatives.yaml has no formula: a second derivative raises
    sym=lambda sp, g, x: sp.Piecewise((g / 6, (x > -3) & (x < 3)), (0, True)),
    derivative="d/dg = 1/6 inside (-3, 3), else 0; no second derivative in PyTorch",
)
row(
    name="to_copy",
    grad_fn="ToCopyBackward0",
    params=("dtype",),
    saves=False,
    internal=True,
    # a gradient cast to its input's dtype under create_graph (PyTorch's engine calls grad.to(dtype))
    forward=lambda x, dtype: np.asarray(x).astype(dtype)[()],
    vjp=lambda F, g, out, x, dtype: (F.to_copy(g, np.result_type(x)),),
    sym=lambda sp, x, dtype: x,
    derivative="d/dx = 1, in the input's dtype",
)


_NUMPY = types.SimpleNamespace(tanh=np.tanh, erf=_erf_of, exp=np.exp)  # what gelu's rule calls, on arrays


def _gelu_backward(g, x, approximate="none"):
    return np.asarray(_gelu_vjp(_NUMPY, g, None, x, approximate)[0])[()]


def _gelu_double_backward(F, gg, gout, x, approximate):
    """FunctionsManual's gelu_double_backward: ggI * gO * gelu''(x), term by term as PyTorch writes it."""
    if approximate == "tanh":
        inner = _GELU_BETA * (x + _GELU_KAPPA * (x * x * x))
        tanh_inner = F.tanh(inner)
        sech_inner = 1 / F.cosh(inner)
        f = 0.5 * x
        g = 1 - tanh_inner * tanh_inner
        h = _GELU_BETA * (1 + 3 * _GELU_KAPPA * x * x)
        f_prime_gh = 0.5 * g * h
        g_prime_fh = f * h * ((2 * sech_inner) * (-sech_inner * tanh_inner) * h)
        h_prime_fg = f * g * (6 * _GELU_KAPPA * x * _GELU_BETA)
        return gg * gout * (f_prime_gh + f_prime_gh + g_prime_fh + h_prime_fg)
    x_sq = x * x
    pdf = _GELU_PDF * F.exp(-0.5 * x_sq)
    return gg * gout * (2 * pdf - x_sq * pdf)


row(
    name="gelu_backward",
    grad_fn="GeluBackwardBackward0",
    arity=2,
    params=(Param("approximate", "choice", GELU_CHOICES),),
    internal=True,
    forward=_gelu_backward,
    # grad_output: gelu_backward(grad, self, approximate); self: gelu_double_backward(grad, grad_output, self, ...)
    vjp=lambda F, g, out, gout, x, approximate="none": (
        F.gelu_backward(g, x, approximate),
        _gelu_double_backward(F, g, gout, x, approximate),
    ),
    sym=lambda sp, g, x, approximate="none": (
        g * (sp.erf(x / sp.sqrt(2)) + 1) / 2 + g * x * sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)
    ),
    derivative="d/dg = gelu'(x); d/dx = g gelu''(x)",
)
