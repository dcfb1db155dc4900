"""Op rows, arithmetic: + - * / ** and their overloads (a Python number first, a tensor exponent), neg, reciprocal.

A backward rule has one signature, `vjp(F, g, out, *args, **params) -> one grad per arg (None: not differentiable)`.
`F` is a namespace of array functions — every op of the table by name, and NumPy's — plain arrays for an ordinary
backward, differentiable engine functions under `create_graph=True`, so the same rule gives first and higher
derivatives. `out` is the forward answer, reused rather than recomputed. Rules follow PyTorch's derivatives.yaml,
including where it *selects* (`where`: an inf/nan coming in becomes 0 where masked) versus where it *multiplies*
(abs: nan stays nan).
"""

from __future__ import annotations

import numpy as np

from .arrays import is_bool, is_zero, kind
from .table import Family, Signature, Spelling

ROWS = Family()
row = ROWS.row


def indeterminate_power(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """Where a power is an indeterminate form IEEE 754 (and PyTorch) values as 1 and SymPy leaves undefined (nan):
    1**y for y = ±inf or nan, (-1)**±inf, x**0 for x = ±inf or nan (0**0 is 1 on both sides)."""
    with np.errstate(invalid="ignore"):
        return (
            ((base == 1) & ~np.isfinite(exponent))
            | ((base == -1) & np.isinf(exponent))
            | ((exponent == 0) & ~np.isfinite(base))
        )


def _log_of(number):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.float64(number))


_SUB_BOOL = (
    "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
    "use the `~` or `logical_not()` operator instead."
)
_SUB_BOOLS = (
    "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
    "operator instead."
)
_NEG_BOOL = (
    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use "
    "the `~` or `logical_not()` operator instead."
)


def _product(sp, a, b):
    """a * b as written (unevaluated), except an exact zero times a finite factor, which is the zero it equals: SymPy's
    assumptions take a product with a literal 0 for evaluated away, and `2 * (0 * W)` answered `is_even` both ways
    (InconsistentAssumptions from `diff`, on some hash seeds)."""
    for zero, other in ((a, b), (b, a)):
        if getattr(zero, "is_zero", False) and zero.is_Number and getattr(other, "is_finite", False):
            return sp.S.Zero
    return sp.Mul(a, b, evaluate=False)


def _subtract(a, b):
    """np.subtract, refusing a bool operand (a Python bool too) as PyTorch does; NumPy refuses two, with its own
    words, and computes with one."""
    bools = is_bool(a) + is_bool(b)
    if bools:
        raise RuntimeError(_SUB_BOOLS if bools == 2 else _SUB_BOOL)
    return np.subtract(a, b)


_NEGATIVE_POWER = "Integers to negative integer powers are not allowed."
# PyTorch's CPU pow(tensor, number) computes these exponents by their own kernels (PowKernel.cpp), so
# (-0.0) ** -0.5 is 1 / sqrt(-0.0) = -inf and (-inf) ** -0.5 is nan, where C's pow gives inf and 0
_POWERS = {
    0.5: np.sqrt,
    2: lambda x: x * x,
    3: lambda x: x * x * x,
    -0.5: lambda x: 1 / np.sqrt(x),
    -1: lambda x: 1 / x,
    -2: lambda x: 1 / (x * x),
}


def _pow(x, e):
    """tensor ** number as PyTorch's CPU kernels compute it; an integer tensor to a negative integer is refused."""
    if kind(x) == "f" and type(e) is not bool:
        fast = _POWERS.get(e)
        if fast is not None:
            return fast(x)
    elif kind(x) in "iu" and isinstance(e, (int, np.integer)) and e < 0:
        raise RuntimeError(_NEGATIVE_POWER)
    return np.power(x, e)


def _pow_tensors(a, b):
    """tensor ** tensor: C's pow elementwise (NumPy's scalar power takes sqrt for 0.5: -0.0 ** 0.5 would be -0.0);
    integers to negative powers are 1, ±1 or 0 as PyTorch's powi (no error); bool ** bool has no kernel."""
    if is_bool(a) and is_bool(b):
        raise NotImplementedError(""""pow" not implemented for 'Bool'""")
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    if kind(a) in "iub" and kind(b) in "iub":
        out = np.power(a, np.maximum(b, 0))
        odd = np.abs(b) % 2 == 1
        negative = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))
        out = np.where(b < 0, negative, out).astype(out.dtype)
    else:
        out = np.power(a, b)
    return out.reshape(shape)[()]


