"""THE op table: every primitive declared once — NumPy forward, backward rule, SymPy form, grad_fn name.

The engine reads `forward`/`vjp`/`grad_fn`, the symbolic side reads `sym`, the parser reads `SIGNATURES`, and
`diffcheck ops` renders the rest. The table shares vocabulary, not derivative knowledge: SymPy differentiates `sym`
on its own, so the comparison is a real check of every `vjp` here.

A backward rule has one signature, `vjp(F, g, out, *args, **params) -> one grad per arg (None: not differentiable)`.
`F` is a namespace of array functions: plain NumPy for an ordinary backward, differentiable engine functions under
`create_graph=True` — so the same rule gives first and higher derivatives. `out` is the forward answer, reused rather
than recomputed. Rules follow PyTorch's derivatives.yaml, including where it *selects* (`where`: an inf/nan coming in
becomes 0 where masked) versus where it *multiplies* (abs: nan stays nan).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np


@dataclass(frozen=True, slots=True)
class Op:
    name: str
    grad_fn: str  # PyTorch's backward node class name for this overload
    forward: Callable[..., Any]  # NumPy: (*arg arrays, **params) -> array
    sym: Callable[..., Any]  # (sp, *args, **params) -> SymPy expression (elementwise) or object array
    derivative: str  # the backward rule in maths, for `diffcheck ops`
    vjp: Optional[Callable[..., tuple]] = None  # (F, g, out, *args, **params) -> grads; None for a `via` row
    # PyTorch builds this op from others, so the engine does: (F, *args) with F its functions (`c / x` is
    # reciprocal(x) * c: two nodes). The row stays the op's one spelling for SymPy, special points and `diffcheck ops`.
    via: Optional[Callable[..., Any]] = None
    listed: Optional[tuple[int, ...]] = None  # the inputs next_functions lists, where not all (see below)
    arity: int = 1
    params: tuple[str, ...] = ()
    saves: bool = True  # the node saves tensors: a second backward without retain_graph fails
    elementwise: bool = True  # `sym` maps scalars; otherwise it takes whole object arrays
    domain: tuple[float, float] = (-2.0, 2.0)  # an interval where the op is smooth, for random points
    kink: Optional[Callable[..., Any]] = None  # (*arg arrays, **params) -> bool mask where not differentiable
    singular: Optional[Callable[..., Any]] = None  # (*arg arrays, **params) -> bool mask of poles / off-domain
    convention: str = ""  # what PyTorch does at the kink or singular points
    power: Optional[tuple[int, int]] = None  # a power's (base, exponent) arguments: its 1**inf ... are labelled
    internal: bool = False  # used by backward rules only; not a spelling users write
    # The shape of the call, for the engine. `variadic`: the one tensor argument is a list of any length (cat, stack):
    # forward takes the list of arrays, vjp the list of inputs and returns one gradient per tensor in it.
    variadic: bool = False
    # `outputs` > 1: forward returns a tuple (max(x, dim): values, indices); vjp then takes a tuple of gradients, None
    # for an output that got none, and a tuple of answers. `output_differentiability` as derivatives.yaml's: an output
    # marked False never requires grad (indices).
    outputs: int = 1
    output_differentiability: Optional[tuple[bool, ...]] = None
    view: bool = False  # the answer is a view of input 0 (reshape, transpose): it shares its version counter and _base


def _sum_to(g, shape):
    """Sum a broadcast gradient back down to `shape` (NumPy broadcasting in reverse)."""
    if np.shape(g) == tuple(shape):
        return g
    lead = np.ndim(g) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and np.shape(g)[i + lead] != 1)
    return np.sum(g, axis=axes, keepdims=False).reshape(shape) if axes else np.reshape(g, shape)


def _expand(g, shape):
    return np.array(np.broadcast_to(g, shape))


def _axes(shape, dim) -> Optional[tuple[int, ...]]:
    """A reduction's `dim` as NumPy's axes: one dim or a tuple of them, made non-negative; none of a 0-d tensor (which
    PyTorch lets take dim 0 or -1); None (every axis) for None."""
    if dim is None:
        return None
    return tuple(d % len(shape) for d in (dim if isinstance(dim, tuple) else (dim,))) if shape else ()


def _unsqueeze_dim(g, shape, dim, keepdim):
    """The gradient of a reduction over `dim`, shaped to broadcast against the input (dim None: over all, 0-D)."""
    return g if keepdim or dim is None else np.expand_dims(g, _axes(shape, dim))


def _reduced(shape, dim) -> int:
    """How many elements a reduction over `dim` takes each answer from (dim None: all, as PyTorch's dim=None)."""
    return math.prod(shape) if dim is None else math.prod(shape[axis] for axis in _axes(shape, dim))


def indeterminate_power(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """Where a power is an indeterminate form IEEE 754 (and PyTorch) values as 1 and SymPy leaves undefined (nan):
    1**y for y = ±inf or nan, (-1)**±inf, x**0 for x = ±inf or nan (0**0 is 1 on both sides)."""
    with np.errstate(invalid="ignore"):
        return (((base == 1) & ~np.isfinite(exponent)) | ((base == -1) & np.isinf(exponent))
                | ((exponent == 0) & ~np.isfinite(base)))


def _log_of(number):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.float64(number))


def _kind(x) -> str:
    """The NumPy kind of a tensor's data ("f" for a Python number)."""
    return getattr(x, "dtype", np.dtype(float)).kind


def _softplus(x):
    kind = _kind(x)
    if kind in "biu":  # PyTorch has no integer or bool kernel (NumPy would give floats)
        raise NotImplementedError(f""""softplus_cpu" not implemented for '{'Bool' if kind == 'b' else 'Long'}'""")
    return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))


