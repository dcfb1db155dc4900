"""Issue 16's elementwise ops and activations against PyTorch 2.13, recorded by tests/elementwise_cases.py into
tests/elementwise.json: values, gradients, grad_fn names, next_functions, dtypes and error texts, in float32 and
float64. Bit for bit where PyTorch's kernel is plain arithmetic; where it calls a CPU math function (erf, exp, log,
tanh ...), within the ulps ULPS names for that op (PyTorch's vectorised SLEEF kernels against NumPy's libm)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import diffcheck
from diffcheck import engine
from diffcheck.cli import main
from elementwise_cases import CALLS, ERRORS, POINTS  # tests/ is on sys.path under pytest

RECORDED = json.loads((Path(__file__).resolve().parent / "elementwise.json").read_text(encoding="utf-8"))

# The most ulps (of the value, or of 1 where it is smaller) an op's values and gradients differ from PyTorch's by, per
# dtype: (value ulps, gradient ulps). Absent: bit for bit in both dtypes. Where PyTorch's kernel calls a math function
# (erf, exp, expm1, log1p, tanh, atan2 ...) its vectorised float32 kernels (SLEEF) and NumPy's libm differ by an ulp
# or two; gelu's float32 value by 4.5 (1 + erf(x / sqrt 2) cancels near x = -3).
ULPS = {
    "atan2": {"float32": (1, 0)},
    "arctan2": {"float32": (1, 0)},
    "celu": {"float32": (1, 1)},
    "celu_alpha": {"float32": (0, 1)},
    "elu": {"float32": (1, 1)},
    "elu_alpha": {"float32": (1, 1)},
    "erf": {"float32": (0, 1), "float64": (1, 1)},
    "erf_method": {"float32": (0, 1), "float64": (1, 1)},
    "erfc": {"float32": (1, 1), "float64": (1, 1)},
    "exp2": {"float64": (1, 1)},
    "gelu": {"float32": (4.5, 1), "float64": (0, 1)},
    "gelu_none": {"float32": (4.5, 1), "float64": (0, 1)},
    "gelu_tanh": {"float32": (1, 3), "float64": (0, 1)},
    "log10": {"float32": (1, 0)},
    "logaddexp": {"float32": (1, 1)},
    "logsigmoid": {"float32": (1, 1)},
    "mish": {"float32": (1, 2), "float64": (1, 2)},
    "selu": {"float32": (1, 1)},
    "selu_torch": {"float32": (1, 1)},
    "silu": {"float32": (1, 1), "float64": (0, 1)},
}


def _values(recorded: list) -> np.ndarray:
    return np.array([float(v) for v in recorded])


def _ulps(ours: np.ndarray, theirs: np.ndarray, dtype) -> float:
    """The largest distance in ulps of `dtype` (non-finite values must agree exactly, signed zeros by value)."""
    ours, theirs = ours.astype(dtype), theirs.astype(dtype)
    finite = np.isfinite(theirs)
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), (ours, theirs)
    assert np.array_equal(ours[~finite & ~np.isnan(theirs)], theirs[~finite & ~np.isnan(theirs)]), (ours, theirs)
    largest = np.abs(theirs) == np.finfo(dtype).max  # nan_to_num's default for inf: exact (its ulp overflows)
    assert np.array_equal(ours[largest], theirs[largest]), (ours, theirs)
    finite &= ~largest
    if not finite.any():
        return 0.0
    # ulps of the value, or of 1 where the value is smaller: PyTorch's float32 kernels (vectorised erf, exp, tanh,
    # log1p) are accurate to an ulp or two of their own results, which cancel (1 + erf(x) near x = -3 in gelu)
    spacing = np.spacing(np.maximum(np.abs(theirs[finite]), 1).astype(dtype))
    return float(np.max(np.abs(ours[finite].astype(np.float64) - theirs[finite].astype(np.float64)) / spacing))


def _function(spelling: str):
    if spelling == "a % b":
        return lambda a, b, **p: a % b
    if spelling == "a // b":
        return lambda a, b, **p: a // b
    space, name = spelling.split(".")
    if space == "Tensor":
        return lambda t, *rest, **p: getattr(t, name)(*rest, **p)
    return engine.TORCH_FUNCTIONS[name]  # torch.NAME and torch.nn.functional.NAME alike


def _arguments(args, dtype):
    """The call's arguments: a name given twice is one tensor (`x % x`)."""
    made = {a: diffcheck.tensor(POINTS[a], dtype=dtype, requires_grad=True) for a in args if isinstance(a, str)}
    return [made[a] if isinstance(a, str) else a for a in args]