def _negative(x):
    if is_bool(x):
        raise RuntimeError(_NEG_BOOL)
    return np.negative(x)


# ---- arithmetic -------------------------------------------------------------------------------------------------
# next_functions has an entry per tensor argument of PyTorch's overload, a Python number included (PyTorch wraps it:
# `x + 2` lists (None, 0) for the 2), and none for a Scalar argument (`x ** 2`, `2 - x`) or a parameter (clamp's min):
# `listed` names the inputs that have one where that is not all of them.
def _mul_vjp(F, g, out, a, b):
    """PyTorch's generated backward computes the gradients in the sorted order of derivatives.yaml's input names
    ('other' before 'self'): under create_graph their nodes are made in that order, which decides the order in which
    a second derivative adds its contributions up (float32's last bit)."""
    other = g * a
    return g * b, other


def _div_vjp(F, g, out, a, b):
    """-grad * ((self / other) / other), then grad / other (`other` first, as mul); under create_graph self / other is
    a node of its own (the same value as the answer, but a second derivative reaches self and other another way)."""
    other = -g * ((a / b if F.graph else out) / b)
    return g / b, other


row(
    name="add",
    grad_fn="AddBackward0",
    arity=2,
    saves=False,
    forward=np.add,
    front=Signature(operators=("a + b",), number_first="add", number_input=True),
    vjp=lambda F, g, out, a, b: (g, g),
    sym=lambda sp, a, b: sp.Add(a, b, evaluate=False),
    derivative="d/da (a + b) = 1, d/db (a + b) = 1",
)
row(
    name="sub",
    grad_fn="SubBackward0",
    arity=2,
    saves=False,
    forward=_subtract,
    front=Signature(
        spellings=(Spelling("sub"), Spelling("subtract", method=False)),
        operators=("a - b",),
        number_first="rsub",
        number_input=True,
    ),
    vjp=lambda F, g, out, a, b: (g, -g),
    sym=lambda sp, a, b: sp.Add(a, sp.Mul(-1, b, evaluate=False), evaluate=False),
    derivative="d/da (a - b) = 1, d/db (a - b) = -1",
)
row(
    name="rsub",
    grad_fn="RsubBackward1",
    arity=2,
    saves=False,
    listed=(0,),
    front=None,  # c - x, a Python number c: rsub(x, c)
    forward=lambda x, c: _subtract(c, x),
    vjp=lambda F, g, out, x, c: (-g, None),
    sym=lambda sp, x, c: sp.Add(c, sp.Mul(-1, x, evaluate=False), evaluate=False),
    derivative="d/dx (c - x) = -1",
)
row(
    name="mul",
    grad_fn="MulBackward0",
    arity=2,
    forward=np.multiply,
    front=Signature(
        spellings=(Spelling("mul"), Spelling("multiply", method=False)),
        operators=("a * b",),
        number_first="mul",
        number_input=True,
    ),
    vjp=_mul_vjp,
    sym=lambda sp, a, b: _product(sp, a, b),
    derivative="d/da (a * b) = b, d/db (a * b) = a",
    convention="multiplies: 0 * inf upstream is nan",
)
row(
    name="div",
    grad_fn="DivBackward0",
    arity=2,
    forward=np.divide,
    front=Signature(
        spellings=(Spelling("div"), Spelling("true_divide", method=False)),
        operators=("a / b",),
        number_first="rdiv",
        number_input=True,
    ),
    vjp=_div_vjp,
    sym=lambda sp, a, b: sp.Mul(a, sp.Pow(b, -1, evaluate=False), evaluate=False),
    derivative="d/da (a / b) = 1/b, d/db (a / b) = -a/b**2",
    singular=lambda a, b: np.asarray(b) == 0,
    convention="b = 0: value ±inf (nan for 0/0), d/da = 1/b = ±inf, d/db = -(a/b)/b",
)
row(
    name="rdiv",
    grad_fn="MulBackward0",
    arity=2,
    front=None,  # c / x with a Python number c: PyTorch computes reciprocal(x) * c
    forward=lambda x, c: 1 / x * c,
    via=lambda F, x, c: F.mul(F.reciprocal(x), c),
    sym=lambda sp, x, c: sp.Mul(c, sp.Pow(x, -1, evaluate=False), evaluate=False),
    derivative="d/dx (c / x) = -c / x**2  (built as reciprocal(x) * c: two nodes)",
    singular=lambda x, c: np.asarray(x) == 0,
    domain=(0.5, 3.0),
    convention="x = ±0: value ±inf, grad -inf (for c = 1)",
)
row(
    name="neg",
    grad_fn="NegBackward0",
    saves=False,
    forward=_negative,
    front=Signature(spellings=(Spelling("neg"), Spelling("negative", method=False)), operators=("-a",)),
    vjp=lambda F, g, out, x: (-g,),
    sym=lambda sp, x: sp.Mul(-1, x, evaluate=False),
    derivative="d/dx (-x) = -1",
)
row(
    name="reciprocal",
    grad_fn="ReciprocalBackward0",
    forward=lambda x: 1 / x,  # np.reciprocal(2) is 0
    vjp=lambda F, g, out, x: (-g * (out * out),),
    sym=lambda sp, x: sp.Pow(x, -1, evaluate=False),
    derivative="d/dx (1/x) = -1/x**2 = -out**2",
    singular=is_zero,
    domain=(0.5, 3.0),
    edges=(0.0,),
    convention="x = ±0: value ±inf, grad -inf",
)
row(
    name="pow",
    grad_fn="PowBackward0",
    arity=2,
    forward=_pow,
    listed=(0,),  # tensor ** Python number
    front=Signature(operators=("a ** b",), number_first="rpow", tensor_pair="pow_tensor", lists_overloads=True),
    # torch: exponent == 0 gives zeros (selected, so x**0 at x = 0 has gradient 0 rather than 0 * inf)
    # grad * (e * x.pow(e - 1)): x.pow(1) is x (first order takes it as it is; under create_graph its node, as
    # PyTorch's, makes a third derivative of x**2 zeros rather than None)
    vjp=lambda F, g, out, x, e: (
        F.zeros_like(g) if e == 0 else g * (e * (x if e == 2 and not F.graph else F.pow(x, e - 1))),
        None,
    ),
    sym=lambda sp, x, e: sp.Pow(x, e, evaluate=False),
    derivative="d/dx x**e = e * x**(e-1)  (0 when e == 0)",
    domain=(0.5, 2.0),
    singular=lambda x, e: (np.asarray(x) < 0) & (not float(e).is_integer()) | (np.asarray(x) == 0) & (e < 1) & (e != 0),
    convention="x = 0, e < 1: inf (or nan); x < 0 with non-integer e: nan; e = 0: grad 0 everywhere",
    power=(0, 1),
)
row(
    name="pow_tensor",
    grad_fn="PowBackward1",
    arity=2,
    front=None,  # tensor ** tensor
    forward=_pow_tensors,
    vjp=lambda F, g, out, a, b: (  # `exponent` before `self`, as PyTorch makes them
        g * F.where((a == 0) & (b >= 0), 0.0, out * F.log(a)),
        F.where(b == 0, 0.0, g * (b * a ** (b - 1))),
    )[::-1],
    sym=lambda sp, a, b: sp.Pow(a, b, evaluate=False),
    domain=(0.5, 2.0),
    derivative="d/da a**b = b * a**(b-1), d/db a**b = a**b * log(a)",
    singular=lambda a, b: np.asarray(a) <= 0,
    convention="b = 0: d/da = 0; a = 0, b >= 0: d/db = 0 (masked); a < 0: d/db = nan",
    power=(0, 1),
)
row(
    name="rpow",
    grad_fn="PowBackward2",
    arity=2,
    listed=(0,),
    front=None,  # Python number ** tensor, stored as (x, c)
    forward=lambda x, c: np.power(c, x),
    vjp=lambda F, g, out, x, c: (g * F.where((c == 0) & (x >= 0), 0.0, out * _log_of(c)), None),
    sym=lambda sp, x, c: sp.Pow(c, x, evaluate=False),
    derivative="d/dx c**x = c**x * log(c)",
    singular=lambda x, c: np.full(np.shape(x), c <= 0),
    convention="c = 0, x >= 0: grad 0 (masked); c < 0: nan",
    power=(1, 0),
)
ROWS.append(Signature(name="square", arity=1, row="pow", appends=(2,)))  # torch.square(x) is pow(x, 2)
