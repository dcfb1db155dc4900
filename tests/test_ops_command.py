"""`diffcheck ops`: every op of the table shown complete, one op by any of its names, JSON, and what the engine does."""

import json
import operator
import re

import numpy as np
import pytest
from click.testing import CliRunner

from diffcheck import engine
from diffcheck import ops
from diffcheck.cli import main
from diffcheck.ops.describe import entries, find, names

ENTRIES = entries()
ROWS = [(entry, row) for entry in ENTRIES for row in entry.rows]


def invoke(*args):
    return CliRunner().invoke(main, ["ops", *args])


def test_every_row_of_the_table_is_listed():
    assert {row.row for _, row in ROWS} == set(ops.OPS)


def test_every_spelling_is_listed_once():
    listed = [spelling for entry in ENTRIES for spelling in entry.spellings]
    assert sorted(listed) == sorted(ops.SIGNATURES)


@pytest.mark.parametrize("entry, row", ROWS, ids=[f"{e.name}-{r.row}" for e, r in ROWS])
def test_no_op_lacks_anything(entry, row):
    assert entry.spellings or entry.internal, "no spelling reaches it"
    assert row.grad_fn or row.derivative.startswith("not differentiable"), "no grad_fn and not declared so"
    creation = row.row in ("arange", "linspace", "eye", "full")  # no tensor argument: they make one
    assert (row.arity >= 1 or creation) and row.derivative and row.sympy
    assert row.domain[0] < row.domain[1]
    if row.kink or row.singular:
        assert row.convention, "special points without PyTorch's convention there"
    if len(entry.rows) > 1:
        assert row.picked_by, "an overload row must say which call picks it"


@pytest.mark.parametrize(
    "name, grad_fns",
    [
        ("pow", ["PowBackward0", "PowBackward1", "PowBackward2"]),
        ("sum", ["SumBackward0", "SumBackward1"]),
        ("mean", ["MeanBackward0", "MeanBackward1"]),
        ("matmul", ["DotBackward0", "MvBackward0", "MmBackward0", "SqueezeBackward4", "UnsafeViewBackward0"]),
        ("sub", ["SubBackward0", "RsubBackward1"]),
        ("div", ["DivBackward0", "MulBackward0"]),
        ("square", ["PowBackward0"]),
    ],
)
def test_overload_rows(name, grad_fns):
    (entry,) = find(name)
    assert [row.grad_fn for row in entry.rows] == grad_fns


@pytest.mark.parametrize(
    "entry, row", [(e, r) for e, r in ROWS if r.picked_by], ids=[f"{e.name}-{r.row}" for e, r in ROWS if r.picked_by]
)
def test_picked_by_is_what_the_engine_builds(entry, row):
    """Make the call `picked_by` names on the engine, torch's function or Python's operator: its result has exactly
    this row's grad_fn."""
    op = ops.OPS[row.row]
    if op.index_args or op.mask_args:  # an integer index or a mask, a dim between tensors: tests/test_losses.py
        pytest.skip("its calls and grad_fns are pinned against PyTorch in tests/test_losses.py")
    if row.row == "contiguous":  # a new tensor is contiguous: itself, no node; a transpose's copy is in shapes.json
        pytest.skip("contiguous() of a contiguous tensor is that tensor (tests/test_shape_ops.py pins its copy)")
    low, high = op.domain if op.domain != (-2.0, 2.0) else (0.0, 2.0)  # binary_cross_entropy's (0, 1)
    inside = [low + (high - low) / 4, low + 3 * (high - low) / 4]
    example = {
        "tensor": lambda: engine.tensor(inside, requires_grad=True),
        "number": lambda: 2.0,
        "1-D": lambda: engine.tensor([0.5, 1.5], requires_grad=True),
        "2-D": lambda: engine.tensor([[0.5, 1.5], [1.0, 2.0]], requires_grad=True),
    }
    call = re.fullmatch(r"(\w+)\((.*)\)", row.picked_by)
    op = ops.OPS[row.row]
    if call is not None and not op.elementwise and op.example is not None:
        result = _by_example(call.group(1), op, call.group(2))  # whole-array rows: their example's arguments fit
    elif call is None:  # `number - tensor`
        left, symbol, right = row.picked_by.split(" ")
        result = OPERATORS[symbol](example[left](), example[right]())
    else:
        name, kinds = call.groups()
        args = [example[kind]() for kind in kinds.split(", ") if kind in example]
        if name == "normalize":  # its dim defaults to 1, as PyTorch's: a 1-D tensor is its IndexError
            args = [example["2-D"]()]
        params = {kind: 0 for kind in kinds.split(", ") if kind not in example and "=" not in kind}
        params.update((k, example[v]()) for k, v in (kind.split("=") for kind in kinds.split(", ") if "=" in kind))
        if row.arity == 0:  # arange, linspace ...: the row's own example call
            params = ops.OPS[row.row].example[1]
        result = engine.TORCH_FUNCTIONS[name](*args, **params)
    result = result[0] if isinstance(result, tuple) else result  # max(x, dim): values (and indices)
    assert (result.grad_fn.name() if result.grad_fn else "") == row.grad_fn