def test_the_recording_is_pytorch_2_13():
    assert RECORDED["torch"].startswith("2.13")
    assert set(RECORDED["calls"]) == set(CALLS) and set(RECORDED["errors"]) == set(ERRORS)


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("label", sorted(CALLS))
def test_values_gradients_and_nodes_as_pytorch(label, dtype_name):
    spelling, args, params = CALLS[label]
    recorded = RECORDED["calls"][label][dtype_name]
    dtype = getattr(diffcheck, dtype_name)
    tensors = _arguments(args, dtype)
    y = _function(spelling)(*tensors, **params)
    assert y.grad_fn.name() == recorded["grad_fn"]
    # PyTorch names the leaf's node torch::autograd::AccumulateGrad; diffcheck's name() says AccumulateGrad
    theirs = [
        [n.replace("torch::autograd::AccumulateGrad", "AccumulateGrad") if n else n, i]
        for n, i in recorded["next_functions"]
    ]
    assert [[n.name() if n is not None else None, i] for n, i in y.grad_fn.next_functions] == theirs
    assert str(y.dtype).replace("diffcheck.", "").replace("torch.", "") == recorded["dtype"]
    np_dtype = np.float32 if dtype_name == "float32" else np.float64
    value_ulps, grad_ulps = ULPS.get(label, {}).get(dtype_name, (0, 0))
    ours = np.asarray(y.detach().numpy() if hasattr(y, "numpy") else y.tolist(), dtype=np.float64).reshape(-1)
    assert _ulps(ours, _values(recorded["value"]), np_dtype) <= value_ulps, (ours.tolist(), recorded["value"])
    if "backward_error" in recorded:
        with pytest.raises(RuntimeError) as raised:
            y.sum().backward()
        assert str(raised.value) == recorded["backward_error"]
        return
    y.sum().backward()
    grads = [t.grad for t in dict.fromkeys(t for t in tensors if isinstance(t, diffcheck.Tensor))]
    for ours_grad, theirs in zip(grads, recorded["grads"]):
        ours_grad = np.asarray(ours_grad.tolist(), dtype=np.float64).reshape(-1)
        assert _ulps(ours_grad, _values(theirs), np_dtype) <= grad_ulps, (ours_grad.tolist(), theirs)


@pytest.mark.parametrize("label", sorted(ERRORS))
def test_error_texts_as_pytorch(label):
    spelling, args, params, where = ERRORS[label]
    recorded = RECORDED["errors"][label]
    if where == "run":
        tensor = f"torch.tensor({POINTS[args[0]]}, dtype=torch.float64, requires_grad=True)"
        snippet = f"import torch\na = {tensor}\ny = {spelling}(a, {args[1]!r})\n"
        result = CliRunner().invoke(main, ["run", "-"], input=snippet, prog_name="diffcheck")
        assert f"{recorded['type']}: {recorded['text']}" in result.output and result.exit_code != 0
        return
    tensors = _arguments(args, diffcheck.float64)
    with pytest.raises((RuntimeError, TypeError)) as raised:
        y = _function(spelling)(*tensors, **params)
        assert where == "backward"
        y.sum().backward()
    assert type(raised.value).__name__ == recorded["type"]
    assert str(raised.value) == recorded["text"]


# ---- the check language: string choices, % and //, and `diffcheck ops` ------------------------------------------------
def cli(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="diffcheck")


