"""Every op of the table, on both sides: engine vs SymPy vs a central difference, and no row left incomplete."""

import numpy as np
import pytest

from diffcheck import engine
from diffcheck import ops
from diffcheck.check import MATCH, Case, check
from diffcheck.lang.program import Apply, Assign, Const, Program, Var

DIFFERENTIABLE = [op for op in ops.OPS.values() if op.grad_fn]


def test_every_row_is_complete():
    for op in ops.OPS.values():
        assert callable(op.forward) and callable(op.sym), op.name
        assert callable(op.vjp) != callable(op.via), f"{op.name}: a backward rule, or the rows the engine composes"
        assert op.derivative, op.name
        not_differentiable = {"gt", "ge", "lt", "le", "argmax", "argmin", "zeros_like", "ones_like", "full_like"}
        assert op.grad_fn or op.name in not_differentiable | {"arange", "linspace", "eye", "full"}, op.name
        assert op.domain[0] < op.domain[1], op.name
        if op.kink or op.singular:
            assert op.convention, f"{op.name} declares special points but not PyTorch's convention there"


def test_every_spelling_resolves_to_a_row():
    for spelling, sig in ops.SIGNATURES.items():
        assert sig.name in ops.OPS or sig.name in {"sum", "mean", "matmul", "square"}, spelling


def central_difference(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up) - f(down)) / (2 * h)
    return grad


