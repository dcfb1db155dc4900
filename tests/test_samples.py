"""The sample format: every key read into its Case field, every refusal with its exact one-line message and line."""

from __future__ import annotations

import math
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffcheck.defaults import ATOL, RTOL
from diffcheck.batch.lines import _scan
from diffcheck.batch.pins import update_text
from diffcheck.batch.samples import Refusal, Sample, Unloaded, for_engines, in_dtype, load
from diffcheck.batch.values import same_value, tensor_value


def one(text: str):
    """The single item loaded from `text` (dedented), as `f.toml`."""
    items, warnings = load(textwrap.dedent(text), "f.toml")
    assert len(items) == 1 and not warnings
    return items[0]


def refusal(text: str) -> str:
    item = one(text)
    assert isinstance(item, Refusal), item
    assert item.message.startswith(f"f.toml:{item.line}:") and "\n" not in item.message
    return item.message


# ---- every key, read --------------------------------------------------------------------------------------------------
def test_every_key_reaches_the_case():
    sample = one("""
        [[case]]
        name = "all keys"
        program = "a = x * y; b = sum(W @ v) * a"
        inputs = { x = 3, y = -0.0, W = [[1, 2], [3, 4]], v = ["inf", 2.5] }
        no_grad = ["y"]
        retain_grad = ["a"]
        rtol = 1e-6
        atol = 0
        strict = true
        order = 2
        seed = 7
        numeric = true

        [case.expect]
        output = 1.5
        grad_fn = "MulBackward0"
        grad = { x = [1, "nan"], y = "none", a = "-inf" }
        status = { x = "kink", a = "singular" }
    """)
    assert isinstance(sample, Sample) and (sample.file, sample.line, sample.index) == ("f.toml", 2, 0)
    case = sample.case
    assert case.name == sample.name == "all keys" and case.program.output == "b"
    assert case.values["x"] == 3.0 and math.copysign(1, case.values["y"]) == -1
    assert case.values["W"] == [[1.0, 2.0], [3.0, 4.0]] and case.values["v"] == [math.inf, 2.5]
    assert (case.no_grad, case.retain, case.rtol, case.atol) == ({"y"}, {"a"}, 1e-6, 0.0)
    assert (case.strict, case.order, case.points, case.seed, case.numeric) == (True, 2, 0, 7, True)
    expect = sample.expect
    assert expect.output == 1.5 and expect.grad_fn == "MulBackward0"
    assert expect.grad["x"][0] == 1.0 and math.isnan(expect.grad["x"][1])
    assert expect.grad["y"] is None and expect.grad["a"] == -math.inf
    assert expect.status == {"x": "kink", "a": "singular"}


def test_defaults():
    case = one("""
        [[case]]
        name = "n"
        program = "x"
        inputs = { x = 1 }
    """).case
    assert (case.no_grad, case.retain, case.rtol, case.atol, case.strict) == (
        frozenset(),
        frozenset(),
        RTOL,
        ATOL,
        False,
    )
    assert (case.order, case.points, case.seed, case.numeric) == (1, 0, 0, False)


def test_points_need_no_inputs_and_hessian_labels_are_tensors():
    sample = one("""
        [[case]]
        name = "n"
        program = "x * y"
        points = 4
        order = 2
        expect.status = { "d2/dxdy" = "match", "d2/dydy" = "match" }
    """)
    assert sample.case.points == 4 and sample.case.values == {}


