"""Op rows, elementwise functions: exp, log, the trigonometric and hyperbolic functions, sigmoid, relu, abs, sqrt ...

Each row's `mp` names the mpmath function evaluating the SymPy function its `sym` applies (symbolic/ derives its fast
evaluator from these); `edges` are where the fuzzer puts an argument on purpose.
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import is_bool, is_tensor, is_zero, kind
from .table import Family, Signature, Spelling

ROWS = Family()
row = ROWS.row


def _activation(name: str) -> Signature:
    """torch.NAME, Tensor.NAME and torch.nn.functional.NAME."""
    return Signature(spellings=(Spelling(name, functional=True),))


def _softplus(x):
    if kind(x) in "biu":  # PyTorch has no integer or bool kernel (NumPy would give floats)
        raise NotImplementedError(f""""softplus_cpu" not implemented for '{"Bool" if kind(x) == "b" else "Long"}'""")
    return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))


def _periodic_condition(x) -> float:
    """sin, cos, tan: the largest |2x / sin(2x)| over the elements, which bounds |x f'(x) / f(x)| and
    |x f''(x) / f'(x)| for the three (1 at 0): at x = 1e7 float64's rounding of x moves it by 1e-9 rad, and the
    value and derivative near a zero of theirs by that over their size."""
    if isinstance(x, float):  # one value (NumPy's float64 is one): the same IEEE operations, without the arrays
        twice = 2.0 * float(x)
        if x == 0 or not math.isfinite(twice):  # (the array path's nan and inf are left out too)
            return 1.0
        sine = float(np.sin(twice))
        kappa = abs(twice / sine) if sine != 0 else math.inf
        return kappa if math.isfinite(kappa) else 1.0
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        kappa = np.where(x == 0, 1.0, np.abs(2 * x / np.sin(2 * x)))
    finite = kappa[np.isfinite(kappa)]
    return float(finite.max()) if finite.size else 1.0


def _abs(x):
    if is_bool(x):
        raise NotImplementedError(""""abs_cpu" not implemented for 'Bool'""")
    return np.abs(x)


def _relu(x):
    """max(x, 0) that keeps -0.0 and nan (-inf → 0), as torch.relu; a float64 scalar without np.where's ~1 µs."""
    if type(x) is np.float64:
        return _ZERO64 if x < 0 else x
    if is_bool(x):
        raise RuntimeError("Boolean inputs not supported for relu")
    return np.where(x < 0, 0, x)[()]


_ZERO64 = np.float64(0.0)


def _mp_log(x):
    """mpmath's log, raising at 0 where it says -inf: SymPy's zoo is the answer there."""
    import mpmath

    if x == 0:
        raise ZeroDivisionError("log(0)")
    return mpmath.log(x)


