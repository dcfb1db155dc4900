"""Op rows, activation functions continued: gelu, silu, mish, softsign, hardsigmoid, hardswish (ops/activations.py has
the helpers and the rest), computed as PyTorch's CPU kernels compute them and differentiated by derivatives.yaml's
rules. Registered right after ops/activations.py's rows, so `diffcheck ops` lists them in the same order.
"""

from __future__ import annotations

import math

import numpy as np

from .activations import _floats, _functional, _typed
from .table import Family, Param

ROWS = Family()
row = ROWS.row


# ---- gelu, silu, mish --------------------------------------------------------------------------------------------
_erf = np.frompyfunc(math.erf, 1, 1)
GELU_CHOICES = ("none", "tanh")
GELU_BAD = "approximate argument must be either none or tanh."
_SQRT1_2 = 0.70710678118654752440  # M_SQRT1_2
_GELU_BETA = 1.41421356237309504880 * 1.12837916709551257390 * 0.5  # M_SQRT2 * M_2_SQRTPI * 0.5
_GELU_KAPPA = 0.044715
_GELU_PDF = 1.12837916709551257390 * _SQRT1_2 * 0.5  # M_2_SQRTPI * M_SQRT1_2 * 0.5


def _erf_of(x):
    x = np.asarray(x)
    return np.asarray(_erf(x.astype(np.float64)), dtype=np.float64).astype(x.dtype)


def _gelu(x, approximate="none"):
    if approximate not in GELU_CHOICES:
        raise RuntimeError(GELU_BAD)
    _floats("gelu", "GeluKernelImpl")(x)
    if approximate == "tanh":  # 0.5 * x * (1 + tanh(kBeta * (x + kKappa * x^3)))
        inner = _typed(x, _GELU_BETA) * (x + _typed(x, _GELU_KAPPA) * (x * x * x))
        return (_typed(x, 0.5) * x * (1 + np.tanh(inner)))[()]
    return (x * _typed(x, 0.5) * (1 + _erf_of(x * _typed(x, _SQRT1_2))))[()]  # x * 0.5 * (1 + erf(x * M_SQRT1_2))


def _gelu_vjp(F, g, out, x, approximate="none"):
    if approximate == "tanh":  # GeluBackwardKernelImpl, tanh
        x_sq = x * x
        inner = _GELU_BETA * (x + _GELU_KAPPA * (x_sq * x))
        tanh_inner = F.tanh(inner)
        left_derivative = 0.5 * (1 + tanh_inner)
        right_derivative = 0.5 * x * (1 - tanh_inner * tanh_inner) * (_GELU_BETA * (1 + 3 * _GELU_KAPPA * x_sq))
        return (g * (left_derivative + right_derivative),)
    cdf = 0.5 * (1 + F.erf(x * _SQRT1_2))  # GeluBackwardKernelImpl, none
    pdf = F.exp(-0.5 * x * x) * _GELU_PDF
    return (g * (cdf + x * pdf),)


def _gelu_sym(sp, x, approximate="none"):
    half_x = sp.Mul(sp.Rational(1, 2), x, evaluate=False)
    if approximate == "tanh":
        beta = sp.sqrt(2) / sp.sqrt(sp.pi)
        inner = beta * sp.Add(x, sp.Mul(sp.Float(_GELU_KAPPA, 30), x**3, evaluate=False), evaluate=False)
        return sp.Mul(half_x, sp.Add(1, sp.tanh(inner, evaluate=False), evaluate=False), evaluate=False)
    return sp.Mul(half_x, sp.Add(1, sp.erf(x / sp.sqrt(2), evaluate=False), evaluate=False), evaluate=False)


row(
    name="gelu",
    grad_fn="GeluBackward0",
    params=(Param("approximate", "choice", GELU_CHOICES),),
    forward=_gelu,
    vjp=lambda F, g, out, x, approximate="none": (F.gelu_backward(g, x, approximate),),  # GeluBackwardBackward0
    sym=_gelu_sym,
    derivative="d/dx x Phi(x) = Phi(x) + x phi(x)  (approximate='tanh': of 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))))",
    front=_functional("gelu"),
)


def _silu(x):
    _floats("silu", "silu_cpu")(x)
    return (x / (1 + np.exp(-x)))[()]  # silu_kernel: x / (1 + exp(-x))


def _silu_vjp(F, g, out, x):
    sigmoid = 1 / (1 + F.exp(-x))  # silu_backward_kernel: dy * sigmoid * (1 + x * (1 - sigmoid))
    return (g * sigmoid * (1 + x * (1 - sigmoid)),)


