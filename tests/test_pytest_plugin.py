"""The pytest plugin: `pytest --diffcheck PATH` runs sample cases as items; without the flag it collects nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from diffcheck.batch.samples import load
from diffcheck.batch.verify import check_case

pytest_plugins = ["pytester"]

import junit_schema  # noqa: E402 - tests/ is on sys.path under pytest
from sample_texts import GOOD, STALE  # noqa: E402

BAD = (
    STALE
    + """
[[case]]
name = "no input"
program = "y = x * z"
inputs = { x = 3 }
"""
)


@pytest.fixture(autouse=True, scope="module")
def _warm():
    """Check the cases once here first: pytester's in-process runs drop the modules they imported (SymPy's lazily
    imported printers among them), and a half re-imported SymPy fails in the next run."""
    for sample in load(GOOD, "warm.toml")[0]:
        check_case(sample.case)


def _files(pytester) -> None:
    cases = pytester.mkdir("cases")
    (cases / "good.toml").write_text(GOOD)
    (cases / "bad.toml").write_text(BAD)
    (cases / "broken.toml").write_text("[[case]\nname = 1\n")


def test_cases_become_items_with_readable_failures(pytester):
    _files(pytester)
    result = pytester.runpytest("--diffcheck", "cases", "-p", "no:cacheprovider", "-rf")
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*cases/bad.toml:1: case 'stale pin': fail",
            "broken expectation: x.grad: expected 7.0, got 6.0",
            "*┃ tensor ┃ role *┃ req ┃ leaf ┃*┃ status*",  # the check table, as plain text
            "*│ x *│ input *│ yes │ yes *│ 6.0 *│ 6.0 *│ *0 │ ✓ match *│",
            "dy/dx = 2*x",
            "*cases/bad.toml:10: case 'no input': no value for input 'z'*",
            "*cases/broken.toml:1:7: invalid TOML: *",
            "FAILED cases/bad.toml::stale pin - *",
            "FAILED cases/bad.toml::no input - *",
            "FAILED cases/broken.toml::(file) - *",
        ]
    )
    assert "\x1b[" not in result.stdout.str()  # no colour codes in a report meant to be read in CI logs


@pytest.mark.parametrize("columns", [60, 80])
def test_the_failure_report_fits_the_terminal(pytester, monkeypatch, columns):
    """The check table of a failure is drawn at pytest's terminal width (COLUMNS in CI), never wider."""
    monkeypatch.setenv("COLUMNS", str(columns))
    _files(pytester)
    result = pytester.runpytest("--diffcheck", "cases/bad.toml", "-p", "no:cacheprovider")
    lines = result.stdout.lines
    table = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert table and max(map(len, table)) <= columns, "\n".join(table)
    assert not any("…" in line for line in table)


