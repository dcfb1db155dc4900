"""`diffcheck run` at scale: a loop's thousands of tensors of one name are named with linear work (counted here, never
timed: speed is benchmarks/run_loop.py's and run_graph_size.py's business), the names are those of the plain rule, the
smallest free `#k`, and a graph of a thousand named tensors is verified with its exact gradient."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from diffcheck.cli import main
from diffcheck.snippet import run_snippet, verify
from diffcheck.snippet import trace_entries
from diffcheck.snippet.parse import parse_snippet
from diffcheck.snippet.trace import Tracer
from diffcheck.snippet.trace_entries import Taken

BASES = ["y", "y#2", "y#3", "y@5", "y@5#2", "x", "x (output)"]


def plain_unique(name: str, taken: set[str]) -> str:
    """The rule, spelled the slow way: try every suffix from #2."""
    candidate, k = name, 1
    while candidate in taken:
        k += 1
        candidate = f"{name}#{k}"
    taken.add(candidate)
    return candidate


class Counting(set):
    """A set that counts its membership tests."""

    lookups = 0

    def __contains__(self, name) -> bool:
        Counting.lookups += 1
        return super().__contains__(name)


def counting(monkeypatch) -> None:
    """Every Taken made from now on counts its lookups in Counting.lookups."""

    def init(self, names=()):
        self.names, self._last = Counting(names), {}

    Counting.lookups = 0
    monkeypatch.setattr(trace_entries.Taken, "__init__", init)


@given(st.sets(st.sampled_from(BASES)), st.lists(st.sampled_from(BASES), max_size=40))
def test_taken_gives_the_names_of_the_plain_rule(given_out, wanted):
    taken, plain = Taken(given_out), set(given_out)
    assert [taken.unique(name) for name in wanted] == [plain_unique(name, plain) for name in wanted]
    assert taken.names == plain


def test_one_name_wanted_n_times_costs_two_lookups_each(monkeypatch):
    counting(monkeypatch)
    taken = Taken()
    names = [taken.unique("y@5") for _ in range(5000)]
    assert names[:3] == ["y@5", "y@5#2", "y@5#3"] and names[-1] == "y@5#5000"
    assert Counting.lookups == 2 * 5000 - 1  # trying every suffix from #2 again: 12.5 million


def test_a_loops_leaves_of_one_label_are_numbered_with_linear_work(monkeypatch):
    counting(monkeypatch)
    n = 3000
    text = f"import torch\nxs = [torch.tensor(float(i), requires_grad=True) for i in range({n})]\n"
    outcome = run_snippet(parse_snippet(text + "torch.stack(xs).sum().backward()\n", "s.py"), lambda _: None)
    label = "torch.tensor(float(i), requires_grad=True)@2"
    assert list(outcome.last.case.values) == [label] + [f"{label}#{k}" for k in range(2, n + 1)]
    assert Counting.lookups < 3 * n


def test_a_graph_too_large_is_refused_before_its_tensors_are_named(monkeypatch):
    def never(*_):
        raise AssertionError("named a graph too large to verify")

    monkeypatch.setattr(Tracer, "_names", never)
    text = "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x\nfor i in range(8000):\n    y = y * 1.0\n"
    outcome = run_snippet(parse_snippet(text + "y.backward()\n", "s.py"), lambda _: None)
    report, _ = verify(outcome)
    assert report.errors == [
        "s.py:6: cannot verify this backward(): graph too large to verify: 8000 named tensors (limit 5000)"
    ]
    assert report.return_code == 2


def test_a_graph_at_the_limit_is_verified():
    text = "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x\nfor i in range(5000):\n    y = y * 1.0\n"
    outcome = run_snippet(parse_snippet(text + "y.backward()\n", "s.py"), lambda _: None)
    report, _ = verify(outcome)
    assert (report.errors, report.return_code) == ([], 0)
    ((result,),) = [report.results]
    assert len(result.tensors) == 5001 and not result.failed  # x and the 5000 versions of y
    assert (result.tensors[0].name, result.tensors[0].status, result.tensors[0].engine) == ("x", "match", 1.0)


# y = x / 2**1000 + x * (2 - 2 / 2**1000): its exact derivative is 2 - 2**-1000, 2.0 in float64 (PyTorch 2.13 prints 2.0)
CHAIN = (
    "import torch\nx = torch.tensor(0.25, requires_grad=True)\ny = x\nfor i in range(1000):\n    y = 0.5 * y + x\n"
    "y.backward()\nprint(x.grad.item())\n"
)


def test_a_graph_of_a_thousand_named_tensors_is_verified_exactly(tmp_path, monkeypatch):
    (tmp_path / "chain.py").write_text(CHAIN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DIFFCHECK_SYMBOLIC", raising=False)
    result = CliRunner().invoke(main, ["run", "--format", "json", "chain.py"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    ((check,),) = [report["checks"]]
    x, *versions = check["tensors"]
    assert report["stdout"] == "2.0\n" and check["ok"] and check["symbolic"] == "symengine"
    assert [v["name"] for v in versions] == [f"y@5#{k}" if k > 1 else "y@5" for k in range(1, 1000)] + ["y"]
    assert (x["engine"], x["sympy"], x["abs_err"], x["status"]) == (2.0, 2.0, 0.0, "match")
    assert Fraction(x["derivative"]) == 2 - Fraction(1, 2**1000)


def test_a_graph_of_a_thousand_named_tensors_in_a_real_process(tmp_path):
    (tmp_path / "chain.py").write_text(CHAIN, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "DIFFCHECK_SYMBOLIC")}
    done = subprocess.run(
        [sys.executable, "-m", "diffcheck", "run", "chain.py"], cwd=tmp_path, capture_output=True, env=env, timeout=300
    )
    assert (done.returncode, done.stderr) == (0, b"")
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "2.0" and lines[-1] == "✓ all gradients agree (1 checked)"
    assert "… 989 more tensors not shown, none worse than those above (-v/--verbose shows all)" in lines
