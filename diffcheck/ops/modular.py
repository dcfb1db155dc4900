"""Op rows that step or wrap: sign, floor, ceil, round, trunc, frac (piecewise constant: gradient 0, SymPy
undefined at the jumps), fmod, remainder (`%`), floor_divide (`//`), and the other two-argument function, atan2."""

from __future__ import annotations

import numpy as np

from .arrays import is_bool, is_zero, kind
from .table import Family, Signature, Spelling

ROWS = Family()
row = ROWS.row


# ---- piecewise constant: sign, floor, ceil, round, trunc, and frac -------------------------------------------------
# PyTorch's gradient is 0 everywhere (frac's 1), at the jumps too. SymPy does not differentiate floor & co., so their
# SymPy forms are the functions below: the same values, a derivative 0 between jumps and undefined (nan) on one,
# where the check then reports PyTorch's 0 as a `kink` (it lies between the one-sided difference quotients).
_STEPS: dict = {}


def _steps(sp):
    """SymPy's sign/floor/ceiling with a derivative, and round (half to even) and trunc (made once, on first use)."""
    if _STEPS:
        return _STEPS

    def jump_derivative(at_jump):
        def fdiff(self, argindex=1):
            arg = self.args[0]
            return sp.Piecewise((sp.nan, at_jump(sp, arg)), (0, True))

        return fdiff

    def integer(sp, a):
        return sp.Eq(sp.floor(a), a)

    def half(sp, a):
        return sp.Eq(sp.floor(a + sp.Rational(1, 2)), a + sp.Rational(1, 2))

    def nonzero_integer(sp, a):
        return sp.And(sp.Eq(sp.floor(a), a), sp.Ne(a, 0))

    def number(arg):
        import fractions

        return fractions.Fraction(int(arg.p), int(arg.q)) if arg.is_Rational else fractions.Fraction(float(arg))

    class Round(sp.Function):
        """round(x), halves to even as PyTorch (and Python) round."""

        @classmethod
        def eval(cls, arg):
            if arg.is_Number and arg.is_finite:
                return sp.Integer(round(number(arg)))

    class Trunc(sp.Function):
        @classmethod
        def eval(cls, arg):
            if arg.is_Number and arg.is_finite:
                return sp.Integer(int(number(arg)))

    _STEPS.update(
        sign=type(
            "Sign",
            (sp.sign,),  # sign's own derivative is 2*DiracDelta(x), which SymPy cannot value at 0
            {"fdiff": jump_derivative(lambda sp, a: sp.Eq(a, 0)), "_eval_derivative": sp.Function._eval_derivative},
        ),
        floor=type("Floor", (sp.floor,), {"fdiff": jump_derivative(integer)}),
        ceil=type("Ceil", (sp.ceiling,), {"fdiff": jump_derivative(integer)}),
        round=type("Round", (Round,), {"fdiff": jump_derivative(half)}),
        trunc=type("Trunc", (Trunc,), {"fdiff": jump_derivative(nonzero_integer)}),
    )
    return _STEPS


def _snapped(x, unit=1):
    """x, or the multiple of `unit` it lies within a few bits of the working precision of: mpmath computes a quotient
    a/b as a * (1/b), so fmod(y, y)'s y/y can come out 1 - 1e-60 and floor to 0, where SymPy's exact 1 floors to 1."""
    import mpmath

    near = mpmath.nint(x / unit) * unit
    return near if abs(x - near) <= abs(x) * mpmath.ldexp(1, 8 - mpmath.mp.prec) else x


def _mp_floor(x):
    import mpmath

    return mpmath.floor(_snapped(x))


def _mp_ceil(x):
    import mpmath

    return mpmath.ceil(_snapped(x))


def _mp_trunc(x):
    import mpmath

    x = _snapped(x)
    return mpmath.floor(x) if x >= 0 else mpmath.ceil(x)


def _mp_round(x):
    import mpmath

    return mpmath.nint(_snapped(x, mpmath.mpf(0.5)))  # halves to even


def _stepwise(function):
    """A rounding function keeping an integer tensor's dtype (NumPy's floor of an int is a float), as PyTorch."""

    def forward(x):
        return np.array(x, copy=True)[()] if kind(x) in "iu" else function(x)

    return forward


def _sign(x):
    """PyTorch's (0 < x) - (x < 0): 0 at nan (NumPy's sign is nan there), so abs' gradient at nan is 0."""
    if is_bool(x):
        return np.array(x, copy=True)[()]
    return np.where(np.isnan(x), np.zeros((), np.result_type(x)), np.sign(x))[()]


