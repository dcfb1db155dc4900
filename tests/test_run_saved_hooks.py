"""saved_tensors_hooks in `run` reads what each node saves from PyTorch's recording (tests/saved_hooks.json, by
tests/saved_hooks_cases.py with /tmp/torch/bin/python); its copy in the package must agree, every recorded case the
table keeps must give PyTorch's gradients when unpack_hook returns the saved tensors doubled, and an op the table does
not list is refused in one line (the sessions tests/sessions/saved_hooks*.txt pin the rest)."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from diffcheck.cli import main
from diffcheck.snippet.saved_table import SAVED
from saved_hooks_cases import CALLS, key, table  # tests/ is on sys.path under pytest

RECORDED = json.loads((Path(__file__).resolve().parent / "saved_hooks.json").read_text(encoding="utf-8"))


def test_the_package_copy_is_the_recording():
    copy = {
        op: {combo: (g, tuple(p), tuple(u)) for combo, (g, p, u) in cases.items()}
        for op, cases in table(RECORDED).items()
    }
    assert copy == SAVED
    # PyTorch packs by op and by which inputs require grad: mul saves only what the other input's gradient needs
    assert SAVED["mul"] == {
        "ct": ("MulBackward0", ("self",), ("self",)),
        "tc": ("MulBackward0", ("other",), ("other",)),
        "tt": ("MulBackward0", ("other", "self"), ("other", "self")),
    }
    assert len(SAVED) > 100 and SAVED["sort"] == {"t": ("SortBackward0", ("result1",), ("result1",))}


KEPT: list = []
table(RECORDED, KEPT)


def _literal(arg, requires_grad: bool) -> str:
    """A call's argument as snippet source: POINTS' names a float64 tensor, (dtype, values) a tensor of it."""
    from fidelity_cases import POINTS

    if isinstance(arg, str) and arg in POINTS:
        return f"torch.tensor({_numbers(POINTS[arg])}, dtype=torch.float64, requires_grad={requires_grad})"
    if isinstance(arg, tuple) and arg[:1] in (("int64",), ("bool",), ("float64",)):
        return f"torch.tensor({arg[1]!r}, dtype=torch.{arg[0]})"
    return repr(arg)


def _numbers(values) -> str:
    return repr(values).replace("nan", "float('nan')").replace("inf", "float('inf')")


def _source(label: str, flags: dict) -> str:
    """A snippet calling CALLS[label] inside saved_tensors_hooks whose unpack doubles float tensors, then printing
    the gradients (as saved_hooks_cases.record_one does in PyTorch)."""
    from fidelity_cases import WEIGHTED

    spelling, args, params = (*CALLS[label], {})[:3]
    names = [f"a{i}" for i in range(len(args))]
    lines = ["import torch", "def unpack(t):", "    return t * 2 if t.dtype == torch.float64 else t"]
    lines += [f"{n} = {_literal(a, flags.get(i, False))}" for i, (n, a) in enumerate(zip(names, args))]
    keywords = "".join(f", {k}={_literal(v, False)}" for k, v in params.items())
    if spelling == "where(a > 0, a, b)":
        expression = "torch.where(a0 > 0, a0, a1)"
    elif spelling.endswith("([a, b])"):
        expression = f"{spelling[: -len('([a, b])')]}([a0, a1]{keywords})"
    elif spelling.startswith("a "):
        expression = f"a0 {spelling.split()[1]} a1"
    elif spelling.startswith("Tensor."):
        expression = f"a0.{spelling[len('Tensor.') :]}({', '.join(names[1:])}{keywords})"
    else:
        expression = f"{spelling.replace('F.', 'torch.nn.functional.', 1)}({', '.join(names)}{keywords})"
    lines += [
        "with torch.autograd.graph.saved_tensors_hooks(lambda t: t.detach(), unpack):",
        f"    y = {expression}",
        "y = y if isinstance(y, torch.Tensor) else y[0]",
        "total = (y * torch.arange(1, y.numel() + 1, dtype=y.dtype).reshape(y.shape)).sum()"
        if label in WEIGHTED
        else "total = y.sum()",
        "total.backward()",
        *(
            f"print(None if {names[i]}.grad is None else {names[i]}.grad.reshape(-1).tolist())"
            for i in sorted(flags)
            if flags[i]
        ),
    ]
    return "\n".join(lines) + "\n"


def run_quiet(path, text: str):
    """`diffcheck run --quiet s.py` of `text`, written at `path` (the working folder: messages say `s.py`)."""
    (path / "s.py").write_text(text)
    return CliRunner().invoke(main, ["run", "--quiet", "s.py"])


@pytest.mark.parametrize("label, flags", KEPT, ids=[f"{label}-{key(CALLS[label][1], f)}" for label, f in KEPT])
def test_backward_computes_with_what_unpack_returns(tmp_path, monkeypatch, label, flags):
    monkeypatch.chdir(tmp_path)
    result = run_quiet(tmp_path, _source(label, flags))
    # a backward whose saved tensors unpack changed is not verifiable against SymPy: exit code 2 and that line
    assert result.exit_code == 0 or result.stderr.endswith("(not verifiable)\n"), result.stderr
    recorded = RECORDED[label][key(CALLS[label][1], flags)]["doubled"]
    printed = [
        None if line == "None" else eval(line, {"inf": float("inf"), "nan": float("nan")})
        for line in result.stdout.splitlines()
    ]
    assert len(printed) == len(recorded)
    for ours, theirs in zip(printed, recorded):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)  # gelu tanh: ~0 by cancellation


@pytest.mark.parametrize(
    "call, grad_fn",
    [
        ("torch.nn.functional.cross_entropy(M, torch.tensor([1, 0]))", "NllLossBackward0"),  # total_weight
        ("torch.nn.functional.logsigmoid(x)", "LogSigmoidBackward0"),  # its buffer
        ("torch.nn.functional.linear(M, M)", "MmBackward0"),  # of weight.t(), made inside the call
        ("2 / x", "MulBackward0"),  # reciprocal(x) * 2
        ("x[torch.tensor([1, 0])]", "IndexBackward0"),  # the index tensor
        ("(x * 1).clamp_(0, 1)", "ClampBackward1"),  # a clone of its input before the change
        ("(x * 1)[1:].exp_()", "ExpBackward0 in place on a view"),  # its result, inside CopySlices
        ("torch.nn.functional.nll_loss(M, torch.tensor([1, 0]), weight=x.detach())", "NllLossBackward0"),
    ],
)
def test_what_pytorch_saves_and_diffcheck_does_not_hold_is_refused(tmp_path, monkeypatch, call, grad_fn):
    monkeypatch.chdir(tmp_path)
    result = run_quiet(
        tmp_path,
        "import torch\nx = torch.tensor([0.25, 0.5], requires_grad=True)\n"
        "M = torch.tensor([[0.5, 1.5], [2.0, 1.0]], requires_grad=True)\n"
        "with torch.autograd.graph.saved_tensors_hooks(lambda t: print('pack', t) or t, lambda t: t):\n"
        f"    y = {call}\n",
    )
    assert result.exit_code == 2
    assert result.stderr == f"diffcheck: error: s.py:5:9: saved_tensors_hooks around {grad_fn} is not supported\n"


def test_a_pack_hook_of_an_or_returns_the_tensor(tmp_path, monkeypatch):
    """`print(...) or t`: Python never asks the last operand's truth (a tensor of several values would raise)."""
    monkeypatch.chdir(tmp_path)
    result = run_quiet(
        tmp_path,
        "import torch\nx = torch.tensor([0.25, 0.5], requires_grad=True)\n"
        "with torch.autograd.graph.saved_tensors_hooks(lambda t: print('pack', t) or t, lambda t: t):\n"
        "    y = x.sin()\ny.sum().backward()\nprint(x.grad, None or x, 1 and x)\n",
    )
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "pack tensor([0.2500, 0.5000], requires_grad=True)\n"
        "tensor([0.9689, 0.8776]) tensor([0.2500, 0.5000], requires_grad=True) "
        "tensor([0.2500, 0.5000], requires_grad=True)\n"
    )


