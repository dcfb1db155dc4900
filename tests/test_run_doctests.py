"""`diffcheck run` over PyTorch's own docstring examples (tests/doctests/, copied verbatim from the torch 2.13.0 wheel;
sources in SOURCES.md), run as REPL sessions: each prints byte for byte what PyTorch 2.13 printed running the same
session (tests/record_doctests.py), its exceptions are the same lines, and every gradient call verifies. Sessions
that draw unseeded random numbers are compared with their numbers masked; what diffcheck still refuses is pinned
here with its one line, so a refusal that goes away (or a new one) fails until this list is updated."""

from __future__ import annotations

import re
from collections import Counter
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
    "cosine_embedding_loss": "5:23: 'torch.nn.CosineEmbeddingLoss' is not supported",
    "gaussian_nll_loss": "5:23: 'torch.nn.GaussianNLLLoss' is not supported",
    "hinge_embedding_loss": "5:23: 'torch.nn.HingeEmbeddingLoss' is not supported",
    "kl_div_loss": "5:26: 'torch.nn.KLDivLoss' is not supported",
    "margin_ranking_loss": "5:23: 'torch.nn.MarginRankingLoss' is not supported",
    "multilabel_soft_margin_loss": "5:23: 'torch.nn.MultiLabelSoftMarginLoss' is not supported",
    "nll_loss": "19:23: 'torch.nn.Conv2d' is not supported",
    "poisson_nll_loss": "5:23: 'torch.nn.PoissonNLLLoss' is not supported",
    "soft_margin_loss": "5:23: 'torch.nn.SoftMarginLoss' is not supported",
}
# Where diffcheck prints otherwise, line by line (0-based, after masking): (PyTorch's text, diffcheck's). Seeded
# float32 reductions printed at full precision differ in the last bits (PyTorch's kernels sum in another order).
KNOWN = {
    "cross_entropy_loss": {
        5: ("4.6379876136779785", "4.63798713684082"),  # loss(input, target).item(), cross_entropy of probabilities
        9: ("tensor([1.0000, 1.0000, 1.0000])", "tensor([1., 1., 1.])"),  # softmax's rows summed: 1 +- 1 ulp
        10: ("2.55349063873291", "2.5534908771514893"),
    },
}
# Gradient calls that run but are not verified, (line, why): a hook that replaces a gradient makes it other than the
# graph's derivative
_HOOKED = "a hook replaced gradients during this call (not verifiable)"
UNVERIFIED = {
    "tensor_register_hook": [(7, _HOOKED)],
    "node_register_hook": [(10, _HOOKED)],
    "node_register_prehook": [(9, _HOOKED)],
}
_ADDRESS = re.compile(r"0x[0-9a-f]+")


def _unverified(name: str, calls: list) -> str:
    """run's lines for calls it cannot verify: one per line of the session and reason, with their count."""
    counts = Counter(calls)
    return "".join(
        f"diffcheck: error: {name}.txt:{line}: cannot verify "
        + ("this backward()" if counts[line, why] == 1 else f"these {counts[line, why]} backward() calls")
        + f": {why}\n"
        for line, why in dict.fromkeys(calls)
    )


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
    ours, theirs = _masked(name, result.stdout).split("\n"), _masked(name, stdout).split("\n")
    for line, (pytorch, diffcheck) in KNOWN.get(name, {}).items():
        assert (theirs[line], ours[line]) == (pytorch, diffcheck), line
        ours[line] = theirs[line]
    assert ours == theirs
    unverified = _unverified(name, UNVERIFIED.get(name, []))
    assert result.stderr.startswith(raised + unverified)
    rest = result.stderr[len(raised + unverified) :]
    # a session that raised, or made no backward() call, exits 2 (trouble): nothing else may be on stderr
    assert rest in ("", f"diffcheck: error: {name}.txt: no backward() call: nothing to verify\n"), result.stderr
    assert result.exit_code == (2 if raised or unverified or rest else 0), result.stderr


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


SESSIONS = Path(__file__).resolve().parent / "sessions"
# our own sessions (tests/sessions/, recorded by record_doctests.py as the corpus): the gradient calls not verified
SESSION_UNVERIFIED = {
    "functional": [],
    "hooks": [(12, _HOOKED), (23, _HOOKED)],
    "hook_names": [(21, _HOOKED), (27, _HOOKED)],
    "grad_dtype": [],
    "equal": [],
    "inference": [],
    "inplace_activations": [],
    "list_methods": [],
    "module_type": [],
    "once_differentiable": [],
    "sort_index_add": [],
    "sort_stable": [],
    "reprs": [],
    "saved_contexts": [],
    "saved_hooks": [(32, _HOOKED)],  # unpack returns other values: the gradients are not the graph's derivative
    # unpack doubles what pow, sigmoid, softmax, relu_ and sigmoid_ saved; exp_'s result was changed in place after
    "saved_hooks_ops": [
        *((line, _HOOKED) for line in (59, 62, 65, 77, 85, 117)),
        (
            119,
            "the graph goes through a gradient made with create_graph=True on line 117, whose call is not verified: "
            + _HOOKED,
        ),
    ],
}


