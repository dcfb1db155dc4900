"""The reductions and normalisers against PyTorch 2.13, recorded by tests/reduction_cases.py (tests/reductions.json):
values, gradients, grad_fn names, result dtypes and error texts.

Bit for bit where PyTorch's arithmetic is plain and in the same order as ours (prod, amax/amin, cumsum, cumprod, the
norm's p = 1 and inf, their gradients); elsewhere within `ULPS` units in the last place: exp and log are PyTorch's
vectorised (SLEEF) kernels, its sums are cascaded in another order than NumPy's pairwise ones, and var/std use Welford.
"""

import json
import math
import pathlib

import numpy as np
import pytest

import diffcheck as torch
from diffcheck import engine

RECORDED = json.loads(pathlib.Path(__file__).with_name("reductions.json").read_text())
F = torch  # torch.nn.functional.X is torch.X in the library: the same function
EXACT = ("prod", "amax", "amin", "cumsum", "cumprod", "norm(1", "norm(float", "torch.norm(x, 1)", "x.norm(1)")
# The most we allow where PyTorch's kernels round differently, in units in the last place of the answer's largest
# element (norm-wise: softmax's gradient cancels, g - sum(g * s), so an element near 0 carries the rounding of the
# terms it came from: softmax's along dim 0 in float32, whose terms g * s are near 1 and whose answer is near 0.1,
# is 13 ulps of the answer and 1 of the terms — PyTorch's kernel off the last dim sums in another order).
# Measured: values to the bit but 1 ulp of a few (float64: 0.5 norm-wise), gradients within 13 norm-wise ulps.
ULPS = 16


def _ulps(ours, theirs, dtype) -> float:
    ours, theirs = np.asarray(ours, dtype=dtype), np.asarray(theirs, dtype=dtype)
    same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    finite = np.abs(theirs[np.isfinite(theirs)])
    spacing = np.spacing(np.max(finite, initial=0.0).astype(dtype))
    with np.errstate(all="ignore"):
        gap = np.where(same, 0.0, np.abs(ours.astype(np.float64) - theirs.astype(np.float64)) / spacing)
    return float(np.max(gap, initial=0.0))


def _floats(values):
    return [float(v) for v in values]


def _run(case):
    dtype = getattr(torch, case["dtype"])
    x = torch.tensor(case["x"], dtype=dtype, requires_grad=True)
    y = eval(case["expression"], {"torch": torch, "F": F, "x": x, "float": float})
    weights = np.reshape(case["weights"], case["shape"]).tolist()
    y.backward(gradient=torch.tensor(weights, dtype=y.dtype))
    return x, y


@pytest.mark.parametrize(
    "case", RECORDED["cases"], ids=[f"{c['expression']}-{c['dtype']}-{i}" for i, c in enumerate(RECORDED["cases"])]
)
def test_values_gradients_names_and_dtypes_as_pytorch(case):
    x, y = _run(case)
    assert y.grad_fn.name() == case["grad_fn"]
    assert str(y.dtype) == f"torch.{case['result_dtype']}"
    assert list(y.shape) == case["shape"]
    value, grad = y.detach().data.reshape(-1).tolist(), x.grad.data.reshape(-1).tolist()
    dtype = np.float32 if case["dtype"] == "float32" else np.float64
    exact = any(key in case["expression"] for key in EXACT)
    want_value, want_grad = _floats(case["value"]), _floats(case["grad"])
    if exact:
        assert value == want_value and grad == want_grad
    else:
        gaps = (_ulps(value, want_value, dtype), _ulps(grad, want_grad, dtype))
        assert max(gaps) <= ULPS, f"{gaps} ulps: {value} {want_value} {grad} {want_grad}"


@pytest.mark.parametrize("error", RECORDED["errors"], ids=[e["expression"] for e in RECORDED["errors"]])
def test_bad_arguments_raise_pytorchs_error(error):
    x = torch.tensor([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)
    with pytest.raises(Exception) as raised:
        eval(error["expression"], {"torch": torch, "F": F, "x": x})
    assert type(raised.value).__name__ == error["type"] or error["type"] in [
        c.__name__ for c in type(raised.value).__mro__
    ]
    assert str(raised.value) == error["message"]


def test_recorded_with_pytorch_2_13():
    assert RECORDED["torch"].startswith("2.13")


def test_dims_and_ties_conventions():
    """A tie of amax shares the gradient evenly; prod with one zero gives the others' product to the zero only;
    the 2-norm at 0 has gradient 0 (PyTorch's subgradient)."""
    x = torch.tensor([1.0, 3.0, 3.0], dtype=torch.float64, requires_grad=True)
    x.amax().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]
    z = torch.tensor([2.0, 0.0, 3.0], dtype=torch.float64, requires_grad=True)
    z.prod().backward()
    assert z.grad.tolist() == [0.0, 6.0, 0.0]
    n = torch.tensor([0.0, 0.0], dtype=torch.float64, requires_grad=True)
    n.norm().backward()
    assert n.grad.tolist() == [0.0, 0.0]
    assert not math.isnan(n.grad.tolist()[0])
    assert engine.softmax(torch.tensor([1.0, 2.0]), 0).dtype == torch.float32


