"""Op rows, activation functions: logsigmoid, hardtanh, relu6, leaky_relu, elu, selu, celu, gelu, silu, mish,
softsign, hardsigmoid, hardswish — torch.nn.functional's, computed as PyTorch's CPU kernels compute them and
differentiated by derivatives.yaml's rules (the kernels' order of operations kept: bit for bit where that is plain
arithmetic). Parameters are PyTorch's keyword names (`negative_slope`, `alpha`, `min_val`, `max_val`, `approximate`).
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import is_zero, kind
from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row


def _functional(name: str, torch: bool = False) -> Signature:
    """torch.nn.functional.NAME only (torch.NAME too where PyTorch has it: selu, celu); no Tensor method."""
    return Signature(spellings=(Spelling(name, torch=torch, method=False, functional=True),))


def _floats(name: str, kernel: str):
    """PyTorch's refusal of an integer or bool tensor where it has float kernels only."""

    def check(x):
        if kind(x) in "biu":
            raise NotImplementedError(f""""{kernel}" not implemented for '{"Bool" if kind(x) == "b" else "Long"}'""")

    return check


def _typed(x, value):
    """A Python number as PyTorch's kernel uses it: in the tensor's float dtype (opmath of float32 is float)."""
    dtype = np.asarray(x).dtype
    return dtype.type(value) if dtype.kind == "f" else value


# ---- logsigmoid ----------------------------------------------------------------------------------------------------
def _logsigmoid(x):
    _floats("logsigmoid", "log_sigmoid_forward_cpu")(x)
    # log_sigmoid_cpu_kernel: min(0, x) - log1p(exp(-|x|))
    return (np.minimum(0, x) - np.log1p(np.exp(-np.abs(x))))[()]


row(
    name="logsigmoid",
    grad_fn="LogSigmoidBackward0",
    forward=_logsigmoid,
    # log_sigmoid_backward_cpu_kernel: (max_deriv - sign * (z / (1 + z))) * grad, z = exp(-|x|)
    vjp=lambda F, g, out, x: (F.log_sigmoid_backward(g, x),),  # LogSigmoidBackwardBackward0
    sym=lambda sp, x: sp.Mul(
        -1, sp.log(sp.Add(1, sp.exp(sp.Mul(-1, x, evaluate=False)), evaluate=False), evaluate=False), evaluate=False
    ),
    derivative="d/dx -log(1 + exp(-x)) = 1 - sigmoid(x) = sigmoid(-x)",
    front=_functional("logsigmoid"),
)


# ---- hardtanh, relu6 -----------------------------------------------------------------------------------------------
def _hardtanh(x, min_val=-1.0, max_val=1.0):
    # clamp: nan stays nan (np.clip keeps it)
    return np.clip(x, _typed(x, min_val), _typed(x, max_val))[()]


def _hardtanh_sym(sp, x, min_val=-1.0, max_val=1.0):
    return sp.Piecewise((min_val, x < min_val), (max_val, x > max_val), (x, True))


row(
    name="hardtanh",
    grad_fn="HardtanhBackward0",
    params=("min_val", "max_val"),
    forward=_hardtanh,
    # hardtanh_backward: 0 where x <= min_val or x >= max_val (the bounds excluded), else grad
    vjp=lambda F, g, out, x, min_val=-1.0, max_val=1.0: (F.hardtanh_backward(g, x, min_val, max_val),),
    sym=_hardtanh_sym,
    derivative="d/dx hardtanh(x, lo, hi) = 1 if lo < x < hi else 0",
    kink=lambda x, min_val=-1.0, max_val=1.0: (np.asarray(x) == min_val) | (np.asarray(x) == max_val),
    convention="at a bound: grad 0 (exclusive, unlike clamp's 1)",
    edges=(-1.0, 1.0),
    front=_functional("hardtanh"),
)
row(
    name="relu6",
    grad_fn="HardtanhBackward0",
    forward=lambda x: _hardtanh(x, 0.0, 6.0),
    via=lambda F, x: F.hardtanh(x, 0.0, 6.0),  # F.relu6 is hardtanh(x, 0, 6): one HardtanhBackward0
    sym=lambda sp, x: _hardtanh_sym(sp, x, 0, 6),
    derivative="d/dx min(max(x, 0), 6) = 1 if 0 < x < 6 else 0",
    domain=(0.5, 5.5),
    kink=lambda x: (np.asarray(x) == 0) | (np.asarray(x) == 6),
    convention="x = 0 or 6: grad 0 (hardtanh's exclusive bounds)",
    edges=(0.0, 6.0),
    front=_functional("relu6"),
)