_SUB_BOOL = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
             "use the `~` or `logical_not()` operator instead.")
_SUB_BOOLS = ("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
              "operator instead.")
_NEG_BOOL = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use "
             "the `~` or `logical_not()` operator instead.")


def _is_bool(value) -> bool:
    return type(value) is bool or _kind(value) == "b"


def _subtract(a, b):
    """np.subtract, refusing a bool operand (a Python bool too) as PyTorch does; NumPy refuses two, with its own
    words, and computes with one."""
    bools = _is_bool(a) + _is_bool(b)
    if bools:
        raise RuntimeError(_SUB_BOOLS if bools == 2 else _SUB_BOOL)
    return np.subtract(a, b)


def _negative(x):
    if _is_bool(x):
        raise RuntimeError(_NEG_BOOL)
    return np.negative(x)


def _abs(x):
    if _is_bool(x):
        raise NotImplementedError(""""abs_cpu" not implemented for 'Bool'""")
    return np.abs(x)


def _mean(x, axis=None, keepdims=False):
    """np.mean, refusing integer and bool tensors as PyTorch does (NumPy gives float64)."""
    kind = _kind(x)
    if kind in "biu":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {'Bool' if kind == 'b' else 'Long'}")
    return np.mean(x, axis=axis, keepdims=keepdims)


_TYPE_NAMES = {np.dtype(np.bool_): ("Bool", "bool"), np.dtype(np.int64): ("Long", "long int"),  # PyTorch's, C++'s
               np.dtype(np.float32): ("Float", "float"), np.dtype(np.float64): ("Double", "double")}


def _product(kernel: str, mismatch: Callable[[tuple, tuple], str], compute):
    """dot, mv, mm: PyTorch neither promotes their operands' dtypes (NumPy would) nor multiplies bools."""
    def forward(a, b):
        ta, tb = np.result_type(a), np.result_type(b)
        if ta != tb:
            raise RuntimeError(mismatch(_TYPE_NAMES[ta], _TYPE_NAMES[tb]))
        if ta.kind == "b":
            raise NotImplementedError(f""""{kernel}" not implemented for 'Bool'""")
        return compute(a, b)
    return forward


def _is_zero(*arrays, **_):
    return np.asarray(arrays[0]) == 0


_ROWS: list[Op] = []


def row(**fields) -> Op:
    op = Op(**fields)
    _ROWS.append(op)
    return op


# ---- arithmetic -------------------------------------------------------------------------------------------------
# next_functions has an entry per tensor argument of PyTorch's overload, a Python number included (PyTorch wraps it:
# `x + 2` lists (None, 0) for the 2), and none for a Scalar argument (`x ** 2`, `2 - x`) or a parameter (clamp's min):
# `listed` names the inputs that have one where that is not all of them.
row(name="add", grad_fn="AddBackward0", arity=2, saves=False, forward=np.add,
    vjp=lambda F, g, out, a, b: (g, g), sym=lambda sp, a, b: sp.Add(a, b, evaluate=False),
    derivative="d/da (a + b) = 1, d/db (a + b) = 1")
