"""`diffcheck run` verifies second derivatives (issue 17): a gradient made with `create_graph=True`, by
`torch.autograd.grad` or by `backward()`, is an op of its own for the tracer, so a backward through it is checked
against SymPy's second derivative; the engine's own second derivative is what is compared, and a wrong one fails."""

from __future__ import annotations

from pathlib import Path

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


SNIPPETS = Path(__file__).resolve().parent / "snippets"


def snippet_report(name: str):
    """tests/snippets/NAME.py interpreted and verified: its output (as PyTorch 2.13 printed it: NAME.stdout) and report."""
    printed, report = outcome_of((SNIPPETS / f"{name}.py").read_text(encoding="utf-8"))
    assert printed == (SNIPPETS / f"{name}.stdout").read_text(encoding="utf-8")
    return report


def engine_values(result) -> dict:
    """The engine's gradient of each tensor that matched, by name."""
    return {t.name: t.engine for t in result.tensors if t.status == MATCH}


def test_a_gradient_penalty_with_grad_outputs_verifies():
    # PyTorch 2.13's x.grad and w.grad (float64, .tolist()): the engine's second derivative is theirs bit for bit
    report = snippet_report("second_order_gp64")
    assert report.return_code == 0 and not report.errors
    assert [[(name, status) for name, status, _, _ in call] for call in statuses(report)] == [
        [("x", MATCH), ("w", MATCH)],
        [("x", MATCH), ("w", MATCH)],
    ]
    assert engine_values(report.results[1]) == {
        "x": [0.16484832655999257, -0.0007306353425232496, 0.003628009997604109],
        "w": [-0.002726731756607745, -0.020942862281962373, -0.004984629704419355],
    }


def test_grad_outputs_that_require_grad_get_their_gradient():
    # seed = s.exp() * 2 as grad_outputs: the penalty's gradient flows through it to s (PyTorch 2.13's s.grad)
    report = snippet_report("second_order_gp_computed")
    assert report.return_code == 0 and not report.errors
    assert [(name, status) for name, status, _, _ in statuses(report)[1]] == [
        ("x", MATCH),
        ("w", MATCH),
        ("s", MATCH),
        ("seed", MATCH),
    ]
    assert engine_values(report.results[1])["s"] == [17.559093468926207, 1.9034931856814945, 0.3913684794037732]


def test_jvp_and_hvp_verify_their_double_backward_calls():
    # jvp's second call differentiates with respect to its zeros that require grad; hvp's third goes through a
    # gradient row nested in another's program. The products are PyTorch 2.13's (.tolist())
    report = snippet_report("second_order_functional")
    assert report.return_code == 0 and not report.errors
    products = [values for r in report.results for name, values in engine_values(r).items() if name != "x"]
    assert [0.9182168195493894, 0.0, 0.1540075074627938] in products  # jvp(f, x, v)
    assert [1.515452354478644, 0.0, -5.301777053491296] in products  # hvp(g, x, v)


def test_a_wrong_row_is_caught(monkeypatch):
    """The row's engine side perturbed (its gradients 1% off): the backward through it is a mismatch, exit 1."""
    from diffcheck.snippet import second_order

    value = second_order._Derivative.value

    def perturbed(self, arrays, requiring, seed=None, wanted=()):
        answer = value(self, arrays, requiring, seed, wanted)
        return answer if seed is None else [None if a is None else a * 1.01 for a in answer]

    monkeypatch.setattr(second_order._Derivative, "value", perturbed)
    report = snippet_report("second_order_gp64")
    assert [[(name, status) for name, status, _, _ in call] for call in statuses(report)] == [
        [("x", MATCH), ("w", MATCH)],
        [("x", MISMATCH), ("w", MISMATCH)],
    ]
    assert report.return_code == 1


def test_a_row_over_four_inputs_verifies():
    # MAX_ARGUMENTS is gone: a row is variadic. PyTorch 2.13: a.grad None, b, c, d: 12., 8., 6.
    _, report = outcome_of(
        "import torch\na = torch.tensor(1.0, requires_grad=True)\nb = torch.tensor(2.0, requires_grad=True)\n"
        "c = torch.tensor(3.0, requires_grad=True)\nd = torch.tensor(4.0, requires_grad=True)\n"
        "(g,) = torch.autograd.grad(a * b * c * d, a, create_graph=True)\ng.backward()\n"
    )
    assert report.return_code == 0 and not report.errors
    assert statuses(report)[1] == [("b", MATCH, 12.0, 12.0), ("c", MATCH, 8.0, 8.0), ("d", MATCH, 6.0, 6.0)]


NESTED = """import torch
x = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
y = (x.sin() * x).sum()
(g1,) = torch.autograd.grad(y, x, create_graph=True)
(g2,) = torch.autograd.grad((g1 * g1).sum(), x, create_graph=True)
(g3,) = torch.autograd.grad((g2 * g2).sum(), x, create_graph=True)
g3.sum().backward(retain_graph=True)
print(x.grad.tolist())
(g4,) = torch.autograd.grad((g3 * g3).sum(), x, create_graph=True)
x.grad = None
g4.sum().backward()
print(x.grad.tolist())
"""


