"""`diffcheck run` verifies second derivatives (issue 17): a gradient made with `create_graph=True`, by
`torch.autograd.grad` or by `backward()`, is an op of its own for the tracer, so a backward through it is checked
against SymPy's second derivative; the engine's own second derivative is what is compared, and a wrong one fails."""

from __future__ import annotations

from diffcheck import ops
from diffcheck.check import MATCH, MISMATCH
from diffcheck.snippet import run_snippet, verify
from diffcheck.snippet.parse import parse_snippet


def outcome_of(text: str):
    printed: list[str] = []
    outcome = run_snippet(parse_snippet(text, "s.py"), printed.append)
    report, _ = verify(outcome)
    return "".join(printed), report


def statuses(report) -> list:
    return [
        [(t.name, t.status, t.engine, t.sympy) for t in r.tensors if t.status in (MATCH, MISMATCH)]
        for r in report.results
    ]


def test_autograd_grad_twice_verifies_the_second_derivative():
    printed, report = outcome_of(
        "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x ** 3\n"
        "(g,) = torch.autograd.grad(y, x, create_graph=True)\nprint(g)\n(h,) = torch.autograd.grad(g, x)\nprint(h)\n"
    )
    assert printed == "tensor(12., grad_fn=<MulBackward0>)\ntensor(12.)\n"  # PyTorch 2.13's (torch-semantics.md §9)
    assert report.return_code == 0 and not report.errors
    assert statuses(report) == [[("x", MATCH, 12.0, 12.0)], [("x", MATCH, 12.0, 12.0)]]
    derivatives = [t.derivative for r in report.results for t in r.tensors if t.name == "x"]
    assert derivatives == ["3*x**2", "6*x"]


def test_backward_with_create_graph_then_backward_of_the_gradient():
    printed, report = outcome_of(
        "import torch\nx = torch.tensor([1.0, 3.0], requires_grad=True)\ny = (x ** 3).sum()\n"
        "y.backward(create_graph=True)\ng = x.grad\nx.grad = None\ng.sum().backward()\nprint(x.grad)\n"
    )
    assert printed == "tensor([ 6., 18.])\n"  # as PyTorch 2.13 prints it
    assert report.return_code == 0 and not report.errors
    assert statuses(report)[1] == [("x", MATCH, [6.0, 18.0], [6.0, 18.0])]


def test_a_wrong_second_derivative_is_a_mismatch():
    # 2 * |x| * x: right at x = 1 as a first derivative of x * x, wrong as a rule to differentiate again (4 |x|)
    wrong = ops.Op(
        name="square_twice_wrong",
        grad_fn="SquareTwiceWrongBackward0",
        forward=lambda x: x * x,
        sym=lambda sp, x: x * x,
        derivative="2x",
        vjp=lambda F, g, out, x: (g * F.abs(x) * x * 2,),
    )
    with ops.registered(wrong):
        printed, report = outcome_of(
            "import torch\nx = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)\n"
            "y = torch.square_twice_wrong(x)\n(g,) = torch.autograd.grad(y, x, create_graph=True)\ng.backward()\n"
            "print(x.grad)\n"
        )
    assert printed == "tensor(4., dtype=torch.float64)\n"
    assert statuses(report) == [[("x", MATCH, 2.0, 2.0)], [("x", MISMATCH, 4.0, 2.0)]]
    assert report.return_code == 1


def test_what_stays_unverifiable_says_why():
    _, report = outcome_of(
        "import torch\na = torch.tensor(1.0, requires_grad=True)\nb = torch.tensor(2.0, requires_grad=True)\n"
        "c = torch.tensor(3.0, requires_grad=True)\nd = torch.tensor(4.0, requires_grad=True)\n"
        "(g,) = torch.autograd.grad(a * b * c * d, a, create_graph=True)\ng.backward()\n"
    )
    assert report.errors == [
        "s.py:7: cannot verify this backward(): a gradient made with create_graph=True over 4 inputs (at most 3)"
    ]
