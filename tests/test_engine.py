"""The engine's PyTorch autograd surface, against the behaviour measured in torch-semantics.md."""

import ast
import math
import warnings

import numpy as np
import pytest

import diffcheck as torch
from diffcheck import engine
from diffcheck.engine import NONLEAF_GRAD_WARNING, SECOND_BACKWARD

from torch_texts import (  # noqa: E402 - tests/ is on sys.path under pytest
    CLAMP_NO_BOUND,
    MEAN_OVERLOADS,
    METHOD_OVERLOADS,
    NEG_BOOL,
    SUB_BOOL,
    SUB_BOOLS,
    SUM_OVERLOADS,
)

D = torch.float64


def test_seed_program_one_pow_backward():
    x = torch.tensor(3.0, requires_grad=True)
    y = torch.pow(x, 2)
    assert (x.requires_grad, y.requires_grad) == (True, True)
    assert repr(x) == "tensor(3., requires_grad=True)"
    assert repr(y) == "tensor(9., grad_fn=<PowBackward0>)"
    y.backward()
    assert repr(x.grad) == "tensor(6.)"


def test_seed_program_two_nonleaf_grad_warns_with_pytorch_text():
    x = torch.tensor(3.0, requires_grad=True)
    y = torch.tensor(4.0, requires_grad=False)
    z = torch.pow(x, 2) + torch.pow(y, 2)
    assert (x.requires_grad, y.requires_grad, z.requires_grad) == (True, False, True)
    assert (x.is_leaf, y.is_leaf, z.is_leaf) == (True, True, False)
    z.backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert repr(x.grad) == "tensor(6.)"
        assert y.grad is None
        assert z.grad is None
    assert [str(w.message) for w in caught] == [NONLEAF_GRAD_WARNING]
    assert caught[0].category is UserWarning and caught[0].filename == __file__
    assert repr(z) == "tensor(25., grad_fn=<AddBackward0>)"


def test_seed_program_three_retain_grad():
    x = torch.tensor(3.0, requires_grad=True)
    y = torch.tensor(4.0, requires_grad=False)
    z = torch.pow(x, 2) + torch.pow(y, 2)
    z.retain_grad()
    assert (z.retains_grad, x.retains_grad) == (True, False)
    z.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (repr(x.grad), y.grad, repr(z.grad)) == ("tensor(6.)", None, "tensor(1.)")


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: torch.tensor(3.0), "tensor(3.)"),
        (lambda: torch.tensor(3), "tensor(3)"),
        (lambda: torch.tensor(1 / 3), "tensor(0.3333)"),
        (lambda: torch.tensor(2.5), "tensor(2.5000)"),
        (lambda: torch.tensor(-0.0), "tensor(-0.)"),
        (lambda: torch.tensor(math.nan), "tensor(nan)"),
        (lambda: torch.tensor(math.inf), "tensor(inf)"),
        (lambda: torch.tensor(-math.inf), "tensor(-inf)"),
        (lambda: torch.tensor(1e10), "tensor(1.0000e+10)"),
        (lambda: torch.tensor(1e-5), "tensor(1.0000e-05)"),
        (lambda: torch.tensor(123456.0), "tensor(123456.)"),
        (lambda: torch.tensor([1.0, 2.0, 3.0], requires_grad=True), "tensor([1., 2., 3.], requires_grad=True)"),
        (lambda: torch.tensor([1.0, 2.5, 3.0]), "tensor([1.0000, 2.5000, 3.0000])"),
        (lambda: torch.tensor([1.0, math.nan, math.inf]), "tensor([1., nan, inf])"),
        (
            lambda: torch.tensor([1.0, 2.0], dtype=D) * torch.tensor(2.0, dtype=D, requires_grad=True),
            "tensor([2., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)",
        ),
        (lambda: torch.tensor(1 / 3, dtype=D), "tensor(0.3333, dtype=torch.float64)"),
        (lambda: torch.tensor([[1.0, 2.0], [3.0, 4.0]]), "tensor([[1., 2.],\n        [3., 4.]])"),
        (
            lambda: torch.tensor([-1 / 6, 5 / 6, 11 / 6], dtype=D),
            "tensor([-0.1667,  0.8333,  1.8333], dtype=torch.float64)",
        ),
    ],
)
def test_repr_matches_pytorch(make, expected):
    assert repr(make()) == expected == str(make())


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda x, y: x + y, "AddBackward0"),
        (lambda x, y: x + 2, "AddBackward0"),
        (lambda x, y: 2 + x, "AddBackward0"),
        (lambda x, y: x - y, "SubBackward0"),
        (lambda x, y: x - 2, "SubBackward0"),
        (lambda x, y: 2 - x, "RsubBackward1"),
        (lambda x, y: x * y, "MulBackward0"),
        (lambda x, y: 2 * x, "MulBackward0"),
        (lambda x, y: x / y, "DivBackward0"),
        (lambda x, y: x / 2, "DivBackward0"),
        (lambda x, y: 2 / x, "MulBackward0"),
        (lambda x, y: 1 / x, "MulBackward0"),
        (lambda x, y: -x, "NegBackward0"),
        (lambda x, y: x**2, "PowBackward0"),
        (lambda x, y: x**2.5, "PowBackward0"),
        (lambda x, y: x**y, "PowBackward1"),
        (lambda x, y: torch.tensor(2.0, dtype=D) ** x, "PowBackward1"),
        (lambda x, y: 2**x, "PowBackward2"),
        (lambda x, y: torch.pow(2, x), "PowBackward2"),
        (lambda x, y: torch.square(x), "PowBackward0"),
        (lambda x, y: x * x, "MulBackward0"),
        (lambda x, y: torch.exp(x), "ExpBackward0"),
        (lambda x, y: torch.log(x), "LogBackward0"),
        (lambda x, y: torch.sin(x), "SinBackward0"),
        (lambda x, y: torch.cos(x), "CosBackward0"),
        (lambda x, y: torch.tan(x), "TanBackward0"),
        (lambda x, y: torch.tanh(x), "TanhBackward0"),
        (lambda x, y: torch.sigmoid(x), "SigmoidBackward0"),
        (lambda x, y: torch.relu(x), "ReluBackward0"),
        (lambda x, y: torch.abs(x), "AbsBackward0"),
        (lambda x, y: abs(x), "AbsBackward0"),
        (lambda x, y: torch.sqrt(x), "SqrtBackward0"),
        (lambda x, y: torch.reciprocal(x), "ReciprocalBackward0"),
        (lambda x, y: torch.clamp(x, 0, 1), "ClampBackward1"),
        (lambda x, y: x.clamp(max=1), "ClampBackward1"),
        (lambda x, y: torch.maximum(x, y), "MaximumBackward0"),
        (lambda x, y: torch.minimum(x, y), "MinimumBackward0"),
        (lambda x, y: torch.where(x > 0, x, y), "WhereBackward0"),
        (lambda x, y: torch.add(2, x), "AddBackward0"),
        (lambda x, y: torch.sub(2, x), "SubBackward0"),
        (lambda x, y: torch.mul(2, x), "MulBackward0"),
        (lambda x, y: torch.div(2, x), "DivBackward0"),
        (lambda x, y: torch.subtract(2, x), "SubBackward0"),
        (lambda x, y: torch.true_divide(2, x), "DivBackward0"),
    ],
)
def test_grad_fn_names_follow_pytorch(make, name):
    x = torch.tensor(1.5, dtype=D, requires_grad=True)
    y = torch.tensor(0.5, dtype=D, requires_grad=True)
    result = make(x, y)
    assert result.grad_fn.name() == name == type(result.grad_fn).__name__
    assert repr(result.grad_fn).startswith(f"<{name} object at 0x")


