"""`diffcheck fuzz --against jax`: a clear refusal without JAX; with it, agreement, convention labels and findings."""

import importlib.util
import json

import numpy as np

import pytest
from click.testing import CliRunner

from diffcheck import ops
from diffcheck.cli import main
from diffcheck.fuzz import Candidate, evaluate
from diffcheck.lang.parse import parse_program


@pytest.mark.skipif(importlib.util.find_spec("jax") is not None, reason="JAX is installed")
def test_against_jax_without_jax_is_one_line_and_exit_2():
    result = CliRunner().invoke(main, ["fuzz", "--against", "jax", "--cases", "1"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "JAX" in result.stderr and "diffcheck-autograd[jax]" in result.stderr


def _evaluate(source, values, no_grad=(), retain=()):
    pytest.importorskip("jax")
    return evaluate(Candidate(parse_program(source), values, frozenset(no_grad), frozenset(retain)), against="jax")


# Parameters for rows whose `example` gives none and which need some; selu's internal row takes its as arguments
_PARAMS = {"clamp": ([(3,)], {"min": -0.5, "max": 0.5})}
_ARGS = {"elu_scaled": (1.6732632423543772, 1.0507009873554805, 1.0)}


def test_every_row_jax_computes_agrees_with_the_row():
    pytest.importorskip("jax")
    from diffcheck.engines.jax import functions, load

    load()  # float64
    rng = np.random.default_rng(0)
    assert {"add", "rpow", "erf", "var", "norm", "gelu", "hardswish", "elu_scaled"} <= set(functions())
    for name, function in functions().items():
        if name in LOSSES or name in SHAPED:  # test_every_loss_agrees_with_its_row, test_shaped_rows_agree_...
            continue
        op = ops.OPS[name]
        shapes, params = _PARAMS.get(name) or op.example or ([(3,)] * op.arity, {})
        listed = range(op.arity) if op.listed is None else op.listed  # a Scalar argument (x ** 2's 2) is a number
        args = [
            rng.uniform(*op.domain, size=shape) if i in listed else float(rng.uniform(*op.domain))
            for i, shape in enumerate(shapes)
        ]
        args += list(_ARGS.get(name, ()))
        with np.errstate(all="ignore"):
            want = np.asarray(op.forward(*args, **params), dtype=float)
        got = np.asarray(function(*args, **params), dtype=float)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, equal_nan=True, err_msg=name)


_A = np.arange(1.0, 25.0).reshape(2, 3, 4) * np.array([1, -0.5, 0.25, 2])  # no ties along any dim
_M = _A[0] - 3.0
_I = np.array([2, 0, 2])
# Rows of shapes, pieces, indices and creation (engines/jax.py's `_by_row`): (arguments, parameters) of each call
SHAPED = {
    "t": [((_M,), {})],
    "transpose": [((_A,), {"dim0": 0, "dim1": 2}), ((_A,), {"dim0": -1, "dim1": 1})],
    "permute": [((_A,), {"dims": (2, 0, 1)})],
    "view": [((_M,), {"size": (4, 3)}), ((_A,), {"size": (-1,)})],
    "reshape": [((_A,), {"shape": (6, -1)})],
    "flatten": [
        ((_A,), {"start_dim": 1, "end_dim": 2}),
        ((_A,), {"start_dim": 0, "end_dim": -1}),
        ((np.asarray(2.5),), {}),
    ],
    "unsqueeze": [((_M,), {"dim": -1}), ((_M,), {"dim": 0}), ((_M,), {"dim": -3})],
    "expand": [((_M[:, :1],), {"size": (2, 3, 4)}), ((_M[:1],), {"size": (5, -1, 4)})],
    "repeat": [((_M,), {"repeats": (2, 1, 2)})],
    "flip": [((_A,), {"dims": (0, 2)}), ((_M,), {"dims": (1,)})],
    "cat": [(((_M, _M[:1]),), {"dim": 0}), (((_M, _M),), {"dim": -1})],
    "stack": [(((_M, _M * 2),), {"dim": 1})],
    "split": [((_A[0].T,), {"split_size_or_sections": 3, "dim": 0}), ((_M,), {"split_size_or_sections": 2, "dim": 1})],
    "split_list": [((_A[0].T,), {"split_size_or_sections": [1, 3], "dim": 0})],
    "chunk": [((_A[0].T,), {"chunks": 3, "dim": 0}), ((_M,), {"chunks": 2, "dim": 1})],
    "unbind": [((_M,), {"dim": 1}), ((_A,), {"dim": 0})],
    "max_dim": [((_M,), {"dim": 1, "keepdim": True}), ((_A,), {"dim": 0, "keepdim": False})],
    "min_dim": [((_M,), {"dim": 0, "keepdim": False})],
    "sort": [((_M,), {"dim": 1, "descending": True}), ((_A,), {"dim": 0, "descending": False})],
    "sort_stable": [((_M,), {"dim": -1, "descending": False})],
    "median": [((_M,), {}), ((_A[0, :, :2],), {})],  # 12 and 6 elements: the lower of the two middle ones
    "vector_norm": [
        ((_M,), {"ord": 2, "dim": None, "keepdim": False}),
        ((_M,), {"ord": 3, "dim": 1, "keepdim": True}),
        ((_A,), {"ord": float("inf"), "dim": (0, 2), "keepdim": False}),
    ],
    "normalize": [((_M,), {"p": 2.0, "dim": 1, "eps": 1e-12}), ((_A,), {"p": 1.0, "dim": 0, "eps": 1e-12})],
    "bmm": [((_A, _A.transpose(0, 2, 1)), {})],
    "addmm": [((_M[:, :3], _M, _M.T[:, :3]), {"beta": 0.5, "alpha": 2.0})],
    "gather": [((_M, 1, np.array([[3, 0], [1, 1], [0, 2]])), {})],
    "index_select": [((_M, 0, _I), {}), ((_M, 1, _I), {})],
    "index_add": [((_M, 0, _I, _M * 3), {"alpha": 1.5}), ((_M, 1, _I, _M[:, :3]), {"alpha": 1})],
    "masked_fill": [((_M, _M > 1), {"value": 0.5})],
    "zeros_like": [((_M,), {})],
    "ones_like": [((_M,), {})],
    "full_like": [((_M,), {"fill_value": 2.5})],
    "arange": [
        ((), {"start": 5}),
        ((), {"start": 1.0, "end": 3.0, "step": 0.25}),
        ((), {"start": 2, "end": 9, "step": 3}),
    ],
    "eye": [((), {"n": 3, "m": 4}), ((), {"n": 2})],
    "full": [((), {"size": (2, 3), "fill_value": 1.5}), ((), {"size": (2,), "fill_value": 4})],
}


def test_shaped_rows_agree_with_the_row():
    """Each row `_by_row` spells, as the row's forward computes it: values (to rounding: normalize divides in another
    order), each piece of a tuple, and dtypes."""
    pytest.importorskip("jax")
    from diffcheck.engines.jax import functions, load

    load()
    assert set(SHAPED) <= set(functions())
    for name, calls in SHAPED.items():
        for args, params in calls:
            want, got = ops.OPS[name].forward(*args, **params), functions()[name](*args, **params)
            wants, gots = (want, got) if isinstance(want, tuple) else ((want,), (got,))
            assert len(gots) == len(wants), name
            for w, g in zip(wants, gots):
                w, g = np.asarray(w), np.asarray(g)
                assert g.dtype == w.dtype, (name, params, g.dtype, w.dtype)
                np.testing.assert_allclose(g, w, rtol=1e-13, atol=0, err_msg=f"{name} {params}")


# The losses engines/jax_losses.py spells, each with arguments and parameters it takes (classes: integer targets)
_X, _Y, _P = (
    [[0.2, -1.3, 0.7], [1.1, 0.4, -0.6]],
    [[0.3, 0.9, 0.1], [0.6, 0.2, 0.8]],
    [[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]],
)
_W = np.array([0.5, 2.0, 1.5])
LOSSES = {
    "mse_loss": [((_X, _Y), {})],
    "l1_loss": [((_X, _Y), {})],
    "smooth_l1_loss": [((_X, _Y), {}), ((_X, _Y), {"beta": 0.5}), ((_X, _Y), {"beta": 0.0})],
    "huber_loss": [((_X, _Y), {}), ((_X, _Y), {"delta": 0.4})],
    "binary_cross_entropy": [((_Y, _P), {}), ((_Y, _P), {"weight": _W}), (([0.0, 1.0, 0.5], [1.0, 0.0, 0.5]), {})],
    "binary_cross_entropy_with_logits": [((_X, _P), {}), ((_X, _P), {"weight": _W, "pos_weight": _W[::-1]})],
    "nll_loss": [((_X, [2, 0]), {}), ((_X, [2, 1]), {"weight": _W}), ((_X, [2, -100]), {}), ((_X[0], 1), {})],
    "cross_entropy": [
        ((_X, [2, 0]), {}),
        ((_X, [1, 1]), {"weight": _W, "label_smoothing": 0.2}),
        ((_X, [2, 5]), {"ignore_index": 5, "label_smoothing": 0.1}),
        ((_X[1], 0), {"label_smoothing": 0.3}),
    ],
    "cross_entropy_probs": [((_X, _P), {}), ((_X, _P), {"weight": _W, "label_smoothing": 0.25}), ((_X[0], _P[0]), {})],
}


def test_every_loss_agrees_with_its_row():
    """Each reduction of each loss JAX spells, with its parameters, as the row's forward computes it (and the row's
    gradients, through the engine against JAX's vjp)."""
    pytest.importorskip("jax")
    from diffcheck.engines.jax import functions, load

    load()
    assert set(LOSSES) <= set(functions())
    for name, calls in LOSSES.items():
        op = ops.OPS[name]
        for (x, y), params in calls:
            for reduction in ("mean", "sum", "none"):
                target = np.asarray(y, dtype=np.int64 if op.index_args else np.float64)
                args = [np.asarray(x, dtype=np.float64), target]
                want = np.asarray(op.forward(*args, reduction=reduction, **params), dtype=float)
                got = np.asarray(functions()[name](*args, reduction=reduction, **params), dtype=float)
                np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15, err_msg=f"{name} {params} {reduction}")


