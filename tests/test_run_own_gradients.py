"""`run` holds what the snippet saw against its graph: each leaf's .grad after a verified backward() must be its .grad
before plus the engine's gradient on the traced graph, bit for bit (the same engine, the same ops), or the leaf is a
mismatch. A fresh run of the traced graph could hide a wrong gradient the snippet's own run computed (a view used
twice after its base changed in place once lost one of its gradients, and `run` said all agreed)."""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from diffcheck.cli import main
from diffcheck.snippet.torch_surface import TorchSurface

VIEWS = """\
import torch
x = torch.tensor([0.5, 1.5, 2.5], requires_grad=True)
z = x * 1
v = z[1:]
z[0] = 4.0
w = v[0] * 3
u = v[1:].sin()
(w + u.sum()).backward()
print(x.grad)
"""

ACCUMULATED = """\
import torch
x = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
for i in range(3):
    (x.sin() * x).sum().backward()
w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
(w * w).sum().backward()
(w ** 3).sum().backward()
print(x.grad, w.grad)
"""


PIECES = """\
import torch
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
pieces = x.split([1, 2], dim=1)
joined = torch.cat(x.split([1, 2], dim=1), dim=1)
stacked = torch.stack(x.unbind(0), 1)
loss = (joined * x).sum() + (stacked * x.T).sum() + (pieces[0] * pieces[1][:, :1]).sum() + x.unbind(1)[2].sum()
loss.backward()
print(x.grad)
"""

# PyTorch 2.13 gives x.grad [0.5, 13.5, 62.5] (4 x**3, the Function's backward and the product's)
CUSTOM = """\
import torch
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * g
x = torch.tensor([0.5, 1.5, 2.5], requires_grad=True)
(Cube.apply(x) * x).sum().backward()
print(x.grad.tolist())
"""


def run(tmp_path, text: str):
    path = tmp_path / "s.py"
    path.write_text(textwrap.dedent(text))
    return CliRunner().invoke(main, ["run", str(path), "--format", "json"])


def test_gradients_the_snippet_saw_agree_with_its_graph(tmp_path):
    for text in (VIEWS, ACCUMULATED, PIECES, CUSTOM):
        result = run(tmp_path, text)
        assert result.exit_code == 0, result.output
        assert "please report it" not in result.output


def test_a_gradient_the_snippet_saw_that_is_not_its_graphs_is_a_mismatch(tmp_path, monkeypatch):
    """The engine's own run made wrong on purpose: one more added to every leaf's .grad after each backward()."""
    engine = TorchSurface._engine

    def wrong(self, function, node, *args, **kwargs):
        answer = engine(self, function, node, *args, **kwargs)
        if getattr(function, "__name__", "") == "backward":
            x = self.scope.flat()["x"]
            x._grad.data = x._grad.data + 1
        return answer

    monkeypatch.setattr(TorchSurface, "_engine", wrong)
    result = run(tmp_path, VIEWS)
    assert result.exit_code == 1
    x = json.loads(result.output)["checks"][0]["tensors"][0]
    assert (x["name"], x["status"]) == ("x", "mismatch")
    assert x["note"] == (
        "the snippet's .grad after this backward() is [1.0, 4.0, 0.1988564133644104], where its graph gives "
        "[0.0, 3.0, -0.8011435866355896] (diffcheck went wrong in this run: please report it)"
    )
    result = run(tmp_path, CUSTOM)  # a custom Function's graph is held to it too
    assert result.exit_code == 1
    x = json.loads(result.output)["checks"][0]["tensors"][0]
    assert (x["name"], x["status"]) == ("x", "mismatch")
    assert x["note"] == (
        "the snippet's .grad after this backward() is [1.5, 14.5, 63.5], where its graph gives [0.5, 13.5, 62.5] "
        "(diffcheck went wrong in this run: please report it)"
    )


def test_the_pieces_of_split_and_unbind_are_traced_as_the_tuples_items(tmp_path):
    """A tuple's pieces were once traced as the first piece and new leaves (`x.split([1, 2], dim=1)` an input of its
    own), so the graph verified was not the snippet's: each piece is now `split(...)[i]`, alone or in cat and stack.
    PyTorch 2.13 prints x.grad [[6., 9., 13.], [21., 24., 25.]] for this snippet."""
    result = run(tmp_path, PIECES)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["stdout"] == "tensor([[ 6.,  9., 13.],\n        [21., 24., 25.]])\n"
    (check,) = report["checks"]
    rows = {t["name"]: t for t in check["tensors"]}
    assert [name for name, t in rows.items() if t["role"] == "input"] == ["x"]
    assert rows["x"]["engine"] == rows["x"]["sympy"] == [[6.0, 9.0, 13.0], [21.0, 24.0, 25.0]]