row(name="sub", grad_fn="SubBackward0", arity=2, saves=False, forward=_subtract,
    vjp=lambda F, g, out, a, b: (g, -g), sym=lambda sp, a, b: sp.Add(a, sp.Mul(-1, b, evaluate=False), evaluate=False),
    derivative="d/da (a - b) = 1, d/db (a - b) = -1")
row(name="rsub", grad_fn="RsubBackward1", arity=2, saves=False, listed=(0,),  # c - x, a Python number c: rsub(x, c)
    forward=lambda x, c: _subtract(c, x), vjp=lambda F, g, out, x, c: (-g, None),
    sym=lambda sp, x, c: sp.Add(c, sp.Mul(-1, x, evaluate=False), evaluate=False),
    derivative="d/dx (c - x) = -1")
row(name="mul", grad_fn="MulBackward0", arity=2, forward=np.multiply,
    vjp=lambda F, g, out, a, b: (g * b, g * a), sym=lambda sp, a, b: sp.Mul(a, b, evaluate=False),
    derivative="d/da (a * b) = b, d/db (a * b) = a", convention="multiplies: 0 * inf upstream is nan")
row(name="div", grad_fn="DivBackward0", arity=2, forward=np.divide,
    vjp=lambda F, g, out, a, b: (g / b, -(g * (out / b))),  # PyTorch's -g * ((a / b) / b) bit for bit, in fewer arrays
    sym=lambda sp, a, b: sp.Mul(a, sp.Pow(b, -1, evaluate=False), evaluate=False),
    derivative="d/da (a / b) = 1/b, d/db (a / b) = -a/b**2", singular=lambda a, b: np.asarray(b) == 0,
    convention="b = 0: value ±inf (nan for 0/0), d/da = 1/b = ±inf, d/db = -(a/b)/b")
row(name="rdiv", grad_fn="MulBackward0", arity=2,  # c / x with a Python number c: PyTorch computes reciprocal(x) * c
    forward=lambda x, c: 1 / x * c, via=lambda F, x, c: F.mul(F.reciprocal(x), c),
    sym=lambda sp, x, c: sp.Mul(c, sp.Pow(x, -1, evaluate=False), evaluate=False),
    derivative="d/dx (c / x) = -c / x**2  (built as reciprocal(x) * c: two nodes)",
    singular=lambda x, c: np.asarray(x) == 0, domain=(0.5, 3.0),
    convention="x = ±0: value ±inf, grad -inf (for c = 1)")
row(name="neg", grad_fn="NegBackward0", saves=False, forward=_negative,
    vjp=lambda F, g, out, x: (-g,), sym=lambda sp, x: sp.Mul(-1, x, evaluate=False), derivative="d/dx (-x) = -1")
row(name="reciprocal", grad_fn="ReciprocalBackward0", forward=lambda x: 1 / x,  # np.reciprocal(2) is 0
    vjp=lambda F, g, out, x: (-g * (out * out),), sym=lambda sp, x: sp.Pow(x, -1, evaluate=False),
    derivative="d/dx (1/x) = -1/x**2 = -out**2", singular=_is_zero, domain=(0.5, 3.0),
    convention="x = ±0: value ±inf, grad -inf")
row(name="pow", grad_fn="PowBackward0", arity=2, forward=np.power, listed=(0,),  # tensor ** Python number
    # torch: exponent == 0 gives zeros (selected, so x**0 at x = 0 has gradient 0 rather than 0 * inf)
    vjp=lambda F, g, out, x, e: (F.zeros_like(g) if e == 0 else g * (e * (x if e == 2 else x ** (e - 1))), None),
    sym=lambda sp, x, e: sp.Pow(x, e, evaluate=False),
    derivative="d/dx x**e = e * x**(e-1)  (0 when e == 0)", domain=(0.5, 2.0),
    singular=lambda x, e: (np.asarray(x) < 0) & (not float(e).is_integer()) | (np.asarray(x) == 0) & (e < 1) & (e != 0),
    convention="x = 0, e < 1: inf (or nan); x < 0 with non-integer e: nan; e = 0: grad 0 everywhere", power=(0, 1))
row(name="pow_tensor", grad_fn="PowBackward1", arity=2,  # tensor ** tensor
    forward=np.power,
    vjp=lambda F, g, out, a, b: (
        F.where(b == 0, 0.0, g * (b * a ** (b - 1))),
        g * F.where((a == 0) & (b >= 0), 0.0, out * F.log(a))),
    sym=lambda sp, a, b: sp.Pow(a, b, evaluate=False), domain=(0.5, 2.0),
    derivative="d/da a**b = b * a**(b-1), d/db a**b = a**b * log(a)",
    singular=lambda a, b: (np.asarray(a) <= 0),
    convention="b = 0: d/da = 0; a = 0, b >= 0: d/db = 0 (masked); a < 0: d/db = nan", power=(0, 1))
