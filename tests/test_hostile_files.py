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
DEEP = '[[case]]\nname = "d"\nprogram = "x"\ninputs = { x = ' + "[" * 3000 + "1" + "]" * 3000 + " }\n"
# A break `str.splitlines` knows but TOML does not, in a comment, before what would be a header on a line of its own.
SEPARATED = '# note{0}[[case]]{0}name = "ghost"\n[[case]]\nname = "sep"\nprogram = "x * x"\ninputs = {{ x = 3.0 }}\n'
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
    "3,000-deep array": (lambda p: (p / "deep.toml").write_text(DEEP), 2),
    "3,000-deep inline tables": (
        lambda p: (p / "deep.toml").write_text("a = " + "{ b = " * 3000 + "1" + " }" * 3000),
        2,
    ),
    "FIFO named x.toml": (lambda p: os.mkfifo(p / "x.toml"), 2),
    "link to /dev/zero": (lambda p: (p / "zero.toml").symlink_to("/dev/zero"), 2),
    "valid, with a BOM": (
        lambda p: (p / "bom.toml").write_bytes(b"\xef\xbb\xbf" + GOOD.replace("good", "b").encode()),
        0,
    ),
    "U+2028 in a comment": (lambda p: (p / "ls.toml").write_text(SEPARATED.format("\u2028")), 0),
    "U+0085 in a comment": (lambda p: (p / "nel.toml").write_text(SEPARATED.format("\x85")), 0),
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


def _rows(tmp_path, *args) -> tuple[int, list[tuple], list[str]]:
    """verify in `tmp_path` as JSON: exit code, (file, line, name, status, error) per row, stderr lines."""
    result = invoke(tmp_path, "verify", *args, "-j", "1", "--format", "json")
    rows = [(c["file"], c["line"], c["name"], c["status"], c["error"]) for c in json.loads(result.stdout)["cases"]]
    return result.exit_code, rows, result.stderr.splitlines()


GOOD_ROWS = [("good.toml", 1, "good", "pass", None)]


@pytest.mark.parametrize(
    "name, text, error",
    [
        ("deep.toml", DEEP, "deep.toml:4: invalid TOML: arrays or inline tables nested 3001 deep (the limit is 100)"),
        (
            "huge.toml",
            "# " + "a" * (16 * 2**20),
            "huge.toml:1: cannot read: larger than 16 MiB, the limit for a sample file",
        ),
    ],
    ids=["3,000-deep array", "16 MiB + 2 bytes"],
)
def test_a_file_tomllib_cannot_take_is_one_row(tmp_path, name, text, error):
    (tmp_path / "good.toml").write_text(GOOD)
    (tmp_path / name).write_text(text)
    code, rows, stderr = _rows(tmp_path, ".")
    assert code == 2 and stderr == [f"diffcheck: error: {error}"]
    assert sorted(rows) == sorted([*GOOD_ROWS, (name, int(error.split(":")[1]), None, "error", error)])


@pytest.mark.parametrize("separator", ["\u2028", "\x85", "\u2029"])
def test_line_separators_in_a_comment_are_no_line_breaks(separator, tmp_path):
    """tomllib ends lines at \\n only; the locator agrees, so the refused key is on line 6, as an editor shows it."""
    (tmp_path / "s.toml").write_text(SEPARATED.format(separator) + "rtoll = 1\n")
    code, rows, stderr = _rows(tmp_path, "s.toml")
    assert stderr == ["diffcheck: error: s.toml:6: case 'sep': unknown key 'rtoll' (did you mean 'rtol'?)"]
    assert code == 2 and rows == [("s.toml", 6, "sep", "error", stderr[0].removeprefix("diffcheck: error: "))]


def test_a_sample_file_with_a_bom_loads_and_keeps_its_line_numbers(tmp_path):
    (tmp_path / "good.toml").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert _rows(tmp_path, "good.toml") == (0, GOOD_ROWS, [])
    (tmp_path / "two.toml").write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + GOOD.encode())  # one BOM is ignored, not two
    code, rows, stderr = _rows(tmp_path, "two.toml")
    assert code == 2 and stderr == ["diffcheck: error: two.toml:1:1: invalid TOML: Invalid statement"]