# ---- elementwise functions ---------------------------------------------------------------------------------------
row(
    name="exp",
    grad_fn="ExpBackward0",
    forward=np.exp,
    vjp=lambda F, g, out, x: (g * out,),
    sym=lambda sp, x: sp.exp(x, evaluate=False),
    derivative="d/dx exp(x) = exp(x) = out",
    mp="exp",
)
row(
    name="log",
    grad_fn="LogBackward0",
    forward=np.log,
    vjp=lambda F, g, out, x: (g / x,),
    sym=lambda sp, x: sp.log(x, evaluate=False),
    derivative="d/dx log(x) = 1/x",
    domain=(0.2, 3.0),
    singular=lambda x: np.asarray(x) <= 0,
    convention="x = 0: value -inf, grad inf; x < 0: value nan, grad 1/x",
    edges=(0.0,),
    mp=_mp_log,
)
row(
    name="sin",
    grad_fn="SinBackward0",
    forward=np.sin,
    vjp=lambda F, g, out, x: (g * F.cos(x),),
    sym=lambda sp, x: sp.sin(x, evaluate=False),
    derivative="d/dx sin(x) = cos(x)",
    mp="sin",
    conditioned=_periodic_condition,
)
row(
    name="cos",
    grad_fn="CosBackward0",
    forward=np.cos,
    vjp=lambda F, g, out, x: (g * -F.sin(x),),
    sym=lambda sp, x: sp.cos(x, evaluate=False),
    derivative="d/dx cos(x) = -sin(x)",
    mp="cos",
    conditioned=_periodic_condition,
)
row(
    name="tan",
    grad_fn="TanBackward0",
    forward=np.tan,
    vjp=lambda F, g, out, x: (g * (1 + out * out),),
    sym=lambda sp, x: sp.tan(x, evaluate=False),
    derivative="d/dx tan(x) = 1 + tan(x)**2",
    domain=(-1.2, 1.2),
    convention="poles at pi/2 + k*pi are never hit exactly in floating point: huge finite values",
    edges=(),
    mp="tan",
    conditioned=_periodic_condition,
)
row(
    name="tanh",
    grad_fn="TanhBackward0",
    forward=np.tanh,
    vjp=lambda F, g, out, x: (F.tanh_backward(g, out),),  # g * (1 - out * out): TanhBackwardBackward0
    sym=lambda sp, x: sp.tanh(x, evaluate=False),
    derivative="d/dx tanh(x) = 1 - tanh(x)**2",
    mp="tanh",
    front=_activation("tanh"),
)
row(
    name="sigmoid",
    grad_fn="SigmoidBackward0",
    forward=lambda x: 1 / (1 + np.exp(0 - x)),  # NumPy has no -bool
    vjp=lambda F, g, out, x: (F.sigmoid_backward(g, out),),  # g * (1 - out) * out: SigmoidBackwardBackward0
    sym=lambda sp, x: sp.Pow(sp.Add(1, sp.exp(-x), evaluate=False), -1, evaluate=False),
    derivative="d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))",
    front=_activation("sigmoid"),
)
row(
    name="relu",
    grad_fn="ReluBackward0",
    forward=_relu,
    vjp=lambda F, g, out, x: (F.threshold_backward(g, out),),  # selects: ThresholdBackwardBackward0
    sym=lambda sp, x: sp.Piecewise((x, x > 0), (0, True)),
    derivative="d/dx relu(x) = 1 if x > 0 else 0",
    kink=is_zero,
    convention="x = 0: grad 0 (SymPy's Heaviside(0) would say 1/2); masks nan/inf upstream",
    edges=(0.0,),
    front=_activation("relu"),
)
row(
    name="abs",
    grad_fn="AbsBackward0",
    forward=_abs,
    vjp=lambda F, g, out, x: (g * F.sign(x),),
    sym=lambda sp, x: sp.Abs(x, evaluate=False),
    derivative="d/dx |x| = sign(x)",
    kink=is_zero,
    convention="x = 0: grad 0 = sign(0) (multiplies: nan upstream stays nan)",
    edges=(0.0,),
    mp="fabs",
)
row(
    name="sqrt",
    grad_fn="SqrtBackward0",
    forward=np.sqrt,
    vjp=lambda F, g, out, x: (g / (2 * out),),
    sym=lambda sp, x: sp.Pow(x, sp.Rational(1, 2), evaluate=False),
    derivative="d/dx sqrt(x) = 1 / (2 sqrt(x))",
    domain=(0.2, 3.0),
    singular=lambda x: np.asarray(x) <= 0,
    convention="x = 0: grad inf; x < 0: value and grad nan",
    edges=(0.0,),
)
row(
    name="log1p",
    grad_fn="Log1PBackward0",
    forward=np.log1p,
    vjp=lambda F, g, out, x: (g / (x + 1),),
    sym=lambda sp, x: sp.log(sp.Add(1, x, evaluate=False), evaluate=False),
    derivative="d/dx log(1 + x) = 1/(1 + x)",
    domain=(-0.5, 2.0),
    singular=lambda x: np.asarray(x) <= -1,
    convention="x = -1: value -inf, grad inf",
    edges=(-1.0,),
)
row(
    name="expm1",
    grad_fn="Expm1Backward0",
    forward=np.expm1,
    vjp=lambda F, g, out, x: (g * (out + 1),),
    sym=lambda sp, x: sp.Add(sp.exp(x, evaluate=False), -1, evaluate=False),
    derivative="d/dx (exp(x) - 1) = exp(x)",
)
row(
    name="sinh",
    grad_fn="SinhBackward0",
    forward=np.sinh,
    vjp=lambda F, g, out, x: (g * F.cosh(x),),
    sym=lambda sp, x: sp.sinh(x, evaluate=False),
    derivative="d/dx sinh(x) = cosh(x)",
    mp="sinh",
)
row(
    name="cosh",
    grad_fn="CoshBackward0",
    forward=np.cosh,
    vjp=lambda F, g, out, x: (g * F.sinh(x),),
    sym=lambda sp, x: sp.cosh(x, evaluate=False),
    derivative="d/dx cosh(x) = sinh(x)",
    mp="cosh",
)
row(
    name="asin",
    grad_fn="AsinBackward0",
    forward=np.arcsin,
    vjp=lambda F, g, out, x: (g * F.rsqrt(-x * x + 1),),  # grad * (-self * self + 1).rsqrt()
    sym=lambda sp, x: sp.asin(x, evaluate=False),
    derivative="d/dx asin(x) = 1 / sqrt(1 - x**2)",
    domain=(-0.9, 0.9),
    singular=lambda x: np.abs(x) >= 1,
    convention="|x| = 1: grad inf; |x| > 1: nan",
    edges=(1.0, -1.0),
    mp="asin",
)
row(
    name="acos",
    grad_fn="AcosBackward0",
    forward=np.arccos,
    vjp=lambda F, g, out, x: (g * -F.rsqrt(-x * x + 1),),  # grad * -((-self * self + 1).rsqrt())
    sym=lambda sp, x: sp.acos(x, evaluate=False),
    derivative="d/dx acos(x) = -1 / sqrt(1 - x**2)",
    domain=(-0.9, 0.9),
    singular=lambda x: np.abs(x) >= 1,
    convention="|x| = 1: grad -inf; |x| > 1: nan",
    edges=(1.0, -1.0),
    mp="acos",
)
row(
    name="atan",
    grad_fn="AtanBackward0",
    forward=np.arctan,
    vjp=lambda F, g, out, x: (g / (x * x + 1),),
    sym=lambda sp, x: sp.atan(x, evaluate=False),
    derivative="d/dx atan(x) = 1 / (1 + x**2)",
    mp="atan",
)
row(
    name="softplus",
    grad_fn="SoftplusBackward0",
    forward=_softplus,
    # torch (beta 1, threshold 20): the identity above the threshold, so the gradient there is exactly 1
    vjp=lambda F, g, out, x: (F.softplus_backward(g, x),),  # SoftplusBackwardBackward0
    sym=lambda sp, x: sp.log(sp.Add(1, sp.exp(x), evaluate=False), evaluate=False),
    derivative="d/dx log(1 + exp(x)) = sigmoid(x)  (1 above x = 20, as PyTorch)",
    front=Signature(spellings=(Spelling("softplus", torch=False, method=False, functional=True),)),
)


