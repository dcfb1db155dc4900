"""`diffcheck run` at scale: a loop's thousands of tensors of one name are named with linear work (counted here, never
timed: speed is benchmarks/run_loop.py's business), and the names are those of the plain rule, the smallest free
`#k`."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

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
    text = "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x\nfor i in range(5000):\n    y = y * 1.0\n"
    outcome = run_snippet(parse_snippet(text + "y.backward()\n", "s.py"), lambda _: None)
    report, _ = verify(outcome)
    assert report.errors == [
        "s.py:6: cannot verify this backward(): graph too large to verify: 5000 named tensors (limit 200)"
    ]
    assert report.return_code == 2
