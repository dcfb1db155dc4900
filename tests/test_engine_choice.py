"""Choosing the engine under test: `--engine NAME` on check, verify, run and fuzz, engines loaded by name
(`MODULE:FACTORY`, entry points), micrograd's adapter, per-engine sample pins, float32 precision, and the Python API
`diffcheck.testing.assert_gradients`."""

from __future__ import annotations

import importlib.util
import json
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck import engines
from diffcheck.check import ATOL, KINK, MATCH, RTOL, Case, check
from diffcheck.cli import main
from diffcheck.engines import EngineLoadError, Unsupported, load
from diffcheck.lang.parse import parse_program
from diffcheck.testing import assert_gradients

ROOT = Path(__file__).resolve().parent.parent
HAS_MICROGRAD = importlib.util.find_spec("micrograd") is not None
HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_micrograd = pytest.mark.skipif(not HAS_MICROGRAD, reason="micrograd is not installed (pip install micrograd)")
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed (run with /tmp/torch/bin/python)")

ENGINE_MODULE = """
from test_engine_choice_toy import Toy

def make():
    return Toy()

not_callable = 3
"""


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "80"})


# ---- names -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, message",
    [
        ("torhc", "unknown engine 'torhc'; did you mean 'torch'?"),
        ("micrgrad", "unknown engine 'micrgrad'; did you mean 'micrograd'?"),
        ("no_such_package.adapter:make", "module 'no_such_package.adapter' cannot be imported"),
        ("json:nothing", "module 'json' has no attribute 'nothing'"),
        ("json:__name__", "the factory is not callable (it is str)"),
        ("os:getcwd", "the factory returned str, not a diffcheck.engines.Engine"),
        (":make", "give it as package.module:factory"),
    ],
)
def test_a_bad_engine_name_is_one_line_and_exit_2(name, message):
    with pytest.raises(EngineLoadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(name)
    result = invoke("check", "x * y", "x=1", "y=2", "--engine", name)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("diffcheck: error: ") and message in lines[0]


def test_a_missing_framework_names_the_install_command(monkeypatch):
    monkeypatch.setattr(engines.adapter("jax"), "available", lambda: False)
    monkeypatch.delitem(engines._LOADED, "jax", raising=False)
    result = invoke("check", "x * y", "x=1", "y=2", "--engine", "jax")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "diffcheck: error: engine 'jax' needs JAX, which is not installed: pip install 'diffcheck-autograd[jax]'"
    )


