"""max/min (whole, over a dim, max(x, y)), argmax/argmin, F.normalize, torch.linalg.vector_norm, norm(p='fro') and
the creation ops against PyTorch 2.13, recorded by tests/selection_cases.py (tests/selection.json): values and
gradients bit for bit (float32 and float64), grad_fn chains, result dtypes, error texts, torch.return_types' text;
then in `check` (both sides, special points) and in `diffcheck run`."""

import json
import pathlib
import types

import numpy as np
import pytest
from click.testing import CliRunner

import diffcheck as torch
from diffcheck import engine
from diffcheck.cli import main

from test_indexing import chain, flat  # tests/ is on sys.path under pytest

RECORDED = json.loads(pathlib.Path(__file__).with_name("selection.json").read_text())


class _Torch:
    """The library as `torch`, with torch.linalg.vector_norm where PyTorch has it."""

    linalg = types.SimpleNamespace(vector_norm=engine.TORCH_FUNCTIONS["vector_norm"])

    def __getattr__(self, name):
        return getattr(torch, name)


SCOPE = {"torch": _Torch(), "F": types.SimpleNamespace(normalize=engine.TORCH_FUNCTIONS["normalize"]), "float": float}


# what the engine does not refuse as PyTorch does (left alone here): a fourth positional argument of torch.max, and
# NumPy's own words for shapes maximum cannot broadcast; matrix norms ('nuc')
NOT_PINNED = {"torch.max(x, 1, True, 2)", "torch.max(x, torch.ones(2))", "x.norm(p='nuc', dim=5)"}


@pytest.mark.parametrize(
    "case", RECORDED["ops"], ids=[f"{c['expression']}-{c['dtype']}-{i}" for i, c in enumerate(RECORDED["ops"])]
)
def test_values_gradients_and_chains_as_pytorch(case):
    x = torch.tensor(case["x"], dtype=getattr(torch, case["dtype"]), requires_grad=True)
    y = eval(case["expression"], {**SCOPE, "x": x})
    y.backward(gradient=torch.tensor(np.reshape(case["weights"], case["shape"]).tolist(), dtype=y.dtype))
    assert chain(y) == case["chain"]
    assert str(y.dtype) == f"torch.{case['result_dtype']}" and list(np.shape(y.data)) == case["shape"]
    assert flat(y) == case["value"] and flat(x.grad) == case["grad"]


@pytest.mark.parametrize(
    "case", RECORDED["non_differentiable"], ids=[c["expression"] for c in RECORDED["non_differentiable"]]
)
def test_indices_and_created_tensors_as_pytorch(case):
    x = torch.tensor(case["x"], dtype=torch.float64, requires_grad=True)
    y = eval(case["expression"], {**SCOPE, "x": x})
    assert str(y.dtype) == f"torch.{case['result_dtype']}" and list(np.shape(y.data)) == case["shape"]
    assert flat(y) == case["value"] and y.requires_grad == case["requires_grad"]


@pytest.mark.parametrize(
    "case", [c for c in RECORDED["op_errors"] if c["expression"] not in NOT_PINNED], ids=lambda c: c["expression"]
)
def test_bad_arguments_raise_pytorchs_error(case):
    x = torch.tensor([[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]], requires_grad=True)
    with pytest.raises(Exception) as caught:
        eval(case["expression"], {**SCOPE, "x": x})
    assert case["type"] in [c.__name__ for c in type(caught.value).__mro__]
    assert str(caught.value) == case["message"]


def test_max_over_a_dim_is_pytorchs_return_type():
    both = torch.max(torch.tensor([[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]], dtype=torch.float64, requires_grad=True), 1)
    assert repr(both) == str(both) == RECORDED["return_types"]["repr"]
    values, indices = both
    assert values is both.values and indices is both.indices and both[1] is indices
    with pytest.raises(AttributeError) as caught:
        _ = both.counts
    assert str(caught.value) == "'torch.return_types.max' object has no attribute 'counts'"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_whole_max_fills_its_mask_as_pytorch(dtype):
    """evenly_distribute_backward fills zeros (an infinite gradient leaves the others 0, not nan) and takes the nan
    elements when the answer is nan. Recorded with /tmp/torch/bin/python (PyTorch 2.13)."""
    dtype = getattr(torch, dtype)
    x = torch.tensor([0.0, 1.0], dtype=dtype, requires_grad=True)
    torch.rsqrt(x.min()).backward()
    assert x.grad.tolist() == [-float("inf"), 0.0]
    y = torch.tensor([[0.0, 0.0], [0.0, 1.0]], dtype=dtype, requires_grad=True)
    (y.max() / torch.tensor(0.0, dtype=dtype)).backward()
    assert y.grad.tolist() == [[0.0, 0.0], [0.0, float("inf")]]
    w = torch.tensor([1.0, float("nan"), 3.0, float("nan")], dtype=dtype, requires_grad=True)
    w.max().backward()
    assert w.grad.tolist() == [0.0, 0.5, 0.0, 0.5]


