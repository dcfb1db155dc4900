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
from view_cases import C, T, W, X, graph, second

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


@pytest.mark.parametrize("case", RECORDED["second"], ids=[c["code"] for c in RECORDED["second"]])
def test_second_derivatives_through_in_place_ops_as_pytorch(case):
    """A rule under create_graph=True reads what an in-place op's node saved at its version then (CopySlices too)."""
    assert second(torch, case["code"]) == {"code": case["code"], "h": case["h"]}


def test_recorded_with_pytorch_2_13():
    assert RECORDED["torch"].startswith("2.13")


# ---- the same statements in `diffcheck run`: PyTorch's values, graphs and errors, and verified ----------------------
HEADER = f"""import torch
x = torch.tensor({X}, dtype=torch.float64, requires_grad=True)
w = torch.tensor({W}, dtype=torch.float64, requires_grad=True)
t = torch.tensor({T}, dtype=torch.float64, requires_grad=True)
c = torch.tensor({C}, dtype=torch.float64)


def graph(fn):
    if fn is None:
        return "None"
    nexts = [graph(f) for f, _ in fn.next_functions]
    name = fn.name().replace("torch::autograd::", "")
    return f"{{name}}({{', '.join(nexts)}})" if nexts else name


"""
SHOW = "print([{0}.detach().reshape(-1).tolist(), list({0}.shape), graph({0}.grad_fn), {0}._version, {0}._base is not None])\n"
BACKWARD = """n = {0}.numel()
weights = torch.tensor([0.5 + i / max(n, 1) for i in range(n)], dtype=torch.float64).reshape({0}.shape)
(({0}) * weights).sum().backward()
print([None if g is None else g.reshape(-1).tolist() for g in (x.grad, w.grad, t.grad)])
"""
NOT_VERIFIABLE = {  # PyTorch's answer, which no program states: run says so and exits 2
    "y = t * t; t.data.fill_(3.0)": "changed through .data",
    "y = t.exp(); t.data.fill_(3.0)": "changed through .data",
    "y = t * 3; t.data.fill_(3.0)": "changed through .data",
    "y = w * w; w.data.mul_(2.0)": "changed through .data",
    "d = t.data; y = t * t; d.add_(1.0)": "changed through .data",
    "y = x * 1; v = y.diagonal(1); v.mul_(2)": "an in-place change of a view made by 'diagonal' (not verifiable yet)",
}


RUN_REFUSED = {  # run refuses what it cannot trace, in one line with the place, before the snippet goes on
    "y = x * 1; v = y[0]\nwith torch.no_grad():\n    y.mul_(2)": "mul_() on a tensor of the graph under no_grad is not supported",
}


def snippet(case: dict) -> str:
    text = HEADER + case["code"] + "\n" + "".join(SHOW.format(name) for name in case["names"].split())
    return text + (BACKWARD.format(case["root"]) if case["root"] else "")


@pytest.mark.parametrize("case", RECORDED["cases"], ids=[c["code"] for c in RECORDED["cases"]])
def test_run_as_pytorch(case, tmp_path):
    from click.testing import CliRunner

    from diffcheck.cli import main

    path = tmp_path / "s.py"
    path.write_text(snippet(case))
    result = CliRunner().invoke(main, ["run", str(path), "-q"])
    lines = result.stdout.splitlines()
    raised = case.get("error") or case.get("backward_error")
    if case["code"] in RUN_REFUSED:
        assert RUN_REFUSED[case["code"]] in result.stderr and result.exit_code == 2
        return
    if case.get("error"):
        assert lines == []
    else:
        tensors = case["tensors"]
        shown = [[v["value"], v["shape"], v["graph"], v["version"], v["view"]] for v in tensors.values()]
        assert [eval(line) for line in lines[: len(shown)]] == shown
        if "grads" in case:
            assert eval(lines[len(shown)]) == [case["grads"][k] for k in ("x", "w", "t")]
    if raised:
        assert f"{raised[0]}: {raised[1]}" in result.stderr and result.exit_code == 2
    elif case["code"] in NOT_VERIFIABLE:
        assert NOT_VERIFIABLE[case["code"]] in result.stderr and result.exit_code == 2
    elif case["root"]:
        assert result.exit_code == 0, result.stderr


# ---- properties: any basic subscript's view, changed in place, is its base changed there ------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SHAPE = (3, 4)


@st.composite
def basic_keys(draw):
    """A subscript of ints and slices (steps 1 to 3) over a (3, 4) tensor, as PyTorch takes it."""
    items = []
    for size in SHAPE[: draw(st.integers(1, 2))]:
        if draw(st.booleans()):
            items.append(draw(st.integers(-size, size - 1)))
        else:
            start = draw(st.integers(0, size - 1))
            items.append(slice(start, draw(st.integers(start + 1, size)), draw(st.integers(1, 3))))
    return tuple(items)


BASE = np.arange(12.0).reshape(SHAPE) / 4 - 1


@settings(max_examples=60, deadline=None)
@given(basic_keys(), st.sampled_from([1.5, -2.0]))
def test_a_views_change_is_its_bases(key, factor):
    """Without grad the values go into the base; with grad the base's gradient is the out-of-place program's:
    `y[key] = y[key] * factor`, bit for bit."""
    c = torch.tensor(BASE)
    c[key].mul_(factor)
    expected = BASE.copy()
    expected[key] *= factor
    assert np.array_equal(c.data, expected) and c._version == 1
    x = torch.tensor(BASE, requires_grad=True)
    y = x * 1
    v = y[key]
    v.mul_(factor)
    assert y.grad_fn.name() == "torch::autograd::CopySlices" and v.grad_fn.name() == "AsStridedBackward0"
    (y * y).sum().backward()
    gradient = 2 * expected
    gradient[key] *= factor
    assert np.array_equal(x.grad.data, gradient)
