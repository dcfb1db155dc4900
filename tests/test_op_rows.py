"""The row is the one source: ops declared here, in this file alone, reach every room — check (first and second
order, random points), `diffcheck ops`, the engine's functions and methods, `run` with PyTorch's spellings, fuzz —
and leave them again. Then the table's own rows, walked: each one complete and evaluated fast by the symbolic side."""

import contextlib
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import diffcheck
from diffcheck import ops
from diffcheck.cli import main
from diffcheck.fuzz import rows_of
from diffcheck.fuzz.generate import generate
from diffcheck.ops.arrays import axes

# deg2rad: a row the table does not have (erf is in ops/elementwise.py now), declared here
DEG2RAD = ops.Op(
    name="deg2rad",
    grad_fn="Deg2RadBackward0",
    forward=lambda x: x * (math.pi / 180),
    vjp=lambda F, g, out, x: (g * (math.pi / 180),),
    sym=lambda sp, x: sp.Mul(x, sp.pi / 180, evaluate=False),
    derivative="d/dx x*pi/180 = pi/180",
)


def _logsumexp(x, dim, keepdim=False):
    return np.log(np.sum(np.exp(x), axis=axes(np.shape(x), dim), keepdims=keepdim))


def _logsumexp_sym(sp, x, dim, keepdim=False):
    exps = np.frompyfunc(sp.exp, 1, 1)(x)
    return np.frompyfunc(sp.log, 1, 1)(np.sum(exps, axis=axes(np.shape(x), dim), keepdims=keepdim))


LOGSUMEXP = ops.Op(
    name="logsumexp",
    grad_fn="LogsumexpBackward0",
    params=(ops.dims("dim"), ops.flag("keepdim")),
    elementwise=False,
    forward=_logsumexp,
    sym=_logsumexp_sym,
    front=ops.Signature(needs_param=True),
    # d/dx_i log(sum exp x) = exp(x_i - out), the gradient spread back over `dim`
    vjp=lambda F, g, out, x, dim, keepdim=False: (
        F.expand(F.unsqueeze(g, dim, keepdim, np.shape(x)), np.shape(x))
        * F.exp(x - F.unsqueeze(out, dim, keepdim, np.shape(x))),
    ),
    derivative="d/dx_i logsumexp(x, dim) = exp(x_i - logsumexp(x, dim))",
)


@contextlib.contextmanager
def declared(*rows):
    """`rows` in the table for the block, in place of the table's own rows of those names (the table has its own
    logsumexp now: the test's, declared here, takes its place and gives it back)."""
    own = [ops.OPS[row.name] for row in rows if row.name in ops.OPS]
    ops.unregister(*own)
    try:
        with ops.registered(*rows):
            yield
    finally:
        ops.register(*own)


@pytest.fixture
def new_rows():
    with declared(DEG2RAD, LOGSUMEXP):
        yield


def cli(*args: str, stdin: str = None):
    return CliRunner().invoke(main, list(args), input=stdin, prog_name="diffcheck")


def test_the_new_rows_are_in_the_table_only_inside_the_block():
    own = ops.OPS["logsumexp"]
    with declared(DEG2RAD, LOGSUMEXP):
        assert ops.SIGNATURES["deg2rad"].name == "deg2rad" and ops.OPS["logsumexp"] is LOGSUMEXP
        assert diffcheck.deg2rad(diffcheck.tensor(0.0)).item() == 0.0
    assert "deg2rad" not in ops.SIGNATURES and ops.OPS["logsumexp"] is own
    assert not hasattr(diffcheck.Tensor, "deg2rad") and "deg2rad" not in diffcheck.engine.FUNCTIONS
    with pytest.raises(AttributeError):
        _ = diffcheck.deg2rad
    assert cli("check", "deg2rad(x)", "x=0.5").exit_code == 2


def test_a_row_name_taken_is_refused():
    with pytest.raises(ValueError, match="row 'sin' is in the table already"):
        ops.register(ops.Op(name="sin", grad_fn="SinBackward0", forward=np.sin, sym=None, derivative=""))
    assert ops.OPS["sin"].forward is np.sin


