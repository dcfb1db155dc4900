"""`diffcheck verify` end to end: exit codes, streams, zero cases, bad files among good ones, timeouts, -j, shards,
--update — through click's runner, and once as a real process over samples/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent

from sample_texts import GOOD, STALE  # noqa: E402 - tests/ is on sys.path under pytest

STRICT = """\
[[case]]
name = "strict kink"
program = "relu(x)"
inputs = { x = 0 }
strict = true
"""
MALFORMED = '[[case]]\nname = "broken\n'
# SymPy differentiates a sum of 400 products of 16 terms for each of 512 symbols: minutes; the engine: microseconds.
# minutes on SymPy's route, which floor keeps it on (symengine's would take well under a second)
SLOW = '[[case]]\nname = "slow"\nprogram = "sum(sin(W @ V)) + sum(floor(V))"\ninputs = {{ W = {m}, V = {m} }}\n'.format(
    m=[[(i * 16 + j) / 100 for j in range(16)] for i in range(16)]
)


def write(folder: Path, **files: str) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def verify(*args, env=None):
    result = CliRunner().invoke(main, ["verify", *map(str, args)], env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def cases(result) -> list[dict]:
    return json.loads(result.stdout)["cases"]


def timeless(data):
    """A report without its timings, which are the only part allowed to differ between runs."""
    if isinstance(data, dict):
        return {k: timeless(v) for k, v in data.items() if k not in ("seconds", "jobs")}
    if isinstance(data, list):
        return [timeless(v) for v in data]
    return data


# ---- exit codes and streams ------------------------------------------------------------------------------------------
def test_all_pass_is_exit_0_with_a_table_and_a_summary(tmp_path):
    result = verify(write(tmp_path, **{"good.toml": GOOD}), "-j", 1)
    assert result.exit_code == 0 and result.stderr == ""
    assert "square" in result.stdout and "layer" in result.stdout and "✓ pass" in result.stdout
    assert "2 cases: 2 passed, 0 failed, 0 errors, 0 timed out" in result.stdout


def test_a_broken_pin_is_exit_1_and_data_not_an_error(tmp_path):
    result = verify(write(tmp_path, **{"good.toml": GOOD, "stale.toml": STALE}))
    assert result.exit_code == 1 and result.stderr == ""
    assert "x.grad: expected 7.0, got 6.0" in result.stdout


def test_verbose_shows_the_tensor_table_of_failures_only(tmp_path):
    result = verify(write(tmp_path, **{"good.toml": GOOD, "strict.toml": STRICT}), "-v")
    assert result.exit_code == 1
    assert result.stdout.count("engine .grad") == 1 and "relu(x)" in result.stdout


@pytest.mark.parametrize(
    "files, code",
    [
        ({"good.toml": GOOD}, 0),
        ({"good.toml": GOOD, "stale.toml": STALE}, 1),
        ({"good.toml": GOOD, "strict.toml": STRICT}, 1),
        ({"good.toml": GOOD, "stale.toml": STALE, "malformed.toml": MALFORMED}, 2),  # trouble wins over disagreement
        ({"stale.toml": STALE, "refused.toml": GOOD.replace("inputs = { x = 3 }", "inputs = { x = 3 }\nrtoll = 1")}, 2),
    ],
)
def test_exit_code_precedence(tmp_path, files, code):
    assert verify(write(tmp_path, **files), "--format", "json").exit_code == code


def test_a_malformed_file_among_good_ones_is_reported_and_the_rest_runs(tmp_path):
    write(tmp_path, **{"a.toml": GOOD, "b/bad.toml": MALFORMED, "c.toml": STALE})
    result = verify(tmp_path, "--format", "json")
    assert result.exit_code == 2
    assert [(c["file"].rsplit("/", 2)[-1], c["name"], c["status"]) for c in cases(result)] == [
        ("a.toml", "square", "pass"),
        ("a.toml", "layer", "pass"),
        ("bad.toml", None, "error"),
        ("c.toml", "stale pin", "fail"),
    ]
    bad = f"{tmp_path.as_posix()}/b/bad.toml"
    assert result.stderr == f"diffcheck: error: {bad}:2:15: invalid TOML: Illegal character '\\n'\n"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p, "no cases found in {p} (looked for [[case]] tables in *.toml files)"),
        (
            lambda p: write(p, **{"notes.txt": GOOD}),
            "no cases found in {p} (looked for [[case]] tables in *.toml files)",
        ),
    ],
)
def test_zero_cases_is_exit_2_with_a_clear_message(tmp_path, make, message):
    result = verify(make(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"diffcheck: error: {message.format(p=tmp_path)}\n"
    assert "0 cases" in result.stdout and "diffcheck verify" not in result.stdout  # no empty table


def test_an_empty_sample_file_warns_and_counts_as_nothing(tmp_path):
    result = verify(write(tmp_path, **{"empty.toml": "# todo\n"}))
    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[0] == f"diffcheck: warning: {tmp_path.as_posix()}/empty.toml:1: no [[case]] "
        "tables in this file"
    )


def test_a_missing_path_is_trouble_but_the_other_paths_run(tmp_path):
    write(tmp_path, **{"good.toml": GOOD})
    result = verify(tmp_path / "good.toml", tmp_path / "nope", "--format", "json")
    assert result.exit_code == 2 and len(cases(result)) == 2
    assert result.stderr == f"diffcheck: error: {tmp_path / 'nope'}: no such file or directory\n"


def test_a_file_named_twice_runs_once(tmp_path):
    write(tmp_path, **{"good.toml": GOOD})
    result = verify(tmp_path, tmp_path / "good.toml", tmp_path / "." / "good.toml", "--format", "json")
    assert result.exit_code == 0 and len(cases(result)) == 2


def test_stderr_stays_one_line_per_error_even_for_a_name_with_a_newline(tmp_path):
    result = verify(write(tmp_path, **{"a.toml": '[[case]]\nname = "two\\nlines"\nprogram = "x"\nrtoll = 1\n'}))
    assert (
        result.stderr == f"diffcheck: error: {tmp_path.as_posix()}/a.toml:4: case 'two\\nlines': unknown key "
        "'rtoll' (did you mean 'rtol'?)\n"
    )


def test_bad_options_are_usage_errors():
    for args in (["--shard", "3/2"], ["--shard", "x"], ["-j", "0"], ["--format", "xml"]):
        assert verify("samples", *args).exit_code == 2


# ---- timeouts, workers, shards -----------------------------------------------------------------------------------------
def test_a_case_that_hangs_times_out_and_the_batch_goes_on(tmp_path):
    write(
        tmp_path,
        **{
            "a.toml": GOOD,
            "b_slow.toml": SLOW,
            "c.toml": GOOD.replace('"square"', '"square 2"').replace('"layer"', '"layer 2"'),
        },
    )
    started = time.monotonic()
    result = verify(tmp_path, "--timeout", 2, "-j", 2, "--format", "json")
    assert time.monotonic() - started < 60  # 2 s timeout + worker start-up, with a wide margin for a busy machine
    assert result.exit_code == 2
    assert [(c["name"], c["status"]) for c in cases(result)] == [
        ("square", "pass"),
        ("layer", "pass"),
        ("slow", "timeout"),
        ("square 2", "pass"),
        ("layer 2", "pass"),
    ]
    slow = f"{tmp_path.as_posix()}/b_slow.toml:1: case 'slow'"
    assert f"diffcheck: error: {slow}: timeout: still running after 2 s (killed)" in result.stderr.splitlines()


def test_the_report_is_the_same_with_one_or_two_workers(tmp_path):
    write(tmp_path, **{"a.toml": GOOD, "b.toml": STALE, "c.toml": MALFORMED, "d.toml": STRICT})
    paths = [ROOT / "samples" / "arithmetic.toml", ROOT / "samples" / "kinks", tmp_path]
    one = verify(*paths, "-j", 1, "--format", "json")
    two = verify(*paths, "-j", 2, "--format", "json")
    assert one.exit_code == two.exit_code == 2
    assert timeless(json.loads(one.stdout)) == timeless(json.loads(two.stdout))
    assert len(cases(one)) > 40


REFUSED = """\
[[case]]
name = "unknown key"
program = "x"
inputs = { x = 1 }
rtoll = 1