def test_the_ops_of_a_pack_hook_pack_nothing(tmp_path, monkeypatch):
    """PyTorch runs pack_hook with the hooks off: its own ops save without packing (no recursion), and backward
    uses what it returned (recorded with PyTorch 2.13: cos(sin(x)))."""
    monkeypatch.chdir(tmp_path)
    result = run_quiet(
        tmp_path,
        "import torch\nx = torch.tensor([0.5, 1.5], requires_grad=True)\ndef pack(t):\n    print('pack', t)\n"
        "    return t.sin()\nwith torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):\n    y = x.sin()\n"
        "y.sum().backward()\nprint(x.grad)\n",
    )
    assert result.stdout == "pack tensor([0.5000, 1.5000], requires_grad=True)\ntensor([0.8873, 0.5424])\n"
    assert result.stderr.endswith("(not verifiable)\n") and result.exit_code == 2


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(KEPT))
def test_hooks_that_give_back_what_was_saved_change_nothing(tmp_path, monkeypatch, case):
    """Any kept case: pack returning t.detach() and unpack returning it print the gradients the call gives without
    hooks, and the backward stays verifiable (the same exit code)."""
    monkeypatch.chdir(tmp_path)
    source = _source(*case).replace("return t * 2 if t.dtype == torch.float64 else t", "return t")
    plain = source.replace("with torch.autograd.graph.saved_tensors_hooks(lambda t: t.detach(), unpack):", "if True:")
    hooked, bare = (run_quiet(tmp_path, text) for text in (source, plain))
    assert "saved_tensors_hooks" in source and "saved_tensors_hooks" not in plain
    assert (hooked.stdout, hooked.exit_code, hooked.stderr) == (bare.stdout, bare.exit_code, bare.stderr)