row(
    name="silu",
    grad_fn="SiluBackward0",
    forward=_silu,
    vjp=_silu_vjp,
    sym=lambda sp, x: sp.Mul(
        x, sp.Pow(sp.Add(1, sp.exp(sp.Mul(-1, x, evaluate=False)), evaluate=False), -1, evaluate=False), evaluate=False
    ),
    derivative="d/dx x sigmoid(x) = sigmoid(x) (1 + x (1 - sigmoid(x)))",
    front=_functional("silu"),
)


def _mish(x):
    _floats("mish", "mish_cpu")(x)
    return (x * np.tanh(np.log1p(np.exp(x))))[()]  # mish_kernel: x * tanh(log1p(exp(x)))


def _mish_vjp(F, g, out, x):
    sigmoid = 1 / (1 + F.exp(-x))  # mish_backward_kernel
    tanh_softplus = F.tanh(F.log1p(F.exp(x)))
    return (g * (tanh_softplus + x * sigmoid * (1 - tanh_softplus * tanh_softplus)),)


row(
    name="mish",
    grad_fn="MishBackward0",
    forward=_mish,
    vjp=_mish_vjp,
    sym=lambda sp, x: sp.Mul(
        x,
        sp.tanh(sp.log(sp.Add(1, sp.exp(x, evaluate=False), evaluate=False), evaluate=False), evaluate=False),
        evaluate=False,
    ),
    derivative="d/dx x tanh(softplus(x)) = tanh(sp(x)) + x sigmoid(x) (1 - tanh(sp(x))**2)",
    front=_functional("mish"),
)


# ---- softsign, hardsigmoid, hardswish ------------------------------------------------------------------------------
row(
    name="softsign",
    grad_fn="DivBackward0",
    forward=lambda x: x / (np.abs(x) + 1),
    via=lambda F, x: F.div(x, F.add(F.abs(x), 1)),  # F.softsign is input / (input.abs() + 1): three nodes
    sym=lambda sp, x: sp.Mul(
        x, sp.Pow(sp.Add(sp.Abs(x, evaluate=False), 1, evaluate=False), -1, evaluate=False), evaluate=False
    ),
    derivative="d/dx x / (1 + |x|) = 1 / (1 + |x|)**2  (built as div(x, abs(x) + 1))",
    front=_functional("softsign"),
)


_ONE_SIXTH = float(np.float32(1 / 6))  # PyTorch 2.13's hardsigmoid backward multiplies by float(1/6) in float64 too


def _hardsigmoid(x):
    _floats("hardsigmoid", "hardsigmoid_cpu")(x)
    return (np.minimum(np.maximum(x + 3, 0), 6) / 6)[()]  # min(max(x + 3, 0), 6) / 6


row(
    name="hardsigmoid",
    grad_fn="HardsigmoidBackward0",
    forward=_hardsigmoid,
    # hardsigmoid_backward: (x > -3 && x < 3) ? grad * one_sixth : 0, one_sixth a float constant (float64 too)
    vjp=lambda F, g, out, x: (F.hardsigmoid_backward(g, x),),  # PyTorch's NotImplemented node under create_graph
    sym=lambda sp, x: sp.Piecewise((0, x <= -3), (1, x >= 3), (x / 6 + sp.Rational(1, 2), True)),
    derivative="d/dx hardsigmoid(x) = 1/6 if -3 < x < 3 else 0",
    kink=lambda x: np.abs(x) == 3,
    convention="x = ±3: grad 0 (exclusive)",
    rounded=(abs(_ONE_SIXTH * 6 - 1), "PyTorch's backward multiplies by float32(1/6) = 0.16666667163 in float64 too"),
    edges=(3.0, -3.0),
    front=_functional("hardsigmoid"),
)


def _hardswish(x):
    _floats("hardswish", "hardswish_cpu")(x)
    return (x * np.minimum(np.maximum(x + 3, 0), 6) / 6)[()]  # x * min(max(x + 3, 0), 6) / 6


row(
    name="hardswish",
    grad_fn="HardswishBackward0",
    forward=_hardswish,
    # hardswish_backward (PyTorch 2.13): x <= -3 ? 0 : x < 3 ? grad * (x / 3 + 0.5) : grad
    vjp=lambda F, g, out, x: (F.hardswish_backward(g, x),),  # HardswishBackwardBackward0
    sym=lambda sp, x: sp.Piecewise((0, x <= -3), (x, x >= 3), (x * (x + 3) / 6, True)),
    derivative="d/dx hardswish(x) = 0 if x <= -3, x/3 + 1/2 if -3 < x < 3, else 1",
    kink=lambda x: np.abs(x) == 3,
    convention="x = -3: grad 0 (the left-hand side's); x = 3: grad 1 (the right-hand side's)",
    edges=(3.0, -3.0),
    front=_functional("hardswish"),
)