# ---- every refusal ----------------------------------------------------------------------------------------------------
CASE = '[[case]]\nname = "c"\nprogram = "x"\ninputs = { x = 1 }\n'
ERRORS = [
    # the file
    ('[[case]]\nname = "c"\nprogram = \n', "f.toml:3:11: invalid TOML: Invalid value"),
    (
        '[[cases]]\nname = "c"\n',
        "f.toml:1: unknown top-level key 'cases' (did you mean 'case'?) (a sample file holds [[case]] tables)",
    ),
    ('title = "x"\n' + CASE, "f.toml:1: unknown top-level key 'title' (a sample file holds [[case]] tables)"),
    (
        '[case]\nname = "c"\n',
        "f.toml:1: 'case' must be an array of tables: write each case under its own [[case]] header",
    ),
    # keys
    (CASE + "rtoll = 1\n", "f.toml:5: case 'c': unknown key 'rtoll' (did you mean 'rtol'?)"),
    (CASE + "colour = 1\n", "f.toml:5: case 'c': unknown key 'colour'"),
    ('[[case]]\nprogram = "x"\n', "f.toml:1: case #1: missing required key 'name'"),
    ('[[case]]\nname = "c"\n', "f.toml:1: case 'c': missing required key 'program'"),
    ('[[case]]\nname = 3\nprogram = "x"\n', "f.toml:2: case #1: 'name' must be a non-empty string"),
    ('[[case]]\nname = "c"\nprogram = "  "\n', "f.toml:3: case 'c': 'program' must be a non-empty string"),
    (
        '[[case]]\nname = "c"\nprogram = "sinn(x)"\n',
        "f.toml:3: case 'c': program at 1:1: unknown function 'sinn' (did you mean 'sin'?)",
    ),
    (
        '[[case]]\nname = "c"\nprogram = """\na = x\nb = cos(a) + sinn(a)\n"""\ninputs = { x = 1 }\n',
        "f.toml:5: case 'c': program at 2:14: unknown function 'sinn' (did you mean 'sin'?)",
    ),
    # inputs
    (
        '[[case]]\nname = "c"\nprogram = "x"\ninputs = 3\n',
        "f.toml:4: case 'c': 'inputs' must be a table, not an integer",
    ),
    (CASE.replace("x = 1", "x = 1, q = 2"), "f.toml:4: case 'c': input 'q' is not used by the program; inputs are: x"),
    (
        '[[case]]\nname = "c"\nprogram = "a = x; b = a"\ninputs = { x = 1, a = 2 }\n',
        "f.toml:4: case 'c': input 'a' is computed by the program; inputs are: x",
    ),
    (
        '[[case]]\nname = "c"\nprogram = "x + y"\ninputs = { x = 1 }\n',
        "f.toml:4: case 'c': no value for input 'y' (add it to inputs: { y = ... })",
    ),
    (
        '[[case]]\nname = "c"\nprogram = "x"\n',
        "f.toml:1: case 'c': no value for input 'x' (add it to inputs: { x = ... })",
    ),
    (
        CASE.replace("x = 1", "x = true"),
        'f.toml:4: case \'c\': input \'x\': expected a number, a list of numbers or "nan"/"inf"/"-inf", not a boolean',
    ),
    (
        CASE.replace("x = 1", 'x = "one"'),
        "f.toml:4: case 'c': input 'x': expected a number, a list of numbers or \"nan\"/\"inf\"/\"-inf\", not 'one'",
    ),
    (CASE.replace("x = 1", "x = [[[[1]]]]"), "f.toml:4: case 'c': input 'x': nested list is more than 3 levels deep"),
    (CASE.replace("x = 1", "x = []"), "f.toml:4: case 'c': input 'x': empty list"),
    (
        CASE.replace("x = 1", "x = [[1, 2], [3]]"),
        "f.toml:4: case 'c': input 'x': ragged nested list (rows of different shapes)",
    ),
    (
        CASE.replace("x = 1", "x = { a = 1 }"),
        'f.toml:4: case \'c\': input \'x\': expected a number, a list of numbers or "nan"/"inf"/"-inf", not a table',
    ),
    # names
    (CASE + 'no_grad = "x"\n', "f.toml:5: case 'c': 'no_grad' must be an array of names, not a string"),
    (CASE + "no_grad = [1]\n", "f.toml:5: case 'c': 'no_grad' must be an array of names, not one holding an integer"),
    (
        CASE + 'no_grad = ["xx"]\n',
        "f.toml:5: case 'c': 'no_grad' names 'xx', not an input of the program (did you mean 'x'?) (inputs: x)",
    ),
    (
        '[[case]]\nname = "c"\nprogram = "total = x"\ninputs = { x = 1 }\nretain_grad = ["totl"]\n',
        "f.toml:5: case 'c': 'retain_grad' names 'totl', not a computed name of the program (did you mean 'total'?) "
        "(computed: total)",
    ),
    # numbers and flags
    (CASE + 'rtol = "1e-3"\n', "f.toml:5: case 'c': 'rtol' must be a number, not a string"),
    (CASE + "atol = -1.0\n", "f.toml:5: case 'c': 'atol' must be a finite number >= 0"),
    (CASE + "rtol = nan\n", "f.toml:5: case 'c': 'rtol' must be a finite number >= 0"),
    (CASE + "rtol = true\n", "f.toml:5: case 'c': 'rtol' must be a number, not a boolean"),
    (CASE + 'strict = "yes"\n', "f.toml:5: case 'c': 'strict' must be a boolean, not a string"),
    (CASE + "order = 3\n", "f.toml:5: case 'c': 'order' must be 1 or 2, not 3"),
    (CASE + "order = 2.0\n", "f.toml:5: case 'c': 'order' must be an integer, not a float"),
    (CASE + "points = -1\n", "f.toml:5: case 'c': 'points' must be 0 to 10000 (0: check at the inputs given), not -1"),
    (
        CASE + "points = 10001\n",
        "f.toml:5: case 'c': 'points' must be 0 to 10000 (0: check at the inputs given), not 10001",
    ),
    (CASE + "points = true\n", "f.toml:5: case 'c': 'points' must be an integer, not a boolean"),
    (CASE + "seed = 1.5\n", "f.toml:5: case 'c': 'seed' must be an integer, not a float"),
    (CASE + "seed = -1\n", "f.toml:5: case 'c': 'seed' must be >= 0, not -1"),
    (CASE + "numeric = 1\n", "f.toml:5: case 'c': 'numeric' must be a boolean, not an integer"),
    # expectations
    (CASE + "expect = 3\n", "f.toml:5: case 'c': 'expect' must be a table, not an integer"),
    (
        CASE + "[case.expect]\ngrads = { x = 1 }\n",
        "f.toml:6: case 'c': unknown key 'expect.grads' (did you mean 'expect.grad'?)",
    ),
    (
        CASE + "points = 3\n[case.expect]\noutput = 1\n",
        "f.toml:7: case 'c': 'expect.output' pins values at one point, but 'points' checks random points "
        "(pin 'status' instead, or drop 'points')",
    ),
    (
        CASE + '[case.expect]\noutput = "big"\n',
        "f.toml:6: case 'c': 'expect.output': expected a number, a list of "
        'numbers or "nan"/"inf"/"-inf", not \'big\'',
    ),
    (
        CASE + "[case.expect]\ngrad_fn = 1\n",
        "f.toml:6: case 'c': 'expect.grad_fn' must be a string such as \"AddBackward0\", not an integer",
    ),
    (
        CASE + "[case.expect]\ngrad = 1\n",
        "f.toml:6: case 'c': 'expect.grad' must be a table of tensor names, not an integer",
    ),
    (
        CASE + "[case.expect]\ngrad = { out = 1, y = 1 }\n",
        "f.toml:6: case 'c': 'expect.grad' names 'y', not a tensor of the program (tensors: x, out)",
    ),
    (
        CASE + "[case.expect.grad]\nx = 1\noutt = 2\n",
        "f.toml:7: case 'c': 'expect.grad' names 'outt', not a tensor of the program (did you mean 'out'?) "
        "(tensors: x, out)",
    ),
    (
        CASE + '[case.expect]\ngrad = { x = "None" }\n',
        'f.toml:6: case \'c\': \'expect.grad.x\': expected a number, a list of numbers or "nan"/"inf"/"-inf", '
        "not 'None' (or \"none\" for a None .grad)",
    ),
    (
        CASE + '[case.expect]\nstatus = { x = "kinked" }\n',
        "f.toml:6: case 'c': 'expect.status.x' must be one of match, none, not-retained, kink, singular, zero-times-inf, "
        "overflow, indeterminate, rounding, ill-conditioned, not 'kinked'",
    ),
    (
        CASE + '[case.expect]\nstatus = { x = "mismatch" }\n',
        "f.toml:6: case 'c': 'expect.status.x' must be one of match, none, not-retained, kink, singular, zero-times-inf, "
        "overflow, indeterminate, rounding, ill-conditioned, not 'mismatch' (a mismatch is a bug, not an expectation)",
    ),
]