row(name="rpow", grad_fn="PowBackward2", arity=2, listed=(0,),  # Python number ** tensor, stored as (x, c)
    forward=lambda x, c: np.power(c, x),
    vjp=lambda F, g, out, x, c: (g * F.where((c == 0) & (x >= 0), 0.0, out * _log_of(c)), None),
    sym=lambda sp, x, c: sp.Pow(c, x, evaluate=False), derivative="d/dx c**x = c**x * log(c)",
    singular=lambda x, c: np.full(np.shape(x), c <= 0),
    convention="c = 0, x >= 0: grad 0 (masked); c < 0: nan", power=(1, 0))

# ---- elementwise functions ---------------------------------------------------------------------------------------
row(name="exp", grad_fn="ExpBackward0", forward=np.exp, vjp=lambda F, g, out, x: (g * out,),
    sym=lambda sp, x: sp.exp(x, evaluate=False), derivative="d/dx exp(x) = exp(x) = out")
row(name="log", grad_fn="LogBackward0", forward=np.log, vjp=lambda F, g, out, x: (g / x,),
    sym=lambda sp, x: sp.log(x, evaluate=False), derivative="d/dx log(x) = 1/x", domain=(0.2, 3.0),
    singular=lambda x: np.asarray(x) <= 0, convention="x = 0: value -inf, grad inf; x < 0: value nan, grad 1/x")
row(name="sin", grad_fn="SinBackward0", forward=np.sin, vjp=lambda F, g, out, x: (g * F.cos(x),),
    sym=lambda sp, x: sp.sin(x, evaluate=False), derivative="d/dx sin(x) = cos(x)")
row(name="cos", grad_fn="CosBackward0", forward=np.cos, vjp=lambda F, g, out, x: (g * -F.sin(x),),
    sym=lambda sp, x: sp.cos(x, evaluate=False), derivative="d/dx cos(x) = -sin(x)")
row(name="tan", grad_fn="TanBackward0", forward=np.tan, vjp=lambda F, g, out, x: (g * (1 + out * out),),
    sym=lambda sp, x: sp.tan(x, evaluate=False), derivative="d/dx tan(x) = 1 + tan(x)**2", domain=(-1.2, 1.2),
    convention="poles at pi/2 + k*pi are never hit exactly in floating point: huge finite values")
row(name="tanh", grad_fn="TanhBackward0", forward=np.tanh, vjp=lambda F, g, out, x: (g * (1 - out * out),),
    sym=lambda sp, x: sp.tanh(x, evaluate=False), derivative="d/dx tanh(x) = 1 - tanh(x)**2")
row(name="sigmoid", grad_fn="SigmoidBackward0", forward=lambda x: 1 / (1 + np.exp(0 - x)),  # NumPy has no -bool
    vjp=lambda F, g, out, x: (g * (1 - out) * out,),
    sym=lambda sp, x: sp.Pow(sp.Add(1, sp.exp(-x), evaluate=False), -1, evaluate=False),
    derivative="d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))")
def _relu(x):
    """max(x, 0) that keeps -0.0 and nan (-inf → 0), as torch.relu; a float64 scalar without np.where's ~1 µs."""
    if type(x) is np.float64:
        return _ZERO64 if x < 0 else x
    if _is_bool(x):
        raise RuntimeError("Boolean inputs not supported for relu")
    return np.where(x < 0, 0, x)[()]


_ZERO64 = np.float64(0.0)
row(name="relu", grad_fn="ReluBackward0", forward=_relu,
    vjp=lambda F, g, out, x: (F.where(out <= 0, 0.0, g),),  # threshold_backward: selects
    sym=lambda sp, x: sp.Piecewise((x, x > 0), (0, True)), derivative="d/dx relu(x) = 1 if x > 0 else 0",
    kink=_is_zero, convention="x = 0: grad 0 (SymPy's Heaviside(0) would say 1/2); masks nan/inf upstream")
row(name="abs", grad_fn="AbsBackward0", forward=_abs, vjp=lambda F, g, out, x: (g * F.sign(x),),
    sym=lambda sp, x: sp.Abs(x, evaluate=False), derivative="d/dx |x| = sign(x)",
    kink=_is_zero, convention="x = 0: grad 0 = sign(0) (multiplies: nan upstream stays nan)")