SECOND_ORDER = [
    ("sum(softmax(W, 0) ** 2)", "W=[[0.5,-1.25,2.0],[1.5,0.25,-0.75]]"),
    ("sum(log_softmax(W, 1) ** 2)", "W=[[0.5,-1.25,2.0],[1.5,0.25,-0.75]]"),
    ("sum(logsumexp(W, 0, keepdim=1) ** 2)", "W=[[0.5,-1.25,2.0],[1.5,0.25,-0.75]]"),
    ("sum(var(W, 1)) * sum(std(W, 0))", "W=[[0.5,-1.25,2.0],[1.5,0.25,-0.75]]"),
    ("norm(W) * sum(amax(W, 0))", "W=[[0.5,-1.25,2.0],[1.5,0.25,-0.75]]"),
    ("sum(norm(W, 3, dim=1) ** 2) + norm(W, 1) ** 2", "W=[[0.5,-1.25,2.0],[1.5,0.25,-0.75]]"),
    ("sum(cumsum(W, 1) * cumprod(W, 1))", "W=[[0.5,-1.25,2.0],[1.5,0.25,-0.75]]"),
    ("prod(W) ** 2 + sum(prod(W, 0) * prod(W, 1, keepdim=1))", "W=[[0.5,0.0,2.0],[1.5,0.0,0.0]]"),
    ("sum(prod(W, 1) ** 2)", "W=[[0.5,0.0,2.0],[1.5,0.25,0.0]]"),
]


@pytest.mark.parametrize("program, value", SECOND_ORDER, ids=[p for p, _ in SECOND_ORDER])
def test_second_derivatives_against_sympy(program, value):
    """Every rule is written in differentiable ops: --order 2 agrees with SymPy (prod with zeros included: PyTorch's
    zero-safe form, recorded; cumprod at a zero is not supported at second order)."""
    from click.testing import CliRunner

    from diffcheck.cli import main

    result = CliRunner().invoke(main, ["check", program, value, "--order", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"]


def test_run_takes_every_spelling():
    """`diffcheck run` of a snippet with torch.X, Tensor.X and F.X of every new op: it runs and agrees with SymPy;
    PyTorch 2.13 prints the same grad_fn names and this x.grad (rounded as printed)."""
    from click.testing import CliRunner

    from diffcheck.cli import main

    snippet = "\n".join(
        [
            "import torch",
            "import torch.nn.functional as F",
            "x = torch.tensor([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]], dtype=torch.float64, requires_grad=True)",
            "a = torch.softmax(x, 1) + F.softmax(x, dim=0) + x.log_softmax(1) + F.log_softmax(x, 0)",
            "b = torch.logsumexp(x, 1) + x.prod(1) + x.amax(1) + torch.amin(x, 1) + x.var(1) + x.std(1, correction=0)",
            "c = x.cumsum(1) * x.cumprod(0)",
            "y = a.sum() + b.sum() + c.sum() + x.prod() + x.norm(1) + x.norm(dim=1).sum()",
            "y.backward()",
            "print(a.grad_fn.name(), x.norm().grad_fn.name(), x.grad)",
        ]
    )
    result = CliRunner().invoke(main, ["run", "-"], input=snippet)
    assert result.exit_code == 0, result.output
    assert (
        "AddBackward0 LinalgVectorNormBackward0 tensor([[ 4.6232,  0.1265,  5.3963],\n"
        "        [ 3.3092, -2.7316,  0.2166]], dtype=torch.float64)"
    ) in result.output


@pytest.mark.parametrize("shape", [(300, 257), (3, 70000), (70000, 1), (4, 50, 400)])
def test_log_softmax_in_blocks_of_rows_is_bit_for_bit_the_whole_array(shape, monkeypatch):
    """A big float64 log_softmax along its last dim runs block by block of rows (its temporaries in cache: one memory
    pass, benchmarks/normalisers.py); values and gradients have the bits of the whole-array computation, inf and nan
    rows too, and the gradient is stored as x.grad without a copy."""
    from diffcheck.ops import normalisers

    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape) * 30
    x.reshape(-1)[::997], x.reshape(-1)[5::1999], x.reshape(-1)[7::3001] = np.inf, -np.inf, np.nan
    g = rng.standard_normal(shape)

    def run():
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        with np.errstate(all="ignore"):
            y = torch.log_softmax(t, -1)
            y.backward(gradient=torch.tensor(g))
        return y.detach().numpy().view(np.int64), t.grad.numpy()

    assert normalisers._row_blocks(x, len(shape) - 1) is not None
    blocked, blocked_grad = run()
    assert blocked_grad.base is None  # the rule's own array
    monkeypatch.setattr(normalisers, "_BLOCKED", math.inf)  # the whole array at once, as before the blocks
    whole, whole_grad = run()
    assert np.array_equal(blocked, whole) and np.array_equal(blocked_grad.view(np.int64), whole_grad.view(np.int64))