# ---- leaky_relu, elu, selu, celu -------------------------------------------------------------------------------------
def _leaky_relu(x, negative_slope=0.01):
    _floats("leaky_relu", "leaky_relu_cpu")(x)
    return np.where(x > 0, x, x * _typed(x, negative_slope))[()]


row(
    name="leaky_relu",
    grad_fn="LeakyReluBackward0",
    params=("negative_slope",),
    forward=_leaky_relu,
    # leaky_relu_backward: x > 0 ? grad : grad * negative_slope
    vjp=lambda F, g, out, x, negative_slope=0.01: (F.leaky_relu_backward(g, x, negative_slope),),
    sym=lambda sp, x, negative_slope=0.01: sp.Piecewise((x, x > 0), (negative_slope * x, True)),
    derivative="d/dx leaky_relu(x, s) = 1 if x > 0 else s",
    kink=lambda x, negative_slope=0.01: is_zero(x),
    convention="x = 0: grad negative_slope (the left-hand side's)",
    edges=(0.0,),
    front=_functional("leaky_relu"),
)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _elu(x, alpha=1.0, scale=1.0, input_scale=1.0):
    _floats("elu", "elu_cpu")(x)
    # elu_kernel: x <= 0 ? expm1(x * negiptcoef) * negcoef : x * poscoef, the coefficients in the tensor's dtype
    negcoef, poscoef, negiptcoef = _typed(x, alpha) * _typed(x, scale), _typed(x, scale), _typed(x, input_scale)
    return np.where(x <= 0, np.expm1(x * negiptcoef) * negcoef, x * poscoef)[()]


def _elu_vjp(F, g, out, x, alpha=1.0, scale=1.0, input_scale=1.0):
    # elu_backward (is_result false): x <= 0 ? grad * negiptcoef * negcoef * exp(x * negiptcoef) : grad * poscoef
    return (F.elu_backward(g, x, alpha, scale, input_scale),)  # EluBackwardBackward0


def _elu_sym(sp, x, alpha=1.0, scale=1.0, input_scale=1.0):
    return sp.Piecewise((scale * x, x > 0), (alpha * scale * sp.Add(sp.exp(input_scale * x), -1, evaluate=False), True))


def _elu_kink(x, alpha=1.0, scale=1.0, input_scale=1.0):
    return is_zero(x)


row(
    name="elu",
    grad_fn="EluBackward0",
    params=("alpha",),
    forward=_elu,
    vjp=_elu_vjp,
    sym=_elu_sym,
    derivative="d/dx elu(x, a) = 1 if x > 0 else a * exp(x)",
    kink=_elu_kink,
    convention="x = 0: grad alpha (the left-hand side's; smooth for alpha = 1)",
    edges=(0.0,),
    front=_functional("elu"),
)
# ---- in place (F.leaky_relu(x, inplace=True), F.elu_(x), nn.ELU(inplace=True)): the nodes whose rule reads the
# result, the input being gone (LeakyReluBackward1, EluBackward1); PyTorch refuses their backward for a negative
# slope or alpha, where the result no longer tells the input's sign
_NEGATIVE_LEAKY = (
    "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. This is caused "
    "by calling in-place forward function with a negative slope, please call out-of-place version instead. File an "
    "issue at https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu backward calculation "
    "with negative slope"
)
_NEGATIVE_ELU = (
    "In-place elu backward calculation is triggered with a negative slope which is not supported. This is caused by "
    "calling in-place forward function with a negative slope, please call out-of-place version instead."
)


def _leaky_relu_result_vjp(F, g, out, x, negative_slope=0.01):
    # leaky_relu_backward(grad, result, negative_slope, true): result > 0 ? grad : grad * negative_slope
    if negative_slope < 0:
        raise RuntimeError(_NEGATIVE_LEAKY)
    return (F.leaky_relu_backward(g, out, negative_slope),)


def _elu_result_vjp(F, g, out, x, alpha=1.0):
    # elu_backward (is_result true): result <= 0 ? grad * negiptcoef * (result + negcoef) : grad * poscoef
    if alpha < 0:
        raise RuntimeError(_NEGATIVE_ELU)
    data = out.data if hasattr(out, "grad_fn") else np.asarray(out)
    negcoef = _typed(data, alpha)
    return (F.where(data <= 0, g * (out + negcoef), g),)


