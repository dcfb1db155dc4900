"""Hostile sample files and snippets: refused with one-line messages and exit 2, nothing created or imported; in a
folder of broken files every other case is still verified and the report is complete.

Corpora: tests/hostile/sample_files.txt, tests/hostile/snippets.txt, and every line of expressions.txt as a program.
"""

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck.cli import main
from diffcheck.errors import DiffcheckError
from diffcheck.batch.samples import Refusal, load
from test_hostile import EXPRESSIONS, corpus

SAMPLE_FILES = corpus("sample_files.txt")
SNIPPETS = corpus("snippets.txt")
GOOD = '[[case]]\nname = "good"\nprogram = "x * x"\ninputs = { x = 3.0 }\n'
needs_run = pytest.mark.skipif("run" not in main.list_commands(None), reason="diffcheck has no `run` command yet")


def invoke(tmp_path, *args, **kwargs):
    """The CLI in a working directory; asserts it created nothing there and printed no traceback."""
    before = sorted(tmp_path.iterdir())
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, list(args), **kwargs)
    finally:
        os.chdir(cwd)
    assert sorted(tmp_path.iterdir()) == before
    assert "Traceback" not in result.output and "internal error" not in result.stderr, result.output
    return result


def test_corpora_are_large_enough():
    assert len(SAMPLE_FILES) >= 60 and len(SNIPPETS) >= 60


# ---- sample files -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", SAMPLE_FILES, ids=[f"line-{i}" for i in range(len(SAMPLE_FILES))])
def test_sample_file_refused(text, tmp_path):
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "verify", "s.toml")
    assert result.exit_code == 2 and "diffcheck: error: " in result.stderr


def _program_file(attacks: list[str]) -> str:
    """Each attack as a case's program, in a TOML basic string (json escapes are TOML escapes)."""
    return "".join(
        f'[[case]]\nname = "c{i}"\nprogram = {json.dumps(a, ensure_ascii=False)}\ninputs = {{ x = 1 }}\n'
        for i, a in enumerate(attacks)
    )


def test_every_expression_attack_is_refused_inside_a_sample_file(tmp_path):
    loaded, _ = load(_program_file(EXPRESSIONS), "s.toml")
    assert len(loaded) == len(EXPRESSIONS) and all(isinstance(item, Refusal) for item in loaded)
    assert all("\n" not in item.message for item in loaded)
    (tmp_path / "s.toml").write_text(_program_file(EXPRESSIONS), encoding="utf-8")
    result = invoke(tmp_path, "verify", "s.toml")
    assert result.exit_code == 2
    assert result.stderr.count("diffcheck: error: s.toml:") == len(EXPRESSIONS)


def test_sample_refusals_import_nothing():
    load(GOOD, "warm.toml")
    before = set(sys.modules)
    for text in SAMPLE_FILES + [_program_file(EXPRESSIONS)]:
        load(text, "s.toml")
    assert set(sys.modules) - before == set()


ROOT = os.geteuid() == 0  # root reads a chmod 0 file
BROKEN_FILES = {  # name: (make it in the folder, the exit code of verifying the folder)
    "invalid UTF-8": (lambda p: (p / "bad.toml").write_bytes(b'[[case]]\nname = "\xff\xfe"\nprogram = "x"\n'), 2),
    "BOM then an attack": (
        lambda p: (p / "bom.toml").write_bytes(
            b'\xef\xbb\xbf[[case]]\nname = "b"\nprogram = "eval(x)"\ninputs = { x = 1 }\n'
        ),
        2,
    ),
    "raw null bytes": (lambda p: (p / "null.toml").write_bytes(b'[[case]]\x00\nname = "n"\nprogram = "x"\n'), 2),
    "directory named x.toml": (lambda p: (p / "x.toml").mkdir(), 0),  # a folder to search, not a broken file
    "symlink loop": (lambda p: (p / "loop.toml").symlink_to(p / "loop.toml"), 2),
    "unreadable file": (
        lambda p: (p / "secret.toml").write_text(GOOD.replace("good", "secret")) or (p / "secret.toml").chmod(0),
        0 if ROOT else 2,
    ),
    "50 MB file": (
        lambda p: (p / "huge.toml").write_text(
            '[[case]]\nname = "huge"\nprogram = "2**10**10 + x"\n'
            "inputs = { x = 1 }\n" + ("# " + "a" * 1000 + "\n") * 51_200
        ),
        2,
    ),
}


@pytest.mark.parametrize("make, code", [pytest.param(*v, id=k) for k, v in BROKEN_FILES.items()])
def test_broken_file_next_to_a_good_one(make, code, tmp_path):
    folder = tmp_path / "cwd" / "samples"
    folder.mkdir(parents=True)
    (folder / "good.toml").write_text(GOOD, encoding="utf-8")
    make(folder)
    report = tmp_path / "report.json"
    result = invoke(tmp_path / "cwd", "verify", "samples", "-j", "1", "--format", "json", "-o", str(report))
    assert '"good"' in report.read_text()  # the good case is verified, and the report is complete JSON
    json.loads(report.read_text())
    assert result.exit_code == code


@pytest.mark.parametrize(
    "make",
    [lambda p: (p / "x.toml").mkdir(), lambda p: (p / "x.toml").symlink_to(p / "x.toml")],
    ids=["directory", "symlink loop"],
)
def test_sample_path_that_is_no_file(make, tmp_path):
    make(tmp_path)
    assert invoke(tmp_path, "verify", "x.toml").exit_code == 2


# ---- snippets -------------------------------------------------------------------------------------------------------------
@needs_run
@pytest.mark.parametrize("text", SNIPPETS, ids=[f"line-{i}" for i in range(len(SNIPPETS))])
def test_snippet_refused(text, tmp_path):
    (tmp_path / "s.py").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "run", "s.py")
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1


@needs_run
def test_snippet_import_attack_on_stdin_creates_nothing(tmp_path):
    result = invoke(tmp_path, "run", "-", input="import os\nos.system('touch pwned')\n")
    assert result.exit_code == 2 and "import of 'os' is not supported" in result.stderr


@needs_run
@pytest.mark.parametrize(
    "data",
    [b"import torch\n\xff\xfe = 1\n", b"\xef\xbb\xbf\xef\xbb\xbfimport os\n", b"import torch\x00\n", b"\x80" * 1000],
)
def test_snippet_bytes_refused(data, tmp_path):
    (tmp_path / "s.py").write_bytes(data)
    assert invoke(tmp_path, "run", "s.py").exit_code == 2


@needs_run
@pytest.mark.parametrize(
    "make",
    [lambda p: (p / "s.py").mkdir(), lambda p: (p / "s.py").symlink_to(p / "s.py")],
    ids=["directory", "symlink loop"],
)
def test_snippet_path_that_is_no_file(make, tmp_path):
    make(tmp_path)
    assert invoke(tmp_path, "run", "s.py").exit_code == 2


@needs_run
def test_snippet_refusals_import_nothing():
    from diffcheck.snippet import run_snippet
    from diffcheck.snippet.parse import parse_snippet

    run_snippet(parse_snippet((Path(__file__).parent / "snippets" / "article_1.py").read_text(), "warm"), str)
    before = set(sys.modules)
    for text in SNIPPETS:  # refused by the validator, or stopped by the interpreter (an error, never an escape)
        try:
            run_snippet(parse_snippet(text, "s.py"), str)
        except DiffcheckError:
            pass
    assert set(sys.modules) - before == set()