def test_module_factory_and_entry_points_load_the_users_engine(tmp_path, monkeypatch):
    (tmp_path / "my_engine.py").write_text(ENGINE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    engine = load("my_engine:make")
    assert engine.name == "toy" and load("my_engine:make") is engine  # built once per process
    with pytest.raises(EngineLoadError, match="not callable"):
        load("my_engine:not_callable")
    point = EntryPoint("toyengine", "my_engine:make", engines.GROUP)
    monkeypatch.setattr(engines, "_entry_points", lambda: {"toyengine": point})
    assert load("toyengine").name == "toy" and "toyengine" in engines.names()
    with pytest.raises(EngineLoadError, match="did you mean 'toyengine'"):
        load("toyengin")
    result = invoke("check", "sum(x * x)", "x=[1,2]", "--engine", "toyengine")
    assert result.exit_code == 0, result.output
    assert "toyengine .grad" in result.output or "toy" in result.output


# ---- micrograd --------------------------------------------------------------------------------------------------------
@needs_micrograd
def test_micrograd_runs_scalar_programs_and_says_what_it_lacks():
    e = load("micrograd")
    result = check(Case(parse_program("x * y + 2 / x - x ** 3 + relu(x) - 3 - y"), {"x": 1.5, "y": -2.0}), e)
    assert {t.name: t.status for t in result.tensors} == {"x": MATCH, "y": MATCH, "out": "not-retained"}
    for reduction in ("mean", "sum", "none"):  # the one loss of two scalars a Value computes
        loss = check(Case(parse_program(f"mse_loss(x * y, y, reduction='{reduction}')"), {"x": 1.5, "y": -2.0}), e)
        assert [t.status for t in loss.tensors][:2] == [MATCH, MATCH] and not loss.failed
    at_kink = check(Case(parse_program("relu(x) * y"), {"x": 0.0, "y": 2.0}), e)
    assert [t.status for t in at_kink.tensors][:2] == [KINK, MATCH] and not at_kink.failed
    for source, values, feature in [
        ("sin(x)", {"x": 1.0}, "'sin'"),
        ("x ** y", {"x": 1.0, "y": 2.0}, "'pow_tensor'"),
        ("sum(x)", {"x": [1.0, 2.0]}, "a tensor of shape (2,) (scalars only)"),
        ("l1_loss(x, y)", {"x": 1.0, "y": 2.0}, "'l1_loss'"),  # no abs in micrograd
    ]:
        with pytest.raises(Unsupported) as raised:
            check(Case(parse_program(source), values), e)
        assert raised.value.feature == feature


@needs_micrograd
def test_check_shows_engines_side_by_side_and_unsupported_is_no_failure():
    result = invoke("check", "sin(x) * y", "x=1", "y=2", "--engine", "diffcheck", "--engine", "micrograd")
    assert result.exit_code == 0, result.output
    header = [
        [cell.strip() for cell in line.strip("┃").split("┃")] for line in result.output.splitlines() if "┃" in line
    ]
    assert header == [["", "", "diffcheck", "micrograd"], ["tensor", "SymPy", "status", "status"]], header  # stacked
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "micrograd: unsupported: 'sin' is not supported by engine 'micrograd'" in result.output
    data = json.loads(invoke("check", "sin(x) * y", "x=1", "y=2", "--engine", "micrograd", "--format", "json").output)
    assert data == {
        "engines": [
            {
                "engine": "micrograd",
                "label": "micrograd",
                "status": "unsupported",
                "reason": "'sin' is not supported by engine 'micrograd'",
            }
        ],
        "exit_code": 0,
    }
    data = json.loads(
        invoke(
            "check", "x * y", "x=1", "y=2", "--engine", "micrograd", "--engine", "diffcheck", "--format", "json"
        ).output
    )
    assert [(e["engine"], [t["engine"] for t in e["tensors"]]) for e in data["engines"]] == [
        ("micrograd", [2.0, 1.0, None]),
        ("diffcheck", [2.0, 1.0, None]),
    ]


def test_run_loads_its_engines_before_the_run_and_fuzz_takes_engine_as_against():
    result = invoke("run", "-", "--engine", "tensorflow")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "unknown engine 'tensorflow'" in result.output
    assert invoke("fuzz", "--engine", "diffcheck", "--cases", "2").exit_code == 0
    assert invoke("fuzz", "--engine", "tensorflow", "--cases", "2").exit_code == 2


# ---- sample files ------------------------------------------------------------------------------------------------------
SAMPLE = """\
[[case]]
name = "product"
program = "x * y + relu(x)"
inputs = {x = 2.0, y = 3.0}
[case.expect]
grad = {x = 4.0}
[case.expect.micrograd]
grad = {y = 2.0}

[[case]]
name = "sine"
program = "sin(x)"
inputs = {x = 1.0}
"""


@needs_micrograd
def test_verify_runs_each_case_on_each_engine_with_its_pins(tmp_path):
    (tmp_path / "s.toml").write_text(SAMPLE)
    result = invoke(
        "verify", str(tmp_path), "--engine", "micrograd", "--engine", "diffcheck", "--format", "json", "-j", "1"
    )
    data = json.loads(result.output)
    assert result.exit_code == 0, result.output
    assert [(c["name"], c["engine"], c["status"]) for c in data["cases"]] == [
        ("product [micrograd]", "micrograd", "pass"),
        ("product [diffcheck]", "diffcheck", "pass"),
        ("sine [micrograd]", "micrograd", "unsupported"),
        ("sine [diffcheck]", "diffcheck", "pass"),
    ]
    assert data["summary"]["unsupported"] == 1
    (tmp_path / "s.toml").write_text(SAMPLE.replace("y = 2.0}", "y = 2.5}"))
    result = invoke("verify", str(tmp_path), "--engine", "micrograd", "-j", "1", "--format", "github")
    assert result.exit_code == 1
    assert "product [micrograd] (fail)" in result.output and "y.grad: expected 2.5, got 2.0" in result.output
    junit = invoke("verify", str(tmp_path), "--engine", "micrograd", "-j", "1", "--format", "junit").output
    assert 'skipped="1"' in junit and "<skipped message=\"'sin' is not supported" in junit


def test_a_sample_names_only_built_in_engines(tmp_path):
    (tmp_path / "s.toml").write_text(
        SAMPLE.replace("inputs = {x = 1.0}", 'inputs = {x = 1.0}\nengines = ["my.pkg:make"]')
    )
    result = invoke("verify", str(tmp_path), "-j", "1")
    assert result.exit_code == 2
    assert "'engines' names 'my.pkg:make': a sample file names only built-in engines" in result.output


def test_a_case_with_engines_runs_only_on_those(tmp_path):
    text = SAMPLE.replace("inputs = {x = 1.0}", 'inputs = {x = 1.0}\nengines = ["diffcheck"]')
    (tmp_path / "s.toml").write_text(text)
    data = json.loads(invoke("verify", str(tmp_path), "-j", "1", "--format", "json").output)
    assert [(c["name"], c.get("engine")) for c in data["cases"]] == [
        ("product", None),
        ("sine [diffcheck]", "diffcheck"),
    ]
    assert invoke("verify", str(tmp_path), "--update", "--engine", "diffcheck").exit_code == 2


@needs_torch
def test_the_whole_corpus_passes_on_torch_and_a_moved_torch_gradient_fails(tmp_path):
    result = invoke("verify", str(ROOT / "samples"), "--engine", "torch", "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == 0 and data["summary"]["passed"] == data["summary"]["cases"] > 100
    moved = (
        (ROOT / "samples" / "arithmetic.toml")
        .read_text()
        .replace(
            "[case.expect]\noutput = -0.5", "[case.expect.torch]\ngrad = {x = 2.0}\n[case.expect]\noutput = -0.5", 1
        )
    )
    (tmp_path / "arithmetic.toml").write_text(moved)
    result = invoke("verify", str(tmp_path), "--engine", "torch", "--format", "github")
    assert result.exit_code == 1
    assert "[torch] (fail)" in result.output and "x.grad: expected 2.0, got 1.0" in result.output


# ---- float32 ----------------------------------------------------------------------------------------------------------
def test_float32_is_judged_in_float32_ulps():
    result = assert_gradients("sum(sin(x) * exp(x))", {"x": [0.3, 1.7, -2.9]}, dtype="float32")
    x = result.tensors[0]
    assert x.status == MATCH and x.ulps is not None and x.ulps < 4 and "ulp of float32" in x.note
    assert x.rel_err > RTOL and x.abs_err > ATOL  # float64's tolerance would fail the same correctly rounded values


# ---- the Python API -----------------------------------------------------------------------------------------------------
def test_assert_gradients_passes_and_names_each_bad_element():
    from test_engine_choice_toy import Toy

    assert assert_gradients("sum(x * x)", {"x": [1.0, 2.0]}).tensors[0].engine == [2.0, 4.0]
    with pytest.raises(AssertionError) as raised:
        assert_gradients("sum(sin(x))", {"x": [0.5, 1.0]}, engine=Toy(sin_sign=-1))
    message = str(raised.value)
    assert "on engine 'toy'" in message
    assert "x[0]: mismatch: engine -0.877582" in message and "SymPy 0.877582" in message and "x[1]:" in message


@needs_micrograd
def test_pyproject_names_engines_when_the_command_does_not(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.diffcheck]\nengines = ["diffcheck", "micrograd"]\n')
    data = json.loads(invoke("check", "x * y", "x=1", "y=2", "--format", "json").output)
    assert [e["engine"] for e in data["engines"]] == ["diffcheck", "micrograd"]
    data = json.loads(invoke("check", "x * y", "x=1", "y=2", "--format", "json", "--engine", "micrograd").output)
    assert [e["engine"] for e in data["engines"]] == ["micrograd"]
    (tmp_path / "pyproject.toml").write_text('[tool.diffcheck]\nengines = "torch"\n')
    result = invoke("check", "x * y", "x=1", "y=2")
    assert result.exit_code == 2 and "engines must be an array of engine names" in result.output