def test_reductions_and_matmul_names_and_gradients():
    v = torch.tensor([1.0, -2.0, 3.0], dtype=D, requires_grad=True)
    w = torch.tensor([0.5, 0.5, 2.0], dtype=D, requires_grad=True)
    M = torch.tensor(np.ones((2, 3)).tolist(), dtype=D, requires_grad=True)
    assert [t.grad_fn.name() for t in (v.sum(), torch.sum(v, 0), v.mean(), v.mean(0), v @ w, M @ v, M @ M.T)] == [
        "SumBackward0",
        "SumBackward1",
        "MeanBackward0",
        "MeanBackward1",
        "DotBackward0",
        "MvBackward0",
        "MmBackward0",
    ]
    (M @ v).sum().backward()
    assert M.grad.tolist() == [[1.0, -2.0, 3.0], [1.0, -2.0, 3.0]] and v.grad.tolist() == [2.0, 2.0, 2.0]


def test_broadcast_gradient_is_summed_back_to_shape():
    x = torch.tensor(2.0, dtype=D, requires_grad=True)
    v = torch.tensor([1.0, 2.0, 3.0], dtype=D, requires_grad=True)
    (x * v).sum().backward()
    assert repr(x.grad) == "tensor(6., dtype=torch.float64)" and x.grad.shape == ()
    assert v.grad.tolist() == [2.0, 2.0, 2.0]
    x.grad = None
    v.grad = None
    m = (x * v).mean()
    m.backward()
    assert repr(m) == "tensor(4., dtype=torch.float64, grad_fn=<MeanBackward0>)"
    assert repr(v.grad) == "tensor([0.6667, 0.6667, 0.6667], dtype=torch.float64)"


def test_reuse_accumulates_never_overwrites():
    for make, value, grad in [
        (lambda x: x * x, 9.0, 6.0),
        (lambda x: x + x, 6.0, 2.0),
        (lambda x: x * x * x, 27.0, 27.0),
        (lambda x: x / x, 1.0, 0.0),
    ]:
        x = torch.tensor(3.0, dtype=D, requires_grad=True)
        z = make(x)
        z.backward()
        assert (z.item(), x.grad.item()) == (value, grad)


def test_diamond_graph():
    x = torch.tensor(2.0, dtype=D, requires_grad=True)
    a = x * 3
    b = torch.sin(a) + a * a
    (b * a).backward()
    expected = (math.cos(6) * 3) * 6 + (math.sin(6) + 36) * 3 + 2 * 6 * 3 * 6
    assert math.isclose(x.grad.item(), expected, rel_tol=1e-14)


def test_accumulation_zero_and_none():
    x = torch.tensor(3.0, requires_grad=True)
    y = x**2
    y.backward(retain_graph=True)
    assert repr(x.grad) == "tensor(6.)"
    y.backward(retain_graph=True)
    assert repr(x.grad) == "tensor(12.)"
    g = x.grad
    x.grad.zero_()
    assert repr(x.grad) == "tensor(0.)" and g is x.grad
    y.backward(retain_graph=True)
    assert repr(x.grad) == "tensor(6.)"
    x.grad = None
    y.backward()
    assert repr(x.grad) == "tensor(6.)"


def test_separate_graphs_accumulate_into_one_leaf():
    x = torch.tensor(3.0, requires_grad=True)
    (x * 2).backward()
    (x * 3).backward()
    assert repr(x.grad) == "tensor(5.)"


def test_retain_grad_across_two_backward_calls():
    x = torch.tensor(3.0, requires_grad=True)
    z = x**2
    z.retain_grad()
    w = z * 2
    w.backward(retain_graph=True)
    assert (repr(z.grad), repr(x.grad)) == ("tensor(2.)", "tensor(12.)")
    w.backward()
    assert (repr(z.grad), repr(x.grad)) == ("tensor(4.)", "tensor(24.)")


@pytest.mark.parametrize(
    "make, survives",
    [
        (lambda x: x + 1, True),
        (lambda x: x - 2, True),
        (lambda x: -x, True),
        (lambda x: x * 2, False),
        (lambda x: x / 2, False),
        (lambda x: x**2, False),
        (torch.exp, False),
        (torch.relu, False),
        (torch.sum, True),
    ],
)
def test_second_backward_fails_only_through_nodes_that_saved_tensors(make, survives):
    x = torch.tensor(3.0, requires_grad=True)
    y = make(x)
    y.backward()
    if survives:
        y.backward()
        assert abs(x.grad.item()) == 2.0
    else:
        with pytest.raises(RuntimeError) as error:
            y.backward()
        assert str(error.value) == SECOND_BACKWARD