_XY = {"x": [0.3, -1.2], "y": [0.25, 0.5]}
_ZT = {"z": [[0.2, -1.3, 0.7], [1.1, 0.4, -0.6]], "t": [2, 0]}


@pytest.mark.parametrize(
    "source, values",
    [
        ("out = mse_loss(x, y) + l1_loss(x, y, reduction='sum')", _XY),
        ("out = sum(smooth_l1_loss(x, y, reduction='none', beta=0.5) * huber_loss(x, y, delta=2.0))", _XY),
        ("out = binary_cross_entropy(sigmoid(x), y) + binary_cross_entropy_with_logits(x, y)", _XY),
        ("out = nll_loss(log_softmax(z, 1), t) + cross_entropy(z, t, label_smoothing=0.2)", _ZT),
        ("out = cross_entropy(z, softmax(p, 1), reduction='sum')", {**_ZT, "p": _P} | {"t": None}),
    ],
)
def test_losses_agree_through_the_engine(source, values):
    """Gradients by jax.vjp of the spelled loss, against diffcheck's engine (PyTorch's rules) and SymPy."""
    values = {k: v for k, v in values.items() if v is not None}
    assert _evaluate(source, values, no_grad={"p"} & set(values)) == ("ok", (), "")


_Z = {"z": [[0.5, -1.0, 2.0], [2.5, 0.25, -0.75]], "w": [[1.5, 0.5, -2.0], [1.0, -0.5, 3.0]]}