def test_check_first_order(new_rows):
    result = cli("check", "deg2rad(x) * logsumexp(v, dim=0)", "x=0.5", "v=[0.1,0.2,0.3]", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and data["output"]["grad_fn"] == "MulBackward0"
    x, v = (next(t for t in data["tensors"] if t["name"] == n) for n in ("x", "v"))
    lse = math.log(sum(math.exp(a) for a in (0.1, 0.2, 0.3)))
    assert x["status"] == v["status"] == "match"
    assert x["engine"] == pytest.approx(math.pi / 180 * lse, rel=1e-12)
    assert v["engine"] == pytest.approx([0.5 * math.pi / 180 * math.exp(a - lse) for a in (0.1, 0.2, 0.3)], rel=1e-12)


def test_check_second_order_and_random_points(new_rows):
    second = cli(
        "check",
        "deg2rad(x) + sum(logsumexp(W, 1, True))",
        "x=0.3",
        "W=[[1,2],[0,-1]]",
        "--order",
        "2",
        "--format",
        "json",
    )
    assert second.exit_code == 0, second.output
    assert json.loads(second.output)["ok"]
    points = cli("check", "logsumexp(deg2rad(v) * v, dim=0)", "v=[0,0,0]", "--points", "5", "--seed", "3")
    assert points.exit_code == 0, points.output
    assert "✓ all gradients agree" in points.output


def test_ops_shows_the_new_rows(new_rows):
    shown = cli("ops", "deg2rad", "--format", "json")
    assert shown.exit_code == 0, shown.output
    (entry,) = json.loads(shown.output)["ops"]
    assert entry["spellings"] == ["deg2rad"] and entry["rows"][0]["grad_fn"] == "Deg2RadBackward0"
    assert entry["rows"][0]["sympy"] == "(pi/180)*x"
    (entry,) = json.loads(cli("ops", "logsumexp", "--format", "json").output)["ops"]
    assert entry["rows"][0]["params"] == ["dim", "keepdim"]
    assert entry["rows"][0]["sympy"] == "[log(exp(x[0,0]) + exp(x[1,0])), log(exp(x[0,1]) + exp(x[1,1]))]"
    assert "LogsumexpBackward0" in cli("ops").output


def test_the_engine_function_and_method(new_rows):
    x = diffcheck.tensor([0.5, -1.0], dtype=diffcheck.float64, requires_grad=True)
    y = diffcheck.deg2rad(x)
    assert y.tolist() == [0.5 * (math.pi / 180), -1.0 * (math.pi / 180)] and y.grad_fn.name() == "Deg2RadBackward0"
    assert x.deg2rad().tolist() == y.tolist()
    z = x.logsumexp(0)
    z.backward()
    assert z.grad_fn.name() == "LogsumexpBackward0"
    assert x.grad.tolist() == pytest.approx([math.exp(a - z.item()) for a in (0.5, -1.0)], rel=1e-15)
    assert diffcheck.logsumexp(x, dim=0, keepdim=True).shape == (1,)


def test_run_with_every_pytorch_spelling(new_rows):
    snippet = "\n".join(
        [
            "import torch",
            "x = torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64, requires_grad=True)",
            "a = torch.deg2rad(x) + x.deg2rad()",
            "b = torch.logsumexp(x, dim=0) + x.logsumexp(1) + torch.logsumexp(x, 0, keepdim=False)",
            "y = a.sum() + b.sum()",
            "y.backward()",
            "print(a.grad_fn.name(), x.logsumexp(1).grad_fn.name())",
        ]
    )
    result = cli("run", "-", stdin=snippet)
    assert result.exit_code == 0, result.output
    assert "AddBackward0 LogsumexpBackward0\n" in result.output and "✓" in result.output
    missing = cli("run", "-", stdin="import torch\ny = torch.nn.functional.deg2rad(torch.tensor(1.0))\n")
    assert "AttributeError" in missing.output and missing.exit_code != 0


def test_fuzz_generates_the_new_ops(new_rows):
    seen = {row for index in range(300) for row in rows_of(generate(7, index, 5).program)}
    assert {"deg2rad", "logsumexp"} <= seen
    result = cli("fuzz", "--cases", "30", "--seed", "7", "--depth", "3")
    assert result.exit_code == 0, result.output


# ---- the table's own rows, walked ----------------------------------------------------------------------------------
def test_every_row_is_evaluated_fast_or_says_it_is_not():
    """Each row's SymPy form is computed by mpmath (its `mp`, SymPy's arithmetic, other rows' functions), unless the
    row declares SYMPY_ONLY: none falls back to SymPy's 2-3x slower evaluation silently."""
    import sympy as sp

    from diffcheck.symbolic import mp_function, symbols

    for op in ops.OPS.values():
        if op.mp == ops.SYMPY_ONLY or not op.grad_fn:
            continue
        shapes, params = ([()] * op.arity, {}) if op.elementwise else (op.example or ([(2, 2)], {"dim": 0}))
        args = [_argument(op, i, shape, symbols) for i, shape in enumerate(shapes)]
        params = {**params, **{p: sp.Rational(1, 2) for p in op.params if ops.kind_of(p) == "number"}}
        arrays = [np.asarray(a, dtype=object) if np.ndim(a) else a for a in args]
        form = (
            np.frompyfunc(lambda *a: op.sym(sp, *a, **params), op.arity, 1)(*args)
            if op.elementwise
            else op.sym(sp, *([arrays] if op.variadic else arrays), **params)  # cat's one list of tensors
        )
        parts = form if isinstance(form, tuple) else (form,)  # split's several answers
        flat = [sp.sympify(e) for part in parts for e in np.asarray(part, dtype=object).reshape(-1)]
        syms = sorted({s for e in flat for s in e.free_symbols}, key=str)
        assert mp_function(flat, syms) is not None, op.name


def _argument(op, position: int, shape, symbols):
    """Symbols, or what the row takes concrete: an index (zeros), a mask, a Python number (gather's dim)."""
    if isinstance(shape, int):
        return shape
    if position in op.index_args:
        return np.zeros(shape, dtype=np.int64)
    if position in op.mask_args:
        return np.ones(shape, dtype=bool)
    return symbols(f"a{position}", shape)


def test_every_op_has_a_row_for_each_way_it_is_called():
    for sig in ops.FRONTS.values():
        rows = [sig.number_first, sig.tensor_pair, sig.dim_row, *(row for _, row in sig.by_rank)]
        rows += [] if sig.by_rank else [sig.row]  # by rank, every call has its row: none is the default
        assert all(row in ops.OPS for row in rows if row), sig.name
        assert sig.spellings[0].name == sig.name