def test_gelu_takes_approximate_as_a_string_choice():
    for program in ("gelu(x, approximate='tanh')", "F.gelu(x, 'none')", "torch.nn.functional.gelu(x)"):
        result = cli("check", program, "x=-0.7", "--format", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["output"]["grad_fn"] == "GeluBackward0"
    tanh = json.loads(cli("check", "gelu(x, approximate='tanh')", "x=-0.7", "--format", "json").output)
    none = json.loads(cli("check", "gelu(x)", "x=-0.7", "--format", "json").output)
    assert tanh["output"]["value"] != none["output"]["value"]


@pytest.mark.parametrize(
    "program, message",
    [
        (
            "gelu(x, approximate='tanhh')",
            "expression:1:21: 'gelu' takes approximate= one of 'none', 'tanh', not 'tanhh'",
        ),
        ("F.gelu(x, approximate=1)", "expression:1:23: 'F.gelu' takes approximate= one of 'none', 'tanh', not 1"),
        ("gelu(x, 'exact')", "expression:1:9: 'gelu' takes approximate= one of 'none', 'tanh', not 'exact'"),
        ("hardtanh(x, min_val='a')", "expression:1:21: string literals are not supported"),
        ("leaky_relu(x, slope=0.1)", "expression:1:15: unexpected keyword argument 'slope' for 'leaky_relu'"),
    ],
)
def test_bad_parameters_are_refused_in_one_line(program, message):
    result = CliRunner().invoke(main, ["check", program, "x=1"], prog_name="diffcheck")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"diffcheck: error: {message}"]


def test_the_operators_percent_and_floor_division():
    mod = json.loads(cli("check", "x % y", "x=-2.5", "y=1.5", "--format", "json").output)
    assert mod["ok"] and mod["output"]["grad_fn"] == "RemainderBackward1" and mod["output"]["value"] == 0.5
    number = json.loads(cli("check", "x % 1.5", "x=-2.5", "--format", "json").output)
    assert number["output"]["grad_fn"] == "RemainderBackward0"
    floor = cli("check", "x // y", "x=5", "y=-1.5")
    assert floor.exit_code == 2
    assert "derivative for aten::floor_divide is not implemented" in floor.stderr
    values = json.loads(cli("check", "x // y", "x=5", "y=-1.5", "--no-grad", "x,y", "--format", "json").output)
    assert values["ok"] and values["output"]["value"] == -4.0


@pytest.mark.parametrize(
    "name", sorted({spelling.split(".")[-1] for spelling, _, _ in CALLS.values() if "." in spelling})
)
def test_diffcheck_ops_shows_each_new_op(name):
    result = cli("ops", name, "--format", "json")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.output)["ops"]
    assert entry["rows"] and all(row["grad_fn"] for row in entry["rows"])


@pytest.mark.parametrize(
    "program, point, status",
    [
        ("floor(x)", "x=2", "kink"),
        ("round(x)", "x=2.5", "kink"),
        ("sign(x)", "x=0", "singular"),
        ("x % 1.5", "x=3", "kink"),
        ("hardtanh(x)", "x=1", "kink"),
        ("relu6(x)", "x=6", "kink"),
        ("leaky_relu(x, 0.2)", "x=0", "kink"),
        ("elu(x, alpha=2.0)", "x=0", "kink"),
        ("selu(x)", "x=0", "kink"),
        ("hardsigmoid(x)", "x=-3", "kink"),
        ("hardswish(x)", "x=3", "kink"),
        ("rsqrt(x)", "x=0", "singular"),
        # celu's backward rounds alpha to float32 (1/alpha.toFloat()): 0.2, 0.3 are not float32 numbers, 2.5 is
        ("celu(x, 0.2)", "x=0", "rounding"),
        ("celu(x, alpha=0.3)", "x=-3", "rounding"),
        ("celu(x, alpha=2.5)", "x=0", "match"),
        ("celu(x)", "x=0", "match"),
        # one tensor on both sides of % and fmod: 0 everywhere, no jump (mpmath's y/y is 1, not 1 - 1e-60)
        ("fmod(x, x)", "x=[0.988, 1.0]", "match"),
        ("x % x", "x=-1", "match"),
        ("(2*x) % x", "x=[-1.0, 0.3]", "match"),
        ("x % (x + 0)", "x=1.5", "match"),  # SymPy's form is nan (on its jump); both one-sided derivatives are 0
        ("x % (2*x)", "x=-1", "match"),
        # 0 % 0 is nan (PyTorch's value and gradient) where SymPy cancels x/x: singular, not zero-times-inf
        ("x % x", "x=0", "singular"),
        ("fmod(x, x)", "x=0", "singular"),
        ("x % (2*x)", "x=0", "singular"),
        ("sign(log2(x))", "x=-1", "match"),  # sign(nan) is 0, its gradient 0 (tests/elementwise.json)
    ],
)
def test_special_points_are_labelled(program, point, status):
    result = cli("check", program, point, "--format", "json")
    assert result.exit_code == 0, result.output
    (x,) = [t for t in json.loads(result.output)["tensors"] if t["name"] == "x"]
    assert x["status"] == status, x