@pytest.mark.parametrize(
    "source, values, no_grad",
    [
        ("t1 = z[0, 1:] * 2\nout = sum(t1 * z[z > 0.3][:2])", {"z": _Z["z"]}, ()),
        ("out = sum(z[[1, 1, 0]][:2] * w[..., None, :3][0])", _Z, ()),
        ("t1 = cat(split(z, [1, 2], dim=1), dim=1)\nout = sum(chunk(t1, 2)[1] * unbind(w, 0)[0])", _Z, ()),
        ("t1 = max(z * w, 1)[0]\nout = sum(t1 * sort(w, dim=0, descending=True)[0][1, :2])", _Z, ()),
        ("out = sum(permute(unsqueeze(z, 0), (2, 0, 1)) * expand(unsqueeze(t(w), 1), (3, 2, 2)))", _Z, ()),
        ("out = vector_norm(normalize(z, dim=1) @ t(w), 3) + sum(gather(z, 1, i) * 2)", {**_Z, "i": [[2], [0]]}, {"i"}),
        ("out = sum(index_add(z, 1, i, w[:, :2]) ** 2 + masked_fill(w, w > 1, 0.0))", {**_Z, "i": [2, 0]}, {"i"}),
        ("out = sum(flatten(bmm(stack([z, w]), stack([t(w), t(z)])), 1) * arange(4.0))", _Z, ()),
        # compositions that read their tensor's shape (fuzz --against jax, seed 303, cases 56 and 67)
        ("out = sum(T(z[0]) * expand_as(w[:1], w))", _Z, ()),
    ],
)
def test_shapes_pieces_and_subscripts_agree_through_the_engine(source, values, no_grad):
    """Subscripts (slices, masks, index tensors), a tuple's pieces and the values of max and sort, recorded by the
    engine and differentiated by jax.vjp, against diffcheck's engine and SymPy; `t1` retained where it is."""
    assert _evaluate(source, values, no_grad=no_grad, retain={"t1"} & set(source.split())) == ("ok", (), "")


def test_a_row_jax_lacks_is_unsupported_on_that_engine():
    pytest.importorskip("jax")
    from diffcheck.engines import jax as adapter

    lacking = ops.Op(
        name="jaxless",
        grad_fn="JaxlessBackward0",
        forward=np.negative,
        vjp=lambda F, g, out, x: (-g,),
        sym=lambda sp, x: -x,
        derivative="-1",
    )
    adapter.functions.cache_clear()
    try:
        with ops.registered(lacking):
            result = CliRunner().invoke(main, ["check", "jaxless(x)", "x=1", "--engine", "jax", "--format", "json"])
    finally:
        adapter.functions.cache_clear()
    report = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    assert "'jaxless' is not supported by engine 'jax'" in json.dumps(report)