@pytest.mark.parametrize("text, message", ERRORS, ids=[m.split(": ", 1)[1][:50] for _, m in ERRORS])
def test_refusals(text, message):
    assert refusal(text) == message


def test_duplicate_names_and_other_cases_still_load():
    items, _ = load(CASE + "\n" + CASE.replace("inputs", "rtoll = 1\ninputs") + "\n" + CASE, "f.toml")
    assert isinstance(items[0], Sample)
    assert items[1].message == "f.toml:9: case 'c': unknown key 'rtoll' (did you mean 'rtol'?)"
    assert items[2].message == "f.toml:12: case 'c': duplicate name (also the case on line 1)"


def loaded_by_the_workers(text: str) -> tuple[list, list]:
    """`load(lazy=True)`, each case left unloaded then loaded as the worker that runs it loads it."""
    items, warnings = load(text, "f.toml", lazy=True)
    return [item.load() if isinstance(item, Unloaded) else item for item in items], warnings


@pytest.mark.parametrize("text", [CASE, *(text for text, _ in ERRORS)])
def test_a_case_loaded_by_its_worker_is_the_case_the_parent_loads(text):  # a broken file is refused by the parent
    assert loaded_by_the_workers(text) == load(text, "f.toml")


def test_a_file_that_repeats_a_name_is_loaded_by_the_parent():
    text = CASE + "\n" + CASE.replace("inputs", "rtoll = 1\ninputs") + "\n" + CASE
    items, _ = load(text, "f.toml", lazy=True)
    assert [type(item) for item in items] == [Sample, Refusal, Refusal]
    assert items == load(text, "f.toml")[0]