row(name="sqrt", grad_fn="SqrtBackward0", forward=np.sqrt, vjp=lambda F, g, out, x: (g / (2 * out),),
    sym=lambda sp, x: sp.Pow(x, sp.Rational(1, 2), evaluate=False), derivative="d/dx sqrt(x) = 1 / (2 sqrt(x))",
    domain=(0.2, 3.0), singular=lambda x: np.asarray(x) <= 0, convention="x = 0: grad inf; x < 0: value and grad nan")
row(name="log1p", grad_fn="Log1PBackward0", forward=np.log1p, vjp=lambda F, g, out, x: (g / (x + 1),),
    sym=lambda sp, x: sp.log(sp.Add(1, x, evaluate=False), evaluate=False), derivative="d/dx log(1 + x) = 1/(1 + x)",
    domain=(-0.5, 2.0), singular=lambda x: np.asarray(x) <= -1, convention="x = -1: value -inf, grad inf")
row(name="expm1", grad_fn="Expm1Backward0", forward=np.expm1, vjp=lambda F, g, out, x: (g * (out + 1),),
    sym=lambda sp, x: sp.Add(sp.exp(x, evaluate=False), -1, evaluate=False), derivative="d/dx (exp(x) - 1) = exp(x)")
row(name="sinh", grad_fn="SinhBackward0", forward=np.sinh, vjp=lambda F, g, out, x: (g * F.cosh(x),),
    sym=lambda sp, x: sp.sinh(x, evaluate=False), derivative="d/dx sinh(x) = cosh(x)")
row(name="cosh", grad_fn="CoshBackward0", forward=np.cosh, vjp=lambda F, g, out, x: (g * F.sinh(x),),
    sym=lambda sp, x: sp.cosh(x, evaluate=False), derivative="d/dx cosh(x) = sinh(x)")
row(name="asin", grad_fn="AsinBackward0", forward=np.arcsin, vjp=lambda F, g, out, x: (g / F.sqrt(1 - x * x),),
    sym=lambda sp, x: sp.asin(x, evaluate=False), derivative="d/dx asin(x) = 1 / sqrt(1 - x**2)",
    domain=(-0.9, 0.9), singular=lambda x: np.abs(x) >= 1, convention="|x| = 1: grad inf; |x| > 1: nan")
row(name="acos", grad_fn="AcosBackward0", forward=np.arccos, vjp=lambda F, g, out, x: (-g / F.sqrt(1 - x * x),),
    sym=lambda sp, x: sp.acos(x, evaluate=False), derivative="d/dx acos(x) = -1 / sqrt(1 - x**2)",
    domain=(-0.9, 0.9), singular=lambda x: np.abs(x) >= 1, convention="|x| = 1: grad -inf; |x| > 1: nan")
row(name="atan", grad_fn="AtanBackward0", forward=np.arctan, vjp=lambda F, g, out, x: (g / (x * x + 1),),
    sym=lambda sp, x: sp.atan(x, evaluate=False), derivative="d/dx atan(x) = 1 / (1 + x**2)")
row(name="softplus", grad_fn="SoftplusBackward0", forward=_softplus,
    # torch (beta 1, threshold 20): the identity above the threshold, so the gradient there is exactly 1
    vjp=lambda F, g, out, x: (F.where(x > 20, g, g * F.sigmoid(x)),),
    sym=lambda sp, x: sp.log(sp.Add(1, sp.exp(x), evaluate=False), evaluate=False),
    derivative="d/dx log(1 + exp(x)) = sigmoid(x)  (1 above x = 20, as PyTorch)")

# ---- piecewise and selection -------------------------------------------------------------------------------------
row(name="maximum", grad_fn="MaximumBackward0", arity=2, forward=np.maximum,
    vjp=lambda F, g, out, a, b: (F.where(a > b, g, F.where(a == b, g / 2, 0.0)),
                                 F.where(b > a, g, F.where(a == b, g / 2, 0.0))),
    sym=lambda sp, a, b: sp.Piecewise((a, a > b), (b, a < b), ((a + b) / 2, True)),
    derivative="d/da max(a, b) = 1 if a > b, 1/2 if a == b, else 0", kink=lambda a, b: np.asarray(a) == b,
    convention="tie a == b: 1/2 to each side")