# ---- special functions, logarithms of other bases, rsqrt -----------------------------------------------------------
def _by_math(function):
    """A function of Python floats elementwise (NumPy has no erf), in the input's float dtype: PyTorch's float32
    kernels differ from float64 rounded by an ulp at most here (tests/test_elementwise_rows.py)."""
    vectorised = np.frompyfunc(function, 1, 1)

    def forward(x):
        x = np.asarray(x)
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)  # an int: the engine asks again in floats
        return np.asarray(vectorised(x.astype(np.float64)), dtype=np.float64).astype(dtype)[()]

    return forward


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)  # derivatives.yaml: 2.0 / sqrt(M_PI) * exp(-(self.pow(2))) * grad
_LN2, _LN10 = 0.6931471805599453, 2.3025850929940456  # derivatives.yaml's constants for log2 / log10

row(
    name="erf",
    grad_fn="ErfBackward0",
    forward=_by_math(math.erf),
    vjp=lambda F, g, out, x: (_TWO_OVER_SQRT_PI * F.exp(-(x * x)) * g,),
    sym=lambda sp, x: sp.erf(x, evaluate=False),
    derivative="d/dx erf(x) = 2/sqrt(pi) * exp(-x**2)",
    mp="erf",
)
row(
    name="erfc",
    grad_fn="ErfcBackward0",
    forward=_by_math(math.erfc),
    vjp=lambda F, g, out, x: (-_TWO_OVER_SQRT_PI * F.exp(-(x * x)) * g,),
    sym=lambda sp, x: sp.erfc(x, evaluate=False),
    derivative="d/dx erfc(x) = -2/sqrt(pi) * exp(-x**2)",
    mp="erfc",
)
row(
    name="exp2",
    grad_fn="Exp2Backward0",
    forward=np.exp2,
    vjp=lambda F, g, out, x: (F.mul_scalar(g * out, _LN2),),  # grad * result * M_LN2: MulBackward1
    sym=lambda sp, x: sp.Pow(2, x, evaluate=False),
    derivative="d/dx 2**x = 2**x * log(2) = out * log(2)",
)
row(
    name="log2",
    grad_fn="Log2Backward0",
    forward=np.log2,
    vjp=lambda F, g, out, x: (g / (x * _LN2),),
    sym=lambda sp, x: sp.Mul(sp.log(x, evaluate=False), sp.Pow(sp.log(2), -1, evaluate=False), evaluate=False),
    derivative="d/dx log2(x) = 1/(x log(2))",
    domain=(0.2, 3.0),
    singular=lambda x: np.asarray(x) <= 0,
    convention="x = 0: value -inf, grad inf; x < 0: value nan, grad 1/(x log 2)",
    edges=(0.0,),
)
row(
    name="log10",
    grad_fn="Log10Backward0",
    forward=np.log10,
    vjp=lambda F, g, out, x: (g / (x * _LN10),),
    sym=lambda sp, x: sp.Mul(sp.log(x, evaluate=False), sp.Pow(sp.log(10), -1, evaluate=False), evaluate=False),
    derivative="d/dx log10(x) = 1/(x log(10))",
    domain=(0.2, 3.0),
    singular=lambda x: np.asarray(x) <= 0,
    convention="x = 0: value -inf, grad inf; x < 0: value nan, grad 1/(x log 10)",
    edges=(0.0,),
)
row(
    name="rsqrt",
    grad_fn="RsqrtBackward0",
    forward=lambda x: 1 / np.sqrt(x),
    vjp=lambda F, g, out, x: (-0.5 * g * (out * out * out),),  # -0.5 * grad * result.pow(3): pow 3 is x*x*x
    sym=lambda sp, x: sp.Pow(x, sp.Rational(-1, 2), evaluate=False),
    derivative="d/dx x**(-1/2) = -1/2 x**(-3/2) = -out**3 / 2",
    domain=(0.2, 3.0),
    singular=lambda x: np.asarray(x) <= 0,
    convention="x = 0: value inf, grad -inf; x < 0: value and grad nan",
    edges=(0.0,),
)


