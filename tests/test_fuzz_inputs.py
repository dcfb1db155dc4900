"""Fuzzing every front door: arbitrary text, and arbitrary Python ASTs unparsed back to text.

In-process, nothing but DiffcheckError may escape; through the CLI, the exit code is 0, 1 or 2 and no internal error
or traceback is printed. The long run is opt-in:

    DIFFCHECK_SLOW=1 python -m pytest tests/test_fuzz_inputs.py -m slow
"""

import ast
import os
from functools import partial

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from diffcheck.cli import main
from diffcheck.errors import DiffcheckError
from diffcheck.lang.parse import parse_assignment, parse_program, parse_value
from diffcheck.batch.samples import load

try:
    from diffcheck.snippet.parse import parse_snippet
except ImportError:  # the snippet front door is still being written
    parse_snippet = None

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")  # budget.run_deep raises it
SLOW = pytest.mark.skipif(not os.environ.get("DIFFCHECK_SLOW"), reason="long fuzz: set DIFFCHECK_SLOW=1")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(
    max_examples=int(os.environ.get("DIFFCHECK_FUZZ_EXAMPLES", "20000")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

# ---- inputs -----------------------------------------------------------------------------------------------------------
NAMES = st.sampled_from(
    [
        "x",
        "y",
        "W",
        "E",
        "I",
        "__class__",
        "__import__",
        "eval",
        "open",
        "sin",
        "pow",
        "torch",
        "np",
        "F",
        "math",
        "sum",
        "ｅｖａｌ",
        "lambda_",
        "inf",
        "nan",
        "range",
        "print",
    ]
)
NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([9, 10, 99999, 10**10]),
)
CONSTANTS = st.one_of(NUMBERS, st.text(max_size=5), st.booleans(), st.none(), st.just(...), st.complex_numbers())
BINOPS = st.sampled_from([ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult, ast.FloorDiv, ast.Mod, ast.BitXor])
CMPOPS = st.sampled_from([ast.Gt, ast.Lt, ast.GtE, ast.LtE, ast.Eq, ast.Is, ast.In])


def _composite(children):
    return st.one_of(
        st.builds(ast.BinOp, children, BINOPS.map(lambda op: op()), children),
        st.builds(
            ast.UnaryOp, st.sampled_from([ast.USub, ast.UAdd, ast.Not, ast.Invert]).map(lambda op: op()), children
        ),
        st.builds(
            lambda f, args: ast.Call(ast.Name(f), args, []),
            st.sampled_from(
                [
                    "sin",
                    "exp",
                    "log",
                    "pow",
                    "sum",
                    "clamp",
                    "maximum",
                    "relu",
                    "eval",
                    "getattr",
                    "__import__",
                    "square",
                    "matmul",
                ]
            ),
            st.lists(children, max_size=3),
        ),
        st.builds(
            lambda value, attr: ast.Attribute(value, attr),
            children,
            st.sampled_from(["__class__", "__mro__", "T", "system", "grad", "pow"]),
        ),
        st.builds(
            lambda f, arg: ast.Call(ast.Attribute(ast.Name(f), "pow"), [arg], []),
            st.sampled_from(["torch", "np", "F", "os", "x"]),
            children,
        ),
        st.builds(
            ast.Compare,
            children,
            st.lists(CMPOPS.map(lambda op: op()), min_size=1, max_size=2),
            st.lists(children, min_size=2, max_size=2),
        ).map(lambda node: ast.Compare(node.left, node.ops, node.comparators[: len(node.ops)])),
        st.builds(lambda a, b, c: ast.IfExp(a, b, c), children, children, children),
        st.builds(lambda e: ast.Lambda(ast.arguments([], [], None, [], [], None, []), e), children),
        st.builds(lambda e: ast.Subscript(e, ast.Constant(0)), children),
        st.builds(lambda es: ast.List(es), st.lists(children, max_size=3)),
        st.builds(lambda e: ast.NamedExpr(ast.Name("y"), e), children),
        st.builds(lambda e: ast.JoinedStr([ast.FormattedValue(e, -1, None)]), children),
    )


EXPRESSIONS = st.recursive(st.one_of(NAMES.map(ast.Name), CONSTANTS.map(ast.Constant)), _composite, max_leaves=25)


def _unparse(nodes: list) -> str:
    body = [ast.Assign([ast.Name(f"a{i}")], node) for i, node in enumerate(nodes[:-1])] + [ast.Expr(nodes[-1])]
    try:
        return ast.unparse(ast.fix_missing_locations(ast.Module(body, [])))
    except (ValueError, TypeError, AttributeError, RecursionError):  # a tree unparse cannot print
        return "x"


PROGRAMS = st.lists(EXPRESSIONS, min_size=1, max_size=3).map(_unparse)
# Programs the parser accepts, so the numerical side (overflow, nan, singular points, huge constants) is fuzzed too.
VALID = st.recursive(
    st.one_of(st.sampled_from(["x", "y"]), st.integers().map(repr), st.floats(allow_nan=False).map(repr)),
    lambda kids: st.one_of(
        st.builds("({} {} {})".format, kids, st.sampled_from(["+", "-", "*", "/", "**", ">"]), kids),
        st.builds(
            "{}({})".format,
            st.sampled_from(
                ["sin", "exp", "log", "sqrt", "tanh", "abs", "relu", "acos", "reciprocal", "square", "sigmoid", "log1p"]
            ),
            kids,
        ),
    ),
    max_leaves=12,
)
TEXTS = st.one_of(
    st.text(), st.text(alphabet=st.sampled_from(list("x()+-*/.,=_ 0129e[]'\"\n\t\\:;#@!ｅ\0\ufeff"))), PROGRAMS
)


def _sample(program: str) -> str:
    return f"[[case]]\nname = 'fuzz'\nprogram = '''{program}'''\ninputs = {{ x = 0.5, y = 2.0 }}\n"


# ---- front doors ------------------------------------------------------------------------------------------------------
def _only_diffcheck_errors(door, text):
    try:
        door(text)
    except DiffcheckError as error:
        assert "\n" not in str(error)


DOORS = {
    "program": parse_program,
    "assignment": parse_assignment,
    "value": partial(parse_value, where="value"),
    "sample file": partial(load, file="fuzz.toml"),
    "sample program": lambda t: load(_sample(t), "fuzz.toml"),
}
if parse_snippet is not None:
    DOORS["snippet"] = partial(parse_snippet, where="snippet")


@pytest.mark.parametrize("door", list(DOORS))
@FAST
@given(text=TEXTS)
def test_front_doors_raise_only_diffcheck_errors(door, text):
    _only_diffcheck_errors(DOORS[door], text)


def _cli_check(text):
    result = CliRunner().invoke(main, ["check", "--timeout", "10", "--", text, "x=0.5", "y=2"])
    assert result.exit_code in (0, 1, 2), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output


@settings(FAST, max_examples=60)
@given(text=st.one_of(TEXTS, VALID))
def test_cli_check_exits_0_1_2(text):
    _cli_check(text)


@SLOW
@pytest.mark.slow
@pytest.mark.parametrize("door", list(DOORS))
@LONG
@given(text=TEXTS)
def test_front_doors_long(door, text):
    _only_diffcheck_errors(DOORS[door], text)


@SLOW
@pytest.mark.slow
@settings(LONG, max_examples=max(LONG.max_examples // 10, 1))
@given(text=st.one_of(PROGRAMS, VALID))
def test_cli_check_long(text):
    _cli_check(text)