row(name="minimum", grad_fn="MinimumBackward0", arity=2, forward=np.minimum,
    vjp=lambda F, g, out, a, b: (F.where(a < b, g, F.where(a == b, g / 2, 0.0)),
                                 F.where(b < a, g, F.where(a == b, g / 2, 0.0))),
    sym=lambda sp, a, b: sp.Piecewise((a, a < b), (b, a > b), ((a + b) / 2, True)),
    derivative="d/da min(a, b) = 1 if a < b, 1/2 if a == b, else 0", kink=lambda a, b: np.asarray(a) == b,
    convention="tie a == b: 1/2 to each side")
CLAMP_NO_BOUND = "torch.clamp: At least one of 'min' or 'max' must not be None"


def _clamp(x, min=None, max=None):
    if min is None and max is None:  # NumPy's clip would give x back
        raise RuntimeError(CLAMP_NO_BOUND)
    return np.clip(x, min, max)


row(name="clamp", grad_fn="ClampBackward1", params=("min", "max"), forward=_clamp,
    vjp=lambda F, g, out, x, min=None, max=None: (F.where(_inside(x, min, max), g, 0.0),),
    sym=lambda sp, x, min=None, max=None: sp.Piecewise(
        *([(min, x < min)] if min is not None else []), *([(max, x > max)] if max is not None else []), (x, True)),
    derivative="d/dx clamp(x, lo, hi) = 1 if lo <= x <= hi else 0",
    kink=lambda x, min=None, max=None: (np.asarray(x) == min) | (np.asarray(x) == max),
    convention="at a bound: grad 1 (inclusive); masks nan/inf upstream outside")
row(name="where", grad_fn="WhereBackward0", arity=3, listed=(1, 2),  # the condition has no entry
    forward=lambda c, a, b: np.where(c, a, b),
    vjp=lambda F, g, out, c, a, b: (None, F.where(c, g, 0.0), F.where(c, 0.0, g)),
    sym=lambda sp, c, a, b: sp.Piecewise((a, c), (b, True)),
    derivative="d/da where(c, a, b) = 1 where c, d/db = 1 where not c  (selects)")


def _inside(x, lo, hi):
    inside = np.ones(np.shape(x), dtype=bool)
    if lo is not None:
        inside = inside & (x >= lo)
    if hi is not None:
        inside = inside & (x <= hi)
    return inside


# ---- comparisons: not differentiable, declared so ------------------------------------------------------------------
for _name, _np, _sym_name in (("gt", np.greater, "StrictGreaterThan"), ("ge", np.greater_equal, "GreaterThan"),
                              ("lt", np.less, "StrictLessThan"), ("le", np.less_equal, "LessThan")):
    row(name=_name, grad_fn="", arity=2, saves=False, forward=_np, vjp=lambda F, g, out, a, b: (None, None),
        sym=lambda sp, a, b, _s=_sym_name: getattr(sp, _s)(a, b), derivative="not differentiable (a boolean mask)")

# ---- reductions and linear algebra (whole-array: `sym` maps object arrays) ------------------------------------------
row(name="sum", grad_fn="SumBackward0", saves=False, elementwise=False, forward=np.sum,
    vjp=lambda F, g, out, x: (F.expand(g, np.shape(x)),), sym=lambda sp, x: np.sum(x),
    derivative="d/dx_i sum(x) = 1")
row(name="sum_dim", grad_fn="SumBackward1", params=("dim", "keepdim"), saves=False, elementwise=False,
    forward=lambda x, dim, keepdim=False: np.sum(x, axis=_axes(np.shape(x), dim), keepdims=keepdim),
    vjp=lambda F, g, out, x, dim, keepdim=False: (F.expand(F.unsqueeze(g, dim, keepdim, np.shape(x)), np.shape(x)),),
    sym=lambda sp, x, dim, keepdim=False: np.sum(x, axis=_axes(np.shape(x), dim), keepdims=keepdim),
    derivative="d/dx_i sum(x, dim) = 1")
row(name="mean", grad_fn="MeanBackward0", saves=False, elementwise=False, forward=_mean,
    vjp=lambda F, g, out, x: (F.expand(g, np.shape(x)) / math.prod(np.shape(x)),),
    sym=lambda sp, x: np.sum(x) / math.prod(np.shape(x)),
    derivative="d/dx_i mean(x) = 1/n")