@pytest.mark.parametrize(
    "action, message",
    [
        (
            lambda: (torch.tensor([1.0, 2.0, 3.0], requires_grad=True) * 2).backward(),
            "grad can be implicitly created only for scalar outputs",
        ),
        (
            lambda: (torch.tensor(3.0) ** 2).backward(),
            "element 0 of tensors does not require grad and does not have a grad_fn",
        ),
        (lambda: torch.tensor(3.0).retain_grad(), "can't retain_grad on Tensor that has requires_grad=False"),
        (
            lambda: torch.tensor(3, requires_grad=True),
            "Only Tensors of floating point and complex dtype can require gradients",
        ),
        (lambda: torch.tensor(3).requires_grad_(), "only Tensors of floating point dtype can require gradients"),
        (
            lambda: (torch.tensor([1.0, 2.0, 3.0], requires_grad=True) * 2).backward(torch.ones(2)),
            "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([3]).",
        ),
        (
            lambda: (torch.tensor(3.0, requires_grad=True) * 2).requires_grad_(False),
            "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph "
            "that doesn't require differentiation use var_no_grad = var.detach().",
        ),
        (
            lambda: (torch.tensor(3.0, requires_grad=True) * 2).numpy(),
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
        ),
    ],
)
def test_runtime_errors_carry_pytorch_text(action, message):
    with pytest.raises(RuntimeError) as error:
        action()
    assert str(error.value) == message


def test_integer_attribute_requires_grad_error():
    t = torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="^only Tensors of floating point and complex dtype can require gradients$"):
        t.requires_grad = True


def test_backward_with_gradient_for_non_scalar_output():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.backward(torch.tensor([1.0, 1.0, 1.0]), retain_graph=True)
    assert repr(x.grad) == "tensor([2., 2., 2.])"


def test_leaf_semantics_and_unreached_leaf_keeps_none():
    a = torch.tensor(3.0)
    x = torch.tensor(3.0, requires_grad=True)
    assert (a * 2).is_leaf and not (a * 2).requires_grad and (a * 2).grad_fn is None
    assert not (x * 2).is_leaf and (a * x).requires_grad
    d = x.detach()
    assert (d.requires_grad, d.is_leaf, d.grad_fn) == (False, True, None)
    u = torch.tensor(1.0, requires_grad=True)
    (x**2).backward()
    assert u.grad is None and repr(x.grad) == "tensor(6.)"
    t = torch.tensor(-1.0, requires_grad=True)
    torch.relu(t).backward()
    assert repr(t.grad) == "tensor(0.)"
    x.retain_grad()  # a no-op on a leaf
    assert not x.retains_grad


def test_detach_is_a_constant_in_the_graph():
    x = torch.tensor(3.0, requires_grad=True)
    z = x * x.detach()
    z.backward()
    assert repr(x.grad) == "tensor(3.)"


def test_no_grad_results_are_leaves_without_grad():
    x = torch.tensor(3.0, requires_grad=True)
    with torch.no_grad():
        y = x * 2
        assert not torch.is_grad_enabled()
        with torch.enable_grad():
            q = x * 2
        n = torch.tensor(1.0, requires_grad=True)
    assert torch.is_grad_enabled()
    assert (repr(y), y.requires_grad, y.grad_fn, y.is_leaf) == ("tensor(6.)", False, None, True)
    assert repr(q) == "tensor(6., grad_fn=<MulBackward0>)" and n.requires_grad and n.is_leaf
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        y.backward()


def test_autograd_grad_higher_order_and_untouched_dot_grad():
    x = torch.tensor(2.0, requires_grad=True)
    (g,) = torch.autograd.grad(x**3, x, create_graph=True)
    assert repr(g) == "tensor(12., grad_fn=<MulBackward0>)"
    (h,) = torch.autograd.grad(g, x)
    assert repr(h) == "tensor(12.)" and x.grad is None
    x64 = torch.tensor(2.0, dtype=D, requires_grad=True)
    g3 = torch.autograd.grad(
        torch.autograd.grad(torch.autograd.grad(x64**3, x64, create_graph=True)[0], x64, create_graph=True)[0], x64
    )[0]
    assert repr(g3) == "tensor(6., dtype=torch.float64)"


def test_autograd_grad_unused_and_non_requiring_inputs():
    x = torch.tensor(3.0, requires_grad=True)
    u = torch.tensor(1.0, requires_grad=True)
    y = x**2
    assert [repr(t) for t in torch.autograd.grad(y, [x, u], retain_graph=True, allow_unused=True)] == [
        "tensor(6.)",
        "None",
    ]
    assert [repr(t) for t in torch.autograd.grad(y, [x, u], retain_graph=True, materialize_grads=True)] == [
        "tensor(6.)",
        "tensor(0.)",
    ]
    with pytest.raises(RuntimeError, match="^The differentiated Tensor at index 1 appears to not have been used"):
        torch.autograd.grad(y, [x, u])
    with pytest.raises(RuntimeError, match="^One of the differentiated Tensors does not require grad$"):
        torch.autograd.grad(x * torch.tensor(3.0), [x, torch.tensor(3.0)])


def test_backward_create_graph_warns_and_grad_is_differentiable():
    x = torch.tensor(2.0, requires_grad=True)
    y = x**3
    with pytest.warns(UserWarning, match="^Using backward\\(\\) with create_graph=True will create a reference cycle"):
        y.backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.backward()
    assert repr(x.grad) == "tensor(12.)"


