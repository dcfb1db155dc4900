"""Views, iteration and in-place changes against PyTorch 2.13, recorded by tests/view_cases.py (tests/views.json):
iterating a tensor is unbind(0) (UnbindBackward0); a bool subscript is an unsqueeze and a one-element mask; item
assignment and in-place ops on a view write into the base's storage (versions bump), and under autograd rebase the
base onto CopySlices and its views onto AsStridedBackward0; a whole-tensor assignment is FillBackward3 or
CopyBackwards; `.data` of a leaf a node saved is what backward reads; PyTorch's refusals word for word."""

import json
import pathlib

import numpy as np
import pytest

import diffcheck as torch
from view_cases import C, T, W, X, graph

RECORDED = json.loads(pathlib.Path(__file__).with_name("views.json").read_text())


def run(case: dict) -> dict:
    """The case's statements on diffcheck's engine, recorded as the recorder records PyTorch."""
    scope = {
        "torch": torch,
        "x": torch.tensor(X, dtype=torch.float64, requires_grad=True),
        "w": torch.tensor(W, dtype=torch.float64, requires_grad=True),
        "t": torch.tensor(T, dtype=torch.float64, requires_grad=True),
        "c": torch.tensor(C, dtype=torch.float64),
    }
    leaves = {k: scope[k] for k in ("x", "w", "t")}
    out: dict = {}
    try:
        exec(case["code"], scope)
    except Exception as error:  # noqa: BLE001 - compared with what PyTorch raised
        out["error"] = [type(error).__name__, str(error)]
        return out
    out["tensors"] = {}
    for name in case["names"].split():
        v = scope[name]
        out["tensors"][name] = {
            "value": np.reshape(v.detach().data, -1).tolist(),
            "shape": list(v.shape),
            "graph": graph(v.grad_fn),
            "version": v._version,
            "view": v._base is not None,
        }
    if case["root"] is not None:
        y = scope[case["root"]]
        n = y.numel()
        weights = torch.tensor(np.reshape([0.5 + i / max(n, 1) for i in range(n)], y.shape), dtype=torch.float64)
        try:
            (y * weights).sum().backward()
        except Exception as error:  # noqa: BLE001
            out["backward_error"] = [type(error).__name__, str(error)]
            return out
        out["grads"] = {k: None if v.grad is None else np.reshape(v.grad.data, -1).tolist() for k, v in leaves.items()}
    return out


ENGINE = [c for c in RECORDED["cases"] if ".data" not in c["code"]]  # the library's .data is the NumPy array
DATA = [c for c in RECORDED["cases"] if ".data" in c["code"]]


@pytest.mark.parametrize("case", ENGINE, ids=[c["code"] for c in ENGINE])
def test_as_pytorch(case):
    want = {k: case[k] for k in ("tensors", "grads", "error", "backward_error") if k in case}
    assert run(case) == want


def test_recorded_with_pytorch_2_13():
    assert RECORDED["torch"].startswith("2.13")
