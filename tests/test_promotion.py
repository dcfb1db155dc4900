"""PyTorch's type promotion, where NumPy's differs: every row's dtype and values recorded from PyTorch 2.13.

NumPy makes int64 with 1.5 (or a float32 tensor) float64, sin of an int float64 and of a bool float16; PyTorch ranks
dimensioned tensors above zero-dim ones above Python numbers (a float one standing for the default dtype) and makes
floats of integers in the default dtype. Values agree to float32's last bit but one: sin(1) in float32 is libm's.
"""

import math

import pytest

import diffcheck as torch

i1 = torch.tensor([1, 2])
i0 = torch.tensor(3)
f1 = torch.tensor([1.5, 2.5])
f0 = torch.tensor(0.5)
d1 = torch.tensor([1.5, 2.5], dtype=torch.float64)
d0 = torch.tensor(2.5, dtype=torch.float64)
b1 = torch.tensor([True, False])
b2 = torch.tensor([[True, True], [False, True]])

# (expression, the same in diffcheck, PyTorch's dtype, PyTorch's values)
RECORDED = [
    ("i1 * 1.5", lambda: i1 * 1.5, "float32", [1.5, 3.0]),
    ("i1 + f1", lambda: i1 + f1, "float32", [2.5, 4.5]),
    ("i0 * f1", lambda: i0 * f1, "float32", [4.5, 7.5]),
    ("f1 * d0", lambda: f1 * d0, "float32", [3.75, 6.25]),
    ("d1 * f0", lambda: d1 * f0, "float64", [0.75, 1.25]),
    ("i1 * d0", lambda: i1 * d0, "float64", [2.5, 5.0]),
    ("f0 * d0", lambda: f0 * d0, "float64", 1.25),
    ("i1 / 2", lambda: i1 / 2, "float32", [0.5, 1.0]),
    ("i1 * 2", lambda: i1 * 2, "int64", [2, 4]),
    ("b1 + 1", lambda: b1 + 1, "int64", [2, 1]),
    ("b1 * 1.5", lambda: b1 * 1.5, "float32", [1.5, 0.0]),
    ("i1 ** 2", lambda: i1**2, "int64", [1, 4]),
    ("i1 ** 0.5", lambda: i1**0.5, "float32", [1.0, 1.4142135381698608]),
    ("2 ** i1", lambda: 2**i1, "int64", [2, 4]),
    ("torch.sin(i1)", lambda: torch.sin(i1), "float32", [0.8414709568023682, 0.9092974066734314]),
    ("torch.exp(i0)", lambda: torch.exp(i0), "float32", 20.08553695678711),
    ("torch.maximum(i1, f1)", lambda: torch.maximum(i1, f1), "float32", [1.5, 2.5]),
    ("torch.where(b1, i1, f1)", lambda: torch.where(b1, i1, f1), "float32", [1.0, 2.5]),
    ("torch.sqrt(i1)", lambda: torch.sqrt(i1), "float32", [1.0, 1.4142135381698608]),
    ("i1 - 0.5", lambda: i1 - 0.5, "float32", [0.5, 1.5]),
    ("1.5 - i1", lambda: 1.5 - i1, "float32", [0.5, -0.5]),
    ("f1 * d1", lambda: f1 * d1, "float64", [2.25, 6.25]),
    ("d0 * i0", lambda: d0 * i0, "float64", 7.5),
    ("torch.relu(i1)", lambda: torch.relu(i1), "int64", [1, 2]),
    ("i1.sum()", lambda: i1.sum(), "int64", 3),
    # a sum of bools counts in int64 (NumPy's answer, which PyTorch's promotion alone would make bool again)
    ("b1.sum()", lambda: b1.sum(), "int64", 1),
    ("torch.sum(b2, 0)", lambda: torch.sum(b2, 0), "int64", [1, 2]),
    ("b2.sum(1)", lambda: b2.sum(1), "int64", [2, 1]),
    ("b2.sum(dim=None)", lambda: b2.sum(dim=None), "int64", 3),
    ("torch.tensor(True).sum()", lambda: torch.tensor(True).sum(), "int64", 1),
    ("i1.sum(None, True)", lambda: i1.sum(None, True), "int64", [3]),
    ("torch.sum(i1, 0, True)", lambda: torch.sum(i1, 0, True), "int64", [3]),
    ("torch.clamp(i1, 0.5, 1)", lambda: torch.clamp(i1, 0.5, 1), "float32", [1.0, 1.0]),
    ("torch.clamp(i1, 0, 1)", lambda: torch.clamp(i1, 0, 1), "int64", [1, 1]),
    ("torch.where(b1, 1.0, i1)", lambda: torch.where(b1, 1.0, i1), "float32", [1.0, 2.0]),
    ("torch.where(b1, i1, 2.5)", lambda: torch.where(b1, i1, 2.5), "float32", [1.0, 2.5]),
    ("b1 + b1", lambda: b1 + b1, "bool", [True, False]),
    ("torch.abs(i1)", lambda: torch.abs(i1), "int64", [1, 2]),
    ("i0 / torch.tensor(2)", lambda: i0 / torch.tensor(2), "float32", 1.5),
    ("torch.tensor(True) * 2.5", lambda: torch.tensor(True) * 2.5, "float32", 2.5),
    ("i1 ** f1", lambda: i1**f1, "float32", [1.0, 5.656854152679443]),
    ("d0 ** i1", lambda: d0**i1, "float64", [2.5, 6.25]),
    ("torch.maximum(i1, d0)", lambda: torch.maximum(i1, d0), "float64", [2.5, 2.5]),
    ("i0 - torch.tensor(2.5)", lambda: i0 - torch.tensor(2.5), "float32", 0.5),
    ("torch.tanh(i0)", lambda: torch.tanh(i0), "float32", 0.9950547814369202),
]


