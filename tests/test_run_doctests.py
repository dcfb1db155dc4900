"""`diffcheck run` over PyTorch's own docstring examples (tests/doctests/, copied verbatim from the torch 2.13.0 wheel;
sources in SOURCES.md), run as REPL sessions: each prints byte for byte what PyTorch 2.13 printed running the same
session (tests/record_doctests.py), its exceptions are the same lines, and every gradient call verifies. Sessions
that draw unseeded random numbers are compared with their numbers masked; what diffcheck still refuses is pinned
here with its one line, so a refusal that goes away (or a new one) fails until this list is updated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck.cli import main

DOCTESTS = Path(__file__).resolve().parent / "doctests"
NAMES = sorted(path.stem for path in DOCTESTS.glob("*.txt"))
# torch.rand / torch.randn unseeded: PyTorch prints other numbers on every run
RANDOM = {
    "functional_vjp",
    "functional_jvp",
    "functional_jacobian",
    "functional_hessian",
    "functional_vhp",
    "functional_hvp",
}
# Refused before anything runs (exit 2, one line): what is missing
REFUSED = {
    "allow_mutation_on_saved_tensors": "6:39: 'torch.autograd.graph.allow_mutation_on_saved_tensors' is not supported",
    "cosine_embedding_loss": "5:23: 'torch.nn.CosineEmbeddingLoss' is not supported",
    "disable_saved_tensors_hooks": "7:39: 'torch.autograd.graph.disable_saved_tensors_hooks' is not supported",
    "function_mark_non_differentiable": "10:25: assigning to the builtin 'sorted' is not supported",
    "functional_hessian": "4:5: import from 'torch.autograd.functional' is not supported (torch, torch.nn.functional)",
    "functional_hvp": "4:5: import from 'torch.autograd.functional' is not supported (torch, torch.nn.functional)",
    "functional_jacobian": "4:5: import from 'torch.autograd.functional' is not supported (torch, torch.nn.functional)",
    "functional_jvp": "4:5: import from 'torch.autograd.functional' is not supported (torch, torch.nn.functional)",
    "functional_vhp": "4:5: import from 'torch.autograd.functional' is not supported (torch, torch.nn.functional)",
    "functional_vjp": "4:5: import from 'torch.autograd.functional' is not supported (torch, torch.nn.functional)",
    "gaussian_nll_loss": "5:23: 'torch.nn.GaussianNLLLoss' is not supported",
    "hinge_embedding_loss": "5:23: 'torch.nn.HingeEmbeddingLoss' is not supported",
    "inference_mode": "8:24: 'torch.inference_mode' is not supported",
    "kl_div_loss": "5:26: 'torch.nn.KLDivLoss' is not supported",
    "margin_ranking_loss": "5:23: 'torch.nn.MarginRankingLoss' is not supported",
    "module_apply_no_grad": "8:24: builtin 'type' is not supported",
    "multilabel_soft_margin_loss": "5:23: 'torch.nn.MultiLabelSoftMarginLoss' is not supported",
    "nll_loss": "19:23: 'torch.nn.Conv2d' is not supported",
    "node_register_hook": "9:36: attribute 'register_hook' is not supported",
    "node_register_prehook": "8:36: attribute 'register_prehook' is not supported",
    "poisson_nll_loss": "5:23: 'torch.nn.PoissonNLLLoss' is not supported",
    "register_multi_grad_hook": "15:34: 'torch.autograd.graph.register_multi_grad_hook' is not supported",
    "saved_tensors_hooks": "16:39: 'torch.autograd.graph.saved_tensors_hooks' is not supported",
    "soft_margin_loss": "5:23: 'torch.nn.SoftMarginLoss' is not supported",
    "tensor_grad_dtype": "6:11: attribute 'grad_dtype' is not supported",
    "tensor_post_accumulate_grad_hook": "8:23: attribute 'register_post_accumulate_grad_hook' is not supported",
    "tensor_register_hook": "6:23: attribute 'register_hook' is not supported",
}
# Seeded, so PyTorch prints the same numbers on every run, and so does diffcheck (its generator is PyTorch's), but for
# float32 reductions printed at full precision: these lines differ in the last bits (line: what PyTorch printed)
ROUNDING = {
    "cross_entropy_loss": {
        5: "4.6379876136779785",  # loss(input, target).item(): cross_entropy with probabilities
        9: "tensor([1.0000, 1.0000, 1.0000])",  # softmax's rows summed: PyTorch's are 1 +- 1 ulp, ours 1.0
        10: "2.55349063873291",
    }
}
_ADDRESS = re.compile(r"0x[0-9a-f]+")
_NUMBER = re.compile(r"-?\d+\.\d*(?:e[+-]?\d+)?")


def _masked(name: str, text: str) -> str:
    text = _ADDRESS.sub("0x…", text)
    return _NUMBER.sub("#", text) if name in RANDOM else text


def _close(ours: str, theirs: str) -> bool:
    """The same numbers within float32's rounding (2 ulp of 1)."""
    a, b = (re.findall(r"-?\d+\.\d*", text) for text in (ours, theirs))
    return len(a) == len(b) and all(abs(float(x) - float(y)) <= 2.4e-7 * max(1.0, abs(float(y))) for x, y in zip(a, b))