def _by_example(name: str, op, kinds: str):
    shapes, params = op.example
    params = {**params, **{k: v == "True" for k, v in (kind.split("=") for kind in kinds.split(", ") if "=" in kind)}}
    low, high = op.domain
    inside = op.domain != (-2.0, 2.0)  # binary_cross_entropy's (0, 1): values spread inside it
    values = [np.arange(1.0, 1.0 + np.prod(s)) for s in shapes]
    values = [low + (high - low) * v / (v.size + 1) if inside else v for v in values]
    tensors = [engine.tensor(v.reshape(s), requires_grad=True) for v, s in zip(values, shapes)]
    if op.variadic:
        tensors = [tensors]
    elif ops.FRONTS[name].arity < len(tensors):  # linear's bias, layer_norm's weight and bias: tensor parameters
        front = ops.FRONTS[name]
        tensor_params = [p for p in front.params if ops.kind_of(p) == "tensor"]
        params = {**params, **dict(zip(tensor_params, tensors[front.arity :]))}
        tensors = tensors[: front.arity]
    result = engine.TORCH_FUNCTIONS[name](*tensors, **params)
    return result[0] if isinstance(result, tuple) else result


OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "@": operator.matmul,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@pytest.mark.parametrize(
    "name, picked_by",
    [
        ("rsub", "number - tensor"),
        ("rdiv", "number / tensor"),
        ("rpow", "pow(number, tensor)"),
        ("sub", "sub(tensor, tensor)"),
        ("clamp", "clamp(tensor, min)"),
        ("sum", "sum(tensor)"),
        ("sum_dim", "sum(tensor, dim)"),
    ],
)
def test_picked_by_is_a_call_pytorch_runs(name, picked_by):
    """torch.sub(2, x) is SubBackward0 and torch.clamp(x) raises (PyTorch 2.13): `2 - x` picks rsub, and clamp's
    example gives a bound."""
    assert {row.row: row.picked_by for _, row in ROWS}[name] == picked_by


def test_sympy_forms_use_the_rules_own_names():
    rows = {row.row: row for _, row in ROWS}
    assert rows["sin"].sympy == "sin(x)"
    assert rows["rsub"].sympy == "c - x" and rows["rsub"].derivative == "d/dx (c - x) = -1"
    assert rows["pow_tensor"].sympy == "a**b"
    assert rows["sum"].sympy == "x[0] + x[1] + x[2]"
    assert rows["mv"].sympy == "[m[0,0]*v[0] + m[0,1]*v[1], m[1,0]*v[0] + m[1,1]*v[1]]"


def test_operators_are_spellings_too():
    assert find("**")[0].operators == ("a ** b",)
    assert [e.name for e in find("-")] == ["sub", "neg"]
    assert all(e.name != "floordiv" for e in ENTRIES)  # `//` is refused by the parser, so it is no spelling


# ---- the command -----------------------------------------------------------------------------------------------------
SIN = """\
sin
spellings       sin
grad_fn         SinBackward0
arity; params   1
backward rule   d/dx sin(x) = cos(x)
SymPy form      sin(x)
smooth domain   [-2, 2]
special points  none
"""


def test_ops_sin():
    result = invoke("sin")
    assert result.exit_code == 0 and result.stderr == ""
    assert "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n" == SIN


def test_ops_lists_everything():
    result = invoke()
    assert result.exit_code == 0
    for _, row in ROWS:
        assert (row.grad_fn or "not differentiable") in result.stdout
    assert all(entry.name in result.stdout for entry in ENTRIES)


@pytest.mark.parametrize(
    "query, rows",
    [
        ("torch.sin", ["sin"]),
        ("clip", ["clamp", "clamp_tensor"]),
        ("max", ["max", "max_dim"]),  # max(x, y) reaches maximum (Signature.pair_op)
        ("rsub", ["rsub"]),
        ("PowBackward1", ["pow_tensor"]),
        ("powbackward2", ["rpow"]),
        ("MulBackward0", ["mul", "rdiv", "outer"]),
        ("**", ["pow", "pow_tensor", "rpow"]),
        ("sum_to", ["sum_to"]),
    ],
)
def test_ops_by_any_name(query, rows):
    result = invoke(query, "--format", "json")
    assert result.exit_code == 0
    assert [row["row"] for entry in json.loads(result.stdout)["ops"] for row in entry["rows"]] == rows


def test_unknown_op_is_one_line_with_a_suggestion():
    result = invoke("sinn")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "diffcheck: error: unknown op 'sinn' (did you mean 'sin'?)\n"
    assert invoke("sigmod").stderr == "diffcheck: error: unknown op 'sigmod' (did you mean 'sigmoid'?)\n"
    assert invoke("SinBackwards0").stderr.endswith("(did you mean 'SinBackward0'?)\n")


def test_json_has_every_row_and_field():
    result = invoke("--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)["ops"]
    assert {row["row"] for entry in data for row in entry["rows"]} == set(ops.OPS)
    assert set(data[0]) == {"name", "spellings", "operators", "rows", "internal"}
    assert set(data[0]["rows"][0]) == {
        "row",
        "grad_fn",
        "picked_by",
        "arity",
        "params",
        "derivative",
        "sympy",
        "domain",
        "kink",
        "singular",
        "convention",
        "indeterminate",
    }
    powers = {row["row"]: row["indeterminate"] for entry in data for row in entry["rows"]}
    assert {name for name, flagged in powers.items() if flagged} == {"pow", "pow_tensor", "rpow"}


def test_a_power_shows_its_indeterminate_forms():
    result = invoke("rpow")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert (
        "c < 0: nan; indeterminate: 1**±inf, 1**nan, (-1)**±inf, ±inf**0, nan**0 are 1 (IEEE 754, PyTorch), nan "
        "in SymPy" in text
    )


def test_completion_names_need_no_sympy():
    """Tab completion calls `names()` on every key press: it must not pay for importing SymPy."""
    import subprocess
    import sys

    assert {"sin", "clip", "**", "rsub", "PowBackward1"} <= set(names())
    code = "import sys; from diffcheck.ops.describe import names; names(); print('sympy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "False\n"
