"""`[tool.diffcheck]` in pyproject.toml, `--config FILE`, `--isolated`: defaults for every command's options that
the command line overrides; unknown keys and wrong types as one line naming the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def invoke(*args):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_top_level_keys_apply_to_every_command_and_flags_override_them(project):
    (project / "pyproject.toml").write_text('[tool.diffcheck]\nformat = "json"\nmax-length = 7\n')
    assert json.loads(invoke("check", "x * x", "x=2").stdout)["tensors"][0]["engine"] == 4.0
    assert invoke("check", "x * x", "x=2", "--format", "table").stdout.startswith("x * x\n")
    too_long = invoke("check", "x * x * x", "x=2")
    assert too_long.exit_code == 2 and "(limit 7; raise it with --max-length)" in too_long.stderr


def test_a_command_table_wins_and_gives_verify_its_paths(project):
    (project / "pyproject.toml").write_text(
        f'[tool.diffcheck]\nformat = "json"\n\n[tool.diffcheck.verify]\npaths = ["{SAMPLES / "arithmetic.toml"}"]\n'
        'jobs = 1\nformat = "github"\n'
    )
    result = invoke("verify")
    assert result.exit_code == 0 and result.stdout.splitlines()[-1].startswith("22 cases: 22 passed")
    assert json.loads(invoke("check", "x", "x=1").stdout)["ok"] is True  # check still takes the top level's json


def test_isolated_and_config_choose_the_file(project):
    (project / "pyproject.toml").write_text('[tool.diffcheck]\nformat = "json"\n')
    (project / "diffcheck.toml").write_text('format = "table"\nrtol = 0.5\n')
    assert invoke("--isolated", "check", "x", "x=1").stdout.startswith("x\n")
    assert invoke("--config", "diffcheck.toml", "check", "x", "x=1").stdout.startswith("x\n")
    missing = invoke("--config", "nowhere.toml", "check", "x", "x=1")
    assert (
        missing.exit_code == 2
        and missing.stderr == "diffcheck: error: --config nowhere.toml: No such file or directory\n"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("rtoll = 1", "pyproject.toml: [tool.diffcheck] unknown key 'rtoll' (did you mean 'rtol'?)"),
        ("[verify]\njbos = 2", "pyproject.toml: [tool.diffcheck.verify] unknown key 'jbos' (did you mean 'jobs'?)"),
        (
            '[verify]\nformat = "xml"',
            "pyproject.toml: [tool.diffcheck.verify] format: 'xml' is not one of 'table', "
            "'json', 'junit', 'github', 'markdown'.",
        ),
        ('engines = "torch"', "pyproject.toml: [tool.diffcheck] engines must be an array of engine names"),
        ("rtol = [1]", "pyproject.toml: [tool.diffcheck] rtol must be a single value, not an array"),
    ],
)
def test_a_bad_key_or_value_is_one_line_naming_file_and_key(project, text, message):
    (project / "pyproject.toml").write_text("[tool.diffcheck]\n" + text.replace("[verify]", "[tool.diffcheck.verify]"))
    result = invoke("check", "x", "x=1")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"diffcheck: error: {message}\n")


def test_a_broken_project_file_stops_no_check(project):
    (project / "pyproject.toml").write_text("not = = toml\n")
    assert invoke("check", "x", "x=1").exit_code == 0


def test_run_checks_each_backward_on_the_projects_engines(project):
    pytest.importorskip("micrograd")
    (project / "pyproject.toml").write_text('[tool.diffcheck]\nengines = ["diffcheck", "micrograd"]\n')
    (project / "s.py").write_text("import torch\nx = torch.tensor(2.0, requires_grad=True)\n(x * x).backward()\n")
    result = invoke("run", "s.py")
    assert result.exit_code == 0, result.output
    assert "(x * x).backward()  [diffcheck]" in result.stdout
    assert "(x * x).backward()  [micrograd, in float64]" in result.stdout  # micrograd has no float32