@pytest.mark.parametrize(
    "source, values",
    [
        ("out = sum(relu(x) * 2 - x)", {"x": [0.5, 1.5]}),
        ("t1 = exp(x) * y\nout = sum(sin(t1) + where(x > y, x, y))", {"x": [0.3, 0.1], "y": [1.0, 2.0]}),
        ("out = sum(mean(x, dim=1) @ y) + 2 ** z - 1 / z", {"x": [[1.0, 2.0], [3.0, 4.0]], "y": [1.0, 2.0], "z": 0.7}),
        (
            "out = sum(clamp(softplus(x), min=0, max=1.5) ** 1.5 + sigmoid(x) * asin(y) + acos(y) - atan(x))",
            {"x": [-0.4, 0.8], "y": 0.2},
        ),
    ],
)
def test_agrees_on_smooth_points_with_no_grad_and_retained_intermediates(source, values):
    names = [n for n in values]
    assert _evaluate(source, values, no_grad={names[-1]}, retain={"t1"} & set(source.split())) == ("ok", (), "")


@pytest.mark.parametrize(
    "source, values, label",
    [
        ("out = abs(x)", {"x": 0.0}, "jax convention: kink of abs"),  # JAX: abs'(0) = 1, PyTorch 0
        ("out = sum(clamp(x, min=0.5))", {"x": [0.5, 1.0]}, "jax convention: kink of clamp"),  # 1/2 at the bound
    ],
)
def test_kink_conventions_are_labelled_not_found(source, values, label):
    kind, explained, _ = _evaluate(source, values)
    assert kind == "ok" and label in explained


def test_relu_and_maximum_ties_follow_pytorch():
    for source, values in [
        ("out = relu(x)", {"x": 0.0}),
        ("out = sum(maximum(x, y))", {"x": [1.0, 2.0], "y": [1.0, 3.0]}),
        ("out = sum(minimum(x, y))", {"x": [1.0, 2.0], "y": [1.0, 3.0]}),
    ]:
        kind, explained, _ = _evaluate(source, values)
        assert kind == "ok" and set(explained) == {"kink"}


def test_a_retained_alias_is_its_input():
    assert _evaluate("t1 = x\nout = x", {"x": [0.0, 1.0]}, retain={"t1"})[0] == "ok"


def test_a_jax_difference_away_from_kinks_is_a_finding(monkeypatch):
    pytest.importorskip("jax")
    import jax.numpy as jnp

    from diffcheck.engines import jax as fuzz_jax

    table = fuzz_jax.functions()
    monkeypatch.setattr(fuzz_jax, "functions", lambda: {**table, "sin": jnp.cos})
    kind, _, detail = _evaluate("out = sin(x)", {"x": 0.3})
    assert kind == "jax" and "JAX" in detail and "SymPy" in detail


def test_a_loss_jax_computes_otherwise_is_a_finding(monkeypatch):
    """The losses are JAX's own opinion, not skipped: a wrong spelling of cross_entropy is found."""
    pytest.importorskip("jax")
    from diffcheck.engines import jax as fuzz_jax

    table = fuzz_jax.functions()
    wrong = lambda x, t, **params: 2 * table["cross_entropy"](x, t, **params)  # noqa: E731
    monkeypatch.setattr(fuzz_jax, "functions", lambda: {**table, "cross_entropy": wrong})
    kind, _, detail = _evaluate("out = cross_entropy(z, t)", _ZT)
    assert kind == "jax" and "JAX" in detail


@pytest.mark.parametrize(
    "source, values, retain, label",
    [
        # `fuzz --engine jax --seed 41` findings. JAX's abs'(0) = 1 times sqrt's infinite derivative is inf, PyTorch's
        # sign(0) = 0 times it nan, and SymPy has no derivative (nan): JAX's convention where SymPy has none
        ("out = l1_loss(sqrt(x), x, reduction='none')", {"x": [[0.0, 0.0], [0.0, 0.0]]}, (), "no derivative in SymPy"),
        # a retained rename of an input (t2 = y) has its gradient, so the kink on its path is on t2's too
        ("t2 = y\nout = leaky_relu(y, negative_slope=0.5)", {"y": [0.0, 0.0]}, {"t2"}, "kink of leaky_relu"),
    ],
)
def test_jax_conventions_where_sympy_has_no_derivative(source, values, retain, label):
    kind, explained, detail = _evaluate(source, values, retain=retain)
    assert kind == "ok", detail
    assert f"jax convention: {label}" in explained