# ---- two-argument and parametrised functions (PyTorch's CPU kernels' scalar formulas, in their order) -------------
def _values(x):
    """A rule's operand as an array: under create_graph the rules get the engine's tensors."""
    return x.data if is_tensor(x) else x


def _float(x, value: float):
    """A Python number as the element type of `x`, as PyTorch's kernels take a scalar (float32: rounded)."""
    return np.asarray(x).dtype.type(value) if np.asarray(x).dtype.kind == "f" else value


row(
    name="hypot",
    grad_fn="HypotBackward0",
    arity=2,
    forward=np.hypot,
    # derivatives.yaml: other: grad * other / result; self: grad * self / result (other first, the sorted order)
    vjp=lambda F, g, out, x, y: tuple(reversed((g * y / out, g * x / out))),
    sym=lambda sp, x, y: sp.sqrt(x * x + y * y),
    derivative="d/dx hypot(x, y) = x / hypot(x, y), d/dy = y / hypot(x, y)",
    kink=lambda x, y: (np.asarray(x) == 0) & (np.asarray(y) == 0),
    convention="x = y = 0: value 0, both grads nan (0/0)",
)


def _logaddexp(x, y):
    """PyTorch's kernel: max + log1p(exp(-|x - y|)), and x where both are the same infinity."""
    with np.errstate(invalid="ignore"):
        big = np.maximum(x, y)
        return np.where(np.isinf(x) & (x == y), x, big + np.log1p(np.exp(-np.abs(x - y))))[()]