def _is_integer(x):
    return np.floor(x) == x


for _name, _grad_fn, _forward, _mp, _kink, _where in (
    ("sign", "SignBackward0", _sign, "sign", None, "x = 0"),
    ("floor", "FloorBackward0", _stepwise(np.floor), _mp_floor, _is_integer, "an integer x"),
    ("ceil", "CeilBackward0", _stepwise(np.ceil), _mp_ceil, _is_integer, "an integer x"),
    ("round", "RoundBackward0", _stepwise(np.round), _mp_round, lambda x: np.abs(x) % 1 == 0.5, "x = k + 1/2"),
    (
        "trunc",
        "TruncBackward0",
        _stepwise(np.trunc),
        _mp_trunc,
        lambda x: _is_integer(x) & (x != 0),
        "an integer x != 0",
    ),
):
    row(
        name=_name,
        grad_fn=_grad_fn,
        forward=_forward,
        saves=False,
        vjp=lambda F, g, out, x: (F.zeros_like(g),),
        sym=lambda sp, x, _n=_name: _steps(sp)[_n](x, evaluate=False),
        derivative=f"d/dx {_name}(x) = 0 (PyTorch's zeros_like(grad)); at {_where} a jump: SymPy undefined",
        kink=_kink,
        singular=is_zero
        if _name == "sign"
        else None,  # sign's jump: a Dirac delta, difference quotients 1/h both sides
        convention=f"a jump at {_where}: grad 0, as everywhere (zeros_like(grad))",
        edges=(0.0, 1.0, -1.0, 0.5, -1.5, 2.5),
        mp=_mp,
    )
row(
    name="frac",
    grad_fn="FracBackward0",
    forward=lambda x: x - np.trunc(x),
    saves=False,
    vjp=lambda F, g, out, x: (g,),
    sym=lambda sp, x: sp.Add(x, sp.Mul(-1, _steps(sp)["trunc"](x, evaluate=False), evaluate=False), evaluate=False),
    derivative="d/dx (x - trunc(x)) = 1; at an integer x != 0 a jump: SymPy undefined",
    kink=lambda x: _is_integer(x) & (x != 0),
    convention="a jump at an integer x != 0: grad 1, as everywhere (grad passes through)",
    edges=(0.0, 1.0, -2.0),
)


# ---- two arguments: atan2, fmod, remainder (%), floor_divide (//) --------------------------------------------------
def _remainder(a, b):
    """PyTorch's remainder of floats: fmod, moved by b where the signs differ; a zero keeps fmod's sign (NumPy's
    remainder gives it b's)."""
    if kind(a) in "iu" and kind(b) in "iu":
        return np.remainder(a, b)
    mod = np.fmod(a, b)
    return np.where((mod != 0) & ((np.asarray(b) < 0) != (mod < 0)), mod + b, mod)[()]


def _near_multiple(a, b):
    """Where a is a multiple of b up to rounding: a jump of fmod/remainder (3 % 0.3 is 0.2999... in floats, but
    0.3 is 3/10 to SymPy, for which 3 is on the jump)."""
    with np.errstate(all="ignore"):
        q = np.asarray(a, dtype=np.float64) / b
        return np.isfinite(q) & (np.abs(q - np.round(q)) <= 8 * np.finfo(np.float64).eps * np.maximum(np.abs(q), 1))


# div(a, b, rounding_mode="trunc" / "floor"), which the rules of fmod and remainder call: DivBackward2, gradient 0
for _name, _forward, _step in (
    ("div_trunc", lambda a, b: np.trunc(np.divide(a, b)), "trunc"),
    ("div_floor", np.floor_divide, "floor"),
):
    row(
        name=_name,
        grad_fn="DivBackward2",
        arity=2,
        saves=False,
        internal=True,
        forward=_forward,
        vjp=lambda F, g, out, a, b: (F.zeros_like(g), F.zeros_like(g)),
        sym=lambda sp, a, b, _s=_step: _steps(sp)[_s](sp.Mul(a, sp.Pow(b, -1, evaluate=False), evaluate=False)),
        derivative="d/da, d/db of a rounded quotient = 0 (PyTorch's div with a rounding_mode; for backward rules)",
    )

NOT_IMPLEMENTED = "torch::autograd::NotImplemented"  # PyTorch's node where derivatives.yaml has no formula


