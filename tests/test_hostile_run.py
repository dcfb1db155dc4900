"""`diffcheck run` against hostile snippets (issue 21): every string a snippet makes, everything it prints, every tensor
result and the run itself have budgets, checked before the work is done; the snippet path must be a regular file.
Each ends with one line naming the place and exit code 2."""

import os

import pytest
from click.testing import CliRunner

from diffcheck.cli import main
from diffcheck.snippet import run_snippet
from diffcheck.snippet.parse import parse_snippet
from diffcheck.snippet.sizes import matmul_shape, text_length


def stops(text: str, **limits) -> str:
    from diffcheck.snippet import Limits

    outcome = run_snippet(parse_snippet(text, "s.py"), lambda _: None, Limits(**limits))
    assert outcome.raised is None
    return str(outcome.error)


SHARED = 'n = ["x" * 1000000]\nn = [n, n]\n'  # two references to one megabyte: its text is two megabytes
LONG = "string longer than 1000000 characters"


@pytest.mark.parametrize(
    "text, message",
    [
        (SHARED + "s = str(n)", f"s.py:3:5: {LONG}"),
        (SHARED + "s = repr(n)", f"s.py:3:5: {LONG}"),
        (SHARED + 's = f"{n}"', f"s.py:3:5: {LONG}"),
        (SHARED + 's = f"{n!r}"', f"s.py:3:5: {LONG}"),
        (SHARED + "print(n)", f"s.py:3:1: {LONG}"),
        (SHARED + 's = "{}".format(n)', f"s.py:3:5: {LONG}"),
        ('n = [0]\nfor _ in range(18):\n    n = [n, n]\ns = str(["xxxxx", n])', f"s.py:4:5: {LONG}"),
        ('s = "x" * 1000000\nprint(1, 2, sep=s)', f"s.py:2:1: {LONG}"),
        ("print(" + ", ".join(["'" + "x" * 30 + "'"] * 2000) + ", sep='y' * 500)", f"s.py:1:1: {LONG}"),
        ('s = "x" * 1000000\nt = s.join(["a", "b"])', f"s.py:2:5: {LONG}"),
        ('s = "x" * 2000\nt = s.replace("x", s)', f"s.py:2:5: {LONG}"),
        ('a = "x" * 600000\nt = f"{a}{a}"', f"s.py:2:5: {LONG}"),
        (
            "import torch\ny = torch.ones(1000000, 1) @ torch.ones(1, 1000)",
            "s.py:2:5: result of more than 1000000 elements",
        ),
        (
            "import torch\ny = torch.zeros(0, 10**9).sum(0)",
            "s.py:2:5: an empty tensor whose other sizes make more than 1000000 elements",
        ),
        ("x = list(range(10 ** 24))", "s.py:1:5: a range of more than 1000000 items cannot be gathered"),
        ("x = sum(range(10 ** 24))", "s.py:1:5: a range of more than 1000000 items cannot be gathered"),
        ("x = list(enumerate(range(10 ** 24)))", "s.py:1:10: a range of more than 1000000 items cannot be gathered"),
        ("x = max(range(-10 ** 24, 0, 3))", "s.py:1:5: a range of more than 1000000 items cannot be gathered"),
    ],
)
def test_budgets_refuse_before_the_work(text, message):
    assert stops(text) == message


def test_the_wall_clock_budget_stops_a_run_of_cheap_statements():
    text = (
        "import torch\na = torch.ones(1000, 1000)\nfor i in range(1000):\n    for j in range(99):\n        b = a.sum()"
    )
    assert stops(text, seconds=0.3) == "s.py:5:9: the snippet runs longer than 0.3 s (--time-budget)"


def test_output_has_a_budget(tmp_path):
    snippet = tmp_path / "s.py"
    snippet.write_text('s = "x" * 1000\nfor i in range(20):\n    print(s)\n')
    result = CliRunner().invoke(main, ["run", "-q", "--max-output", "5000", str(snippet)])
    assert result.exit_code == 2 and result.stdout == ("x" * 1000 + "\n") * 4
    assert (
        result.stderr
        == f"diffcheck: error: {snippet}:3:5: the snippet prints more than 5000 characters (--max-output)\n"
    )


def test_text_length_counts_shared_lists_as_printing_writes_them():
    n = [0]
    for _ in range(40):
        n = [n, n]
    assert text_length(n) > 2**40
    small = [[1, "ab", 2.5, None, {"k": (True,)}]] * 3
    assert text_length(small) >= len(str(small))


@pytest.mark.parametrize(
    "a, b",
    [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((5, 2, 3), (3, 4)), ((1, 2, 3), (7, 3, 4)), ((0, 2, 3), (1, 3, 4))],
)
def test_matmul_shape_is_numpys(a, b):
    import numpy as np

    assert matmul_shape(a, b) == np.matmul(np.zeros(a), np.zeros(b)).shape
    assert matmul_shape((2, 3), (4, 5)) is None


def run_path(path: str) -> str:
    result = CliRunner().invoke(main, ["run", path])
    assert result.exit_code == 2 and result.stdout == "", result.output
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    assert run_path(str(fifo)) == f"diffcheck: error: {fifo}: cannot read: not a regular file (a FIFO)\n"


def test_a_link_to_dev_zero_is_refused(tmp_path):
    link = tmp_path / "zero.py"
    link.symlink_to("/dev/zero")
    assert run_path(str(link)) == f"diffcheck: error: {link}: cannot read: not a regular file (a device)\n"


def test_a_huge_file_is_refused_before_it_is_read_whole(tmp_path):
    big = tmp_path / "big.py"
    big.write_bytes(b"#" * 400_001)
    assert run_path(str(big)) == (
        f"diffcheck: error: {big}: cannot read: larger than 400000 bytes (a snippet is at most 100000 characters)\n"
    )


# Recorded with PyTorch 2.13 (/tmp/torch/bin/python): what each program prints.
ALIASES = [
    (
        "from torch import sin as s\nimport torch\nx = torch.tensor(1.0, requires_grad=True)\ny = s(x)\n"
        "y.backward()\nprint(x.grad)\n",
        "tensor(0.5403)\n",
    ),
    (
        "from torch import tensor as T, pow as P, no_grad as NG\nfrom torch.nn.functional import relu as R\n"
        "x = T(1.0, requires_grad=True)\ny = R(P(x, 2))\nwith NG():\n    z = x * 2\ny.backward()\nprint(x.grad, z)\n",
        "tensor(2.) tensor(2.)\n",
    ),
    ("from math import sqrt as r, pi as p\nprint(r(4.0), p)\n", "2.0 3.141592653589793\n"),
]


@pytest.mark.parametrize("text, printed", ALIASES)
def test_imported_aliases_name_what_they_import(text, printed):
    lines: list[str] = []
    outcome = run_snippet(parse_snippet(text, "s.py"), lines.append)
    assert outcome.error is None and outcome.raised is None and "".join(lines) == printed