def test_an_unreadable_sub_folder_is_an_error_row(tmp_path, monkeypatch):
    """As a user, chmod 0 makes the folder unreadable; root lists it anyway, so there the listing is made to fail as
    it would for a user."""
    (tmp_path / "samples" / "locked").mkdir(parents=True)
    (tmp_path / "samples" / "good.toml").write_text(GOOD)
    (tmp_path / "samples" / "locked" / "hidden.toml").write_text(GOOD)
    locked = tmp_path / "samples" / "locked"
    if ROOT:
        real = os.scandir

        def scandir(path="."):
            if not isinstance(path, int) and os.path.abspath(path) == str(locked):  # shutil.rmtree scans an fd
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)
    else:
        locked.chmod(0)
    try:
        code, rows, stderr = _rows(tmp_path, "samples")
    finally:
        locked.chmod(0o755)
    error = "samples/locked: cannot list this folder: Permission denied (its sample files are not checked)"
    assert code == 2 and stderr == [f"diffcheck: error: {error}"]
    assert rows == [(f"samples/{f}", n, c, s, e) for f, n, c, s, e in GOOD_ROWS] + [
        ("samples/locked", 0, None, "error", error)
    ]


@pytest.mark.parametrize(
    "make, line",
    [
        (
            lambda p: os.mkfifo(p / "x.toml"),
            "x.toml: not a regular file (a FIFO, a socket or a device is read only when named as a PATH)",
        ),
        (
            lambda p: (p / "loop.toml").symlink_to(p / "loop.toml"),
            "loop.toml: not a readable file (a broken link or a symlink loop)",
        ),
    ],
    ids=["FIFO", "symlink loop"],
)
def test_what_is_no_regular_file_in_a_folder_is_a_row_and_nothing_hangs(tmp_path, make, line):
    (tmp_path / "good.toml").write_text(GOOD)
    make(tmp_path)
    code, rows, stderr = _rows(tmp_path, ".")
    assert code == 2 and stderr == [f"diffcheck: error: {line}"]
    assert rows == sorted([*GOOD_ROWS, (line.split(":")[0], 0, None, "error", line)])


@pytest.mark.parametrize(
    "path, reason",
    [
        ("x" * 256 + ".toml", "file name too long"),
        ("/".join(["d" * 200] * 25), "file name too long"),  # past PATH_MAX
        ("missing.toml", "no such file or directory"),
    ],
    ids=["component over 255 bytes", "path over PATH_MAX", "missing"],
)
def test_a_path_that_cannot_be_used_is_one_line_naming_it(tmp_path, path, reason):
    (tmp_path / "good.toml").write_text(GOOD)
    assert _rows(tmp_path, "good.toml", path) == (2, GOOD_ROWS, [f"diffcheck: error: {path}: {reason}"])


def test_a_fifo_or_device_named_as_a_path_is_read_within_the_cap(tmp_path):
    os.mkfifo(tmp_path / "fifo.toml")  # nobody writes: read as empty, not waited for
    code, rows, stderr = _rows(tmp_path, "fifo.toml", "/dev/zero")
    error = "/dev/zero:1: cannot read: larger than 16 MiB, the limit for a sample file"
    assert code == 2 and rows == [("/dev/zero", 1, None, "error", error)]
    assert stderr == ["diffcheck: warning: fifo.toml:1: no [[case]] tables in this file", f"diffcheck: error: {error}"]


# ---- verify's own options -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+inf"])
def test_a_timeout_that_is_not_finite_is_one_line(value, tmp_path):
    (tmp_path / "good.toml").write_text(GOOD)
    result = invoke(tmp_path, "verify", "good.toml", "--timeout", value)
    assert result.exit_code == 2 and result.stdout == ""
    if value == "-inf":  # below the range: click's usage error
        assert "Invalid value for '--timeout'" in result.stderr
    else:
        shown = {"+inf": "inf"}.get(value, value)
        assert (
            result.stderr == f"diffcheck: error: --timeout {shown}: must be a finite number of seconds >= 0 (0: no "
            "limit)\n"
        )


def test_a_huge_finite_timeout_and_jobs_are_bounded(tmp_path):
    from diffcheck.batch.pool import default_jobs

    (tmp_path / "good.toml").write_text(GOOD)
    result = invoke(tmp_path, "verify", "good.toml", "--timeout", "1e300", "-j", "1000", "--format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["summary"]["jobs"] == min(1000, 4 * default_jobs())


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
