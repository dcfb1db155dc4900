"""Each report format of `diffcheck verify` on one mixed batch: JUnit parsed and checked, GitHub escaping, atomic files."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diffcheck.render import batch as batch_render
from diffcheck.batch.files import write_atomic
from diffcheck.render.batch import escape_data, escape_property
from diffcheck.cli import main
from diffcheck.batch.verify import verify

import junit_schema  # noqa: E402 - tests/ is on sys.path under pytest

WEIRD = "we,ird:50%.toml"  # a file name that needs every property escape
FILES = {
    "good.toml": '[[case]]\nname = "square"\nprogram = "y = x * x"\ninputs = { x = 3 }\n',
    WEIRD: '# pinned wrong on purpose\n[[case]]\nname = "a: b, 100% | c\\nline two"\nprogram = "y = x * x"\n'
    "inputs = { x = 3 }\nexpect.grad = { x = 7 }\n",
    "malformed.toml": "[[case]\n",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("formats")
    for name, text in FILES.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def batch(folder):
    cwd = os.getcwd()
    os.chdir(folder)  # reports name files relative to the working directory, as CI annotations need
    try:
        return verify([Path(".")], jobs=1, timeout=60)[0]
    finally:
        os.chdir(cwd)


def test_the_batch(batch):
    assert [(o.file, o.status) for o in batch.outcomes] == [
        ("good.toml", "pass"),
        ("malformed.toml", "error"),
        (WEIRD, "fail"),
    ]
    assert batch.report.return_code == 2


def test_json(batch):
    data = json.loads(batch_render.json_text(batch))
    assert set(data) == {"exit_code", "summary", "cases", "errors", "warnings"} and data["exit_code"] == 2
    assert data["summary"] | {"seconds": 0} == {  # a file that cannot be read is one case row, an error
        "cases": 3,
        "passed": 1,
        "failed": 1,
        "errors": 1,
        "timeouts": 0,
        "other_errors": 0,
        "seconds": 0,
        "jobs": 1,
        "shard": None,
    }
    good, bad, weird = data["cases"]
    assert good["result"]["tensors"][0] == good["result"]["tensors"][0] | {
        "name": "x",
        "engine": 6.0,
        "status": "match",
    }
    assert bad["name"] is None and bad["error"].startswith("malformed.toml:1:")
    assert weird["broken_expectations"] == ["x.grad: expected 7.0, got 6.0"] and weird["line"] == 2


def test_junit_validates_against_the_schema_jenkins_reads(batch):
    assert junit_schema.problems(batch_render.junit_text(batch)) == []


def test_junit_structure(batch):
    root = ET.fromstring(batch_render.junit_text(batch))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["good.toml", "malformed.toml", WEIRD]
    for suite in suites:
        testcases = suite.findall("testcase")
        assert suite.get("tests") == str(len(testcases)) == "1"
        assert float(suite.get("time")) >= 0 and all(float(c.get("time")) >= 0 for c in testcases)
    good, malformed, weird = (s.find("testcase") for s in suites)
    assert dict(good.attrib) == {"classname": "good.toml", "name": "square", "time": good.get("time")}
    assert list(good) == []
    error = malformed.find("error")
    assert error.get("type") == "error" and "invalid TOML" in error.get("message") and "invalid TOML" in error.text
    failure = weird.find("failure")
    assert weird.get("name") == "a: b, 100% | c\nline two"
    assert failure.text.startswith(f"{WEIRD}:2: case ")  # where the case is: the diagnosis's first words
    assert failure.get("message") == "broken expectation: x.grad: expected 7.0, got 6.0"
    for part in (
        "broken expectation: x.grad: expected 7.0, got 6.0",
        "program: y = x * x",
        "point: x=3.0",
        "x [input] match: engine .grad 6.0, SymPy 6.0, d = 2*x",
    ):
        assert part in failure.text  # the whole diagnosis, not only the message attribute


def test_github_annotations(batch):
    lines = batch_render.github_text(batch).splitlines()
    assert lines[0] == (
        "::error file=malformed.toml,line=1,title=diffcheck%3A (file) (error)::"
        "malformed.toml:1:7: invalid TOML: Expected ']]' at the end of an array declaration"
    )
    weird = lines[1]
    assert weird.startswith(
        "::error file=we%2Cird%3A50%25.toml,line=2,title=diffcheck%3A a%3A b%2C 100%25 | c%0Aline two (fail)::"
    )
    assert "%0Abroken expectation: x.grad: expected 7.0, got 6.0%0Aprogram: y = x * x%0A" in weird
    assert lines[2].startswith("3 cases: 1 passed, 1 failed, 1 error, 0 timed out") and len(lines) == 3


def test_github_escaping_examples():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\nd") == "a%3Ab%2Cc%25%0Ad"
    assert escape_data("%0A") == "%250A"  # `%` first, so an escape in the text is not read as one


def _unescape(text: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


@settings(deadline=None)  # timing is not the property: a busy CI machine must not fail it
@given(st.text(alphabet=st.sampled_from("ab%:,\r\n0ADC3")))
def test_github_escaping_is_reversible_and_leaves_no_separators(text):
    data, prop = escape_data(text), escape_property(text)
    assert "\n" not in data and "\r" not in data and not {":", ","} & set(prop)
    assert _unescape(prop) == text


def test_markdown(batch):
    text = batch_render.markdown_text(batch)
    lines = text.splitlines()
    assert lines[0] == "### diffcheck verify ❌"
    rows = [line for line in lines if line.startswith("| ") and "`" in line]
    assert len(rows) == 3 and "a: b, 100% \\| c<br>line two" in rows[2]
    assert text.count("<details>") == 2 and "broken expectation: x.grad: expected 7.0, got 6.0" in text


def test_table_text_has_no_colour_codes(batch):
    text = batch_render.table_text(batch, verbose=True)
    assert "\x1b[" not in text and "square" in text and "engine .grad" in text


def run(folder: Path, *args, env=None):
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, ["verify", ".", "-j", "1", *args], env=env)
    finally:
        os.chdir(cwd)


def test_output_file_is_written_whole_and_stdout_gets_the_summary(folder, tmp_path):
    target = tmp_path / "report.xml"
    target.write_text("old report")
    result = run(folder, "--format", "junit", "--output", str(target))
    assert result.exit_code == 2
    assert result.stdout.startswith("3 cases: 1 passed, 1 failed, 1 error") and result.stdout.count("\n") == 1
    assert ET.fromstring(target.read_text()).tag == "testsuites"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xml"]


def test_github_format_appends_a_markdown_step_summary(folder, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = run(folder, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.stdout.startswith("::error file=malformed.toml,line=1,")
    text = summary.read_text()
    assert text.startswith("earlier step\n### diffcheck verify ❌") and "| ✅ | `good.toml:1` | square |" in text


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old")

    def interrupted(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new " * 10_000)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_an_output_file_that_cannot_be_written_is_trouble(folder, tmp_path):
    result = run(folder, "--format", "json", "--output", str(tmp_path / "missing" / "report.json"))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"diffcheck: error: --output {tmp_path / 'missing' / 'report.json'}: No such file or directory"
    )


def test_one_run_writes_every_report_asked_for(folder, tmp_path):
    reports = {name: tmp_path / name for name in ("r.xml", "r.json", "r.md")}
    result = run(
        folder,
        "--junit-xml",
        str(reports["r.xml"]),
        "--json",
        str(reports["r.json"]),
        "--markdown",
        str(reports["r.md"]),
    )
    assert result.exit_code == 2 and "diffcheck verify" in result.stdout  # the table still goes to stdout
    assert junit_schema.problems(reports["r.xml"].read_text()) == []
    assert json.loads(reports["r.json"].read_text())["summary"]["cases"] == 3
    assert reports["r.md"].read_text().startswith("### diffcheck verify")
    unwritable = run(folder, "--json", str(tmp_path / "missing" / "r.json"), "--markdown", str(reports["r.md"]))
    assert unwritable.exit_code == 2
    assert unwritable.stderr.endswith(
        f"diffcheck: error: --json {tmp_path / 'missing' / 'r.json'}: No such file or directory\n"
    )


def test_the_json_lines_made_as_the_cases_finish_are_the_reports_own():
    """verify makes each case's line of the JSON report while it waits for the workers: the same text, and a line
    made for another outcome object (a case renamed or re-pinned since) is not taken."""
    made: dict = {}

    def keep(outcome):
        made[id(outcome)] = (outcome, batch_render.case_json(outcome))

    samples = Path(__file__).resolve().parent.parent / "samples" / "arithmetic.toml"
    batch, _ = verify([samples], 1, done=keep)
    assert len(made) == len(batch.outcomes) == 22
    assert batch_render.json_text(batch, made) == batch_render.json_text(batch)
    stale = {id(o): (object(), '{"stale": true}') for o in batch.outcomes}
    assert batch_render.json_text(batch, stale) == batch_render.json_text(batch)
