"""`diffcheck run` on a REPL session (`>>> ` prompts, issue 17's docstring corpus): it runs as Python's REPL runs it —
the reference is tests/record_doctests.py's `record`, Python itself compiling each statement in 'single' mode, on
sessions of plain Python — and it is still parsed with `ast` and interpreted over the whitelist: what a script may not
say, a session may not either, with its place in the file."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from record_doctests import record

from diffcheck.cli import main
from diffcheck.snippet.parse import parse_snippet
from diffcheck.snippet.session import is_session

PLAIN = [
    # echo: an expression statement's repr, None never; strings as repr; several statements on a line
    ">>> 1 + 1\n2\n>>> None\n>>> 'a' + \"b\"\n>>> x = 3; x * 2\n>>> print('shown')\n",
    # inside loops and branches the REPL echoes too; inside a function body never
    ">>> for i in range(3):\n...     i * 10\n...\n>>> if True:\n...     'yes'\n>>> def f():\n...     7\n...     return 8\n>>> f()\n",
    # the author's expected output is not code, even when it looks like it; a '...' line after output is output
    ">>> x = [1, 2]\n>>> x\n[1, 2]\nx = 99\n...\n>>> x\n",
    # PyTorch's style: '>>>' on every line of a block, blank prompt lines inside a class or function body
    "    >>> def g(a):\n    >>>     b = a + 1\n    >>>\n    >>>     return b * 2\n    >>> g(1)\n    4\n",
    # an exception ends its statement only, as the REPL reads on; the rest of its line goes with it
    ">>> 1 / 0\n>>> y = 5; 1 / 0; y = 6\n>>> y\n>>> [1][3]\n>>> {'a': 1}['b']\n>>> 'after'\n",
    # a comment-only prompt line, a bare prompt, tuples of values
    ">>> # a comment\n>>>\n>>> (1, 'two', None, [3.5])\n>>> True and None\n",
    # `_` is the last value echoed (None echoes nothing, and sets nothing); a global `_` hides it
    ">>> _\n>>> 6 * 7\n>>> _ + 1\n>>> None\n>>> _\n>>> _ = 'mine'\n>>> 5\n>>> _\n",
]


@pytest.mark.parametrize("text", PLAIN)
def test_a_session_runs_as_the_python_repl_runs_it(text, tmp_path, monkeypatch):
    path = tmp_path / "s.txt"
    path.write_text(text)
    stdout, stderr = record(path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "--quiet", "s.txt"])
    assert result.stdout == stdout
    assert result.stderr == stderr + "diffcheck: error: s.txt: no backward() call: nothing to verify\n" * (not stderr)
    assert result.exit_code == 2


@pytest.mark.parametrize(
    "text, expected",
    [
        (">>> import torch\n", True),
        ("# a comment first\n\n   >>> x = 1\n", True),
        ("x = 1\n# >>> y\n", False),
        ('"""\n>>> x\n"""\n', False),  # a script whose docstring holds examples stays a script
        (">>>x = 1\n", False),  # the prompt is '>>> ' or a bare '>>>'
        ("", False),
    ],
)
def test_what_is_a_session(text, expected):
    assert is_session(text) is expected


@pytest.mark.parametrize(
    "text, message",
    [
        (">>> import os\n", "s.txt:1:12: import of 'os' is not supported (only torch and math)"),
        (">>> x = 1\n>>> x.__class__\n", "s.txt:2:7: attribute '__class__' is not supported"),
        ("  >>> y = 2\n  >>> f'{y.__class__}'\n", "s.txt:2:12: attribute '__class__' is not supported"),
        (">>> __import__('os')\n", "s.txt:1:5: name '__import__' is not supported (names may not start with '__')"),
        (">>> eval('1')\n", "s.txt:1:5: builtin 'eval' is not supported"),
        (">>> def f(:\n", "s.txt:1:11: syntax error: invalid syntax"),
        ("  >>> x = 1\n  ... y = 2\n >>> z\n", "s.txt:3:2: prompt indented unlike the line before it"),
        (">>> while True:\n...     pass\n", None),
    ],
)
def test_a_session_is_checked_against_the_whitelist_with_its_place(text, message, tmp_path, monkeypatch):
    from diffcheck.errors import DiffcheckError

    if message is None:  # runs, and the statement budget stops it for good: a budget is the run's, not a statement's
        monkeypatch.chdir(tmp_path)
        (tmp_path / "s.txt").write_text(text)
        result = CliRunner().invoke(main, ["run", "--quiet", "--max-steps", "50", "s.txt"])
        assert result.stderr == "diffcheck: error: s.txt:2:9: the snippet runs more than 50 statements (--max-steps)\n"
        assert result.exit_code == 2
        return
    with pytest.raises(DiffcheckError) as raised:
        parse_snippet(text, "s.txt")
    assert str(raised.value) == message


def test_doctest_flag_reads_a_file_as_a_session(tmp_path, monkeypatch):
    """--doctest: a file whose first code line is no prompt (prose before the examples) is a session all the same."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.txt").write_text("Doubling a gradient:\n\n    >>> import torch\n    >>> torch.ones(2) * 2\n")
    script = CliRunner().invoke(main, ["run", "--quiet", "s.txt"])
    assert script.exit_code == 2 and script.stderr.startswith("diffcheck: error: s.txt:1:10: ")
    session = CliRunner().invoke(main, ["run", "--quiet", "--doctest", "s.txt"])
    assert session.stdout == "tensor([2., 2.])\n"