def test_nodeids_are_file_and_case_name(pytester):
    _files(pytester)
    result = pytester.runpytest("--diffcheck", "cases/good.toml", "--collect-only", "-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["cases/good.toml::square", "cases/good.toml::layer"])
    assert pytester.runpytest("--diffcheck", "cases/good.toml::layer", "-p", "no:cacheprovider").parseoutcomes() == {
        "passed": 1
    }


def test_inert_without_the_flag(pytester):
    _files(pytester)
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest("cases", "-p", "no:cacheprovider")
    assert result.ret == 5  # pytest's "no tests collected"
    assert "toml" not in result.stdout.str()


def test_junit_includes_the_cases(pytester):
    _files(pytester)
    pytester.runpytest("--diffcheck", "cases", "--junitxml=report.xml", "-p", "no:cacheprovider")
    root = ElementTree.parse(pytester.path / "report.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"square", "layer", "stale pin", "no input", "(file)"}
    stale = cases["stale pin"].find("failure")
    assert stale is not None and "broken expectation: x.grad: expected 7.0, got 6.0" in stale.text
    assert cases["square"].find("failure") is None
    assert junit_schema.problems((pytester.path / "report.xml").read_text()) == []


def test_junit_names_classes_as_verify_does(pytester):
    """The same sample files through the plugin and through `verify --format junit`: the same class names."""
    from click.testing import CliRunner

    from diffcheck.cli import main

    _files(pytester)
    pytester.runpytest("--diffcheck", "cases", "--junitxml=report.xml", "-p", "no:cacheprovider")
    plugin = ElementTree.parse(pytester.path / "report.xml").getroot()
    verify = ElementTree.fromstring(
        CliRunner().invoke(main, ["verify", "cases", "-j", "1", "--format", "junit"]).stdout
    )
    classes = [{(c.get("classname"), c.get("name")) for c in root.iter("testcase")} for root in (plugin, verify)]
    assert classes[0] == classes[1] and ("cases.good.toml", "square") in classes[0]


PYPROJECT = '[project]\nname = "demo"\nversion = "0.1"\n\n[tool.black]\nline-length = 100\n'


def _project(pytester) -> None:
    """A project root: its own TOML files beside a folder of sample files, one of them broken."""
    _files(pytester)
    (pytester.path / "pyproject.toml").write_text(PYPROJECT)
    (pytester.path / "ruff.toml").write_text("not toml = = at all\n")  # broken, but no [[case]]: not a sample file
    (pytester.path / "cases" / "settings.toml").write_text('case = "upper"\n')  # a `case` key, but no tables


def test_a_folder_yields_only_sample_files(pytester):
    _project(pytester)
    result = pytester.runpytest("--diffcheck", ".", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert [line for line in result.stdout.lines if "::" in line] == [
        "cases/bad.toml::stale pin",
        "cases/bad.toml::no input",
        "cases/broken.toml::(file)",
        "cases/good.toml::square",
        "cases/good.toml::layer",
    ]
    result = pytester.runpytest("--diffcheck", "-p", "no:cacheprovider")  # no path: the root, likewise
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines(["collected 5 items"])


@pytest.mark.parametrize(
    "name, message",
    [
        ("pyproject.toml", "pyproject.toml:1: unknown top-level key 'project' (a sample file holds [[case]] tables)"),
        ("ruff.toml", "ruff.toml:1:5: invalid TOML: "),  # then tomllib's own words
        (
            "cases/settings.toml",
            "cases/settings.toml:1: 'case' must be an array of tables: write each case under its own [[case]] header",
        ),
    ],
)
def test_a_file_named_explicitly_is_always_read(pytester, name, message):
    _project(pytester)
    result = pytester.runpytest("--diffcheck", name, "-p", "no:cacheprovider", "-rf")
    result.assert_outcomes(failed=1)
    assert any(line.startswith(message) for line in result.stdout.lines)  # the loader's line, as `verify` has it
    assert any(line.startswith(f"FAILED {name}::(file) - ") for line in result.stdout.lines)


def test_sniffing_a_file(tmp_path):
    cases = {
        "sample.toml": '[[case]]\nname = "a"\nprogram = "x"\n',
        "inline.toml": 'case = [{ name = "a", program = "x" }]\n',  # an array too: the loader explains the rest
        "broken_sample.toml": '[[ "case" ]\nname = 1\n',
        "pyproject.toml": PYPROJECT,
        "nested.toml": '[tool]\n[[tool.case]]\nname = "a"\n',  # `case` below the top level
        "broken.toml": "a = \n[[cases]]\n",
        "string.toml": 'case = "upper"\n',
        "latin1.toml": '[[case]]\nname = "caf\xe9"\n',  # not UTF-8: a sample file, which the loader refuses
    }
    for name, text in cases.items():
        (tmp_path / name).write_bytes(text.encode("latin-1"))
    from diffcheck.pytest_plugin import is_sample_file

    found = {name for name in cases if is_sample_file(tmp_path / name)}
    assert found == {"sample.toml", "inline.toml", "broken_sample.toml", "latin1.toml"}
    assert not is_sample_file(tmp_path / "missing.toml")


DEEP = '[[case]]\nname = "d"\nprogram = "x"\ninputs = { x = ' + "[" * 3000 + "1" + "]" * 3000 + " }\n"


@pytest.mark.parametrize(
    "name, data, line",
    [
        (
            "deep.toml",
            DEEP.encode(),
            "cases/deep.toml:4: invalid TOML: arrays or inline tables nested 3001 deep (the limit is 100)",
        ),
        (
            "huge.toml",
            b"[[case]]\n# " + b"a" * 16 * 2**20,
            "cases/huge.toml:1: cannot read: larger than 16 MiB, the limit for a sample file",
        ),
    ],
    ids=["3,000-deep array", "past the size cap"],
)
def test_a_file_the_loader_refuses_is_one_line_as_in_verify(pytester, name, data, line):
    _files(pytester)
    (pytester.path / "cases" / name).write_bytes(data)
    result = pytester.runpytest("--diffcheck", "cases", "-p", "no:cacheprovider", "-rf")
    result.assert_outcomes(passed=2, failed=4)  # the good file's cases still run
    assert line in result.stdout.lines  # the whole of the failure's text
    assert any(text.startswith(f"FAILED cases/{name}::(file) - cases/{name}:") for text in result.stdout.lines)
    assert "Traceback" not in result.stdout.str() and "RecursionError" not in result.stdout.str()


@pytest.mark.parametrize(
    "data",
    [b"\xef\xbb\xbf" + GOOD.encode(), ("# note\u2028[[case]]\u2028\x85\n" + GOOD).encode()],
    ids=["BOM", "U+2028, U+0085"],
)
def test_a_bom_or_line_separators_in_comments_load(pytester, data):
    (pytester.path / "s.toml").write_bytes(data)
    result = pytester.runpytest("--diffcheck", ".", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
