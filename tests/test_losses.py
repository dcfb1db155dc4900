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