def test_chain_of_200000_ops_has_no_recursion_limit():
    x = torch.tensor(0.5, dtype=D, requires_grad=True)
    y = x
    for _ in range(200_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_float32_default_and_float64_precision():
    for dtype, expected in ((torch.float32, 1.2099826335906982), (torch.float64, 1.2099826555596132)):
        x = torch.tensor(0.1, dtype=dtype, requires_grad=True)
        (torch.sin(x) * torch.exp(x)).backward()
        assert x.grad.item() == pytest.approx(expected, rel=1e-7 if dtype is torch.float32 else 1e-15)
    assert torch.tensor(3.0).dtype is torch.float32


def test_grad_assignment_shape_is_checked():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(
        RuntimeError,
        match=r"^attempting to assign a gradient of size '\[3\]' to a tensor of size "
        r"'\[2\]'. Please ensure that the gradient and the tensor are the same size$",
    ):
        x.grad = torch.tensor([1.0, 2.0, 3.0])


def test_next_functions_show_accumulate_grad_and_none():
    x = torch.tensor(3.0, requires_grad=True)
    y = torch.tensor(4.0)
    z = torch.pow(x, 2) + torch.pow(y, 2)
    (first, _), (second, _) = z.grad_fn.next_functions
    assert first.name() == "PowBackward0" and second is None
    assert first.next_functions[0][0].name() == "AccumulateGrad"
    assert engine.Tensor is torch.Tensor


def test_grad_fn_is_one_object_of_its_pytorch_class_however_it_is_reached():
    """Ops make plain nodes; a user sees each as its grad_fn's class, the same object by any route, before and
    after backward runs through it."""
    x = torch.tensor(1.5, dtype=D, requires_grad=True)
    product = x * x
    y = torch.relu(product) + product
    (relu, _), (mul, _) = y.grad_fn.next_functions
    assert mul is product.grad_fn and relu.next_functions[0][0] is mul
    assert [type(f).__name__ for f in (y.grad_fn, relu, mul)] == ["AddBackward0", "ReluBackward0", "MulBackward0"]
    assert all(isinstance(f, engine.Node) for f in (y.grad_fn, relu, mul))
    y.backward()
    assert x.grad.item() == 6.0 and type(product.grad_fn).__name__ == "MulBackward0"
    with pytest.raises(AttributeError):
        y.grad_fn = None  # read-only, as in PyTorch


def test_a_mask_in_a_float_function_is_promoted_to_the_default_dtype():
    x = torch.tensor(1.5, requires_grad=True)
    assert repr(torch.sin(x > 0)) == "tensor(0.8415)"  # measured on PyTorch 2.13


# next_functions as PyTorch 2.13 lists it (type names of the entries; None where it has None). A Python number that
# PyTorch wraps into a tensor has an entry (None, 0); a Scalar argument (`x ** 2`, `2 - x`), a parameter (clamp's
# min, sum's dim) and where's condition have none.
ACC = "AccumulateGrad"


@pytest.mark.parametrize(
    "make, entries",
    [
        (lambda x, y: x + 2, [ACC, None]),
        (lambda x, y: 2 + x, [ACC, None]),
        (lambda x, y: x - 2, [ACC, None]),
        (lambda x, y: 2 - x, [ACC]),
        (lambda x, y: x * 2, [ACC, None]),
        (lambda x, y: 2 * x, [ACC, None]),
        (lambda x, y: x / 2, [ACC, None]),
        (lambda x, y: x + True, [ACC, None]),
        (lambda x, y: x**2, [ACC]),
        (lambda x, y: 2**x, [ACC]),
        (lambda x, y: x**0, [ACC]),
        (lambda x, y: torch.square(x), [ACC]),
        (lambda x, y: torch.pow(2, x), [ACC]),
        (lambda x, y: x.add(2), [ACC, None]),
        (lambda x, y: x.sub(2), [ACC, None]),
        (lambda x, y: torch.mul(x, 2), [ACC, None]),
        (lambda x, y: torch.true_divide(x, 2), [ACC, None]),
        (lambda x, y: torch.subtract(x, 2), [ACC, None]),
        (lambda x, y: x * y.detach(), [ACC, None]),
        (lambda x, y: x**y, [ACC, ACC]),
        (lambda x, y: x ** y.detach(), [ACC, None]),
        (lambda x, y: x / y, [ACC, ACC]),
        (lambda x, y: torch.clamp(x, min=0), [ACC]),
        (lambda x, y: torch.clamp(x, 0, 1), [ACC]),
        (lambda x, y: torch.sum(x), [ACC]),
        (lambda x, y: torch.ones(2, requires_grad=True).sum(0), [ACC]),
        (lambda x, y: torch.ones(2, requires_grad=True).mean(0), [ACC]),
        (lambda x, y: -x, [ACC]),
        (lambda x, y: torch.where(x > 1, x, y), [ACC, ACC]),
        (lambda x, y: torch.where(x > 1, x, 2.0), [ACC, None]),
        (lambda x, y: torch.where(x > 1, 2.0, x), [None, ACC]),
        (lambda x, y: torch.where(x > 1, x, y.detach()), [ACC, None]),
        (lambda x, y: 2 / x, ["ReciprocalBackward0", None]),
        (lambda x, y: 1 / x, ["ReciprocalBackward0", None]),
        # torch's functions keep a Python number first, where Python's operators call the tensor's reflected method
        (lambda x, y: torch.add(2, x), [None, ACC]),
        (lambda x, y: torch.sub(2, x), [None, ACC]),
        (lambda x, y: torch.mul(2.5, x), [None, ACC]),
        (lambda x, y: torch.div(2, x), [None, ACC]),
        (lambda x, y: torch.subtract(2, x * y), [None, "MulBackward0"]),
        (lambda x, y: torch.multiply(2, x), [None, ACC]),
        (lambda x, y: torch.true_divide(2, x), [None, ACC]),
    ],
)
def test_next_functions_list_what_pytorch_lists(make, entries):
    x = torch.tensor(1.5, requires_grad=True)
    y = torch.tensor(0.5, requires_grad=True)
    listed = make(x, y).grad_fn.next_functions
    assert [None if fn is None else fn.name() for fn, _ in listed] == entries
    assert all(index == 0 for _, index in listed)


def test_a_number_over_a_tensor_is_reciprocal_then_mul_bit_for_bit():
    """`c / x` is reciprocal(x) * c in PyTorch: two nodes, and its values and gradients (hex, recorded from 2.13)."""
    recorded = {
        torch.float32: (
            [
                "0x1.ddddde0000000p-2",
                "0x1.2aaaaa0000000p+1",
                "-0x1.93d4bc0000000p-4",
                "inf",
                "-inf",
                "0x1.a83e100000000p+7",
            ],
            [
                "-0x1.7e4b1a0000000p-4",
                "-0x1.11c71c0000000p+3",
                "-0x1.c705560000000p-6",
                "-inf",
                "-inf",
                "0x1.c3f67c0000000p+15",
            ],
        ),
        torch.float64: (
            [
                "0x1.dddddddddddddp-2",
                "0x1.2aaaaaaaaaaabp+1",
                "-0x1.93d4bb7e327a9p-4",
                "inf",
                "-inf",
                "0x1.a83e0f83e0f84p+7",
            ],
            [
                "-0x1.7e4b17e4b17e4p-4",
                "-0x1.11c71c71c71c8p+3",
                "-0x1.c705550fff300p-6",
                "-inf",
                "-inf",
                "0x1.c3f67ab5f34e6p+15",
            ],
        ),
    }
    for dtype, (values, grads) in recorded.items():
        x = torch.tensor([1.5, 0.3, -7.1, 0.0, -0.0, 3.3e-3], dtype=dtype, requires_grad=True)
        y = 0.7 / x
        assert y.dtype is dtype and y.grad_fn.name() == "MulBackward0"
        (reciprocal, _), (number, _) = y.grad_fn.next_functions
        assert reciprocal.name() == "ReciprocalBackward0" and number is None
        y.backward(torch.tensor([0.3, 1.1, 2.0, 1.0, 1.0, -0.9], dtype=dtype))
        assert [v.hex() for v in y.detach().tolist()] == values
        assert [v.hex() for v in x.grad.tolist()] == grads
    assert (
        torch.tensor(2.0, requires_grad=True) / torch.tensor(4.0, requires_grad=True)
    ).grad_fn.name() == "DivBackward0"


def test_torch_functions_of_a_number_and_a_tensor_bit_for_bit():
    """torch.sub(0.7, x) is the sub row with the number wrapped, not `0.7 - x`; torch.div(0.7, x) is DivBackward0, not
    reciprocal-then-mul (its last values differ from those of `0.7 / x` above). Hex recorded from PyTorch 2.13."""
    recorded = {
        (torch.float32, "add"): (
            [
                "0x1.19999a0000000p+1",
                "0x1.0000000000000p+0",
                "-0x1.99999a0000000p+2",
                "0x1.6666660000000p-1",
                "0x1.6666660000000p-1",
                "0x1.6816f00000000p-1",
            ],
            [
                "0x1.3333340000000p-2",
                "0x1.19999a0000000p+0",
                "0x1.0000000000000p+1",
                "0x1.0000000000000p+0",
                "0x1.0000000000000p+0",
                "-0x1.cccccc0000000p-1",
            ],
        ),
        (torch.float32, "sub"): (
            [
                "-0x1.99999a0000000p-1",
                "0x1.9999980000000p-2",
                "0x1.f333320000000p+2",
                "0x1.6666660000000p-1",
                "0x1.6666660000000p-1",
                "0x1.64b5dc0000000p-1",
            ],
            [
                "-0x1.3333340000000p-2",
                "-0x1.19999a0000000p+0",
                "-0x1.0000000000000p+1",
                "-0x1.0000000000000p+0",
                "-0x1.0000000000000p+0",
                "0x1.cccccc0000000p-1",
            ],
        ),
        (torch.float32, "mul"): (
            [
                "0x1.0ccccc0000000p+0",
                "0x1.ae147c0000000p-3",
                "-0x1.3e147a0000000p+2",
                "0x0.0p+0",
                "-0x0.0p+0",
                "0x1.2ec6bc0000000p-9",
            ],
            [
                "0x1.ae147c0000000p-3",
                "0x1.8a3d700000000p-1",
                "0x1.6666660000000p+0",
                "0x1.6666660000000p-1",
                "0x1.6666660000000p-1",
                "-0x1.428f5c0000000p-1",
            ],
        ),
        (torch.float32, "div"): (
            [
                "0x1.ddddde0000000p-2",
                "0x1.2aaaaa0000000p+1",
                "-0x1.93d4bc0000000p-4",
                "inf",
                "-inf",
                "0x1.a83e100000000p+7",
            ],
            [
                "-0x1.7e4b1a0000000p-4",
                "-0x1.11c71c0000000p+3",
                "-0x1.c705560000000p-6",
                "-inf",
                "-inf",
                "0x1.c3f67a0000000p+15",
            ],
        ),
        (torch.float64, "sub"): (
            [
                "-0x1.999999999999ap-1",
                "0x1.9999999999999p-2",
                "0x1.f333333333333p+2",
                "0x1.6666666666666p-1",
                "0x1.6666666666666p-1",
                "0x1.64b5dcc63f141p-1",
            ],
            [
                "-0x1.3333333333333p-2",
                "-0x1.199999999999ap+0",
                "-0x1.0000000000000p+1",
                "-0x1.0000000000000p+0",
                "-0x1.0000000000000p+0",
                "0x1.ccccccccccccdp-1",
            ],
        ),
        (torch.float64, "div"): (
            [
                "0x1.dddddddddddddp-2",
                "0x1.2aaaaaaaaaaabp+1",
                "-0x1.93d4bb7e327a9p-4",
                "inf",
                "-inf",
                "0x1.a83e0f83e0f83p+7",
            ],
            [
                "-0x1.7e4b17e4b17e3p-4",
                "-0x1.11c71c71c71c8p+3",
                "-0x1.c705550fff300p-6",
                "-inf",
                "-inf",
                "0x1.c3f67ab5f34e4p+15",
            ],
        ),
    }
    for (dtype, name), (values, grads) in recorded.items():
        x = torch.tensor([1.5, 0.3, -7.1, 0.0, -0.0, 3.3e-3], dtype=dtype, requires_grad=True)
        y = getattr(torch, name)(0.7, x)
        assert (y.dtype, y.grad_fn.name()) == (dtype, f"{name.capitalize()}Backward0")
        y.backward(torch.tensor([0.3, 1.1, 2.0, 1.0, 1.0, -0.9], dtype=dtype))
        assert [v.hex() for v in y.detach().tolist()] == values
        assert [v.hex() for v in x.grad.tolist()] == grads


@pytest.mark.parametrize(
    "text, expected",
    [  # recorded from PyTorch 2.13, x = 3.0 (xd float64, xi int64, xb True)
        ("torch.sub(2.5, x)", "tensor(-0.5000, grad_fn=<SubBackward0>)"),
        ("torch.mul(True, x)", "tensor(3., grad_fn=<MulBackward0>)"),
        ("torch.sub(2, xd)", "tensor(-1., dtype=torch.float64, grad_fn=<SubBackward0>)"),
        ("torch.sub(2, xi)", "tensor(-1)"),
        ("torch.sub(2.5, xi)", "tensor(-0.5000)"),
        ("torch.add(2, xb)", "tensor(3)"),
        ("torch.add(True, xb)", "tensor(True)"),
        ("torch.mul(2, xb)", "tensor(2)"),
        ("torch.div(2, xi)", "tensor(0.6667)"),
        ("torch.div(2, xb)", "tensor(2.)"),
        ("torch.multiply(2, xi)", "tensor(6)"),
        ("torch.sub(2, v)", "tensor([ 1.,  0., -2.], grad_fn=<SubBackward0>)"),
        ("torch.true_divide(2, v)", "tensor([2.0000, 1.0000, 0.5000], grad_fn=<DivBackward0>)"),
        # Python numbers alone: a tensor of PyTorch's dtype (int64, the default float, bool), not a Python number
        ("torch.add(2, 3)", "tensor(5)"),
        ("torch.sub(2.0, 3)", "tensor(-1.)"),
        ("torch.mul(True, False)", "tensor(False)"),
        ("torch.div(-7, 2)", "tensor(-3.5000)"),
        ("torch.add(True, 2)", "tensor(3)"),
        ("torch.div(True, False)", "tensor(inf)"),
        ("torch.add(True, False)", "tensor(True)"),
        ("torch.mul(2, 2.5)", "tensor(5.)"),
        ("torch.sub(-7, 2)", "tensor(-9)"),
    ],
)
def test_torch_functions_take_a_number_first_as_pytorch_does(text, expected):
    values = {
        "x": torch.tensor(3.0, requires_grad=True),
        "xd": torch.tensor(3.0, dtype=D, requires_grad=True),
        "xi": torch.tensor(3),
        "xb": torch.tensor(True),
        "v": torch.tensor([1.0, 2.0, 4.0], requires_grad=True),
    }
    name, args = text[len("torch.") : -1].split("(")
    result = getattr(torch, name)(*(values[a] if a in values else ast.literal_eval(a) for a in args.split(", ")))
    assert repr(result) == expected


def test_python_numbers_alone_compute_in_pytorchs_dtype():
    """Each number is cast to the result dtype first, as PyTorch casts its wrapped numbers (float32 here)."""
    assert [torch.add(0.1, 0.2).item(), torch.div(2, 3).item(), torch.sub(0.3, 0.1).item()] == [
        0.30000001192092896,
        0.6666666865348816,
        0.20000001788139343,
    ]
    five = torch.add(2, 3)
    assert (five.dtype, five.requires_grad, five.is_leaf, five.grad_fn) == (torch.int64, False, True, None)


def test_torch_sub_of_a_number_first_refuses_bools_as_pytorch():
    x = torch.tensor(3.0, requires_grad=True)
    for call, message in (
        (lambda: torch.sub(2, torch.tensor(True)), SUB_BOOL),
        (lambda: torch.sub(True, x), SUB_BOOL),
        (lambda: torch.sub(True, False), SUB_BOOLS),
    ):
        with pytest.raises(RuntimeError) as raised:
            call()
        assert str(raised.value) == message


def test_the_operators_keep_their_meaning_beside_torchs_functions():
    """`2 - x` is x.__rsub__(2), rsub(x, 2); `2 / x` reciprocal then mul; the check language's `2 - x` too."""
    x = torch.tensor(3.0, requires_grad=True)
    assert [(2 - x).grad_fn.name(), (2 / x).grad_fn.name(), torch.sub(2, x).grad_fn.name()] == [
        "RsubBackward1",
        "MulBackward0",
        "SubBackward0",
    ]
    assert engine.FUNCTIONS["sub"](2, x).grad_fn.name() == "RsubBackward1"  # what `check` runs for `2 - x`
    assert engine.FUNCTIONS["div"](2.0, 3).item() == 2 / 3  # `check` folds numbers in Python's float64


def test_a_second_backward_through_torch_sub_of_a_number_first():
    """add and sub save no tensors, so their nodes survive a second backward; mul and div do not (PyTorch 2.13)."""
    for name, grad in (("add", 2.0), ("sub", -2.0)):
        x = torch.tensor(3.0, requires_grad=True)
        y = getattr(torch, name)(2, x)
        y.backward()
        y.backward()
        assert x.grad.item() == grad
    for name in ("mul", "div"):
        y = getattr(torch, name)(2, torch.tensor(3.0, requires_grad=True))
        y.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            y.backward()


def test_reciprocal_of_integers_and_bools_is_the_default_float():
    i = torch.tensor([2, 0, -3])
    b = torch.tensor([True, False])
    assert torch.reciprocal(i).tolist() == (1 / i).tolist() == [0.5, math.inf, -0.3333333432674408]
    assert (1 / i).dtype is torch.float32 and (2.5 / i).tolist() == [1.25, math.inf, -0.8333333730697632]
    assert repr(1 / b) == "tensor([1., inf])" and repr(torch.reciprocal(b)) == "tensor([1., inf])"


def test_sigmoid_of_a_mask_is_float32():
    b = torch.tensor([True, False])
    assert repr(torch.sigmoid(b)) == repr(b.sigmoid()) == "tensor([0.7311, 0.5000])"
    assert torch.sigmoid(b).dtype is torch.float32


@pytest.mark.parametrize(
    "action, message",
    [
        (lambda x, b, i: True - x, SUB_BOOL),
        (lambda x, b, i: x - True, SUB_BOOL),
        (lambda x, b, i: x - False, SUB_BOOL),
        (lambda x, b, i: b - x, SUB_BOOL),
        (lambda x, b, i: x - b, SUB_BOOL),
        (lambda x, b, i: b - 1, SUB_BOOL),
        (lambda x, b, i: 1 - b, SUB_BOOL),
        (lambda x, b, i: b - 1.5, SUB_BOOL),
        (lambda x, b, i: i - b, SUB_BOOL),
        (lambda x, b, i: i - True, SUB_BOOL),
        (lambda x, b, i: torch.sub(x, True), SUB_BOOL),
        (lambda x, b, i: x.sub(True), SUB_BOOL),
        (lambda x, b, i: torch.sub(x, b), SUB_BOOL),
        (lambda x, b, i: b - b, SUB_BOOLS),
        (lambda x, b, i: True - b, SUB_BOOLS),
        (lambda x, b, i: b - True, SUB_BOOLS),
        (lambda x, b, i: torch.subtract(b, b), SUB_BOOLS),
        (lambda x, b, i: -b, NEG_BOOL),
        (lambda x, b, i: torch.neg(b), NEG_BOOL),
        (lambda x, b, i: b.neg(), NEG_BOOL),
        (lambda x, b, i: torch.negative(b), NEG_BOOL),
    ],
)
def test_bool_subtraction_and_negation_are_refused_as_pytorch_refuses_them(action, message):
    x = torch.tensor([1.5, 0.0], requires_grad=True)
    b = torch.tensor([True, False])
    i = torch.tensor([2, 0])
    with pytest.raises(RuntimeError) as error:
        action(x, b, i)
    assert str(error.value) == message


@pytest.mark.parametrize("first", ["diffcheck.engine.backward", "diffcheck.engine", "diffcheck"])
def test_any_module_may_be_imported_first(first):
    import subprocess
    import sys

    code = (
        f"import {first}; import diffcheck as t; x = t.tensor(2.0, requires_grad=True); (x * x).backward(); "
        "print(x.grad, t.grad is __import__('diffcheck.engine.backward').engine.backward.grad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (done.stdout, done.stderr) == ("tensor(4.) True\n", "")


MEAN_OF = "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: "


@pytest.mark.parametrize(
    "action, error, message",
    [
        (lambda b, i: torch.relu(b), RuntimeError, "Boolean inputs not supported for relu"),
        (lambda b, i: torch.relu(torch.tensor(True)), RuntimeError, "Boolean inputs not supported for relu"),
        (lambda b, i: abs(b), NotImplementedError, "\"abs_cpu\" not implemented for 'Bool'"),
        (lambda b, i: torch.mean(b), RuntimeError, MEAN_OF + "Bool"),
        (lambda b, i: i.mean(), RuntimeError, MEAN_OF + "Long"),
        (lambda b, i: torch.mean(i, 0), RuntimeError, MEAN_OF + "Long"),
        (lambda b, i: torch.mean(b, None, True), RuntimeError, MEAN_OF + "Bool"),
        (lambda b, i: torch.softplus(b), NotImplementedError, "\"softplus_cpu\" not implemented for 'Bool'"),
        (lambda b, i: torch.softplus(i), NotImplementedError, "\"softplus_cpu\" not implemented for 'Long'"),
        # dot, mv, mm: no bool kernel, and no promotion between dtypes
        (lambda b, i: b @ b, NotImplementedError, "\"dot\" not implemented for 'Bool'"),
        (
            lambda b, i: i @ torch.tensor([1.0, 2.0]),
            RuntimeError,
            "dot : expected both vectors to have same dtype, but found Long and Float",
        ),
        (
            lambda b, i: torch.tensor([[True, False]]) @ b,
            NotImplementedError,
            "\"addmv_impl_cpu\" not implemented for 'Bool'",
        ),
        (
            lambda b, i: torch.tensor([[1.0, 2.0]]) @ i,
            RuntimeError,
            "addmv input tensors must have the same dtype, but got Long, Float, and Long",
        ),
        (
            lambda b, i: torch.tensor([[1, 2]]) @ torch.tensor([[1.0], [2.0]], dtype=torch.float64),
            RuntimeError,
            "expected m1 and m2 to have the same dtype, but got: long int != double",
        ),
        (
            lambda b, i: torch.matmul(torch.tensor([[True]]), torch.tensor([[False]])),
            NotImplementedError,
            "\"addmm_impl_cpu_\" not implemented for 'Bool'",
        ),
    ],
)
def test_functions_refuse_the_dtypes_pytorch_refuses(action, error, message):
    with pytest.raises(error) as raised:
        action(torch.tensor([True, False]), torch.tensor([2, 0]))
    assert type(raised.value) is error and str(raised.value) == message


SIXTH = 0.1666666716337204  # 1/6 in float32


@pytest.mark.parametrize(
    "compute, text, grad_fn, shape, grad",
    [
        (lambda x: torch.sum(x, dim=None), "tensor(21., grad_fn=<SumBackward1>)", "SumBackward1", (), 1.0),
        (lambda x: torch.sum(x, None, True), "tensor([[21.]], grad_fn=<SumBackward1>)", "SumBackward1", (1, 1), 1.0),
        (
            lambda x: x.sum(dim=None, keepdim=True),
            "tensor([[21.]], grad_fn=<SumBackward1>)",
            "SumBackward1",
            (1, 1),
            1.0,
        ),
        (lambda x: x.sum(None, False), "tensor(21., grad_fn=<SumBackward1>)", "SumBackward1", (), 1.0),
        (lambda x: x.sum(), "tensor(21., grad_fn=<SumBackward0>)", "SumBackward0", (), 1.0),
        (lambda x: torch.mean(x, dim=None), "tensor(3.5000, grad_fn=<MeanBackward1>)", "MeanBackward1", (), SIXTH),
        (
            lambda x: torch.mean(x, None, True),
            "tensor([[3.5000]], grad_fn=<MeanBackward1>)",
            "MeanBackward1",
            (1, 1),
            SIXTH,
        ),
        (
            lambda x: x.mean(dim=None, keepdim=True),
            "tensor([[3.5000]], grad_fn=<MeanBackward1>)",
            "MeanBackward1",
            (1, 1),
            SIXTH,
        ),
        # an empty dim list is every dim in PyTorch 2.13, as dim=None, without a warning
        (lambda x: torch.sum(x, dim=()), "tensor(21., grad_fn=<SumBackward1>)", "SumBackward1", (), 1.0),
        (lambda x: x.sum((), True), "tensor([[21.]], grad_fn=<SumBackward1>)", "SumBackward1", (1, 1), 1.0),
        (lambda x: torch.sum(x, dim=[]), "tensor(21., grad_fn=<SumBackward1>)", "SumBackward1", (), 1.0),
        (lambda x: torch.mean(x, ()), "tensor(3.5000, grad_fn=<MeanBackward1>)", "MeanBackward1", (), SIXTH),
        (
            lambda x: x.mean(dim=[], keepdim=True),
            "tensor([[3.5000]], grad_fn=<MeanBackward1>)",
            "MeanBackward1",
            (1, 1),
            SIXTH,
        ),
    ],
)
def test_an_explicit_dim_none_is_the_dim_overload_and_keeps_dims(compute, text, grad_fn, shape, grad):
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    result = compute(x)
    assert (repr(result), result.grad_fn.name(), result.shape) == (text, grad_fn, shape)
    result.sum().backward()
    assert x.grad.tolist() == [[grad] * 3] * 2


def test_dim_none_of_a_zero_dim_tensor_and_its_second_derivative():
    y = torch.tensor(2.0, requires_grad=True)
    assert (repr(y.sum(None, True)), repr(y.mean(None, True))) == (
        "tensor(2., grad_fn=<SumBackward1>)",
        "tensor(2., grad_fn=<MeanBackward1>)",
    )
    d = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad((d.mean(None, True) * d * d).sum(), d, create_graph=True)
    assert (g.tolist(), g.grad_fn.name()) == ([[12.5, 17.5], [22.5, 27.5]], "AddBackward0")
    assert torch.autograd.grad(g.sum(), d)[0].tolist() == [[12.0, 14.0], [16.0, 18.0]]


def test_an_empty_dim_list_of_a_zero_dim_and_an_integer_tensor():
    y = torch.tensor(2.0, dtype=D, requires_grad=True)
    assert (repr(y.sum(())), repr(torch.mean(y, (), True))) == (
        "tensor(2., dtype=torch.float64, grad_fn=<SumBackward1>)",
        "tensor(2., dtype=torch.float64, grad_fn=<MeanBackward1>)",
    )
    y.mean(dim=()).backward()
    assert y.grad.item() == 1.0
    assert repr(torch.sum(torch.tensor([1, 2]), dim=())) == "tensor(3)"
    with pytest.raises(RuntimeError) as raised:
        torch.mean(torch.tensor([1, 2]), dim=())
    assert str(raised.value) == (
        "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long"
    )


@pytest.mark.parametrize(
    "call, message",
    [  # PyTorch 2.13's TypeError: no overload takes keepdim without a dim
        (
            lambda x: torch.sum(x, keepdim=True),
            f"sum() received an invalid combination of arguments - got "
            f"(Tensor, keepdim=bool), but expected one of:\n{SUM_OVERLOADS}",
        ),
        (
            lambda x: torch.sum(x, keepdim=False),
            f"sum() received an invalid combination of arguments - got "
            f"(Tensor, keepdim=bool), but expected one of:\n{SUM_OVERLOADS}",
        ),
        (
            lambda x: torch.sum(x, keepdim=None),
            f"sum() received an invalid combination of arguments - got "
            f"(Tensor, keepdim=NoneType), but expected one of:\n{SUM_OVERLOADS}",
        ),
        (
            lambda x: torch.mean(x, keepdim=True),
            f"mean() received an invalid combination of arguments - got "
            f"(Tensor, keepdim=bool), but expected one of:\n{MEAN_OVERLOADS}",
        ),
        (
            lambda x: x.sum(keepdim=True),
            f"sum() received an invalid combination of arguments - got (keepdim=bool, ), "
            f"but expected one of:\n{METHOD_OVERLOADS}",
        ),
        (
            lambda x: x.sum(keepdim=None),
            f"sum() received an invalid combination of arguments - got (keepdim=NoneType, ), "
            f"but expected one of:\n{METHOD_OVERLOADS}",
        ),
        (
            lambda x: x.mean(keepdim=True),
            f"mean() received an invalid combination of arguments - got (keepdim=bool, ), "
            f"but expected one of:\n{METHOD_OVERLOADS}",
        ),
    ],
)
def test_keepdim_without_a_dim_is_pytorchs_type_error(call, message):
    for x in (torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), torch.tensor(3.0)):
        with pytest.raises(TypeError) as raised:
            call(x)
        assert str(raised.value) == message


@pytest.mark.parametrize(
    "call",
    [
        lambda x: torch.clamp(x),
        lambda x: x.clamp(),
        lambda x: torch.clip(x),
        lambda x: x.clip(),
        lambda x: torch.clamp(x, None, None),
        lambda x: torch.clamp(x, min=None),
        lambda x: x.clip(max=None),
        lambda x: torch.clamp(x.detach()),
        lambda x: torch.clamp(torch.tensor([1, 5])),
        lambda x: torch.clamp(torch.tensor([True, False])),
    ],
)
def test_clamp_without_a_bound_is_pytorchs_runtime_error(call):
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    for grad_mode in (torch.enable_grad, torch.no_grad):
        with grad_mode(), pytest.raises(RuntimeError) as raised:
            call(x)
        assert str(raised.value) == CLAMP_NO_BOUND
    assert repr(torch.clamp(x, min=None, max=0)) == "tensor([ 0., -2.], grad_fn=<ClampBackward1>)"  # one bound is


def test_a_sum_of_bools_keeps_its_dims_in_int64():
    b = torch.tensor([[True, True], [False, True]])
    assert (repr(b.sum(1, True)), repr(torch.sum(b, None, True))) == ("tensor([[2],\n        [1]])", "tensor([[3]])")


def test_the_engines_dtypes_are_exported_by_torchs_names():
    assert [
        repr(getattr(torch, name)) for name in ("bool", "int64", "long", "float32", "float", "float64", "double")
    ] == [
        "torch.bool",
        "torch.int64",
        "torch.int64",
        "torch.float32",
        "torch.float32",
        "torch.float64",
        "torch.float64",
    ]
    assert torch.long is torch.int64 is torch.tensor([1]).dtype and torch.bool is torch.tensor(True).dtype


@pytest.mark.parametrize(
    "call, text",
    [  # texts recorded from PyTorch 2.13
        (lambda: torch.sin(2), "sin(): argument 'input' (position 1) must be Tensor, not int"),
        (lambda: torch.reciprocal(2), "reciprocal(): argument 'input' (position 1) must be Tensor, not int"),
        (lambda: torch.relu(-1.0), "relu(): argument 'input' (position 1) must be Tensor, not float"),
        (lambda: torch.sigmoid(True), "sigmoid(): argument 'input' (position 1) must be Tensor, not bool"),
        (lambda: torch.sum(3), "sum(): argument 'input' (position 1) must be Tensor, not int"),
        (lambda: torch.mean(2.0), "mean(): argument 'input' (position 1) must be Tensor, not float"),
        (lambda: torch.square(2), "square(): argument 'input' (position 1) must be Tensor, not int"),
        (lambda: torch.maximum(1, 2), "maximum(): argument 'input' (position 1) must be Tensor, not int"),
        (
            lambda: torch.matmul(2, torch.tensor([1.0])),
            "matmul(): argument 'input' (position 1) must be Tensor, not int",
        ),
        (
            lambda: torch.clamp(2, 0, 1),
            "clamp() received an invalid combination of arguments - got (int, int, int), but "
            "expected one of:\n * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n * (Tensor "
            "input, Number min = None, Number max = None, *, Tensor out = None)\n",
        ),
        (
            lambda: torch.clip(2, min=0),
            "clip() received an invalid combination of arguments - got (int, min=int), but "
            "expected one of:\n * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n * (Tensor "
            "input, Number min = None, Number max = None, *, Tensor out = None)\n",
        ),
    ],
)
def test_torch_functions_refuse_a_number_where_pytorch_takes_a_tensor(call, text):
    with pytest.raises(TypeError) as raised:
        call()
    assert str(raised.value) == text


def test_torch_functions_still_take_the_numbers_pytorch_takes():
    x = torch.tensor(1.5, requires_grad=True)
    assert repr(torch.pow(2, x)) == "tensor(2.8284, grad_fn=<PowBackward2>)"  # pow's Number-self overload
    assert repr(torch.add(2, 3)) == "tensor(5)" and repr(torch.sub(2, x)) == "tensor(0.5000, grad_fn=<SubBackward0>)"
    assert repr(x.sin()) == "tensor(0.9975, grad_fn=<SinBackward0>)"
