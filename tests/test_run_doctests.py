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
    "allow_mutation_on_saved_tensors": "6:33: 'torch.autograd.graph' is not supported",
    "bce_with_logits_loss": "56:28: 'torch.empty' is not supported",
    "cosine_embedding_loss": "5:23: 'torch.nn.CosineEmbeddingLoss' is not supported",
    "cross_entropy_loss": "8:28: 'torch.empty' is not supported",
    "disable_saved_tensors_hooks": "7:33: 'torch.autograd.graph' is not supported",
    "f_binary_cross_entropy_with_logits": "6:29: 'torch.empty' is not supported",
    "function_mark_non_differentiable": "5:5: import from 'torch.autograd.function' is not supported (torch, "
    "torch.nn.functional)",
    "function_save_for_backward": "5:5: import from 'torch.autograd.function' is not supported (torch, "
    "torch.nn.functional)",
    "function_set_materialize_grads": "5:5: import from 'torch.autograd.function' is not supported (torch, "
    "torch.nn.functional)",
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
    "node_name": "7:23: attribute 'clone' is not supported",
    "node_register_hook": "7:23: attribute 'clone' is not supported",
    "node_register_prehook": "6:23: attribute 'clone' is not supported",
    "poisson_nll_loss": "5:23: 'torch.nn.PoissonNLLLoss' is not supported",
    "register_multi_grad_hook": "15:28: 'torch.autograd.graph' is not supported",
    "saved_tensors_hooks": "16:33: 'torch.autograd.graph' is not supported",
    "soft_margin_loss": "5:23: 'torch.nn.SoftMarginLoss' is not supported",
    "tensor_grad_dtype": "6:11: attribute 'grad_dtype' is not supported",
    "tensor_post_accumulate_grad_hook": "8:23: attribute 'register_post_accumulate_grad_hook' is not supported",
    "tensor_register_hook": "6:23: attribute 'register_hook' is not supported",
}
_ADDRESS = re.compile(r"0x[0-9a-f]+")
_NUMBER = re.compile(r"-?\d+\.\d*(?:e[+-]?\d+)?")


def _masked(name: str, text: str) -> str:
    text = _ADDRESS.sub("0x…", text)
    return _NUMBER.sub("#", text) if name in RANDOM else text


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
    assert _masked(name, result.stdout) == _masked(name, stdout)
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