[[case]]
name = "bad program"
program = "x +"
inputs = { x = 1 }

[[case]]
name = "on engines"
program = "y = x * x"
inputs = { x = 3 }
engines = ["torch", "jax"]

[[case]]
name = 7
program = "x"
"""


def test_cases_loaded_by_the_workers_report_as_cases_loaded_by_the_parent(tmp_path):
    """The workers load the cases they run; `--update` has the parent load them all first: one report either way."""
    from diffcheck.batch.verify import verify as run
    from diffcheck.render.batch import json_text

    twice = GOOD + "\n" + GOOD.replace("inputs", "rtoll = 1\ninputs", 1)  # a repeated name: the parent loads it
    write(tmp_path, **{"a.toml": twice, "b.toml": STALE, "c.toml": MALFORMED, "d.toml": REFUSED})
    paths = [ROOT / "samples", tmp_path]
    by_workers, items = run(paths, jobs=2, dtype="float32", lazy=True)
    assert sum(type(item).__name__ == "Unloaded" for item in items) > 250
    by_parent, items = run(paths, jobs=2, dtype="float32")
    assert {type(item).__name__ for item in items} == {"Sample", "Refusal"}
    report = timeless(json.loads(json_text(by_workers)))
    assert report == timeless(json.loads(json_text(by_parent)))
    where = f"{tmp_path.as_posix()}/d.toml"
    assert [(c["line"], c["error"]) for c in report["cases"] if c["file"] == where] == [
        (5, f"{where}:5: case 'unknown key': unknown key 'rtoll' (did you mean 'rtol'?)"),
        (9, f"{where}:9: case 'bad program': program at 1:4: syntax error: invalid syntax"),
        (12, None),  # on torch, and on jax: supported or not, no error
        (12, None),
        (19, f"{where}:19: case #4: 'name' must be a non-empty string"),
    ]


def test_shards_partition_the_cases_and_their_reports_merge(tmp_path):
    write(tmp_path, **{"a.toml": GOOD, "b.toml": STALE, "c.toml": MALFORMED, "d.toml": STRICT})
    paths = [ROOT / "samples" / "reductions.toml", tmp_path]
    whole = cases(verify(*paths, "--format", "json"))
    shards = [cases(verify(*paths, "--shard", f"{k}/3", "--format", "json")) for k in (1, 2, 3)]
    assert all(shards)
    merged = sorted((c for s in shards for c in s), key=lambda c: (c["file"], c["line"]))
    assert timeless(merged) == timeless(sorted(whole, key=lambda c: (c["file"], c["line"])))


def test_more_shards_than_cases_leaves_an_empty_shard_failing(tmp_path):
    result = verify(write(tmp_path, **{"a.toml": STALE}), "--shard", "2/2")
    assert result.exit_code == 2 and "no cases found in shard 2/2" in result.stderr


# ---- --update --------------------------------------------------------------------------------------------------------
COMMENTED = """\
# Regression baseline for the loss functions. Keep this comment.