def test_linspace_computes_in_its_dtype():
    # PyTorch 2.13: torch.linspace(-1, 1, 4, dtype=torch.float64).tolist(), and in float32 (/tmp/torch/bin/python)
    assert torch.linspace(-1, 1, 4, dtype=torch.float64).tolist() == [
        -1.0,
        -0.33333333333333337,
        0.33333333333333337,
        1.0,
    ]
    assert torch.linspace(-1, 1, 4).tolist() == [-1.0, -0.3333333134651184, 0.3333333134651184, 1.0]
    assert torch.linspace(0, 1, 7).tolist()[1:3] == [0.1666666716337204, 0.3333333432674408]


def test_ties_whole_share_evenly_over_a_dim_go_to_the_first():
    x = torch.tensor([[1.0, 3.0, 3.0], [3.0, 2.0, -1.0]], dtype=torch.float64, requires_grad=True)
    x.max().backward()
    assert flat(x.grad) == [0.0, 1 / 3, 1 / 3, 1 / 3, 0.0, 0.0]
    x.grad = None
    x.max(dim=1).values.sum().backward()
    assert flat(x.grad) == [0.0, 1.0, 0.0, 1.0, 0.0, 0.0]


# ---- check -----------------------------------------------------------------------------------------------------
TIES = "x=[[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]]"
GENERIC = "x=[[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]]"


def check(*args):
    result = CliRunner().invoke(main, ["check", *args, "--format", "json"])
    return result, (json.loads(result.stdout) if result.stdout else None)


@pytest.mark.parametrize(
    "program, at",
    [
        ("max(x)", GENERIC),
        ("min(x) * 2", GENERIC),
        ("sum(exp(max(x, 1)[0]))", GENERIC),
        ("sum(min(x, dim=0, keepdim=True)[0])", GENERIC),
        ("linalg.vector_norm(x)", GENERIC),
        ("torch.linalg.vector_norm(x, 3, dim=0)", GENERIC),
        ("norm(x, p='fro')", GENERIC),
        ("sum(sin(F.normalize(x, dim=0)))", GENERIC),
        ("sum(torch.nn.functional.normalize(x, 1, 1) ** 2)", GENERIC),
        ("sum(x * linspace(0, 1, 3) + arange(3) * eye(2, 3))", GENERIC),
        ("sum(x * zeros_like(x) + ones_like(x) * full_like(x, 2.5) * x)", GENERIC),
    ],
)
def test_check_both_sides_agree(program, at):
    result, data = check(program, at)
    assert result.exit_code == 0, result.output
    assert data["tensors"][0]["status"] == "match"


@pytest.mark.parametrize("program", ["max(x)", "sum(max(x, 1)[0])", "min(-x)"])
def test_check_ties_are_kinks_explained_by_pytorchs_convention(program):
    result, data = check(program, TIES)
    assert result.exit_code == 0, result.output
    assert data["tensors"][0]["status"] == "kink"


def test_check_max_of_two_tensors_is_maximum():
    result, data = check("max(x, y)", "x=[1.0, 3.0]", "y=[2.0, 3.0]")
    assert result.exit_code == 0 and data["output"]["grad_fn"] == "MaximumBackward0"