def _not_implemented(name: str):
    def vjp(F, g, out, a, b):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")

    return vjp


def _atan2_vjp(F, g, a, b):
    """atan2_backward: recip = (self*self + other*other).reciprocal(), masked to 0 where that sum is 0;
    (grad * other * recip, grad * -self * recip)."""
    denominator = a * a + b * b
    recip = F.where(denominator == 0, 0.0, 1 / denominator)
    return g * b * recip, g * -a * recip


def _atan2_singular(a, b):
    """The origin, and a = -0.0 on the branch cut: IEEE's value there is -pi, SymPy's (no signed zero) pi, so what
    is computed from it differs everywhere after (x / atan2(ceil(x), x) at x = -0.026: ceil gives -0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    return (a == 0) & ((b == 0) | (np.signbit(a) & (b < 0)))


row(
    name="atan2",
    grad_fn="Atan2Backward0",
    arity=2,
    forward=np.arctan2,
    front=Signature(spellings=(Spelling("atan2"), Spelling("arctan2")), tensors_only=True),
    vjp=lambda F, g, out, a, b: _atan2_vjp(F, g, a, b),
    sym=lambda sp, a, b: sp.atan2(a, b, evaluate=False),
    derivative="d/da atan2(a, b) = b/(a**2 + b**2), d/db atan2(a, b) = -a/(a**2 + b**2)",
    domain=(0.3, 2.0),
    # the branch cut: across a = 0 (b < 0) the value jumps by 2 pi; on it, it is ±pi by the zero's sign (SymPy: pi)
    kink=lambda a, b: (np.asarray(a) == 0) & (np.asarray(b) < 0),
    singular=_atan2_singular,
    convention="a = ±0, b < 0 (the branch cut, a jump of 2 pi): value ±pi by the zero's sign (SymPy has no -0: pi), "
    "grads b/(a^2 + b^2) and 0 as beside it; a = b = 0: value ±0 or ±pi by the zeros' signs, grads 0 (PyTorch "
    "masks the reciprocal there)",
    edges=(0.0,),
    mp="atan2",
)
row(
    name="fmod",
    grad_fn="FmodBackward0",
    arity=2,
    listed=(0,),  # a Python number divisor is a Scalar: no entry
    forward=np.fmod,
    front=Signature(tensor_pair="fmod_tensor"),
    vjp=lambda F, g, out, x, c: (g, None),
    sym=lambda sp, x, c: sp.Add(
        x, sp.Mul(-c, _steps(sp)["trunc"](sp.Mul(x, sp.Pow(c, -1), evaluate=False)), evaluate=False), evaluate=False
    ),
    derivative="d/dx fmod(x, c) = d/dx (x - c trunc(x/c)) = 1; at x = k c (k != 0) a jump",
    domain=(0.1, 1.4),
    kink=lambda x, c: (np.asarray(x) != 0) & _near_multiple(x, c),
    singular=lambda x, c: np.full(np.shape(x), c == 0),
    convention="a jump at x = k*c, k != 0: grad 1 (passes through); c = 0: value nan, grad 1",
    edges=(0.0, 1.5, -3.0),
)
row(
    name="fmod_tensor",
    grad_fn="FmodBackward1",
    arity=2,
    front=None,  # fmod(a, b) of two tensors
    forward=np.fmod,
    vjp=lambda F, g, out, a, b: (g, -g * F.div_trunc(a, b)),  # other: -grad * self.div(other, rounding_mode="trunc")
    sym=lambda sp, a, b: sp.Add(
        a, sp.Mul(-b, _steps(sp)["trunc"](sp.Mul(a, sp.Pow(b, -1), evaluate=False)), evaluate=False), evaluate=False
    ),
    derivative="d/da fmod(a, b) = 1, d/db = -trunc(a/b); at a = k b (k != 0) a jump",
    domain=(0.3, 2.0),
    kink=lambda a, b: (np.asarray(a) != 0) & _near_multiple(a, b),
    singular=lambda a, b: np.asarray(b) == 0,
    convention="a jump at a = k*b, k != 0: d/da 1, d/db -trunc(a/b) (the right-hand side's); b = 0: nan",
    edges=(0.0, 1.0, -1.0),
)
row(
    name="remainder",
    grad_fn="RemainderBackward0",
    arity=2,
    listed=(0,),
    forward=_remainder,
    front=Signature(
        operators=("a % b",), tensor_pair="remainder_tensor", number_first="rremainder", lists_overloads=True
    ),
    vjp=lambda F, g, out, x, c: (g, None),
    sym=lambda sp, x, c: sp.Add(
        x, sp.Mul(-c, _steps(sp)["floor"](sp.Mul(x, sp.Pow(c, -1), evaluate=False)), evaluate=False), evaluate=False
    ),
    derivative="d/dx (x % c) = d/dx (x - c floor(x/c)) = 1; at x = k c a jump",
    domain=(0.1, 1.4),
    kink=lambda x, c: _near_multiple(x, c),
    singular=lambda x, c: np.full(np.shape(x), c == 0),
    convention="a jump at x = k*c: grad 1 (passes through); c = 0: value nan, grad 1",
    edges=(0.0, 1.5, -3.0),
)
row(
    name="remainder_tensor",
    grad_fn="RemainderBackward1",
    arity=2,
    front=None,  # a % b of two tensors
    forward=_remainder,
    vjp=lambda F, g, out, a, b: (g, -g * F.div_floor(a, b)),  # other: -grad * self.div(other, rounding_mode="floor")
    sym=lambda sp, a, b: sp.Add(
        a, sp.Mul(-b, _steps(sp)["floor"](sp.Mul(a, sp.Pow(b, -1), evaluate=False)), evaluate=False), evaluate=False
    ),
    derivative="d/da (a % b) = 1, d/db = -floor(a/b); at a = k b a jump",
    domain=(0.3, 2.0),
    kink=lambda a, b: _near_multiple(a, b),
    singular=lambda a, b: np.asarray(b) == 0,
    convention="a jump at a = k*b: d/da 1, d/db -floor(a/b) (the right-hand side's); b = 0: nan",
    edges=(0.0, 1.0, -1.0),
)
row(
    name="rremainder",
    grad_fn=NOT_IMPLEMENTED,
    arity=2,
    saves=False,
    listed=(0,),
    front=None,  # c % x, a Python number c: remainder(Scalar, Tensor) has no derivative in PyTorch
    forward=lambda x, c: _remainder(c, x),
    vjp=_not_implemented("remainder"),
    sym=lambda sp, x, c: sp.Add(
        c, sp.Mul(-x, _steps(sp)["floor"](sp.Mul(c, sp.Pow(x, -1), evaluate=False)), evaluate=False), evaluate=False
    ),
    derivative="not implemented in PyTorch: backward raises 'derivative for aten::remainder is not implemented'",
    domain=(0.3, 2.0),
    singular=lambda x, c: np.asarray(x) == 0,
    convention="backward raises PyTorch's RuntimeError",
)
# a // b has no derivative in PyTorch: its three overloads share everything but their spelling and argument order
_FLOOR_DIVIDE = dict(
    grad_fn=NOT_IMPLEMENTED,
    arity=2,
    saves=False,
    vjp=_not_implemented("floor_divide"),
    derivative="not implemented in PyTorch: backward raises 'derivative for aten::floor_divide is not implemented'",
    domain=(0.3, 2.0),
)


def _floor_of_quotient(sp, a, b):
    return _steps(sp)["floor"](sp.Mul(a, sp.Pow(b, -1, evaluate=False), evaluate=False))


row(
    name="floor_divide",
    listed=(0,),  # a Python number divisor: no entry
    forward=np.floor_divide,
    front=Signature(
        operators=("a // b",), number_first="rfloor_divide", tensor_pair="floor_divide_tensor", lists_overloads=True
    ),
    sym=_floor_of_quotient,
    singular=lambda a, b: np.asarray(b) == 0,
    convention="backward raises PyTorch's RuntimeError; b = 0: ±inf or nan",
    **_FLOOR_DIVIDE,
)
row(
    name="floor_divide_tensor",
    front=None,  # a // b of two tensors
    forward=np.floor_divide,
    sym=_floor_of_quotient,
    singular=lambda a, b: np.asarray(b) == 0,
    convention="backward raises PyTorch's RuntimeError; b = 0: ±inf or nan",
    **_FLOOR_DIVIDE,
)
row(
    name="rfloor_divide",
    listed=(0,),
    front=None,  # c // x, a Python number c
    forward=lambda x, c: np.floor_divide(c, x),
    sym=lambda sp, x, c: _floor_of_quotient(sp, c, x),
    singular=lambda x, c: np.asarray(x) == 0,
    convention="backward raises PyTorch's RuntimeError",
    **_FLOOR_DIVIDE,
)