def test_rows_nest_three_deep_and_a_fourth_is_refused():
    printed, report = outcome_of(NESTED)
    assert printed == "[-125.80367780765862, -146.56991978859304]\n[28684.08097337329, 10265.765998962645]\n"
    assert [[(name, status) for name, status, _, _ in call] for call in statuses(report)] == [[("x", MATCH)]] * 5
    assert report.errors == [
        "s.py:11: cannot verify this backward(): gradients made with create_graph=True nested 4 deep (each of a graph "
        "holding the one before): at most 3 are verifiable"
    ]
    assert report.return_code == 2


def test_what_stays_unverifiable_says_why():
    printed, report = outcome_of(
        "import torch\nclass Cube(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
        "        ctx.save_for_backward(x)\n        return x ** 3\n    @staticmethod\n    def backward(ctx, grad):\n"
        "        (x,) = ctx.saved_tensors\n        return 3 * x ** 2 * grad\n"
        "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "(g,) = torch.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)\ng.sum().backward()\nprint(x.grad)\n"
    )
    assert printed == "tensor([ 6., 12.])\n"  # PyTorch 2.13's
    assert report.errors == [
        "s.py:13: cannot verify this backward(): a gradient made with create_graph=True through a custom Function is "
        "not verifiable yet"
    ]


def test_functional_with_create_graph_and_tuples_of_inputs_verifies():
    # hvp and vhp on a tuple of inputs take gradients of two outputs at once with create_graph=True: one row over the
    # sum of both terms
    report = snippet_report("second_order_functional_more")
    assert report.return_code == 0 and not report.errors
    assert len(report.results) == 32  # its 33 gradient calls, two of them identical (verified once)
    assert all(status == MATCH for call in statuses(report) for _, status, _, _ in call)


def test_a_backward_through_a_gradient_whose_call_is_not_verified_says_which():
    printed, report = outcome_of(
        "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * x\ny.register_hook(lambda g: g * 2)\n"
        "(g,) = torch.autograd.grad(y.sum(), x, create_graph=True)\ng.sum().backward()\nprint(g, x.grad)\n"
    )
    assert printed == "tensor([4., 8.], grad_fn=<AddBackward0>) tensor([4., 4.])\n"  # PyTorch 2.13's
    assert report.errors == [
        "s.py:5: cannot verify this backward(): a hook replaced gradients during this call (not verifiable)",
        "s.py:6: cannot verify this backward(): the graph goes through a gradient made with create_graph=True on "
        "line 5, whose call is not verified: a hook replaced gradients during this call (not verifiable)",
    ]


def test_grad_outputs_that_is_a_leaf_of_the_graph_and_backward_with_a_computed_gradient():
    # grad_outputs=x, the leaf differentiated for: held constant in the first derivative, differentiated after; then
    # backward(gradient=v * v, create_graph=True): the .grad it made is a row whose gradient reaches v. The engine's
    # gradients are PyTorch 2.13's x.grad and v.grad (.tolist()) bit for bit
    printed, report = outcome_of(
        "import torch\nx = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)\ny = x ** 3\n"
        "(g,) = torch.autograd.grad(y, x, grad_outputs=x, create_graph=True)\ng.sum().backward()\n"
        "print(x.grad.tolist())\nx.grad = None\n"
        "v = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64, requires_grad=True)\nz = x.sin() * 2\n"
        "z.backward(gradient=v * v, create_graph=True)\ngx = x.grad\nx.grad = None\n(gx ** 2).sum().backward()\n"
    )
    assert printed == "[9.0, 36.0, 2.25]\n"
    assert report.return_code == 0 and not report.errors
    assert [[(name, status) for name, status, _, _ in call] for call in statuses(report)] == [
        [("x", MATCH)],
        [("x", MATCH)],
        [("x", MATCH)],
        [("v", MATCH), ("x", MATCH), ("v * v", MATCH)],
    ]
    assert engine_values(report.results[3])["x"] == [-0.22732435670642046, -3.0272099812317133, -53.854143027705376]
    assert engine_values(report.results[3])["v"] == [0.5838531634528578, 2.770851033091105, 98.57934757556094]


def test_rows_take_symengines_route_and_sympys(monkeypatch):
    """A row's exact side is built on symengine where the case takes its route (no SymPy import: a second saved per
    check) and on SymPy's when asked; both verify."""
    report = snippet_report("second_order_gp64")
    assert [r.symbolic for r in report.results] == ["symengine", "symengine"] and report.return_code == 0
    monkeypatch.setenv("DIFFCHECK_SYMBOLIC", "sympy")
    report = snippet_report("second_order_gp64")
    assert [r.symbolic for r in report.results] == ["sympy", "sympy"] and report.return_code == 0
