"""`run` verifies a backward() call in its leaves' dtypes: a float32 snippet's table shows the float32 gradient the
snippet holds, judged against SymPy with check's float32 tolerance (16 ulps, shown in ulps); float64 leaves beside
float32 ones keep their dtype, as PyTorch promotes. Every gradient pinned here is what PyTorch 2.13 (CPU) gave for
the same snippet (`x.grad.tolist()`)."""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from diffcheck.cli import main

EXP_SIN = """\
import torch
x = torch.tensor([0.1, 0.7]{dtype}, requires_grad=True)
y = (x.exp() * x.sin()).sum()
y.backward()
print(x.grad)
"""

# PyTorch 2.13: x.grad.tolist() of EXP_SIN
TORCH_FLOAT32 = [1.2099826335906982, 2.837498188018799]
TORCH_FLOAT64 = [1.2099826555596132, 2.837498137307049]

# d loss / d w = sum(100 * xs * cos(w * xs)): seven terms up to 300 that cancel to -5.46, so float32's error of the
# terms is 38.6 ulps of the answer (PyTorch's too: -5.46496057510376 where the exact value is -5.464978970602615)
CANCELS = """\
import torch
xs = torch.linspace(-3.0, {end}, 7)
w = torch.tensor(0.7, requires_grad=True)
loss = ((w * xs).sin() * 100.0).sum()
loss.backward()
"""

MIXED = """\
import torch
x = torch.tensor([0.3, 1.7], requires_grad=True)
w = torch.tensor([0.1, 2.2], dtype=torch.float64, requires_grad=True)
s = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
y = (torch.sin(x) * w).sum() + (x * s).sum()
y.backward()
"""


def run(tmp_path, text: str, *options: str):
    path = tmp_path / "s.py"
    path.write_text(textwrap.dedent(text))
    return CliRunner().invoke(main, ["run", str(path), *options])


def rows(result) -> dict:
    (check,) = json.loads(result.stdout)["checks"]
    return {t["name"]: t for t in check["tensors"]}


def test_a_float32_snippets_table_shows_the_float32_gradient_it_holds(tmp_path):
    result = run(tmp_path, EXP_SIN.format(dtype=""))
    assert result.exit_code == 0, result.output
    output, table = result.stdout.split("\n\n", 1)
    assert output == "tensor([1.2100, 2.8375])"
    assert table.splitlines()[4].split("│")[1:9] == [
        " x      ",
        " input  ",
        " yes ",
        " yes  ",
        " [1.2099826335906982, 2.837498188018799] ",  # PyTorch's float32 x.grad
        " [1.2099826588368243, 2.8374981005857474] ",  # exact, at x's float32 values
        " [exp(x[0])*sin(x[0]) + exp(x[0])*cos(x[0]),             ",
        " 8.7e-08 ",
    ]
    assert "\nx: 0.367 ulp of float32\n" in table
    x = rows(run(tmp_path, EXP_SIN.format(dtype=""), "--format", "json"))["x"]
    assert x["engine"] == TORCH_FLOAT32
    assert (x["status"], x["note"], round(x["ulps_float32"], 3)) == ("match", "0.367 ulp of float32", 0.367)


def test_a_float64_snippet_is_verified_in_float64_as_before(tmp_path):
    result = run(tmp_path, EXP_SIN.format(dtype=", dtype=torch.float64"), "--format", "json")
    assert result.exit_code == 0, result.output
    x = rows(result)["x"]
    assert x["engine"] == TORCH_FLOAT64
    assert (x["status"], x["note"], "ulps_float32" in x) == ("match", "", False)


def test_float32_rounding_within_16_ulps_is_a_match_shown_in_ulps(tmp_path):
    result = run(tmp_path, CANCELS.format(end=3.05), "--format", "json")
    assert result.exit_code == 0, result.output
    w = rows(result)["w"]
    assert w["engine"] == -13.804161071777344  # PyTorch's
    assert (w["status"], w["note"]) == ("match", "5.93 ulp of float32")