[[case]]
name = "mse"           # the one everyone writes
program = "mean((y - t) ** 2)"
inputs = { y = [0.5, 1.5], t = [1.0, 1.0] }
no_grad = ["t"]

[case.expect]
# stale on purpose
output = 0.5           # was right once
grad = { y = [9.0, 9.0] }

[[case]]
name = "new case, nothing pinned yet"
program = "exp(x)"
inputs = { x = 0.0 }

[[case]]
name = "kink under strict"    # fails: refused
program = "abs(x)"
inputs = { x = 0.0 }
strict = true
"""


def test_update_pins_what_agrees_refuses_what_does_not_and_keeps_comments(tmp_path):
    path = write(tmp_path, **{"loss.toml": COMMENTED}) / "loss.toml"
    result = verify(path, "--update")
    assert result.exit_code == 1  # the refused case still fails
    stderr = result.stderr.splitlines()
    where = path.as_posix()
    assert (
        f"diffcheck: {where}:3: case 'mse': re-pinned (output out: expected 0.5, got 0.25; y.grad: expected "
        "[9.0, 9.0], got [-0.5, 0.5])" in stderr
    )
    assert f"diffcheck: {where}: pinned the expectations of 2 cases" in stderr
    assert (
        f"diffcheck: warning: {where}:19: case 'kink under strict': not pinned: it fails (x: kink) — fix the case "
        "or the engine first" in stderr
    )
    text = path.read_text()
    for kept in (
        "# Regression baseline for the loss functions. Keep this comment.",
        "# the one everyone writes",
        "# stale on purpose",
        "output = 0.25           # was right once",
        "# fails: refused",
    ):
        assert kept in text
    assert "grad = { y = [-0.5, 0.5]" in text and 'grad_fn = "ExpBackward0"' in text
    again = verify(path, "--format", "json")
    assert [c["status"] for c in cases(again)] == ["pass", "pass", "fail"]
    assert verify(path, "--update").stderr.count("pinned the expectations") == 0  # nothing left to change


# ---- the corpus, as a real process -----------------------------------------------------------------------------------
def test_samples_pass_as_a_real_process():
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "diffcheck", "verify", "samples/", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr
    assert process.stderr == ""
    report = json.loads(process.stdout)
    assert report["exit_code"] == 0 and report["summary"]["cases"] >= 80
    assert report["summary"]["passed"] == report["summary"]["cases"]
    assert time.monotonic() - started < 300


def test_help_documents_every_option():
    result = verify("--help")
    for option in ("--jobs", "--timeout", "--shard", "--format", "--output", "--verbose", "--update", "Exit codes"):
        assert option in result.stdout


FLOAT32 = """\
[[case]]
name = "tanh in float32"
program = "y = sum(tanh(x) * exp(x))"
inputs = { x = [0.1, 0.7, -1.3] }
dtype = "float32"