row(name="mean_dim", grad_fn="MeanBackward1", params=("dim", "keepdim"), saves=False, elementwise=False,
    forward=lambda x, dim, keepdim=False: _mean(x, axis=_axes(np.shape(x), dim), keepdims=keepdim),
    vjp=lambda F, g, out, x, dim, keepdim=False: (
        F.expand(F.unsqueeze(g, dim, keepdim, np.shape(x)), np.shape(x)) / _reduced(np.shape(x), dim),),
    sym=lambda sp, x, dim, keepdim=False: (np.sum(x, axis=_axes(np.shape(x), dim), keepdims=keepdim)
                                           / _reduced(np.shape(x), dim)),
    derivative="d/dx_i mean(x, dim) = 1/n along dim")
row(name="dot", grad_fn="DotBackward0", arity=2, elementwise=False, forward=_product(
        "dot", lambda a, b: f"dot : expected both vectors to have same dtype, but found {a[0]} and {b[0]}", np.dot),
    vjp=lambda F, g, out, a, b: (g * b, g * a), sym=lambda sp, a, b: np.dot(a, b), derivative="d/da a·b = b")
row(name="mv", grad_fn="MvBackward0", arity=2, elementwise=False, forward=_product(
        "addmv_impl_cpu",
        lambda m, v: f"addmv input tensors must have the same dtype, but got {v[0]}, {m[0]}, and {v[0]}", np.matmul),
    vjp=lambda F, g, out, m, v: (F.reshape(g, (-1, 1)) * F.reshape(v, (1, -1)), F.matmul(F.transpose(m), g)),
    sym=lambda sp, m, v: np.matmul(m, v), derivative="d/dM (M v) = g v^T, d/dv = M^T g")
row(name="mm", grad_fn="MmBackward0", arity=2, elementwise=False, forward=_product(
        "addmm_impl_cpu_", lambda a, b: f"expected m1 and m2 to have the same dtype, but got: {a[1]} != {b[1]}",
        np.matmul),
    vjp=lambda F, g, out, a, b: (F.matmul(g, F.transpose(b)), F.matmul(F.transpose(a), g)),
    sym=lambda sp, a, b: np.matmul(a, b), derivative="d/dA (A B) = g B^T, d/dB = A^T g")

# ---- internal: the shape ops backward rules need to stay differentiable ---------------------------------------------
row(name="expand", grad_fn="ExpandBackward0", params=("shape",), saves=False, elementwise=False, internal=True,
    forward=lambda x, shape: _expand(x, shape), vjp=lambda F, g, out, x, shape: (F.sum_to(g, np.shape(x)),),
    sym=lambda sp, x, shape: np.broadcast_to(x, shape), derivative="sum the gradient back to the input's shape")
row(name="sum_to", grad_fn="SumBackward1", params=("shape",), saves=False, elementwise=False, internal=True,
    forward=lambda x, shape: _sum_to(x, shape), vjp=lambda F, g, out, x, shape: (F.expand(g, np.shape(x)),),
    sym=lambda sp, x, shape: _sum_to(x, shape), derivative="broadcast the gradient to the input's shape")
row(name="reshape", grad_fn="ViewBackward0", params=("shape",), saves=False, elementwise=False, internal=True,
    forward=lambda x, shape: np.reshape(x, shape), vjp=lambda F, g, out, x, shape: (F.reshape(g, np.shape(x)),),
    sym=lambda sp, x, shape: np.reshape(x, shape), derivative="reshape the gradient back")
row(name="transpose", grad_fn="PermuteBackward0", saves=False, elementwise=False, internal=True,
    forward=np.transpose, vjp=lambda F, g, out, x: (F.transpose(g),), sym=lambda sp, x: np.transpose(x),
    derivative="transpose the gradient back")

OPS: dict[str, Op] = {op.name: op for op in _ROWS}


@dataclass(frozen=True, slots=True)
class Signature:
    """How users spell a function: it lowers to the op `name` (the engine picks the overload row by argument kinds)."""

    name: str
    arity: int
    params: tuple[str, ...] = ()
    needs_param: bool = False  # a call gives one of `params` at least (clamp a bound: its row refuses none, as PyTorch)


_OVERLOADS = {"rsub", "rdiv", "pow_tensor", "rpow", "sum_dim", "mean_dim", "dot", "mv", "mm"}

_CLAMP = Signature("clamp", 1, ("min", "max"), needs_param=True)