def test_float32_rounding_beyond_16_ulps_is_rounding_when_the_graph_in_float64_agrees(tmp_path):
    """A sum that cancels keeps float32's error of its terms: beyond 16 ulps of its answer, yet the rules are right
    (the same graph run in float64 agrees with SymPy), so it is `rounding`, which only --strict fails."""
    result = run(tmp_path, CANCELS.format(end=3.02), "--format", "json")
    assert result.exit_code == 0, result.output
    w = rows(result)["w"]
    assert w["engine"] == -5.46496057510376  # PyTorch's
    assert w["status"] == "rounding"
    output = json.loads(result.stdout)["checks"][0]["output"]  # the sum of sines cancels too
    assert (output["value"], output["status"]) == (1.28495454788208, "rounding")  # PyTorch's loss.item()
    assert w["note"] == (
        "float32's rounding: the same graph in float64 agrees with SymPy (abs err 1.3e-14); 38.6 ulp of float32"
    )
    text = run(tmp_path, CANCELS.format(end=3.02))
    assert text.stdout.endswith(
        "w: float32's rounding: the same graph in float64 agrees with SymPy (abs err 1.3e-14); 38.6 ulp of float32\n"
        "xs: requires_grad=False: .grad is None on both sides\n"
        "loss: non-leaf: .grad is None unless retained (loss.retain_grad() before backward)\n"
        "loss = tensor(1.2850, grad_fn=<SumBackward0>)   (SymPy value: 1.2849466147158985: rounding)\n"
        "✓ all gradients agree (1 checked; loss (value), w within rounding)\n"
    )
    strict = run(tmp_path, CANCELS.format(end=3.02), "--strict")
    assert strict.exit_code == 1
    assert strict.stdout.endswith("✗ --strict: loss (value), w differ by rounding\n")


def test_a_wrong_float32_gradient_is_still_a_mismatch(tmp_path):
    """The float64 run explains rounding only where it agrees with SymPy: a wrong rule is wrong in both dtypes (a
    custom Function whose backward gives 3x^2 for x^2's derivative)."""
    wrong = """\
    import torch
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * g
    x = torch.tensor([0.5, 1.5], requires_grad=True)
    Square.apply(x).sum().backward()
    """
    result = run(tmp_path, wrong, "--format", "json")
    assert result.exit_code == 1
    assert rows(result)["x"]["status"] == "mismatch"


def test_mixed_float32_and_float64_leaves_are_each_in_their_own_dtype(tmp_path):
    """PyTorch promotes: sin(x) * w is float64, x * s float32 (a 0-d float64 beside a 1-d float32 does not promote);
    each leaf's gradient is what PyTorch 2.13 gave, bit for bit, judged with float32's tolerance."""
    result = run(tmp_path, MIXED, "--format", "json")
    assert result.exit_code == 0, result.output
    found = rows(result)
    assert found["x"]["engine"] == [0.7955336570739746, 0.4165419936180115]
    assert found["w"]["engine"] == [0.29552021622657776, 0.9916648268699646]
    assert found["s"]["engine"] == 2.0
    assert [found[name]["status"] for name in "xws"] == ["match"] * 3
    assert found["s"]["note"] == "0.25 ulp of float32"


def test_a_float64_gradient_given_to_a_float32_root_is_cast_to_float32(tmp_path):
    """PyTorch's backward casts `gradient` to the root's dtype: the snippet's x.grad is PyTorch's bit for bit (the
    engine once computed in float64 and cast at the end, which the own-gradient check caught)."""
    text = """\
    import torch
    x = torch.tensor([0.1, 0.7], requires_grad=True)
    y = x.exp() * 3
    y.backward(torch.tensor([1.1, 2.3], dtype=torch.float64))
    print(x.grad.tolist())
    """
    result = run(tmp_path, text, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["stdout"] == "[3.647064447402954, 13.894892692565918]\n"  # PyTorch 2.13's
    assert rows(result)["x"]["engine"] == [3.647064447402954, 13.894892692565918]