def test_a_rounded_alpha_and_a_cancelled_quotient_are_explained():
    """The notes say why: celu's float32 alpha (PyTorch's gradient, bit for bit), and 0 % 0's nan where SymPy's
    form cancels x/x."""
    result = cli("check", "celu(x, 0.3)", "x=0", "--format", "json")
    (x,) = [t for t in json.loads(result.output)["tensors"] if t["name"] == "x"]
    assert x["engine"] == 0.9999999602635717 and x["sympy"] == 1.0  # 0.3 / float32(0.3), as torch 2.13
    assert "alpha rounded to float32 (0.30000001192092896)" in x["note"]
    result = cli("check", "x % x", "x=0", "--format", "json")
    (x,) = [t for t in json.loads(result.output)["tensors"] if t["name"] == "x"]
    assert x["engine"] == "nan" and x["sympy"] == 0.0
    assert "the op's value is not finite here (PyTorch's too), where SymPy's form cancels it" in x["note"]


def test_atan2_on_its_branch_cut_is_a_kink():
    """A `fuzz --seed 42` finding: ceil(-0.949) is -0.0 (PyTorch's and the engine's), and atan2(-0.0, -0.949) is -pi
    where SymPy, without a signed zero, says pi: atan2's branch cut (a = 0, b < 0) is declared, a jump of 2 pi."""
    result = cli("check", "atan2(ceil(x), x)", "x=[0.5, -0.949]", "--format", "json")
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)["output"]
    assert output["value"][1] == -math.pi and output["sympy"][1] == math.pi and output["status"] == "kink"
    result = cli("check", "atan2(y, x)", "x=-2", "y=0", "--format", "json")
    (y,) = [t for t in json.loads(result.output)["tensors"] if t["name"] == "y"]
    assert (y["engine"], y["sympy"], y["status"]) == (-0.5, -0.5, "kink")  # 1/b, as beside the cut (torch 2.13)
    assert "the branch cut, a jump of 2 pi" in y["note"]
    # what is computed from atan2(-0.0, b < 0) = -pi differs from SymPy's pi everywhere after: singular there
    result = cli("check", "x / atan2(ceil(x), x)", "x=-0.026", "--format", "json")
    (x,) = [t for t in json.loads(result.output)["tensors"] if t["name"] == "x"]
    assert (x["engine"], x["sympy"], x["status"]) == (-1 / math.pi, 1 / math.pi, "singular"), x


def test_diffcheck_run_takes_the_new_functions_with_pytorchs_result():
    """The blends and two-argument functions in a float32 `diffcheck run` snippet: the line it prints is PyTorch
    2.13's for the same snippet, and every gradient agrees with SymPy (exit 0)."""
    snippet = "\n".join(
        [
            "import torch",
            "p = torch.tensor([0.5, 1.5, 2.0, 0.25], requires_grad=True)",
            "q = torch.tensor([1.25, -0.75, 2.0, 0.5], requires_grad=True)",
            "w = torch.tensor([0.2, 0.6, 0.35, 0.8], requires_grad=True)",
            "parts = [torch.addcmul(p, q, w, value=0.5), p.addcdiv(q, w, value=2.0), torch.lerp(p, q, 0.3),",
            "    p.lerp(q, w), torch.hypot(p, q), torch.logaddexp(p, q), torch.xlogy(q, p), torch.logit(w),",
            "    torch.logit(w, eps=0.3), torch.sinc(q), torch.nan_to_num(q / p)]",
            "y = sum((t * t).sum() for t in parts)",
            "y.backward()",
            "print(y.item(), p.grad, q.grad, w.grad)",
        ]
    )
    result = CliRunner().invoke(main, ["run", "-"], input=snippet + "\n", prog_name="diffcheck")
    assert result.exit_code == 0, result.output
    printed = (
        "418.51324462890625 tensor([  2.0231,   7.6910,  45.4229, -28.7954]) tensor([276.8964,  -6.5287, 166.5069,  "
        "27.2854]) tensor([-1640.5723,    -3.2068,  -883.1522,    13.0912])\n"
    )  # PyTorch 2.13's line
    assert printed in result.output
    assert "✓ all gradients agree (3 checked)" in result.output