def flat(values) -> list:
    return values if isinstance(values, list) else [values]


@pytest.mark.parametrize("text, compute, dtype, values", RECORDED, ids=[row[0] for row in RECORDED])
def test_result_dtype_and_values_are_pytorchs(text, compute, dtype, values):
    result = compute()
    assert repr(result.dtype) == f"torch.{dtype}", text
    for got, want in zip(flat(result.tolist()), flat(values), strict=True):
        assert type(got) is type(want) and math.isclose(got, want, rel_tol=2**-22), (text, got, want)


def test_a_tensor_from_an_integer_op_keeps_its_gradient_dtype():
    """A float32 leaf times an int64 tensor stays float32 forward, and its gradient is float32."""
    w = torch.tensor([0.5, 1.5], requires_grad=True)
    y = (w * i1).sum()
    y.backward()
    assert repr(y.dtype) == "torch.float32" and repr(w.grad.dtype) == "torch.float32"
    assert w.grad.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "compute, grad_fn, value, grad",
    [
        (lambda x: x**True, "PowBackward0", 1.5, 1.0),
        (lambda x: x * True, "MulBackward0", 1.5, 1.0),
        (lambda x: x + False, "AddBackward0", 1.5, 1.0),
        (lambda x: True / x, "MulBackward0", 2 / 3, -1 / 2.25),
    ],
)
def test_a_python_bool_is_a_number_as_in_pytorch(compute, grad_fn, value, grad):
    """Recorded from PyTorch 2.13 (float32): a bool operand is a Python number, not a tensor (PowBackward1)."""
    x = torch.tensor(1.5, requires_grad=True)
    y = compute(x)
    y.backward()
    assert y.grad_fn.name() == grad_fn and repr(y.dtype) == "torch.float32"
    assert math.isclose(y.item(), value, rel_tol=1e-6) and math.isclose(x.grad.item(), grad, rel_tol=1e-6)


def test_a_python_bool_base_is_powbackward2():
    assert (True ** torch.tensor(1.5, requires_grad=True)).grad_fn.name() == "PowBackward2"