def test_an_unloaded_case_takes_the_commands_changes_and_engines_when_loaded():
    (unloaded,), _ = load(CASE + 'engines = ["torch", "jax"]\n', "f.toml", lazy=True)
    copies = for_engines(in_dtype([unloaded], "float32"), ())  # a case listing engines is loaded to be copied
    assert [(c.name, c.engine, c.case.dtype) for c in copies] == [
        ("c [torch]", "torch", "float32"),
        ("c [jax]", "jax", "float32"),
    ]
    (unloaded,), _ = load(CASE, "f.toml", lazy=True)
    (kept,) = for_engines(in_dtype([unloaded], "float32"), ())
    assert isinstance(kept, Unloaded) and kept.load().case.dtype == "float32"


def test_a_file_without_cases_is_a_warning():
    assert load("# nothing yet\n", "f.toml") == ([], ["f.toml:1: no [[case]] tables in this file"])


def test_lines_skip_multiline_strings_and_arrays():
    text = textwrap.dedent('''\
        [[case]]
        name = "a"
        program = """
        [[case]]
        x = 1
        """
        inputs.x = [
          [1, 2],
          [3, 4],
        ]

        [[case]]
        name = "b"
        program = "x"
        inputs = { x = 1 }
        rtoll = 2
    ''')
    items, _ = load(text, "f.toml")
    assert items[0].message.startswith("f.toml:4: case 'a': program at 1:1: ")  # the program's text starts on line 4
    assert items[1].message == "f.toml:16: case 'b': unknown key 'rtoll' (did you mean 'rtol'?)"