@pytest.mark.parametrize("name", sorted(SESSION_UNVERIFIED))
def test_own_sessions_print_what_pytorch_prints(name, monkeypatch):
    """functional: torch.autograd.functional's six functions on fixed inputs, tuples of inputs and outputs, a
    lambda, and two of PyTorch's errors (-0. included, byte for byte); once_differentiable: @once_differentiable on a
    Function's backward (it runs with gradients off), x.clone() (CloneBackward0, verified as its input),
    isinstance(..., torch.autograd.graph.Node); hooks: tensor, post-accumulate, node and multi-grad hooks in
    PyTorch's order (several on one tensor, a non-leaf's before retain_grad() keeps it, a leaf's as soon as its last
    consumer ran, node hooks' grad_inputs with None for a constant, autograd.grad calling tensor hooks and not
    post-accumulate ones), handles' remove() and PyTorch's errors; saved_contexts: save_on_cpu,
    disable_saved_tensors_hooks' message, allow_mutation_on_saved_tensors (in-place changes, with and without grad,
    of tensors a graph saved; backward uses the saved values); saved_hooks: saved_tensors_hooks' pack and unpack on
    ops saving inputs, constants and results, in PyTorch's order; saved_hooks_ops: the same around pow (both
    overloads), relu, sigmoid, softmax, log_softmax, matmul (mv, dot), mse_loss, sort, cat, where, clamp (number and
    tensor bounds) and max(dim) (an index tensor, a bool condition packed), ops in place (relu_, sigmoid_, exp_ whose
    saved result add_ and mul_ then change: backward uses it changed, unchecked, as PyTorch's unpacked tensors are),
    subscripts and item assignments saving nothing (an op in place on a view too), then an unpack doubling what they
    saved, and a custom Function's save_for_backward (packed once its forward returned, unpacked by
    ctx.saved_tensors), and create_graph=True through unpacked tensors (they keep the saved tensors' place in the
    graph); equal: torch.equal and Tensor.equal (a Python bool: sizes first, no broadcasting, values
    across dtypes, nan never equal, -0.0 == 0.0, requires_grad aside) and PyTorch's TypeErrors; reprs: what the REPL
    echoes for functions, lambdas, dtypes, sizes,
    grad_fn objects, grad modes, torch.Tensor, ranges, dicts and numbers; sort_index_add: sort (stable, nan last,
    SortBackward0), index_add(_) and its errors, ctx.mark_non_differentiable, a local `sorted` shadowing the builtin;
    inference: torch.inference_mode (with, decorator, mode=False), is_inference(), and PyTorch's errors when an
    inference tensor meets autograd (its in-place change outside the mode is made, then refused, as in PyTorch);
    inplace_activations: leaky_relu and elu in place (F.*(inplace=True), F.*_, nn.*(inplace=True)): LeakyReluBackward1
    and EluBackward1, whose rules read the result, and PyTorch's refusal of their backward for a negative slope;
    grad_dtype: Tensor.grad_dtype (2.13) read, set, None, backward casting into it, and its errors; module_type:
    type(m) of nn modules compared with `is` and `==`, Module.apply (children first) under @torch.no_grad(), and the
    reprs of every nn class and optimizer `run` has (the module PyTorch defines it in); list_methods: a list's remove,
    sort, reverse, copy, clear beside a hook handle's remove() (and its TypeError with an argument), a tensor's truth
    in a list's remove and count; hook_names: builtins, torch functions, classes, nn modules and bound methods as
    hooks, named in PyTorch's errors by their __name__ or '<unknown>', what they return named by its Python type, a
    builtin's error at the backward() line, the type checked before the size; sort_stable: sort's keyword-only
    stable= (True, False, None: SortBackward1) and PyTorch's TypeErrors for the calls its overloads do not fit."""
    monkeypatch.chdir(SESSIONS)
    result = CliRunner().invoke(main, ["run", "--quiet", f"{name}.txt"])
    assert _ADDRESS.sub("0x…", result.stdout) == _ADDRESS.sub("0x…", (SESSIONS / f"{name}.stdout").read_text())
    raised = SESSIONS / f"{name}.stderr"
    unverified = _unverified(name, SESSION_UNVERIFIED[name])
    assert result.stderr == (raised.read_text() if raised.exists() else "") + unverified
    assert result.exit_code == (2 if result.stderr else 0)


def test_a_second_derivative_with_respect_to_grad_outputs():
    """jvp's double-backward trick: the first gradient is a function of the grad_outputs tensor given with
    create_graph=True, so its gradient with respect to that tensor exists (PyTorch 2.13: e + e**2 here)."""
    import math

    from diffcheck import engine

    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    g = engine.zeros_like(y).requires_grad_()
    (first,) = engine.grad([y], [x], [g], create_graph=True)
    (second,) = engine.grad([first], [g], [engine.ones_like(x)], create_graph=True)
    assert first.tolist() == [0.0, 0.0] and second.requires_grad
    assert abs(second.item() - (math.e + math.e**2)) < 1e-5
