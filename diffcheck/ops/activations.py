"""Op rows, activation functions: logsigmoid, hardtanh, relu6, leaky_relu, elu, selu, celu (gelu, silu, mish, softsign,
hardsigmoid, hardswish in ops/soft_activations.py) — torch.nn.functional's, computed as PyTorch's CPU kernels compute them and
differentiated by derivatives.yaml's rules (the kernels' order of operations kept: bit for bit where that is plain
arithmetic). Parameters are PyTorch's keyword names (`negative_slope`, `alpha`, `min_val`, `max_val`, `approximate`).
"""

from __future__ import annotations


import numpy as np

from .arrays import is_zero, kind
from .table import Family, Signature, Spelling

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
    # cpu/Elu.h: x < 0 ? expm1(x * negiptcoef) * negcoef : x * poscoef, the coefficients in the tensor's dtype; ±0
    # takes the positive branch, so elu(±0) is ±0 whatever alpha's sign (the backward's branch is x <= 0)
    negcoef, poscoef, negiptcoef = _typed(x, alpha) * _typed(x, scale), _typed(x, scale), _typed(x, input_scale)
    return np.where(x < 0, np.expm1(x * negiptcoef) * negcoef, x * poscoef)[()]


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