row(
    name="logaddexp",
    grad_fn="LogaddexpBackward0",
    arity=2,
    forward=_logaddexp,
    # derivatives.yaml: other: grad / (1 + exp(self - other)); self: grad / (1 + exp(other - self))
    vjp=lambda F, g, out, x, y: tuple(reversed((g / (F.exp(x - y) + 1), g / (F.exp(y - x) + 1)))),
    sym=lambda sp, x, y: sp.log(sp.exp(x) + sp.exp(y)),
    derivative="d/dx log(exp(x) + exp(y)) = 1 / (1 + exp(y - x))",
    mp=None,
)


def _xlogy(x, y):
    """PyTorch's kernel: nan where y is nan, 0 where x is 0, else x * log(y)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isnan(y), np.nan, np.where(x == 0, 0, x * np.log(y))).astype(np.result_type(x, y))[()]


def _xlogy_vjp(F, g, out, x, y):
    """derivatives.yaml: other: grad * self / other; self: xlogy(grad, other) masked to 0 where self == 0 and
    other <= 0 (pytorch issue 80770: the derivative along x = 0)."""
    dy = g * x / y
    xs, ys = _values(x), _values(y)
    return F.masked_fill(F.xlogy(g, y), np.asarray((xs == 0) & (ys <= 0)), 0.0), dy


row(
    name="xlogy",
    grad_fn="XlogyBackward0",
    arity=2,
    forward=_xlogy,
    vjp=_xlogy_vjp,
    sym=lambda sp, x, y: x * sp.log(y),
    derivative="d/dx x log(y) = log(y), d/dy = x / y",
    domain=(0.2, 3.0),
    singular=lambda x, y: np.asarray(y) <= 0,
    convention="x = 0: value 0 (0 at y = 0 too), grad to x log(y), 0 where y <= 0; y < 0, x != 0: nan",
    mp=None,
)


def _logit_bounds(x, eps):
    return _float(x, eps), _float(x, 1 - eps)


def _logit(x, eps=None):
    """PyTorch's kernel: log(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if eps is not None:
            lo, hi = _logit_bounds(x, eps)
            x = np.where(x < lo, lo, np.where(x > hi, hi, x))
        return np.log(x / (1 - x))[()]


def _logit_vjp(F, g, out, x, eps=None):
    """derivatives.yaml's logit_backward: grad / (x (1 - x)) inside [0, 1] (nan outside), or inside [eps, 1 - eps]
    (0 outside) when eps is given."""
    data = _values(x)
    if eps is None:
        inside, outside = (data >= 0) & (data <= 1), np.nan
    else:
        lo, hi = _logit_bounds(data, eps)
        inside, outside = (data >= lo) & (data <= hi), 0.0
    return (F.where(np.asarray(inside), g / (x * (1 - x)), outside),)