[[case]]
name = "a wrong float32 expectation"
program = "y = sum(x * x)"
inputs = { x = [0.1, 0.7] }
dtype = "float32"
expect = { grad = { x = [0.2, 1.5] } }

[[case]]
name = "a float64 pin held in float32"
program = "y = sum(x * x)"
inputs = { x = [0.1, 0.7] }
dtype = "float32"
expect = { output = 0.5, grad = { x = [0.2, 1.4] } }
"""


def test_a_float32_case_is_judged_in_float32_ulps(tmp_path):
    write(tmp_path, **{"f.toml": FLOAT32})
    result = CliRunner().invoke(main, ["verify", str(tmp_path), "-j", "1", "--format", "json"])
    cases = {c["name"]: c for c in json.loads(result.stdout)["cases"]}
    assert result.exit_code == 1
    assert cases["tanh in float32"]["status"] == "pass"
    # x * x in float32: 2 * float32(0.1) is 0.20000000298023224, within float32's tolerance of SymPy's 0.2 and of the
    # pinned 0.2; 1.5 is no float32 rounding of 1.4
    assert cases["a wrong float32 expectation"]["broken_expectations"] == [
        "x.grad: expected [0.2, 1.5], got [0.20000000298023224, 1.399999976158142]"
    ]
    assert cases["a float64 pin held in float32"]["status"] == "pass"
    tensors = {t["name"]: t for t in cases["tanh in float32"]["result"]["tensors"]}
    assert tensors["x"]["ulps_float32"] <= 16


def test_a_dtype_that_is_not_float64_or_float32_is_one_error_row(tmp_path):
    write(tmp_path, **{"f.toml": '[[case]]\nname = "half"\nprogram = "y = x"\ninputs = { x = 1 }\ndtype = "float16"\n'})
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "f.toml"), "-j", "1"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"diffcheck: error: {tmp_path / 'f.toml'}:5: case 'half': 'dtype' must be \"float64\" or \"float32\", "
        'not "float16"\n'
    )


def test_verify_dtype_runs_every_case_in_that_dtype_for_one_run(tmp_path):
    write(tmp_path, **{"f.toml": GOOD})
    runs = {
        dtype: json.loads(
            CliRunner().invoke(main, ["verify", str(tmp_path), "-j", "1", "--format", "json", *flags]).stdout
        )
        for dtype, flags in [("float64", []), ("float32", ["--dtype", "float32"])]
    }

    def ulps(run):
        return [t.get("ulps_float32") for c in run["cases"] for t in c["result"]["tensors"] if c["result"]]

    assert set(ulps(runs["float64"])) == {None}
    assert any(u is not None for u in ulps(runs["float32"]))
    refused = CliRunner().invoke(main, ["verify", str(tmp_path), "--update", "--dtype", "float32"])
    assert refused.exit_code == 2
    assert refused.stderr == (
        "diffcheck: error: --update pins the results of each case's own dtype; --dtype changes them for one run only\n"
    )


def test_counts_add_up_and_a_missing_path_is_said_once(tmp_path):
    write(tmp_path, **{"good.toml": GOOD, "broken.toml": '[[case]]\nname = "x\n'})
    missing = str(tmp_path / "nowhere")
    table = CliRunner().invoke(main, ["verify", str(tmp_path), missing, "-j", "1"])
    assert table.exit_code == 2 and missing not in table.stdout  # stderr says it, once
    assert table.stderr.count(f"{missing}: no such file or directory") == 1
    assert table.stdout.splitlines()[-1].startswith(
        "3 cases: 2 passed, 0 failed, 1 error, 0 timed out; 1 error outside the cases in "
    )
    summary = json.loads(
        CliRunner().invoke(main, ["verify", str(tmp_path), missing, "-j", "1", "--format", "json"]).stdout
    )["summary"]
    parts = ("passed", "failed", "errors", "timeouts")
    assert (summary["cases"], sum(summary[k] for k in parts), summary["other_errors"]) == (3, 3, 1)


def test_verify_dash_reads_a_sample_file_from_stdin_and_names_it_stdin():
    text = '[[case]]\nname = "sq"\nprogram = "y = x*x"\ninputs = { x = 3 }\nexpect = { grad = { x = 7 } }\n'
    result = CliRunner().invoke(main, ["verify", "-", "-j", "1", "--format", "json"], input=text)
    case = json.loads(result.stdout)["cases"][0]
    assert result.exit_code == 1
    assert (case["file"], case["line"], case["broken_expectations"]) == (
        "<stdin>",
        1,
        ["x.grad: expected 7.0, got 6.0"],
    )
    refused = CliRunner().invoke(main, ["verify", "-", "--update"], input=text)
    assert refused.exit_code == 2 and refused.stderr == (
        "diffcheck: error: --update writes pins into sample files; a sample file read from stdin has no file to write\n"
    )


def test_verify_dash_reads_paths_from_stdin_one_per_line(tmp_path):
    write(tmp_path, **{"a.toml": GOOD, "b.toml": STRICT})
    listed = f"{tmp_path / 'a.toml'}\n\n{tmp_path / 'b.toml'}\n"
    result = CliRunner().invoke(main, ["verify", "-", "-j", "1", "--format", "json"], input=listed)
    files = [Path(c["file"]).name for c in json.loads(result.stdout)["cases"]]
    assert (result.exit_code, files) == (1, ["a.toml", "a.toml", "b.toml"])


def test_sample_files_only_skips_other_toml_files_as_a_hook_needs(tmp_path):
    write(tmp_path, **{"good.toml": GOOD, "pyproject.toml": "[tool.black]\nline-length = 100\n"})
    both = CliRunner().invoke(
        main, ["verify", str(tmp_path / "good.toml"), str(tmp_path / "pyproject.toml"), "-j", "1"]
    )
    assert both.exit_code == 2  # named, a file without cases is an error
    kept = CliRunner().invoke(
        main,
        ["verify", "--sample-files-only", str(tmp_path / "good.toml"), str(tmp_path / "pyproject.toml"), "-j", "1"],
    )
    assert kept.exit_code == 0 and kept.stdout.splitlines()[-1].startswith("2 cases: 2 passed")
    none = CliRunner().invoke(main, ["verify", "--sample-files-only", str(tmp_path / "pyproject.toml")])
    assert (none.exit_code, none.stderr) == (0, "diffcheck: no sample files among the paths: nothing to check\n")


def test_update_keeps_the_comment_over_the_next_case_above_it(tmp_path):
    text = (
        '# first case\n[[case]]\nname = "a"\nprogram = "y = x * x"\ninputs = { x = 3 }\n\n'
        '# the second case: a cube\n[[case]]\nname = "b"\nprogram = "y = x ** 3"\ninputs = { x = 2 }\n'
    )
    write(tmp_path, **{"s.toml": text})
    assert CliRunner().invoke(main, ["verify", str(tmp_path), "--update", "-j", "1"]).exit_code == 0
    assert (tmp_path / "s.toml").read_text() == (
        '# first case\n[[case]]\nname = "a"\nprogram = "y = x * x"\ninputs = { x = 3 }\n\n'
        '[case.expect]\noutput = 9.0\ngrad_fn = "MulBackward0"\ngrad = {x = 6.0}\n\n'
        '# the second case: a cube\n[[case]]\nname = "b"\nprogram = "y = x ** 3"\ninputs = { x = 2 }\n\n'
        '[case.expect]\noutput = 8.0\ngrad_fn = "PowBackward0"\ngrad = {x = 12.0}\n'
    )