def scanned_char_by_char(line: str, quote, depth: int):
    """The line scanner's meaning, one character at a time (its first form): the oracle of its regex form."""
    i = 0
    while i < len(line):
        if quote:
            if line.startswith(quote, i):
                i, quote = i + len(quote), None
                continue
            i += 2 if quote in ('"', '"""') and line[i] == "\\" else 1
            continue
        char = line[i]
        if char == "#":
            break
        if line.startswith('"""', i) or line.startswith("'''", i):
            quote, i = line[i : i + 3], i + 3
            continue
        if char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return (quote if quote in ('"""', "'''") else None), depth


@settings(deadline=None)
@given(st.text(alphabet="\"'#[]{}\\ a=\r", max_size=30), st.sampled_from([None, '"""', "'''"]), st.integers(0, 3))
def test_the_line_scanner_carries_strings_and_brackets_as_one_character_at_a_time_would(line, quote, depth):
    assert _scan(line, quote, depth) == scanned_char_by_char(line, quote, depth)


CASE_LAYOUTS = [  # "@" is where the misspelt key goes
    'program = "x * y"\n@inputs = { x = 1, y = [2, 3] }\n',
    'program = """\na = x\nrtoll = a * y\n"""\ninputs.x = 1\ninputs.y = [\n  2,\n  3,\n]\n@',  # a decoy in the string
    "# rtoll = 2, in a comment\nprogram = '''x * y'''\n@\n[case.inputs]\nx = 1\ny = [[2], [3]]\n",
]


@settings(deadline=None)  # timing is not the property: a busy CI machine must not fail it
@given(st.lists(st.sampled_from(CASE_LAYOUTS), min_size=1, max_size=6), st.data())
def test_the_line_of_a_misspelt_key_is_where_it_was_written(layouts, data):
    bad = data.draw(st.integers(0, len(layouts) - 1))
    text = "# header\n"
    for index, layout in enumerate(layouts):
        text += f'\n[[case]]\nname = "c{index}"\n' + layout.replace("@", "rtoll = 1\n" if index == bad else "")
    bad_line = text.count("\n", 0, text.index("rtoll = 1")) + 1
    items, _ = load(text, "f.toml")
    assert loaded_by_the_workers(text) == (items, [])
    assert [isinstance(item, Refusal) for item in items] == [i == bad for i in range(len(layouts))]
    assert items[bad].message == f"f.toml:{bad_line}: case 'c{bad}': unknown key 'rtoll' (did you mean 'rtol'?)"


# ---- values -----------------------------------------------------------------------------------------------------------
finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(deadline=None)  # timing is not the property: a busy CI machine must not fail it
@given(
    st.one_of(
        finite,
        st.lists(finite, min_size=1, max_size=4),
        st.integers(1, 3).flatmap(lambda n: st.lists(st.lists(finite, min_size=n, max_size=n), min_size=1, max_size=3)),
    )
)
def test_tensor_values_round_trip_and_match_themselves(value):
    converted = tensor_value(value)
    assert converted == value
    assert same_value(converted, value, 0.0, 0.0)


@pytest.mark.parametrize(
    "expected, actual, same",
    [
        (6.0, 6.0 + 1e-12, True),
        (6.0, 6.1, False),
        (math.nan, math.nan, True),
        (math.inf, math.inf, True),
        (math.inf, -math.inf, False),
        (None, None, True),
        (None, 0.0, False),
        ([1.0, 2.0], [1.0, 2.0], True),
        ([1.0, 2.0], [1.0], False),
        ([1.0], 1.0, False),
        (0.0, -0.0, True),
    ],
)
def test_same_value(expected, actual, same):
    assert same_value(expected, actual, 1e-8, 1e-12) is same