def _logit_sym(sp, x, eps=None):
    if eps is None:
        return sp.log(x / (1 - x))
    lo, hi = eps, 1 - eps
    z = sp.Piecewise((lo, x < lo), (hi, x > hi), (x, True))
    return sp.log(z / (1 - z))


row(
    name="logit",
    grad_fn="LogitBackward0",
    params=("eps",),
    forward=_logit,
    vjp=_logit_vjp,
    sym=_logit_sym,
    derivative="d/dx log(x / (1 - x)) = 1 / (x (1 - x)); 0 outside [eps, 1 - eps] when eps is given",
    domain=(0.1, 0.9),
    singular=lambda x, eps=None: (np.asarray(x) <= 0) | (np.asarray(x) >= 1) if eps is None else np.zeros_like(x, bool),
    kink=lambda x, eps=None: (
        np.zeros_like(x, bool) if eps is None else (np.asarray(x) == eps) | (np.asarray(x) == 1 - eps)
    ),
    convention="x = 0: value -inf, grad inf; x = 1: value and grad inf; outside [0, 1]: nan; with eps: x clamped to "
    "[eps, 1 - eps], grad 0 outside, 1 / (x (1 - x)) on the bounds",
)


def _sinc(x):
    """PyTorch's kernel: 1 at 0, else sin(pi x) / (pi x), pi in the element type."""
    with np.errstate(invalid="ignore"):
        product = np.asarray(x) * _float(x, math.pi)
        return np.where(np.asarray(x) == 0, _float(x, 1.0), np.sin(product) / product)[()]


def _sinc_vjp(F, g, out, x):
    """FunctionsManual's sinc_backward: grad * ((pi x cos(pi x) - sin(pi x)) / (x x pi)), 0 where x x pi is 0."""
    x_pi = F.mul_scalar(x, math.pi)
    squared_pi = F.mul_scalar(x * x, math.pi)
    out = g * ((x_pi * F.cos(x_pi) - F.sin(x_pi)) / squared_pi)
    return (F.where(np.asarray(_values(squared_pi) == 0), 0.0, out),)


row(
    name="sinc",
    grad_fn="SincBackward0",
    forward=_sinc,
    vjp=_sinc_vjp,
    sym=lambda sp, x: sp.sinc(sp.pi * x),
    derivative="d/dx sin(pi x) / (pi x) = (pi x cos(pi x) - sin(pi x)) / (pi x**2); 0 at 0",
    singular=lambda x: np.asarray(x) == 0,
    convention="x = 0: value 1, grad 0 (PyTorch's where; SymPy's form of the derivative is 0/0 there)",
    edges=(0.0,),
    mp="sinc",
)


def _nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    a = np.asarray(x)
    if a.dtype.kind != "f":
        return a[()]
    info = np.finfo(a.dtype)
    top = info.max if posinf is None else posinf
    bottom = info.min if neginf is None else neginf
    kept = np.where(a == np.inf, top, np.where(a == -np.inf, bottom, a))
    return np.where(np.isnan(a), nan, kept).astype(a.dtype)[()]


row(
    name="nan_to_num",
    grad_fn="NanToNumBackward0",
    params=("nan", "posinf", "neginf"),
    forward=_nan_to_num,
    # derivatives.yaml: grad * at::isfinite(self)
    vjp=lambda F, g, out, x, nan=0.0, posinf=None, neginf=None: (g * np.isfinite(_values(x)),),
    sym=lambda sp, x, nan=0.0, posinf=None, neginf=None: x,
    derivative="d/dx = 1 where x is finite, 0 at nan and the infinities",
    singular=lambda x, nan=0.0, posinf=None, neginf=None: ~np.isfinite(np.asarray(x, dtype=float)),
    convention="nan, inf, -inf: replaced by nan=, posinf=, neginf= (0, the dtype's largest, its lowest), gradient 0",
)