@pytest.mark.parametrize(
    "program, message",
    [
        ("max(x, 1)", "expression:1:1: 'out' is the (values, indices) of max/min over a dim: take [0]"),
        ("max(x, 1)[1]", "expression:1:11: the indices of max/min over a dim are int64: check takes the values ([0])"),
        ("argmax(x)", "expression:1:1: 'argmax' gives int64 indices: nothing to differentiate in check"),
        ("norm(x, p='nuc')", "expression:1:11: 'norm' takes p= a number or 'fro', not 'nuc'"),
        ("max(x, 2)", "expression:1:1: 'max': Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ],
)
def test_check_refusals_are_one_line_with_their_place(program, message):
    result = CliRunner().invoke(main, ["check", program, GENERIC])
    assert result.exit_code == 2 and result.stderr.strip() == f"diffcheck: error: {message}"


# ---- diffcheck run ---------------------------------------------------------------------------------------------
SNIPPET = """import torch
import torch.nn.functional as F
x = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]], requires_grad=True)
m = torch.max(x, 1)
print(m)
v, i = x.min(dim=0)
print(v, i)
y = m.values.sum() + x.max() + v.sum() * torch.max(x, x * 0.5).sum() + torch.linalg.vector_norm(x, 1)
y = y + F.normalize(x, dim=0).sum() + x.norm(p='fro') + (torch.arange(3) * torch.ones_like(x)).sum()
print(m.indices, torch.argmax(x), x.argmin(1, keepdim=True))
y.backward()
print(x.grad)
"""
# what PyTorch 2.13 prints for SNIPPET (/tmp/torch/bin/python)
PRINTED = """torch.return_types.max(
values=tensor([3., 2.], grad_fn=<MaxBackward0>),
indices=tensor([1, 0]))
tensor([ 1.,  2., -1.], grad_fn=<MinBackward0>) tensor([0, 1, 1])
tensor([1, 0]) tensor(1) tensor([[0],
        [2]])
tensor([[13.8679,  5.0243,  4.1934],
        [ 4.2885, 13.9420, 10.6905]])
"""


def test_run_prints_as_pytorch_and_verifies_the_backward(tmp_path):
    path = tmp_path / "s.py"
    path.write_text(SNIPPET)
    result = CliRunner().invoke(main, ["run", str(path), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["stdout"] == PRINTED
    assert result.exit_code == 0 and [c["ok"] for c in data["checks"]] == [True]


LINSPACE = json.loads(pathlib.Path(__file__).with_name("linspace.json").read_text())


@pytest.mark.parametrize("case", LINSPACE, ids=[f"{c['start']}-{c['end']}-{c['steps']}-{c['dtype']}" for c in LINSPACE])
def test_linspace_is_pytorchs_kernel_bit_for_bit(case):
    """One kernel (ops/creation.py) for the table row (float32, the check language's linspace) and run's
    torch.linspace of any dtype, recorded by tests/linspace_cases.py."""
    from diffcheck import ops

    made = engine.linspace(case["start"], case["end"], case["steps"], dtype=getattr(torch, case["dtype"]))
    assert [float(v).hex() for v in made.data.tolist()] == case["values"]
    if case["dtype"] == "float32":
        row = ops.OPS["linspace"].forward(start=case["start"], end=case["end"], steps=case["steps"])
        assert [float(v).hex() for v in np.asarray(row).tolist()] == case["values"]


def test_sort_stable_is_the_keyword_overload():
    """sort's stable= (keyword-only; True, False or None) is PyTorch 2.13's sort.stable: the same answer, SortBackward1;
    dim by position beside it is PyTorch's TypeError (texts recorded in tests/sessions/sort_stable.stderr)."""
    x = torch.tensor([[2.0, 1.0, 2.0], [0.0, 1.0, 1.0]], requires_grad=True)
    for stable in (True, False, None):
        values, indices = torch.sort(x, stable=stable, descending=True, dim=0)
        assert values.grad_fn.name() == "SortBackward1" and indices.tolist() == [[0, 0, 0], [1, 1, 1]]
    assert x.sort(1).values.grad_fn.name() == "SortBackward0"
    (values * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]  # PyTorch 2.13
    with pytest.raises(TypeError) as error:
        torch.sort(x, 0, stable=True)
    assert str(error.value).startswith(
        "sort() received an invalid combination of arguments - got (Tensor, int, stable=bool), but expected one of:\n"
        " * (Tensor input, *, bool stable, int dim = -1, bool descending = False, tuple of Tensors out = None)\n"
    )
    with pytest.raises(TypeError, match=r"^sort\(\) takes from 1 to 0 positional arguments but 2 were given$"):
        x.sort(0, True, stable=True)