def _run(name: str, monkeypatch):
    monkeypatch.chdir(DOCTESTS)
    return CliRunner().invoke(main, ["run", "--quiet", f"{name}.txt"])


def test_corpus_size_and_sources():
    assert len(NAMES) >= 40
    sources = (DOCTESTS / "SOURCES.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert (DOCTESTS / f"{name}.stdout").exists(), name
        assert f"| {name} |" in sources, name
    assert set(REFUSED) <= set(NAMES) and RANDOM <= set(NAMES)


@pytest.mark.parametrize("name", sorted(set(NAMES) - set(REFUSED)))
def test_session_prints_what_pytorch_prints(name, monkeypatch):
    result = _run(name, monkeypatch)
    stdout = (DOCTESTS / f"{name}.stdout").read_text(encoding="utf-8")
    stderr_path = DOCTESTS / f"{name}.stderr"
    raised = stderr_path.read_text(encoding="utf-8") if stderr_path.exists() else ""
    ours, theirs = _masked(name, result.stdout).split("\n"), _masked(name, stdout).split("\n")
    for line, text in ROUNDING.get(name, {}).items():
        assert theirs[line] == text and ours[line] != text, (line, ours[line])
        assert _close(ours[line], text), (line, ours[line])
        ours[line] = theirs[line]
    assert ours == theirs
    assert result.stderr.startswith(raised)
    rest = result.stderr[len(raised) :]
    # a session that raised, or made no backward() call, exits 2 (trouble): nothing else may be on stderr
    assert rest in ("", f"diffcheck: error: {name}.txt: no backward() call: nothing to verify\n"), result.stderr
    assert result.exit_code == (2 if raised or rest else 0), result.stderr


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_stays_refused(name, monkeypatch):
    result = _run(name, monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"diffcheck: error: {name}.txt:{REFUSED[name]}\n"


def test_random_fills_and_numpy_names_as_pytorch(tmp_path, monkeypatch):
    """What the loss docstrings' targets need: `torch.empty(...).random_(n)` draws as PyTorch 2.13 does for a seed
    (printed by torch), `axis`/`keepdims` are PyTorch's aliases of `dim`/`keepdim`; random_'s error text is torch's."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.txt").write_text(
        ">>> import torch\n>>> _ = torch.manual_seed(0)\n>>> torch.empty(3, dtype=torch.long).random_(5)\n"
        ">>> torch.empty(2, 3).random_(2, 7)\n>>> torch.ones(2).sum(axis=0, keepdims=True)\n"
        ">>> torch.empty(2).random_(3, 3)\n"
    )
    result = CliRunner().invoke(main, ["run", "--quiet", "s.txt"])
    assert result.stdout == "tensor([4, 4, 3])\ntensor([[2., 5., 6.],\n        [4., 5., 4.]])\ntensor([2.])\n"
    assert (
        result.stderr == "s.txt:6: RuntimeError: random_ expects 'from' to be less than 'to', but got from=3 >= to=3\n"
    )


ONCE = """\
>>> import torch
>>> from torch.autograd.function import once_differentiable
>>> class Cube(torch.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x ** 3
...     @staticmethod
...     @once_differentiable
...     def backward(ctx, g):
...         x, = ctx.saved_tensors
...         print(torch.is_grad_enabled())
...         return g * 3 * x ** 2
>>> x = torch.tensor([1., 2.], requires_grad=True)
>>> y = Cube.apply(x.clone()).sum()
>>> y.backward()
>>> x.grad
>>> isinstance(y.grad_fn, torch.autograd.graph.Node), isinstance(x, torch.autograd.graph.Node)
>>> x.clone().grad_fn
"""


def test_once_differentiable_clone_and_node(tmp_path, monkeypatch):
    """@once_differentiable on a Function's backward (it runs with gradients off), x.clone() (CloneBackward0,
    verified as its input), isinstance(..., torch.autograd.graph.Node): the output PyTorch 2.13 printed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.txt").write_text(ONCE)
    result = CliRunner().invoke(main, ["run", "s.txt"])
    printed = "False\ntensor([ 3., 12.])\n(True, False)\n<CloneBackward0 object at 0x…>\n"
    assert _ADDRESS.sub("0x…", result.stdout).startswith(printed)
    assert "✓ all gradients agree (2 checked)" in result.stdout and result.exit_code == 0, result.output
