"""Number literals float64 cannot hold are refused wherever a number is written: a program, a NAME=VALUE, a sample
file. Python reads 1e400 as inf and 1e-400 as 0.0 silently (torch.tensor(1e400) is tensor(inf)); checking that inf
against SymPy would check another program (x ** 1e400 at x=1: IEEE 1 against SymPy's 1**oo = nan)."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diffcheck.cli import main
from diffcheck.errors import DiffcheckError, ParseError
from diffcheck.lang.parse import Limits, parse_assignment, parse_program, parse_value
from diffcheck.lang.program import Pos
from diffcheck.batch.samples import Refusal, Sample, load

LARGEST = "(largest is 1.7976931348623157e+308)"
SMALLEST = "(smallest positive is 5e-324)"
WIDE = Limits(max_int_digits=1000)  # past the digit limit, an integer literal meets float64's own
BIG = "1" + "0" * 400


def shown(text: str) -> str:
    """A literal as messages show it: whole up to 40 characters, else its first 20 and its length."""
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"


def overflow(text: str) -> str:
    return f"number {shown(text)} overflows float64 {LARGEST}"


def underflow(text: str) -> str:
    return f"number {shown(text)} underflows float64 to 0 {SMALLEST}"


# ---- programs ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, message, pos",
    [
        ("x ** 1e400", overflow("1e400"), Pos(1, 6)),
        ("-1e400 + x", overflow("1e400"), Pos(1, 2)),  # the literal is unsigned; the minus is an op
        ("a = x\nb = a * 1.7976931348623159e308", overflow("1.7976931348623159e308"), Pos(2, 9)),
        ("x + 1E+400", overflow("1E+400"), Pos(1, 5)),
        ("x + 1e-400", underflow("1e-400"), Pos(1, 5)),
        ("x * 0.000_1e-321", underflow("0.000_1e-321"), Pos(1, 5)),
        ("x + " + BIG, overflow("10000000000000000000... (401 characters)"), Pos(1, 5)),
        ("x + 0x" + "f" * 300, overflow("0xffffffffffffffffff... (302 characters)"), Pos(1, 5)),
    ],
)
def test_program_literals_float64_cannot_hold_are_refused(text, message, pos):
    with pytest.raises(ParseError) as caught:
        parse_program(text, limits=WIDE)
    assert (caught.value.message, caught.value.pos, caught.value.where) == (message, pos, "expression")


def test_the_digit_limit_still_comes_first():
    with pytest.raises(
        DiffcheckError,
        match=r"integer literal has 401 digits \(limit 100; raise it with "
        r"--max-int-digits\)",
    ):
        parse_program("x + " + BIG)


@pytest.mark.parametrize(
    "text, value",
    [
        ("1.7976931348623157e308", sys.float_info.max),
        ("179769313486231570" + "0" * 291, 179769313486231570 * 10**291),
        ("5e-324", 5e-324),
        ("3e-324", 5e-324),
        ("0e-400", 0.0),
        ("0.0e-999", 0.0),
        ("1e-3", 1e-3),
    ],
)
def test_edges_float64_holds_are_taken(text, value):
    (statement,) = parse_program(text, limits=WIDE).statements
    assert statement.value.value == value


# ---- values -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, message, pos",
    [
        ("1e400", overflow("1e400"), Pos(1, 1)),
        ("-1e400", overflow("-1e400"), Pos(1, 1)),  # a value's sign belongs to its number
        ("[1, 2e-400]", underflow("2e-400"), Pos(1, 5)),
        ("[[1], [-1e999]]", overflow("-1e999"), Pos(1, 8)),
        (BIG, overflow("10000000000000000000... (401 characters)"), Pos(1, 1)),
    ],
)
def test_values_float64_cannot_hold_are_refused(text, message, pos):
    with pytest.raises(ParseError) as caught:
        parse_value(text, "x")
    assert (caught.value.message, caught.value.pos) == (message, pos)


def test_assignment_names_the_argument_and_the_column():
    with pytest.raises(ParseError) as caught:
        parse_assignment("x=1e400")
    assert str(caught.value) == f"argument 'x=1e400':1:3: {overflow('1e400')}"


@pytest.mark.parametrize(
    "text, value",
    [
        ("inf", math.inf),
        ("-Infinity", -math.inf),
        ("-0e-400", -0.0),
        ("3e-324", 5e-324),
        ("1.7976931348623157e308", sys.float_info.max),
    ],
)
def test_spelled_infinity_and_held_edges_are_values(text, value):
    parsed = parse_value(text, "x")
    assert repr(parsed) == repr(value)


# ---- sample files -----------------------------------------------------------------------------------------------------
def refusal(text: str) -> str:
    (item,), _ = load(textwrap.dedent(text), "f.toml")
    assert isinstance(item, Refusal), item
    return item.message


CASE = '[[case]]\nname = "c"\nprogram = "x ** 2"\n'


@pytest.mark.parametrize(
    "text, message",
    [
        (CASE + "inputs = { x = 1e400 }\n", f"f.toml:4: case 'c': input 'x': {overflow('1e400')}"),
        (CASE + "inputs = { x = [1.0, -1e400] }\n", f"f.toml:4: case 'c': input 'x': {overflow('-1e400')}"),
        (CASE + "inputs = { x = 1_0e-400 }\n", f"f.toml:4: case 'c': input 'x': {underflow('1_0e-400')}"),
        (
            CASE + f"inputs = {{ x = {BIG} }}\n",  # TOML integers are Python ints: no float holds this one
            f"f.toml:4: case 'c': input 'x': {overflow('10000000000000000000... (401 characters)')}",
        ),
        (CASE + "inputs = { x = 1 }\nrtol = 1e400\n", f"f.toml:5: case 'c': 'rtol': {overflow('1e400')}"),
        (
            CASE + f"inputs = {{ x = 1 }}\natol = {BIG}\n",
            f"f.toml:5: case 'c': 'atol': {overflow('10000000000000000000... (401 characters)')}",
        ),
        (
            CASE + "inputs = { x = 1 }\n[case.expect]\noutput = 1e999\n",
            f"f.toml:6: case 'c': 'expect.output': {overflow('1e999')}",
        ),
        (
            CASE + "inputs = { x = 1 }\n[case.expect]\ngrad = { x = 1e-999 }\n",
            f"f.toml:6: case 'c': 'expect.grad.x': {underflow('1e-999')} (or \"none\" for a None .grad)",
        ),
        (
            '[[case]]\nname = "c"\nprogram = "x ** 1e400"\ninputs = { x = 1 }\n',
            f"f.toml:3: case 'c': program at 1:6: {overflow('1e400')}",
        ),
    ],
)
def test_sample_values_float64_cannot_hold_are_refused(text, message):
    assert refusal(text) == message


def test_toml_infinity_and_nan_are_still_values():
    (sample,), _ = load(
        CASE + 'inputs = { x = [inf, -inf, +inf, nan, "inf", 1e308, 5e-324, 0e-400] }\n'
        "[case.expect]\noutput = [inf, inf, inf, nan, inf, inf, 0.0, 0.0]\n",
        "f.toml",
    )
    assert isinstance(sample, Sample)
    assert repr(sample.case.values["x"]) == "[inf, -inf, inf, nan, inf, 1e+308, 5e-324, 0.0]"


# ---- properties -------------------------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_round_trips(value):
    assert repr(parse_value(repr(value), "x")) == repr(value)
    (statement,) = parse_program(repr(abs(value))).statements
    assert statement.value.value == abs(value)
    (sample,), _ = load(CASE + f"inputs = {{ x = {value!r} }}\n", "f.toml")
    assert repr(sample.case.values["x"]) == repr(value)


decimals = st.builds(
    lambda whole, fraction, exponent, sign: f"{sign}{whole}.{fraction}e{exponent}",
    st.integers(0, 10**20),
    st.text("0123456789", min_size=1, max_size=20),
    st.integers(-1000, 1000),
    st.sampled_from(["", "-"]),
)


@settings(max_examples=300, deadline=None)
@given(decimals)
def test_a_decimal_literal_is_its_float_or_refused_for_float64(text):
    """Taken as Python reads it where float64 holds it; otherwise one line with the literal, however it is given."""
    exact = float(text)
    zero_written = not any(c in "123456789" for c in text.partition("e")[0])
    problem = overflow(text) if math.isinf(exact) else underflow(text) if exact == 0 and not zero_written else None
    try:
        parsed = parse_value(text, "x")
    except ParseError as error:
        assert error.message == problem and error.pos == Pos(1, 1)
    else:
        assert problem is None and repr(parsed) == repr(exact)
    (item,), _ = load(CASE + f"inputs = {{ x = {text} }}\n", "f.toml")
    if problem is None:
        assert isinstance(item, Sample) and repr(item.case.values["x"]) == repr(exact)
    else:
        assert isinstance(item, Refusal) and item.message == f"f.toml:4: case 'c': input 'x': {problem}"


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**400))
def test_an_integer_literal_is_taken_exactly_when_a_float_holds_it(number):
    text = str(number)
    try:
        held = float(number)
    except OverflowError:
        held = None
    try:
        (statement,) = parse_program(text, limits=WIDE).statements
    except ParseError as error:
        assert held is None and error.message.startswith(f"number {text[:20]}") and LARGEST in error.message
    else:
        assert held is not None and statement.value.value == number


# ---- the command line -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, line",
    [
        (["x ** 1e400", "x=1"], f"expression:1:6: {overflow('1e400')}"),
        (["x * 2", "x=1e-400"], f"argument 'x=1e-400':1:3: {underflow('1e-400')}"),
        (["x * 2", "x=[1, -1e400]"], f"argument 'x=[1, -1e400]':1:7: {overflow('-1e400')}"),
        (
            ["x + " + BIG, "x=1", "--max-int-digits", "1000"],
            f"expression:1:5: {overflow('10000000000000000000... (401 characters)')}",
        ),
    ],
)
def test_check_refuses_with_one_line_and_exit_2(args, line):
    result = CliRunner().invoke(main, ["check", *args])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"diffcheck: error: {line}\n")


def test_verify_refuses_the_case_and_runs_the_others(tmp_path):
    (tmp_path / "s.toml").write_text(
        CASE + "inputs = { x = 1e400 }\n\n" + CASE.replace('"c"', '"d"') + "inputs = { x = 3 }\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "s.toml"), "-j", "1", "--format", "json"])
    assert result.exit_code == 2
    assert result.stderr == f"diffcheck: error: {tmp_path / 's.toml'}:4: case 'c': input 'x': {overflow('1e400')}\n"
    assert '"passed": 1' in result.stdout


def test_a_real_process_refuses_the_bug_report():
    """The report that started this: x ** 1e400 at x=1 was a bare mismatch, exit 1."""
    result = subprocess.run(
        [sys.executable, "-m", "diffcheck", "check", "x ** 1e400", "x=1"], capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"diffcheck: error: expression:1:6: {overflow('1e400')}\n"
