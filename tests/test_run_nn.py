"""`diffcheck run` on training code: torch's random numbers, nn.Module subclasses, torch.nn's layers and losses.

tests/nn_snippets/*.py print byte for byte what PyTorch 2.13 printed running them (`NAME.stdout`, recorded with
/tmp/torch/bin/python from that folder) — seeded random numbers, nn.Linear's initial weights, module printing,
state_dict(), optimizer steps — and every backward() call verifies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck.cli import main
from diffcheck.snippet import run_snippet
from diffcheck.snippet.parse import parse_snippet

CASES = Path(__file__).resolve().parent / "nn_snippets"
NAMES = sorted(path.stem for path in CASES.glob("*.py"))


def run(tmp_path, text: str, *args: str):
    (tmp_path / "s.py").write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["run", *args, str(tmp_path / "s.py")])


def output(text: str) -> str:
    printed = []
    outcome = run_snippet(parse_snippet(text, "s.py"), printed.append)
    assert outcome.error is None and outcome.raised is None, (outcome.error, outcome.raised)
    return "".join(printed)


@pytest.mark.parametrize("name", NAMES)
def test_training_code_prints_what_pytorch_prints(name, monkeypatch):
    monkeypatch.chdir(CASES)
    result = CliRunner().invoke(main, ["run", "--quiet", f"{name}.py"])
    assert result.stdout == (CASES / f"{name}.stdout").read_text(encoding="utf-8")
    assert result.stderr == ""
    assert result.exit_code == 0


def test_parameters_are_named_after_the_model_in_the_verification(monkeypatch):
    monkeypatch.chdir(CASES)
    result = CliRunner().invoke(main, ["run", "module_basics.py"])
    assert "│ model.fc1.weight │ input" in result.stdout
    assert "│ model.scale " in result.stdout
    assert "✓ all gradients agree" in result.stdout and result.exit_code == 0


def test_unseeded_runs_draw_from_a_random_seed_and_never_continue_another_run():
    text = "import torch\nprint(torch.rand(4), torch.randn(3))\n"
    seeded = "import torch\ntorch.manual_seed(0)\nprint(torch.rand(2))\n"
    first, second = output(text), output(text)
    assert first != second
    assert output(seeded) == output(seeded) == "tensor([0.4963, 0.7682])\n"
    assert output(text) not in (first, second)
    # a real process, as PyTorch: another seed at each start
    runs = [
        subprocess.run(
            [sys.executable, "-m", "diffcheck", "run", "--quiet", "-"], input=text, capture_output=True, text=True
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] != runs[1] and runs[0].startswith("tensor([")


def test_initial_seed_is_the_manual_one_and_a_new_generator_has_pytorchs_default():
    text = "import torch\ntorch.manual_seed(5)\ng = torch.Generator()\nprint(torch.initial_seed(), g.initial_seed())\n"
    assert output(text) == "5 67280421310721\n"


def test_a_generator_prints_as_pytorchs():
    assert output("import torch\nprint(torch.Generator())\n").startswith("<torch._C.Generator object at 0x")


LOSS = """import torch
import torch.nn as nn
pred = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
target = torch.zeros(3)
criterion = nn.MSELoss()
print(criterion)
loss = criterion(pred, target)
print(loss)
loss.backward()
print(pred.grad)
print(nn.MSELoss(reduction="sum")(pred, target))
"""


def test_a_loss_object_calls_the_tables_functional_row(tmp_path):
    result = run(tmp_path, LOSS)
    assert result.stdout.startswith(
        "MSELoss()\ntensor(4.6667, grad_fn=<MseLossBackward0>)\ntensor([0.6667, 1.3333, 2.0000])\n"
        "tensor(14., grad_fn=<MseLossBackward0>)\n"
    )
    assert "✓ all gradients agree" in result.stdout and result.exit_code == 0


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "import torch\nclass A(torch.nn.Linear): pass",
            "s.py:2:1: class 'A': only plain classes and subclasses of the snippet's classes, nn.Module and "
            "torch.autograd.Function are supported",
        ),
        (
            "import torch.nn as nn\nclass A(nn.Module):\n    x += 1",
            "s.py:3:5: class 'A': a class body holds methods, attributes (name = value) and docstrings",
        ),
        (
            "import torch.nn as nn\nclass A(nn.Module):\n    @f.setter\n    def f(self): pass",
            "s.py:3:6: class 'A': a method is decorated only by @staticmethod, @classmethod, @property and "
            "@torch.no_grad() or @torch.enable_grad()",
        ),
        (
            "import torch.nn as nn\nclass A(nn.Module, object): pass",
            "s.py:2:20: class 'A': multiple inheritance is not supported",
        ),
        (
            "import torch\nsuper().forward()",
            "s.py:2:1: super() is supported only in a method of the snippet's classes: super() or super(Class, self)",
        ),
    ],
)
def test_classes_beyond_nn_module_are_refused_with_their_place(tmp_path, text, message):
    result = run(tmp_path, text)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"diffcheck: error: {tmp_path / message.split(':')[0]}:{message.split(':', 1)[1]}\n"


@pytest.mark.parametrize(
    "line, message",
    [
        ("nn.Softmax()", "nn.Softmax needs dim= (an integer); PyTorch's implicit dim is deprecated"),
        ("nn.MSELoss(None, None, 'sum')", "nn.MSELoss takes its options by keyword (reduction)"),
        ("nn.Embedding(5, 3, padding_idx=0)", "nn.Embedding(padding_idx=...) is not supported"),
        ("nn.Embedding(5, 3, sparse=True)", "nn.Embedding(sparse=...) is not supported"),
        ("nn.functional.dropout(torch.ones(2), 0.5, inplace=True)", "dropout(inplace=True) is not supported"),
        ("nn.Dropout(0.5, True)(torch.ones(2))", "dropout(inplace=True) is not supported"),
        (
            "nn.Softplus(beta=2)",
            "nn.Softplus with beta, threshold other than beta=1.0, threshold=20.0 is not supported",
        ),
        ("nn.SiLU(inplace=True)(torch.ones(2))", "nn.SiLU(inplace=True) is not supported (write it out of place)"),
        ("torch.optim.SGD([nn.Parameter(torch.ones(1))], foreach=True)", "SGD(foreach=True) is not supported"),
        (
            "class A(nn.Module):\n    def f(self):\n        self.numpy = 1\nprint(torch.ones(1).numpy)",
            "attribute 'numpy' of a tensor",
        ),
        (
            "class A(nn.Module):\n    def f(self):\n        self.foo = 1\nx = torch.ones(1)\nx.foo = 2",
            "setting '.foo' on a tensor",
        ),
    ],
)
def test_what_is_not_modelled_stops_with_one_line(tmp_path, line, message):
    result = run(tmp_path, f"import torch\nimport torch.nn as nn\n{line}\n")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"diffcheck: error: {tmp_path / 's.py'}:") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_embeddings_padding_row_is_refused_where_pytorch_gives_no_derivative(tmp_path):
    result = run(
        tmp_path,
        "import torch\nimport torch.nn.functional as F\nF.embedding(torch.tensor([0]), torch.ones(2, 2), padding_idx=0)\n",
    )
    assert result.exit_code == 2 and result.stdout == ""
    assert (
        result.stderr == f"{tmp_path / 's.py'}:3: ValueError: embedding's padding_idx is not supported by diffcheck\n"
    )
