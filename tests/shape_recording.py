"""The engine against the shape and linear-algebra recordings of tests/shape_cases.py (tests/shapes.json): a case's
expression runs on diffcheck's engine with the recorded inputs, and each answer's value, shape, dtype, graph and
view-ness, and the inputs' gradients, must be PyTorch's."""

import json
import pathlib

import numpy as np
import pytest

import diffcheck as torch

RECORDED = json.loads(pathlib.Path(__file__).with_name("shapes.json").read_text())
F = torch  # torch.nn.functional.X is torch.X in the library


def chain(fn) -> str:
    if fn is None:
        return "None"
    nexts = [chain(f) for f, _ in fn.next_functions]
    return f"{fn.name()}({', '.join(nexts)})" if nexts else fn.name()


def run(case):
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in case["inputs"].items()}
    out = eval(case["expression"], {"torch": torch, "F": F, **leaves})
    outs = list(out) if isinstance(out, tuple) else [out]
    total = None
    for o in outs:
        n = int(np.size(o.data))
        w = torch.tensor(np.reshape([0.5 + i / max(n, 1) for i in range(n)], o.shape), dtype=o.dtype)
        term = (o * w).sum()
        total = term if total is None else total + term
    total.backward()
    return leaves, out, outs


def check(case, exact: bool = True):
    leaves, out, outs = run(case)
    assert isinstance(out, tuple) == case["tuple"]
    assert len(outs) == len(case["outputs"])
    for o, want in zip(outs, case["outputs"]):
        assert chain(o.grad_fn) == want["graph"]
        assert list(o.shape) == want["shape"] and str(o.dtype) == f"torch.{want['dtype']}"
        assert (o._base is leaves["a"]) == want["view_of_a"]
        value = np.reshape(o.detach().data, -1).tolist()
        assert value == want["value"] if exact else np.allclose(value, want["value"], rtol=1e-15, atol=0)
    for name, want in case["grads"].items():
        got = leaves[name].grad
        assert (got is None) == (want is None)
        if got is not None:
            grad = np.reshape(got.data, -1).tolist()
            assert grad == want if exact else np.allclose(grad, want, rtol=1e-15, atol=0), (name, grad, want)


def cases(kind: str):
    return pytest.mark.parametrize("case", RECORDED[kind], ids=[c["expression"] for c in RECORDED[kind]])


def raises(error) -> None:
    a = torch.tensor([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)
    with pytest.raises(Exception) as raised:
        eval(error["expression"], {"torch": torch, "F": F, "a": a})
    assert error["type"] in [c.__name__ for c in type(raised.value).__mro__]
    assert str(raised.value) == error["message"]
