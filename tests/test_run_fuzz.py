"""`diffcheck run` never shows a traceback: generated snippets — well-formed, refused, broken or hostile — end in
output, a DiffcheckError or a PyTorch-style error line, and exit 0, 1 or 2."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diffcheck.errors import DiffcheckError
from diffcheck.snippet import run_snippet, verify
from diffcheck.snippet.parse import parse_snippet

PRELUDE = """import torch
x = torch.tensor(1.5, requires_grad=True)
y = torch.tensor([0.5, -1.0], requires_grad=True)
z = torch.tensor(2.0)
w = torch.tensor([[1.0, 2.0], [3.0, -0.5]], dtype=torch.float64, requires_grad=True)
a = x * y
b = (w * 2.0).sum()
"""
NAMES = st.sampled_from(["x", "y", "z", "w", "a", "b"])
NUMBERS = st.one_of(
    st.integers(-3, 3).map(str),
    st.floats(-3, 3).map(lambda f: repr(round(f, 2))),
    st.sampled_from(["float('nan')", "float('inf')", "-0.0", "1e308", "0.5", "True"]),
)
DATA = st.one_of(
    NUMBERS,
    st.lists(NUMBERS, min_size=1, max_size=3).map(lambda xs: f"[{', '.join(xs)}]"),
    st.just("[[1.0, 2.0], [3.0, 4.0]]"),
    st.just("[[1.0], [2.0, 3.0]]"),
    st.just("'a'"),
)
UNARY = st.sampled_from(
    [
        "sin",
        "exp",
        "log",
        "sqrt",
        "relu",
        "abs",
        "tanh",
        "sigmoid",
        "square",
        "reciprocal",
        "neg",
        "sum",
        "mean",
        "cos",
        "nn.functional.softplus",
        "asin",
    ]
)  # torch.softplus: none
TENSOR_METHODS = st.sampled_from(
    [
        "sum()",
        "exp()",
        "pow(2)",
        "mean()",
        "detach()",
        "sum(0)",
        "clamp(min=0)",
        "abs()",
        "sigmoid()",
        "tanh()",
        "requires_grad_()",
        "data",
    ]
)
VALUE_METHODS = st.sampled_from(
    [
        "item()",
        "tolist()",
        "grad",
        "grad_fn",
        "is_leaf",
        "shape",
        "requires_grad",
        "dim()",
        "grad_fn.name()",
        "retains_grad",
        "dtype",
    ]
)
ARITHMETIC = st.sampled_from(["+", "-", "*", "/", "**", "@"])
COMPARE = st.sampled_from([">", "<=", "==", "is", "is not"])


def tensors():
    """Mostly tensor-valued expressions over the prelude's tensors, sometimes anything at all."""
    fresh = st.builds(
        lambda d, g, t: f"torch.tensor({d}, requires_grad={g}{t})",
        DATA,
        st.sampled_from(["True", "False"]),
        st.sampled_from(["", ", dtype=torch.float64", ", dtype=torch.int64"]),
    )
    base = st.one_of(*[NAMES] * 8, NUMBERS, fresh, st.just("torch.ones(2, requires_grad=True)"))
    return st.recursive(
        base,
        lambda inner: st.one_of(
            st.builds(lambda f, e: f"torch.{f}({e})", UNARY, inner),
            st.builds(lambda e, m: f"({e}).{m}", inner, TENSOR_METHODS),
            st.builds(lambda a, o, b: f"({a}) {o} ({b})", inner, ARITHMETIC, inner),
            st.builds(lambda e: f"-({e})", inner),
            st.builds(lambda e: f"abs({e})", inner),
            st.builds(lambda a, b: f"torch.where(({a}) > 0, {a}, {b})", inner, inner),
            st.builds(lambda a, b: f"torch.maximum({a}, {b})", inner, inner),
            st.builds(lambda e, n: f"torch.clamp({e}, min={n})", inner, NUMBERS),
        ),
        max_leaves=5,
    )


def values():
    """Python values made from tensors: what print and f-strings show."""
    return st.one_of(
        tensors(),
        st.sampled_from(["None", "'text'", "[]"]),
        st.builds(lambda e, m: f"({e}).{m}", tensors(), VALUE_METHODS),
        st.builds(lambda f, e: f"{f}({e})", st.sampled_from(["float", "int", "str", "len", "round"]), tensors()),
        st.builds(lambda a, o, b: f"({a}) {o} ({b})", tensors(), COMPARE, tensors()),
        st.builds(lambda e: f"f'{{{e}}} {{{e}!r}} {{{e}:.2f}}'", tensors()),
        st.builds(lambda a, b: f"[{a}, {b}]", tensors(), tensors()),
    )


def statement():
    simple = st.one_of(
        st.builds(lambda n, e: f"{n} = {e}", NAMES, tensors()),
        st.builds(lambda e, f: f"print({e}, {f}, sep='|')", values(), values()),
        st.builds(lambda e: f"({e}).sum().backward()", tensors()),
        st.builds(lambda e: f"({e}).sum().backward()", tensors()),
        st.builds(lambda e: f"({e}).backward()", tensors()),
        st.builds(
            lambda n, a: f"{n}.backward({a})",
            NAMES,
            st.sampled_from(["", "retain_graph=True", "torch.ones(2)", "gradient=torch.tensor(2.0)", "2.0"]),
        ),
        st.builds(
            lambda n, s: f"{n}.{s}",
            NAMES,
            st.sampled_from(
                [
                    "retain_grad()",
                    "grad = None",
                    "requires_grad = True",
                    "grad.zero_()",
                    "requires_grad_(False)",
                    "grad = torch.tensor(1.0)",
                ]
            ),
        ),
        st.sampled_from(
            [
                "import os",
                "x[0]",
                "def f(): pass",
                "x += 1",
                "print(x.__class__)",
                "while True: pass",
                "pass",
                "a = b = x * 2.0",
            ]
        ),
    )
    return st.one_of(
        simple,
        simple,
        simple,
        st.builds(lambda s: f"with torch.no_grad():\n    {s}", simple),
        st.builds(lambda n, s: f"for i in range({n}):\n    {s}", st.integers(0, 3), simple),
    )


def finishes(text: str) -> None:
    """The whole pipeline on `text`: a refusal is a DiffcheckError, anything else runs and is verified."""
    try:
        snippet = parse_snippet(text, "fuzz/")
    except DiffcheckError:
        return
    outcome = run_snippet(snippet, lambda _: None)
    report, lines = verify(outcome, timeout=30)
    assert report.return_code in (0, 1, 2)
    assert len(lines) == len(report.results)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(statement(), min_size=1, max_size=6))
def test_generated_snippets_never_crash(statements):
    finishes(PRELUDE + "\n".join(statements) + "\n")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("xyz torch.()[]{}=+-*/,:'\"\n_0123456789 abcdefgh#@!?\\\t")), max_size=80))
def test_arbitrary_text_never_crashes(text):
    finishes("import torch\n" + text)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 400), st.integers(0, 3), st.sampled_from(list("()[].,:=x0'\n ")))
def test_damaged_snippets_never_crash(position, cut, char):
    from pathlib import Path

    text = (Path(__file__).resolve().parent / "snippets" / "grad_fn_names.py").read_text()
    position %= len(text)
    finishes(text[:position] + char + text[position + cut :])