# Spellings users write. `pow`, `sum`, `mean` and `matmul` pick their overload row (PowBackward0/1/2, SumBackward0/1,
# Dot/Mv/Mm) from the kinds and shapes of their arguments; `square` is `pow(x, 2)` as in PyTorch.
SIGNATURES: dict[str, Signature] = {
    **{op.name: Signature(op.name, op.arity, op.params) for op in _ROWS
       if not op.internal and op.name not in _OVERLOADS},
    "sum": Signature("sum", 1, ("dim", "keepdim")),
    "mean": Signature("mean", 1, ("dim", "keepdim")),
    "matmul": Signature("matmul", 2),
    "square": Signature("square", 1),
    "maximum": Signature("maximum", 2),
    "max": Signature("maximum", 2),
    "minimum": Signature("minimum", 2),
    "min": Signature("minimum", 2),
    "clamp": _CLAMP,
    "clip": _CLAMP,
    "true_divide": Signature("div", 2),
    "negative": Signature("neg", 1),
    "multiply": Signature("mul", 2),
    "subtract": Signature("sub", 2),
}

FRONT_OPS = frozenset(sig.name for sig in SIGNATURES.values())
# torch's functions that take a Python number for `input`: PyTorch's argument parser wraps it in a tensor, so
# torch.sub(2, x) is SubBackward0 with the 2 listed as (None, 0), and torch.add(2, 3) is tensor(5).
NUMBER_INPUT = frozenset({"add", "sub", "mul", "div"})
# resolve's shortcut: no overloads, and no number to move last (`2 + x` is x.__radd__(2): add(x, 2), x listed first)
_SINGLE_ROW = FRONT_OPS - {"sum", "mean", "square", "add", "sub", "mul", "div", "pow", "matmul"}


class TorchIndexError(IndexError):
    """An IndexError PyTorch raises too, with its text: `run` shows it as PyTorch's (NumPy's own are not)."""


def _check_dims(dim, ndim: int) -> None:
    """PyTorch's refusals of a reduction's dims: one out of range (a 0-d tensor takes -1 and 0), or one named twice."""
    span, seen = max(ndim, 1), set()
    for d in dim if isinstance(dim, tuple) else (dim,):
        if not -span <= d < span:
            raise TorchIndexError(f"Dimension out of range (expected to be in range of [{-span}, {span - 1}], but got {d})")
        if d % span in seen:
            raise RuntimeError(f"dim {d % span} appears multiple times in the list of dims")
        seen.add(d % span)


def resolve(name: str, args: tuple, params: dict, ndim_of: Callable[[Any], Optional[int]],
            function: bool = False) -> tuple[Op, tuple, dict]:
    """The overload row for a front op and its arguments, as PyTorch dispatches it.

    `ndim_of(arg)` is None for a Python number, else the array's number of dimensions. Returns the row and the
    arguments in the row's order, and the parameters the row takes. A Python number before a tensor moves last, as
    Python's operators and the check language have it (`2 - x` is x.__rsub__(2): rsub(x, 2); `2 ** x` rpow(x, 2);
    `2 + x` add(x, 2)),
    except in torch's `function` of an op in NUMBER_INPUT, which keeps it first (torch.sub(2, x): the sub row).
    """
    if name in _SINGLE_ROW:
        return OPS[name], args, params
    if name in ("sum", "mean"):
        if "dim" not in params:  # an explicit dim=None is the dim overload (SumBackward1, keepdim honoured)
            return OPS[name], args, {}
        if type(params["dim"]) in (tuple, list):  # PyTorch takes several dims; () is every dim, as dim=None
            params = {**params, "dim": tuple(params["dim"]) or None}
        if params["dim"] is not None:
            _check_dims(params["dim"], ndim_of(args[0]) or 0)
        return OPS[name + "_dim"], args, params
    kinds = tuple(ndim_of(a) for a in args)
    if name == "square":  # torch.square is pow(x, 2)
        return OPS["pow"], (args[0], 2), params
    if len(args) == 2 and kinds[0] is None and kinds[1] is not None and not (function and name in NUMBER_INPUT):
        swapped = {"add": "add", "sub": "rsub", "mul": "mul", "div": "rdiv", "pow": "rpow"}.get(name)
        if swapped:
            return OPS[swapped], (args[1], args[0]), params
    if name == "pow" and kinds[1] is not None:
        return OPS["pow_tensor"], args, params
    if name == "matmul":
        by_rank = {(1, 1): "dot", (2, 1): "mv", (2, 2): "mm"}.get(kinds)
        if by_rank is None:
            shown = ["a number" if kind is None else f"a {kind}-D tensor" for kind in kinds]
            raise ValueError(f"matmul of {shown[0]} and {shown[1]} is not supported "
                             "(1-D @ 1-D, 2-D @ 1-D and 2-D @ 2-D are)")
        return OPS[by_rank], args, params
    return OPS[name], args, params