# ---- --update's writer ------------------------------------------------------------------------------------------------
COMMENTED = """\
# Sample file header: kept.

[[case]]
name = "a"          # trailing comment: kept
program = "x * x"
inputs = { x = 3 }

[case.expect]
# a comment inside the pins: kept
output = 1.0        # stale, and its comment stays
grad = { x = 1 }

[[case]]
name = "b"
program = "sin(x)"
inputs = { x = 0.5 }
# before the next case

[[case]]
name = "c"
program = "x"
inputs = { x = 1 }
expect.grad = { x = 5 }
"""


def test_update_text_keeps_comments_and_round_trips():
    pins = {
        "a": {"output": 9.0, "grad_fn": "MulBackward0", "grad": {"x": 6.0}},
        "b": {"output": 0.479425538604203, "grad": {"x": 0.8775825618903728, "out": "none"}, "status": {"x": "match"}},
        "c": {"grad": {"x": 1.0}},
    }
    text, changed = update_text(COMMENTED, pins)
    assert changed == ["a", "b", "c"]
    for kept in (
        "# Sample file header: kept.",
        '"a"          # trailing comment: kept',
        "# a comment inside the pins: kept",
        "output = 9.0        # stale, and its comment stays",
        "# before the next case",
    ):
        assert kept in text
    items, _ = load(text, "f.toml")
    assert [s.expect.output for s in items[:2]] == [9.0, 0.479425538604203]
    assert items[0].expect.grad == {"x": 6.0} and items[0].expect.grad_fn == "MulBackward0"
    assert items[1].expect.grad == {"x": 0.8775825618903728, "out": None} and items[1].expect.status == {"x": "match"}
    assert items[2].expect.grad == {"x": 1.0}
    assert text.index('name = "b"') < text.index("output = 0.479425538604203") < text.index('name = "c"')
    again, changed = update_text(text, pins)
    assert (again, changed) == (text, [])


# ---- the docs name every key ------------------------------------------------------------------------------------------
def test_the_docs_document_every_key_and_the_hook_exists():
    from pathlib import Path

    from diffcheck.batch.expect import EXPECT_KEYS
    from diffcheck.batch.samples import KEYS

    root = Path(__file__).resolve().parent.parent
    page = (root / "docs" / "sample-files.md").read_text(encoding="utf-8")
    missing = [key for key in KEYS if f"`{key}`" not in page] + [k for k in EXPECT_KEYS if f"| `{k}` |" not in page]
    assert not missing, f"docs/sample-files.md does not document: {missing}"
    hook = (root / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    ci = (root / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "- id: diffcheck-verify" in hook and "entry: diffcheck verify" in hook and "id: diffcheck-verify" in ci


PINS_OF_A = (
    "[case.expect]\n# a comment inside the pins: kept\noutput = 1.0        # stale, and its comment stays\n"
    "grad = { x = 1 }\n"
)
pin_values = st.one_of(st.just("none"), finite, st.lists(finite, min_size=1, max_size=30))


@settings(deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "output": finite,
            "grad": st.dictionaries(st.sampled_from(["x", "out"]), pin_values),
            "status": st.dictionaries(st.sampled_from(["x", "out"]), st.sampled_from(["kink", "match"])),
        }
    ),
    st.booleans(),
)
def test_any_pins_written_by_update_load_back_as_written(pins, pinned_before):
    assert PINS_OF_A in COMMENTED
    text = COMMENTED if pinned_before else COMMENTED.replace(PINS_OF_A, "")
    written, _ = update_text(text, {"a": pins, "b": pins})
    items, _ = load(written, "f.toml")
    for sample in items[:2]:
        assert sample.expect.output == pins["output"] and sample.expect.status == pins["status"]
        assert sample.expect.grad == {k: None if v == "none" else v for k, v in pins["grad"].items()}
    assert "# Sample file header: kept." in written and "# before the next case" in written