row(
    name="leaky_relu_result",
    grad_fn="LeakyReluBackward1",
    params=("negative_slope",),
    internal=True,
    forward=_leaky_relu,
    vjp=_leaky_relu_result_vjp,
    sym=lambda sp, x, negative_slope=0.01: sp.Piecewise((x, x > 0), (negative_slope * x, True)),
    derivative="d/dx leaky_relu(x, s) = 1 if x > 0 else s (read from the result)",
    kink=lambda x, negative_slope=0.01: is_zero(x),
    convention="x = 0: grad negative_slope (the left-hand side's)",
    edges=(0.0,),
)
row(
    name="elu_result",
    grad_fn="EluBackward1",
    params=("alpha",),
    internal=True,
    forward=_elu,
    vjp=_elu_result_vjp,
    sym=_elu_sym,
    derivative="d/dx elu(x, a) = 1 if x > 0 else elu(x) + a (read from the result)",
    kink=_elu_kink,
    convention="x = 0: grad alpha (the left-hand side's)",
    edges=(0.0,),
)
INPLACE_ROWS = {"leaky_relu": "leaky_relu_result", "elu": "elu_result"}  # the activation -> its in-place row
row(
    name="elu_scaled",
    grad_fn="EluBackward0",
    params=("alpha", "scale", "input_scale"),
    internal=True,  # selu's: elu with a scale, as PyTorch builds it
    forward=_elu,
    vjp=_elu_vjp,
    sym=_elu_sym,
    derivative="d/dx = scale if x > 0 else alpha * scale * input_scale * exp(input_scale * x)",
    kink=_elu_kink,
    convention="x = 0: the left-hand side's",
    edges=(0.0,),
)
row(
    name="selu",
    grad_fn="EluBackward0",
    forward=lambda x: _elu(x, SELU_ALPHA, SELU_SCALE),
    via=lambda F, x: F.elu_scaled(x, SELU_ALPHA, SELU_SCALE, 1.0),  # at::selu is elu(x, alpha, scale): EluBackward0
    sym=lambda sp, x: _elu_sym(sp, x, sp.Float(SELU_ALPHA, 30), sp.Float(SELU_SCALE, 30)),
    derivative="d/dx selu(x) = scale if x > 0 else scale * alpha * exp(x)",
    kink=is_zero,
    convention="x = 0: grad scale * alpha (the left-hand side's)",
    edges=(0.0,),
    front=_functional("selu", torch=True),
)


def _celu(x, alpha=1.0):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _elu(x, alpha, 1.0, 1.0 / alpha)  # at::celu: elu(x, alpha, 1, 1 / alpha), 1/alpha in double


def _celu_rounded(x, alpha=1.0):
    """celu's backward takes 1/alpha of alpha rounded to float32 (float64 too): x <= 0's gradient
    alpha/f32(alpha) * exp(x/f32(alpha)) is off by that relative error, grown |x/alpha| times by the exp."""
    if alpha == 0 or float(np.float32(alpha)) == alpha:
        return None
    error = abs(float(np.float32(alpha)) - alpha) / abs(float(np.float32(alpha)))
    with np.errstate(all="ignore"):
        grows = np.max(np.abs(np.minimum(np.asarray(x, dtype=np.float64), 0) / alpha), initial=0.0)
    text = f"PyTorch's backward takes 1/alpha of alpha rounded to float32 ({float(np.float32(alpha))!r}), float64 too"
    return error * (1 + grows), text


row(
    name="celu",
    grad_fn="CeluBackward0",
    params=("alpha",),
    forward=_celu,
    # derivatives.yaml: elu_backward(grad, alpha, 1, 1.0/alpha.toFloat(), false, self)
    vjp=lambda F, g, out, x, alpha=1.0: _elu_vjp(F, g, out, x, alpha, 1.0, 1.0 / float(np.float32(alpha))),
    sym=lambda sp, x, alpha=1.0: sp.Piecewise(
        (x, x > 0), (alpha * sp.Add(sp.exp(x / alpha), -1, evaluate=False), True)
    ),
    derivative="d/dx celu(x, a) = 1 if x > 0 else exp(x / a)",
    kink=lambda x, alpha=1.0: is_zero(x),
    convention="x = 0: grad 1 (the left-hand side's exp(0); both sides agree, the second derivative jumps)",
    rounded=_celu_rounded,
    edges=(0.0,),
    front=_functional("celu", torch=True),
)


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
