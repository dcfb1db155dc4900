"""The losses and the selections by integer tensors against PyTorch 2.13, recorded by tests/loss_cases.py
(tests/losses.json): values, every input's gradient, grad_fn names, next_functions, result dtypes and error texts.

Bit for bit where PyTorch's arithmetic is plain (mse, l1, smooth_l1, huber, nll_loss, gather, index_select,
masked_fill and their gradients); within `ULPS` units in the last place where PyTorch's exp and log are its SLEEF
kernels (binary cross entropy, cross_entropy's log_softmax).
"""

import json
import pathlib

import numpy as np
import pytest

import diffcheck as torch
from diffcheck import engine
from loss_cases import environment

RECORDED = json.loads(pathlib.Path(__file__).with_name("losses.json").read_text())
F = torch  # torch.nn.functional.X is torch.X in the library: the same function
EXACT = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss(x", "nll_loss(v", "gather", "index_select")
EXACT += ("masked_fill",)
ULPS = 4  # measured: at most 2 (float32 cross_entropy's gradient)


def _ulps(ours, theirs, dtype) -> float:
    ours, theirs = np.asarray(ours, dtype=dtype), np.asarray(theirs, dtype=dtype)
    same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    finite = np.abs(theirs[np.isfinite(theirs)])
    spacing = np.spacing(np.max(finite, initial=0.0).astype(dtype))
    with np.errstate(all="ignore"):
        gap = np.where(same, 0.0, np.abs(ours.astype(np.float64) - theirs.astype(np.float64)) / spacing)
    return float(np.max(gap, initial=0.0))


def _run(case):
    env = environment(torch, F, getattr(torch, case["dtype"]))
    out = eval(case["expression"], env)
    out.backward(gradient=torch.tensor(np.reshape(case["weights"], case["shape"]).tolist(), dtype=out.dtype))
    return env, out


def _same(ours, theirs, dtype, exact):
    theirs = [float(v) for v in theirs]
    if exact:
        assert ours == theirs
    else:
        assert _ulps(ours, theirs, dtype) <= ULPS, (ours, theirs)


@pytest.mark.parametrize("case", RECORDED["cases"], ids=[f"{c['expression']}-{c['dtype']}" for c in RECORDED["cases"]])
def test_values_gradients_and_graph_as_pytorch(case):
    env, out = _run(case)
    assert out.grad_fn.name() == case["grad_fn"]
    names = [None if f is None else type(f).__name__ for f, _ in out.grad_fn.next_functions]
    assert [n if n != "_AccumulateGrad" else "AccumulateGrad" for n in names] == case["next_functions"]
    assert str(out.dtype) == f"torch.{case['result_dtype']}" and list(out.shape) == case["shape"]
    dtype = np.float32 if case["dtype"] == "float32" else np.float64
    exact = any(key in case["expression"] for key in EXACT)
    _same(out.detach().data.reshape(-1).tolist(), case["value"], dtype, exact)
    grads = {n: env[n].grad for n in ("x", "y", "p", "q", "s", "v", "pv") if env[n].grad is not None}
    assert sorted(grads) == sorted(case["grads"])
    for name, grad in grads.items():
        _same(grad.data.reshape(-1).tolist(), case["grads"][name], dtype, exact)


@pytest.mark.parametrize("error", RECORDED["errors"], ids=[e["expression"] for e in RECORDED["errors"]])
def test_bad_arguments_raise_pytorchs_error(error):
    with pytest.raises(Exception) as raised:
        eval(error["expression"], environment(torch, F, torch.float64))
    assert error["type"] in [c.__name__ for c in type(raised.value).__mro__]
    assert str(raised.value) == error["message"]


def test_integer_targets_do_not_require_grad_and_get_no_gradient():
    x = engine.tensor([[0.5, -1.25, 2.0]], requires_grad=True)
    t = engine.tensor([2])
    loss = F.cross_entropy(x, t)
    loss.backward()
    assert t.dtype == engine.int64 and not t.requires_grad and t.grad is None
    assert x.grad is not None


# ---- the check language: integer targets, index lists, PyTorch's refusals as one line ------------------------------
Z = "z=[[0.5,-1.25,2.0],[1.5,0.25,-0.75]]"


def _check(*args):
    from click.testing import CliRunner

    from diffcheck.cli import main

    return CliRunner().invoke(main, ["check", *args])


def _json(*args):
    result = _check(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return {t["name"]: t for t in json.loads(result.stdout)["tensors"]}, json.loads(result.stdout)


@pytest.mark.parametrize(
    "program, values",
    [
        ("F.cross_entropy(z, t)", ["t=[2,0]"]),
        ("F.cross_entropy(z, [2, 0])", []),
        ("F.nll_loss(F.log_softmax(z, 1), t, reduction='sum')", ["t=[2,0]"]),
    ],
)
def test_a_class_target_is_an_integer_tensor_without_grad(program, values):
    tensors, data = _json(program, Z, *values)
    assert data["output"]["grad_fn"] == "NllLossBackward0" and data["output"]["status"] == "match"
    assert tensors["z"]["status"] == "match"
    if values:
        assert (tensors["t"]["requires_grad"], tensors["t"]["status"], tensors["t"]["engine"]) == (False, "none", None)


def test_the_linear_models_loss_agrees_on_both_sides():
    W = "W=[[0.5,-1.0],[0.25,0.75],[-0.5,1.5]]"
    tensors, data = _json("F.cross_entropy(W @ x + b, target)", W, "x=[1.0,-2.0]", "b=[0.1,0.0,-0.1]", "target=1")
    assert data["ok"] and {tensors[n]["status"] for n in ("W", "b", "x")} == {"match"}
    assert tensors["target"]["requires_grad"] is False


def test_linears_bias_is_an_argument_not_a_weight_beside_class_targets_and_pieces():
    """Two tensor parameters: F.linear's bias requires grad (an argument of linear_bias), a loss's weight does not;
    a subscript and split's pieces on the way to the loss."""
    W = "W=[[0.5,-1.0,0.25],[0.75,0.5,-1.0]]"
    program = "F.cross_entropy(F.linear(z, W, b)[0:2], t, weight=c) + sum(cat(split(z, 1)))"
    tensors, data = _json(program, Z, W, "b=[0.1,-0.1]", "t=[1,0]", "c=[1.0,2.0]")
    assert data["ok"] and {tensors[n]["status"] for n in ("W", "b", "z")} == {"match"}
    assert (tensors["b"]["requires_grad"], tensors["c"]["requires_grad"], tensors["t"]["requires_grad"]) == (
        True,
        False,
        False,
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["F.cross_entropy(z, t)", "t=[2.5,0]"],
            "1:20: 't' is an index tensor of 'cross_entropy': its values must be integers, not 2.5",
        ),
        (
            ["F.cross_entropy(z, t) + sum(t)", "t=[2,0]"],
            "1:29: 't' is an index tensor of 'cross_entropy' (at 1:20): it "
            "cannot also be a differentiable argument of 'sum'",
        ),
        (["F.cross_entropy(z, t)", "t=[5,0]"], "1:1: 'cross_entropy': Target 5 is out of bounds."),
        (
            ["F.cross_entropy(z, t + 1)", "t=[1,0]"],
            "1:1: 'cross_entropy': expected target dtype to be Long or Byte, but got Double",
        ),
        (
            ["F.cross_entropy(z, t)", "t=[2,0,1]"],
            "1:1: 'cross_entropy': Expected input batch_size (2) to match target batch_size (3).",
        ),
        (["F.mse_loss(z, z, reduction='avg')"], "1:28: 'F.mse_loss': avg is not a valid value for reduction"),
        (["F.mse_loss(z, z, reduction=1)"], "1:28: 'F.mse_loss' takes reduction= one of 'mean', 'sum', 'none', not 1"),
        (["F.cross_entropy(z, [2.5, 0])"], "1:21: an index list takes integers only"),
        (["torch.gather(z, 1, [[0, 3]])"], "1:1: 'gather': index 3 is out of bounds for dimension 1 with size 3"),
        (
            ["masked_fill(z, m, 0.0)", "m=[[1,0,2],[0,0,0]]"],
            "1:16: 'm' is a mask of 'masked_fill': its values must be 0 or 1 (False or True), not 2.0",
        ),
        (
            ["F.binary_cross_entropy(z, z)"],
            "1:1: 'binary_cross_entropy': all elements of input should be between 0 and 1",
        ),
    ],
)
def test_bad_input_is_one_line_with_its_place(args, message):
    values = [Z] if "z" in args[0] else []
    result = _check(*args[:1], *values, *args[1:])
    assert result.exit_code == 2
    assert result.stderr == f"diffcheck: error: expression:{message}\n"


def test_a_target_keeps_its_values_at_random_points():
    result = _check("F.cross_entropy(z, t)", Z, "t=[2,0]", "--points", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["point"]["t"] == [2.0, 0.0]


def test_a_row_holding_inf_is_nan_as_pytorchs_kernels_give():
    """torch 2.13 (CPU): log_softmax / softmax of [[inf, 1]] along dim 1 are [[nan, nan]] (the max subtracted, inf - inf),
    along dim 0 [[nan, 0.0]]; found by `fuzz --against torch` through cross_entropy of 1 / 0."""
    x = engine.tensor([[float("inf"), 1.0]], dtype=engine.float64)
    assert np.isnan(F.log_softmax(x, 1).data).all() and np.isnan(F.softmax(x, 1).data).all()
    assert str(F.log_softmax(x, 0).data.tolist()) == "[[nan, 0.0]]"
    assert F.log_softmax(engine.tensor([[float("-inf"), 1.0]], dtype=engine.float64), 1).data.tolist() == [
        [-np.inf, 0.0]
    ]


def test_the_graph_view_draws_the_nodes_pytorch_composes_a_loss_of():
    """cross_entropy is NllLossBackward0 of LogSoftmaxBackward0: nodes the program does not name, drawn inside the
    call, down to its arguments (issue 23)."""
    result = _check("F.cross_entropy(z, [2, 0])", Z, "--graph")
    assert result.exit_code == 0, result.output
    lines = [line.strip("│├└─ ") for line in result.stdout.splitlines()]
    assert lines[-3:] == [
        "NllLossBackward0  out = 0.2816  grad 1.",  # PyTorch 2.13: tensor(0.2816, grad_fn=<NllLossBackward0>)
        "LogSoftmaxBackward0  inside cross_entropy(z, (2, 0))",  # its next_functions: (LogSoftmaxBackward0, 0)
        "AccumulateGrad  z = [[ 0.5000, -1.2500,  2.0000], [ 1.5000,  0.2500, -0.7500]]  requires_grad=True  "
        "z.grad = [[ 0.0884,  0.0154, -0.1038], [-0.1408,  0.1029,  0.0379]]",
    ]
    assert _check("F.mse_loss(z, z)", Z, "--graph").exit_code == 0  # one node: drawn