# One program per front op: (program tree, point). Each is checked on both sides and against finite differences.
X, Y, V, W, M = Var("x"), Var("y"), Var("v"), Var("w"), Var("M")
UNARY = [
    "exp",
    "log",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "sqrt",
    "square",
    "reciprocal",
    "log1p",
    "expm1",
    "sinh",
    "cosh",
    "asin",
    "acos",
    "atan",
    "softplus",
    "neg",
]
CASES = [(name, Apply(name, (X,)), {"x": 0.7}) for name in UNARY] + [
    ("relu<0", Apply("relu", (X,)), {"x": -0.7}),
    ("abs<0", Apply("abs", (X,)), {"x": -0.7}),
    ("add", Apply("add", (X, Y)), {"x": 0.7, "y": -1.3}),
    ("sub", Apply("sub", (X, Y)), {"x": 0.7, "y": -1.3}),
    ("rsub", Apply("sub", (Const(2), X)), {"x": 0.7}),
    ("mul", Apply("mul", (X, Y)), {"x": 0.7, "y": -1.3}),
    ("div", Apply("div", (X, Y)), {"x": 0.7, "y": -1.3}),
    ("rdiv", Apply("div", (Const(2), X)), {"x": 0.7}),
    ("pow", Apply("pow", (X, Const(3))), {"x": 0.7}),
    ("pow frac", Apply("pow", (X, Const(2.5))), {"x": 0.7}),
    ("pow_tensor", Apply("pow", (X, Y)), {"x": 0.7, "y": 1.3}),
    ("rpow", Apply("pow", (Const(2), X)), {"x": 0.7}),
    ("maximum", Apply("maximum", (X, Y)), {"x": 0.7, "y": -1.3}),
    ("minimum", Apply("minimum", (X, Y)), {"x": 0.7, "y": -1.3}),
    ("clamp", Apply("clamp", (X,), (("min", Const(0)), ("max", Const(1)))), {"x": 0.7}),
    ("clamp out", Apply("clamp", (X,), (("min", Const(0)), ("max", Const(1)))), {"x": 1.7}),
    ("where", Apply("where", (Apply("gt", (X, Const(0))), Apply("mul", (X, Y)), Y)), {"x": 0.7, "y": -1.3}),
    ("sum", Apply("sum", (Apply("mul", (V, V)),)), {"v": [0.5, -1.0, 2.0]}),
    (
        "sum_dim",
        Apply("sum", (Apply("sum", (Apply("exp", (M,)),), (("dim", Const(0)),)),)),
        {"M": [[0.5, -1.0], [2.0, 0.1]]},
    ),
    ("mean", Apply("mean", (Apply("sin", (V,)),)), {"v": [0.5, -1.0, 2.0]}),
    (
        "mean_dim",
        Apply("sum", (Apply("mean", (Apply("sin", (M,)),), (("dim", Const(1)),)),)),
        {"M": [[0.5, -1.0], [2.0, 0.1]]},
    ),
    ("dot", Apply("matmul", (V, W)), {"v": [0.5, -1.0, 2.0], "w": [1.5, 0.25, -0.5]}),
    ("mv", Apply("sum", (Apply("matmul", (M, V)),)), {"M": [[0.5, -1.0, 1.0], [2.0, 0.1, 3.0]], "v": [0.5, -1.0, 2.0]}),
    (
        "mm",
        Apply("sum", (Apply("sin", (Apply("matmul", (M, Var("W"))),)),)),
        {"M": [[0.5, -1.0], [2.0, 0.1]], "W": [[1.0, 2.0], [3.0, 4.0]]},
    ),
    ("broadcast", Apply("sum", (Apply("mul", (X, V)),)), {"x": 0.7, "v": [0.5, -1.0, 2.0]}),
    (
        "linear",
        Apply("sum", (Apply("tanh", (Apply("linear", (M, Var("W")), (("bias", V),)),)),)),
        {"M": [[0.5, -1.0, 1.0], [2.0, 0.1, 3.0]], "W": [[1.0, 2.0, 0.5], [3.0, -4.0, 0.25]], "v": [0.5, -1.0]},
    ),
    (
        "linear_vector",
        Apply("sum", (Apply("tanh", (Apply("linear", (V, Var("W")), (("bias", X),)),)),)),
        {"v": [0.5, -1.0, 2.0], "W": [[1.0, 2.0, 0.5], [3.0, -4.0, 0.25]], "x": [0.5, -1.0]},
    ),
]
# issue 16's elementwise rows (ops/elementwise.py, ops/activations.py, ops/soft_activations.py); PyTorch's values: tests/test_elementwise_rows.py
ELEMENTWISE = ["erf", "erfc", "exp2", "log2", "log10", "rsqrt", "sign", "floor", "ceil", "round", "trunc", "frac"]
ACTIVATIONS = ["logsigmoid", "hardtanh", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish"]
ACTIVATIONS += ["softsign", "hardswish"]
CASES += [(name, Apply(name, (X,)), {"x": 0.7}) for name in ELEMENTWISE + ACTIVATIONS]
CASES += [(f"{name}<0", Apply(name, (X,)), {"x": -0.7}) for name in ACTIVATIONS]
CASES += [
    # inside (-3, 3) PyTorch's hardsigmoid gradient is float(1/6), 3e-8 off 1/6 in float64 too: outside only here
    ("hardsigmoid", Apply("hardsigmoid", (X,)), {"x": 3.5}),
    ("hardsigmoid<0", Apply("hardsigmoid", (X,)), {"x": -3.5}),
    ("hardtanh params", Apply("hardtanh", (X,), (("min_val", Const(-0.5)), ("max_val", Const(2)))), {"x": 1.5}),
    ("leaky_relu slope", Apply("leaky_relu", (X,), (("negative_slope", Const(0.2)),)), {"x": -0.7}),
    ("elu alpha", Apply("elu", (X,), (("alpha", Const(2.5)),)), {"x": -0.7}),
    ("celu alpha", Apply("celu", (X,), (("alpha", Const(0.5)),)), {"x": -0.7}),
    ("gelu tanh", Apply("gelu", (X,), (("approximate", Const("tanh")),)), {"x": -0.7}),
    ("atan2", Apply("atan2", (X, Y)), {"x": 0.7, "y": -1.3}),
    ("fmod", Apply("fmod", (X, Const(0.3))), {"x": 0.7}),
    ("fmod_tensor", Apply("fmod", (X, Y)), {"x": -2.7, "y": 1.3}),
    ("remainder", Apply("remainder", (X, Const(0.3))), {"x": -0.7}),
    ("remainder_tensor", Apply("remainder", (X, Y)), {"x": -2.7, "y": 1.3}),
]
# rows PyTorch has no derivative for: their backward raises (tests/test_elementwise_rows.py), the forward runs here
NO_DERIVATIVE = [
    ("floor_divide", Apply("floor_divide", (X, Const(0.3))), {"x": 0.7}),
    ("floor_divide_tensor", Apply("floor_divide", (X, Y)), {"x": -2.7, "y": 1.3}),
    ("rfloor_divide", Apply("floor_divide", (Const(2), X)), {"x": 0.7}),
    ("rremainder", Apply("remainder", (Const(2), X)), {"x": 0.7}),
]


def _item(arg, key):
    """arg[key], `key` a subscript's spec (ops.subscripts): (a tuple was written, items), or one item alone."""
    spec = key if isinstance(key, tuple) and isinstance(key[0], bool) else (False, (key,))
    return Apply("getitem", (arg,), (("key", Const(spec)),))


def _dim(op, arg, dim, **more):
    """sum(sin(op(arg, dim=dim, ...))): a non-linear use of every element of a whole-array op's answer."""
    params = (("dim", Const(dim)),) + tuple((k, Const(v)) for k, v in more.items())
    return Apply("sum", (Apply("sin", (Apply(op, (arg,), params),)),))


_MAT = {"M": [[0.5, -1.0, 1.0], [2.0, 0.1, 3.0]]}
CASES += [
    ("softmax", _dim("softmax", M, 1), _MAT),
    ("log_softmax", _dim("log_softmax", M, 0), _MAT),
    ("logsumexp", _dim("logsumexp", M, 1), _MAT),
    ("logsumexp keepdim", _dim("logsumexp", M, 0, keepdim=1), _MAT),
    ("prod", Apply("sin", (Apply("prod", (V,)),)), {"v": [0.5, -1.0, 2.0]}),
    ("prod_dim", _dim("prod", M, 1), _MAT),
    ("amax", _dim("amax", M, 0), _MAT),
    ("amin", _dim("amin", M, 1), _MAT),
    ("cumsum", _dim("cumsum", M, 1), _MAT),
    ("cumprod", _dim("cumprod", M, 1), _MAT),
    ("var", _dim("var", M, 1), _MAT),
    ("var correction 0", _dim("var", M, 0, correction=0), _MAT),
    ("std", _dim("std", M, 1), _MAT),
    ("norm", Apply("sin", (Apply("norm", (V,)),)), {"v": [0.5, -1.0, 2.0]}),
    ("norm 1 dim", _dim("norm", M, 1, p=1), _MAT),
    ("norm inf dim", _dim("norm", M, 0, p=float("inf")), _MAT),
    ("vector_norm 3 dim", _dim("vector_norm", M, 1, ord=3), _MAT),
    ("norm fro", Apply("sin", (Apply("norm", (M,), (("p", Const("fro")),)),)), _MAT),
    ("normalize", Apply("sum", (Apply("sin", (Apply("normalize", (M,), (("dim", Const(0)),)),)),)), _MAT),
    ("max", Apply("sin", (Apply("max", (V,)),)), {"v": [0.5, -1.0, 2.0]}),
    ("min", Apply("sin", (Apply("min", (M,)),)), _MAT),
    ("max_dim", Apply("sum", (Apply("sin", (_item(Apply("max", (M,), (("dim", Const(0)),)), 0),)),)), _MAT),
    ("min_dim", Apply("sum", (Apply("sin", (_item(Apply("min", (M,), (("dim", Const(1)),)), 0),)),)), _MAT),
    ("max(x, y) is maximum", Apply("sum", (Apply("max", (M,), (("dim", Apply("neg", (M,))),)),)), _MAT),
    ("subscripts", Apply("sum", (Apply("sin", (_item(_item(M, (True, (0, ("slice", 1, None, None)))), -1),)),)), _MAT),
]


def _parsed(text: str):
    from diffcheck.lang.parse import parse_program

    return parse_program(text).statements[-1].value


# Shape and linear-algebra rows (their graphs and values against PyTorch: tests/test_shape_ops.py, test_linalg_ops.py)
_A = {"A": [[[0.5, -1.0], [2.0, 1.0]], [[-1.5, 0.25], [1.0, 2.0]]]}
_B = {**_A, "B": [[[1.0, 0.5], [-0.5, 2.0]], [[0.75, -0.25], [1.5, 1.0]]]}
CASES += [
    (text, _parsed(f"sum(sin({text}))"), point)
    for text, point in [
        ("view(M, -1)", _MAT),
        ("reshape(M.T, (6,))", _MAT),
        ("flatten(A, 1)", _A),
        ("squeeze(unsqueeze(M, 0))", _MAT),
        ("squeeze(unsqueeze(M, 0), 0)", _MAT),
        ("squeeze(unsqueeze(M, 2), (2,))", _MAT),
        ("expand(v, 2, 3)", {"v": [0.5, -1.0, 2.0]}),
        ("expand_as(v, M) * M", {"v": [0.5, -1.0, 2.0], **_MAT}),
        ("repeat(M, 2, 1)", _MAT),
        ("flip(M, (0, 1))", _MAT),
        ("cat([M, M * M], 1)", _MAT),
        ("stack([M, exp(M)], 2)", _MAT),
        ("cat(split(M, 2, 1), 1)", _MAT),
        ("cat(split(M, [1, 2], 1), 1)", _MAT),
        ("cat(chunk(M, 2, 1), 1)", _MAT),
        ("stack(unbind(M, 1), 0)", _MAT),
        ("t(M) * M.T", _MAT),
        ("M.mT @ M", _MAT),
        ("transpose(A, 0, 2)", _A),
        ("permute(A, 2, 0, 1)", _A),
        ("A @ B", _B),
        ("bmm(A, B)", _B),
        ("v @ M.T", {"v": [0.5, -1.0, 2.0], **_MAT}),
        ("outer(v, v)", {"v": [0.5, -1.0, 2.0]}),
        ("linear(M, M, w)", {"w": [0.25, -0.5], **_MAT}),
        ("linear(M, M)", _MAT),
        ("addmm(w, M, M.T, beta=0.5, alpha=2)", {"w": [0.25, -0.5], **_MAT}),
        # the rows of the missing ops (ops/shape.py, transposes.py, matrices.py); PyTorch's: tests/shapes.json
        ("contiguous(M.T) * M.T", _MAT),
        ("ravel(M.T) * ravel(M)", _MAT),
        ("narrow(M, 1, 1, 2)", _MAT),
        ("select(M, 1, -1) * narrow(select(M, 0, 0), 0, 0, 2)", _MAT),
        ("movedim(A, 0, 2) * moveaxis(A, (0, 1), (1, 0)).mT", _A),
        ("broadcast_to(v, (2, 3)) * M", {"v": [0.5, -1.0, 2.0], **_MAT}),
        ("unflatten(M, 1, (3, 1))", _MAT),
        ("tile(M, (2, 1)) * tile(v, (4, 1))", {"v": [0.5, -1.0, 2.0], **_MAT}),
        ("roll(M, 1) * roll(M, (1, -1), (0, 1))", _MAT),
        ("tril(M) * triu(M, 1) + tril(M, diagonal=-1)", _MAT),
        ("diagonal(A, 0, 2, 0) * diagonal(M, 1)", {**_A, **_MAT}),
        ("diag(v) @ diag(diag(M.T @ M)) + diag(diag(v, 1), 1)", {"v": [0.5, -1.0, 2.0], **_MAT}),
        ("trace(M @ M.T) * trace(M.T)", _MAT),
        ("repeat_interleave(M, 2) * ravel(repeat_interleave(M.T, 2, 1))", _MAT),
        ("diff(M) * expand(diff(M, 2, 1), 2, 2)", _MAT),
        ("pad(M, (1, 2), value=0.5) * pad(M, (2, 1, 0, 0))", _MAT),
        ("median(M) * M", _MAT),
    ]
]
_VALS = {"v": [0.5, -1.0, 2.0], "w": [1.5, -0.5, 0.25], "u": [0.3, 0.6, 0.85]}
CASES += [
    (text, _parsed(f"sum(sin({text}))"), {name: _VALS[name] for name in names})
    for text, names in [
        ("addcmul(v, w, u, value=0.3)", "vwu"),
        ("addcdiv(v, w, u, value=-1.5)", "vwu"),
        ("lerp(v, w, 0.3) * lerp(v, w, 0.7)", "vw"),
        ("lerp(v, w, u)", "vwu"),
        ("hypot(v, w)", "vw"),
        ("logaddexp(v, w)", "vw"),
        ("xlogy(v, u)", "vu"),
        ("logit(u) * logit(u, eps=0.2)", "u"),
        ("sinc(v * w)", "vw"),
        ("nan_to_num(v * w)", "vw"),
    ]
]


# issue 16's losses and selection by integer tensors (ops/losses.py, classification.py, gather.py); PyTorch's values:
# tests/test_losses.py. `t` and `i` are integer index tensors: they do not require grad.
_PAIR = {"v": [0.5, -1.0, 2.0], "w": [1.5, -0.5, 0.25]}
_PROBS = {"v": [0.2, 0.5, 0.9], "w": [0.1, 0.5, 0.8]}
_SUM = (("reduction", Const("sum")),)
T, IDX = Var("t"), Var("i")
CASES += [
    ("mse_loss", Apply("mse_loss", (V, W)), _PAIR),
    ("l1_loss", Apply("l1_loss", (V, W), _SUM), _PAIR),
    ("smooth_l1_loss", Apply("smooth_l1_loss", (V, W), (("beta", Const(0.5)),)), _PAIR),
    ("huber_loss", Apply("sum", (Apply("huber_loss", (V, W), (("reduction", Const("none")),)),)), _PAIR),
    ("binary_cross_entropy", Apply("binary_cross_entropy", (V, W)), _PROBS),
    ("bce_with_logits", Apply("binary_cross_entropy_with_logits", (V, W), _SUM), _PAIR),
    ("nll_loss", Apply("nll_loss", (Apply("sin", (M,)), T)), {**_MAT, "t": [2, 0]}),
    ("cross_entropy", Apply("cross_entropy", (M, T)), {**_MAT, "t": [2, 0]}),
    (
        "cross_entropy smoothing",
        Apply("cross_entropy", (M, T), (("label_smoothing", Const(0.2)),)),
        {**_MAT, "t": [1, 0]},
    ),
    ("cross_entropy probs", Apply("cross_entropy", (M, Var("P"))), {**_MAT, "P": [[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]]}),
    ("gather", Apply("sum", (Apply("sin", (Apply("gather", (M, Const(1), IDX)),)),)), {**_MAT, "i": [[0, 0], [2, 1]]}),
    (
        "index_select",
        Apply("sum", (Apply("sin", (Apply("index_select", (M, Const(1), IDX)),)),)),
        {**_MAT, "i": [2, 0, 2]},
    ),
    ("sort", _parsed("sum(sin(sort(M, 1)[0][:, 0]))"), _MAT),
    ("sort descending", _parsed("sum(sin(sort(M, 0, True)[0][0]))"), _MAT),
    ("sort stable", _parsed("sum(sin(sort(M, dim=0, descending=True, stable=True)[0][0]))"), _MAT),  # SortBackward1
    ("sort last dim", _parsed("sum(sin(sort(M)[0][:, 1]))"), {"M": [[0.5, -1.0, 2.0], [0.25, 1.5, 3.0]]}),
    ("index_add", _parsed("sum(sin(index_add(M, 1, i, M * 2)))"), {**_MAT, "i": [2, 0, 2]}),
    ("embedding", _parsed("sum(sin(embedding(i, M)))"), {**_MAT, "i": [[1, 0, 1], [1, 1, 0]]}),
    ("layer_norm", _parsed("sum(sin(layer_norm(M, (3,))))"), _MAT),
    (
        "layer_norm affine",
        _parsed("sum(sin(layer_norm(M, (2, 3), W, sin(W), 0.001)))"),
        {**_MAT, "W": [[1.5, -0.5, 2.0], [0.5, 1.0, -1.0]]},
    ),
    (
        "masked_fill",
        Apply(
            "sum",
            (
                Apply(
                    "sin",
                    (
                        Apply(
                            "masked_fill",
                            (
                                M,
                                Apply("gt", (M, Const(0.6))),
                            ),
                            (("value", Const(0.5)),),
                        ),
                    ),
                ),
            ),
        ),
        _MAT,
    ),
]


@pytest.mark.parametrize("label, expr, point", CASES, ids=[c[0] for c in CASES])
def test_op_on_both_sides_and_against_finite_differences(label, expr, point):
    program = Program((Assign("out", expr),), label)
    result = check(Case(program, point))
    assert result.output.status == MATCH
    inputs = [t for t in result.tensors if t.role == "input" and t.requires_grad]  # not an index tensor
    assert inputs and all(t.status == MATCH for t in inputs), [(t.name, t.engine, t.sympy) for t in inputs]
    for t in inputs:  # a third, independent opinion

        def f(value, name=t.name):
            values = {**point, name: value.tolist()}
            with engine.no_grad():
                from diffcheck.check import run_engine

                return float(np.sum(run_engine(Case(program, values, no_grad=frozenset(values))).get("out").data))

        numeric = central_difference(f, np.asarray(point[t.name], dtype=float))
        np.testing.assert_allclose(np.asarray(t.engine), numeric, rtol=1e-5, atol=1e-6)


def test_every_differentiable_row_is_exercised():
    from diffcheck.check import run_engine

    used = set()
    original = engine.apply

    def spy(op, args, params):
        used.add(op.name)
        return original(op, args, params)

    engine.apply = spy
    try:
        for _, expr, point in CASES:
            run_engine(Case(Program((Assign("out", expr),)), point))
        for _, expr, point in NO_DERIVATIVE:
            run_engine(Case(Program((Assign("out", expr),)), point), backward=False)
    finally:
        engine.apply = original
    missing = {op.name for op in DIFFERENTIABLE if not op.internal and not op.via} - used  # `via`: its rows run
    # clamp with tensor bounds: the check language takes numbers for parameters; tests/test_fidelity_engine.py and
    # tests/test_fidelity_higher_order.py pin its values and derivatives against PyTorch 2.13
    assert missing <= {"clamp_tensor"}, f"rows with no test case: {sorted(missing)}"
