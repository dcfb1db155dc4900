"""Op rows, linear algebra: matmul of every rank PyTorch takes (dot, mv, mm rows; the others built from rows as
PyTorch's _matmul_impl builds them: the same nodes), bmm, outer, F.linear, addmm (transposes.py has t, T, mT ...).

Graphs recorded from PyTorch 2.13 (tests/shape_cases.py): 1-D @ 2-D is SqueezeBackward4 over MmBackward0 over
UnsqueezeBackward0; 3-D @ 3-D UnsafeViewBackward0 over BmmBackward0 over views of expands; 3-D @ 2-D folds into one
MmBackward0; F.linear with a bias is AddmmBackward0 (viewed around it for inputs other than 2-D), without one matmul.
Whether a reshape is a view or a copy follows NumPy's strides, as PyTorch's follows its own.
"""

from __future__ import annotations

import math

import numpy as np

from .dispatch import TorchShapeError
from .products import dot_shapes, mm_shapes, mv_shapes, product
from .shape import expanded
from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row


row(
    name="dot",
    grad_fn="DotBackward0",
    arity=2,
    elementwise=False,
    front=None,
    example=([(2,), (2,)], {}),
    forward=product(
        "dot",
        lambda a, b: f"dot : expected both vectors to have same dtype, but found {a[0]} and {b[0]}",
        np.dot,
        dot_shapes,
    ),
    vjp=lambda F, g, out, a, b: (g * b, g * a),
    sym=lambda sp, a, b: np.dot(a, b),
    derivative="d/da a·b = b",
)
row(
    name="mv",
    grad_fn="MvBackward0",
    arity=2,
    elementwise=False,
    front=None,
    example=([(2, 2), (2,)], {}),
    forward=product(
        "addmv_impl_cpu",
        lambda m, v: f"addmv input tensors must have the same dtype, but got {v[0]}, {m[0]}, and {v[0]}",
        np.matmul,
        mv_shapes,
    ),
    vjp=lambda F, g, out, m, v: (F.reshape(g, (-1, 1)) * F.reshape(v, (1, -1)), F.mv(F.t(m), g)),
    sym=lambda sp, m, v: np.matmul(m, v),
    derivative="d/dM (M v) = g v^T, d/dv = M^T g",
)
row(
    name="mm",
    grad_fn="MmBackward0",
    arity=2,
    elementwise=False,
    front=None,
    example=([(2, 2), (2, 2)], {}),
    forward=product(
        "addmm_impl_cpu_",
        lambda a, b: f"expected m1 and m2 to have the same dtype, but got: {a[1]} != {b[1]}",
        np.matmul,
        mm_shapes,
    ),
    vjp=lambda F, g, out, a, b: (F.mm(F.t(a), g), F.mm(g, F.t(b)))[::-1],  # `mat2` before `self`, as PyTorch
    sym=lambda sp, a, b: np.matmul(a, b),
    derivative="d/dA (A B) = g B^T, d/dB = A^T g",
)


def _bmm(a, b):
    for name, m in (("batch1", a), ("batch2", b)):
        if np.ndim(m) != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    want = [np.shape(a)[0], np.shape(a)[2]]
    if [np.shape(b)[0], np.shape(b)[1]] != want:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: {want} but got: {list(np.shape(b)[:2])}."
        )
    return product("bmm", lambda x, y: f"expected scalar type {x[0]} but found {y[0]}", np.matmul, _fits)(a, b)


def _fits(a, b) -> None:
    """bmm's shapes are judged before its dtypes (the message above): nothing left to refuse."""


row(
    name="bmm",
    grad_fn="BmmBackward0",
    arity=2,
    elementwise=False,
    example=([(1, 2, 2), (1, 2, 2)], {}),
    forward=_bmm,
    vjp=lambda F, g, out, a, b: (F.bmm(F.mT(a), g), F.bmm(g, F.mT(b)))[::-1],  # `mat2` before `self`
    sym=lambda sp, a, b: np.matmul(a, b),
    derivative="d/dA (A B) = g B^T, d/dB = A^T g, batch by batch",
)


# ---- matmul of other ranks: PyTorch's _matmul_impl, composed of rows (aten/src/ATen/native/LinearAlgebra.cpp) -----
def _data(t):
    return getattr(t, "data", t)


def _shape(t) -> tuple:
    return tuple(np.shape(_data(t)))


def _contiguous(F, t):
    """t.contiguous(): itself, or a copy (CloneBackward0) where its strides are not row-major."""
    data = _data(t)
    return t if not isinstance(data, np.ndarray) or data.flags.c_contiguous else F.clone(t)


def _should_fold(a, b) -> bool:
    """Whether the bigger operand (of 3 dims or more, against 1 or 2) folds into a matrix: always when the other
    requires grad, never for a matrix first, else when its batch dims are contiguous."""
    larger = len(_shape(a)) >= len(_shape(b))
    big, small = (a, b) if larger else (b, a)
    if not (len(_shape(big)) >= 3 and len(_shape(small)) <= 2):
        return False
    if getattr(small, "requires_grad", False):
        return True
    if len(_shape(a)) == 2:
        return False
    data = _data(big)
    strides = np.swapaxes(data, -1, -2).strides if not larger and isinstance(data, np.ndarray) else None
    strides = strides or getattr(data, "strides", None)
    shape = _shape(big) if larger else _shape(big)[:-2] + _shape(big)[-1:] + _shape(big)[-2:-1]
    return strides is None or all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(len(shape) - 2))


def _folded(F, a, b):
    transpose = len(_shape(b)) > len(_shape(a))
    t1 = F.mT(b) if transpose else a
    t2 = (F.t(a) if len(_shape(a)) == 2 else a) if transpose else b
    out_shape = _shape(t1)[:-1]
    t1 = F.reshape(t1, (math.prod(out_shape), _shape(t1)[-1]))
    if len(_shape(t2)) == 2:
        out = F.unsafe_view(F.mm(t1, t2), out_shape + (_shape(t2)[1],))
        return _contiguous(F, F.mT(out)) if transpose else out
    return F.unsafe_view(F.mv(t1, t2), out_shape)


def _batch(a: tuple, b: tuple) -> tuple:
    """The broadcast of two batch shapes, with PyTorch's refusal."""
    out = []
    for i in range(max(len(a), len(b)), 0, -1):
        x, y = (a[-i] if i <= len(a) else 1), (b[-i] if i <= len(b) else 1)
        if x != y and 1 not in (x, y):
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension "
                f"{max(len(a), len(b)) - i}"
            )
        out.append(y if x == 1 else x)
    return tuple(out)


def _matmul_via(F, a, b):
    """matmul with 3 dims or more: PyTorch's nodes, from its algorithm."""
    sa, sb = _shape(a), _shape(b)
    if len(sa) == 1 and len(sb) == 2:  # after squeezing a batch of 1 away
        return _vector_matrix(F, a, b)
    if _should_fold(a, b):
        return _folded(F, a, b)
    if len(sa) == 3 and len(sb) == 3 and sa[0] != sb[0]:
        if sa[0] == 1 and getattr(a, "requires_grad", False):
            return _matmul_via(F, F.squeeze(a, 0), b)
        if sb[0] == 1 and getattr(b, "requires_grad", False):
            return _matmul_via(F, a, F.squeeze(b, 0))
    n, m1 = (sa[-2] if len(sa) > 1 else 1), sa[-1]
    m2, p = (sb[-2], sb[-1]) if len(sb) > 1 else (sb[0], 1)
    batch = _batch(sa[:-2], sb[:-2])
    count = math.prod(batch)
    t1 = F.reshape(F.expand(a, batch + (n, m1)), (count, n, m1))
    if len(sb) == 1:
        t2 = F.unsqueeze(F.reshape(F.expand(b, batch + (m2,)), (count, m2)), 2)
    else:
        t2 = F.reshape(F.expand(b, batch + (m2, p)), (count, m2, p))
    out_shape = batch + ((n,) if len(sa) > 1 else ()) + ((p,) if len(sb) > 1 else ())
    out = F.bmm(t1, t2)
    return F.unsafe_view(F.squeeze(out, -1) if len(sb) == 1 else out, out_shape)


def _vector_matrix(F, a, b):
    """1-D @ 2-D: the vector unsqueezed to a row, mm, the row squeezed away in place (SqueezeBackward4)."""
    return F.squeeze_(F.mm(F.unsqueeze(a, 0), b), 0)


def _matmul(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {np.ndim(a)}D and {np.ndim(b)}D"
        )
    return np.matmul(a, b)


_RANKS = tuple((r1, r2) for r1 in range(1, 5) for r2 in range(1, 5) if max(r1, r2) > 2)
row(
    name="matmul_vm",
    grad_fn="SqueezeBackward4",
    arity=2,
    elementwise=False,
    front=None,
    example=([(2,), (2, 2)], {}),
    forward=_matmul,
    via=_vector_matrix,
    sym=lambda sp, a, b: np.matmul(a, b),
    derivative="unsqueeze(a, 0) @ b, squeezed: SqueezeBackward4 over MmBackward0 over UnsqueezeBackward0",
)
row(
    name="matmul_nd",
    grad_fn="UnsafeViewBackward0",
    arity=2,
    elementwise=False,
    front=None,
    example=([(1, 2, 2), (2, 2)], {}),
    forward=_matmul,
    via=_matmul_via,
    sym=lambda sp, a, b: np.matmul(a, b),
    derivative="PyTorch's nodes: a fold into mm or mv (CloneBackward0 last for 2-D @ 3-D), or bmm of expands",
)
# `a @ b` picks its row by the arguments' ranks
ROWS.append(
    Signature(
        name="matmul",
        arity=2,
        operators=("a @ b",),
        tensors_only=True,
        by_rank=(
            ((1, 1), "dot"),
            ((2, 1), "mv"),
            ((1, 2), "matmul_vm"),
            ((2, 2), "mm"),
            *((ranks, "matmul_nd") for ranks in _RANKS),
        ),
    )
)
# torch.dot, torch.mv, torch.mm and their methods: the rows matmul picks, called by name
ROWS.extend(Signature(name=name, arity=2, tensors_only=True) for name in ("dot", "mv", "mm"))


def _outer(a, b):
    for name, v in (("self", a), ("vec2", b)):
        if np.ndim(v) != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {np.ndim(v)}-D")
    return np.multiply.outer(a, b)


def _outer_via(F, a, b):
    """at::outer: self.reshape({n, 1}) * vec2, the ranks checked first."""
    if len(_shape(a)) != 1 or len(_shape(b)) != 1:
        _outer(_data(a), _data(b))
    return F.mul(F.reshape(a, (-1, 1)), b)


row(
    name="outer",
    grad_fn="MulBackward0",
    arity=2,
    elementwise=False,
    front=Signature(spellings=(Spelling("outer"), Spelling("ger"))),
    example=([(2,), (2,)], {}),
    forward=_outer,
    via=lambda F, a, b: _outer_via(F, a, b),
    sym=lambda sp, a, b: np.multiply.outer(a, b),
    derivative="a.reshape(-1, 1) * b: ViewBackward0 and MulBackward0",
)


def _addmm(input, mat1, mat2, beta=1, alpha=1):
    product = np.matmul(mat1, mat2) if np.ndim(mat1) == 2 == np.ndim(mat2) else _mm_refused(mat1, mat2)
    shape = np.shape(product)
    expanded(np.shape(input), shape)
    scaled = product if alpha == 1 else alpha * product
    if beta == 0:  # the input is not read: its nan does not reach the answer (BLAS's beta=0)
        return np.broadcast_to(scaled, shape).copy()
    return scaled + (input if beta == 1 else beta * np.asarray(input))


def _mm_refused(a, b):
    if np.ndim(a) != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {np.ndim(a)}-D tensor")
    raise RuntimeError(f"mat2 must be a matrix, got {np.ndim(b)}-D tensor")


def _mm_shapes(a, b):
    refused = mm_shapes(np.shape(a), np.shape(b))
    if refused:
        raise TorchShapeError(refused)


def _addmm_forward(input, mat1, mat2, beta=1, alpha=1):
    if np.ndim(mat1) == 2 == np.ndim(mat2):
        _mm_shapes(mat1, mat2)
    return _addmm(input, mat1, mat2, beta, alpha)


def _addmm_vjp(F, g, out, input, mat1, mat2, beta=1, alpha=1):
    """derivatives.yaml: self beta * grad (summed to its shape), mat1 alpha * grad @ mat2^T, mat2 alpha * mat1^T @ grad."""
    g1, g2 = F.mm(g, F.t(mat2)), F.mm(F.t(mat1), g)  # mat1, mat2, self: PyTorch's order of making them
    gi = F.sum_to(g if beta == 1 else g * beta, np.shape(_data(input)))
    return (gi, g1 if alpha == 1 else g1 * alpha, g2 if alpha == 1 else g2 * alpha)


row(
    name="addmm",
    grad_fn="AddmmBackward0",
    arity=3,
    params=("beta", "alpha"),
    elementwise=False,
    example=([(2,), (2, 2), (2, 2)], {}),
    forward=_addmm_forward,
    vjp=_addmm_vjp,
    sym=lambda sp, input, mat1, mat2, beta=1, alpha=1: beta * np.asarray(input) + alpha * np.matmul(mat1, mat2),
    derivative="d/dinput = beta g, d/dmat1 = alpha g mat2^T, d/dmat2 = alpha mat1^T g",
)


def _linear_via(F, x, weight, bias):
    """F.linear with a bias: addmm(bias, x, W^T) on a 2-D input, on x viewed as a matrix (and the answer viewed back)
    on others."""
    shape = _shape(x)
    _linear_shapes(shape, _shape(weight))
    if len(shape) == 2:
        return F.addmm(bias, x, F.t(weight))
    out = F.addmm(bias, F.reshape(x, (-1, shape[-1])), F.t(weight))
    return F.view(out, shape[:-1] + _shape(weight)[:1])


def _linear_shapes(x: tuple, weight: tuple) -> None:
    """PyTorch's refusal of an input and a weight that do not multiply (None where they do)."""
    if not x or not weight:
        raise RuntimeError(
            f"both arguments to linear need to be at least 1D, but they are {len(x)}D and {len(weight)}D"
        )
    if x[-1:] != weight[1:2]:
        rows = math.prod(x[:-1])
        raise TorchShapeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x[-1]} and {weight[1]}x{weight[0]})")


def _linear(x, weight, bias=None):
    _linear_shapes(np.shape(x), np.shape(weight))
    out = np.matmul(x, np.swapaxes(weight, 0, 1))
    return out if bias is None else out + bias


row(
    name="linear",
    grad_fn="MmBackward0",
    arity=2,
    elementwise=False,
    front=Signature(
        params=(Param("bias", "tensor"),),
        spellings=(Spelling("linear", torch=False, method=False, functional=True),),
        tensor_row="linear_bias",
    ),
    example=([(2, 2), (2, 2)], {}),
    forward=_linear,
    via=lambda F, x, weight: _linear_shapes(_shape(x), _shape(weight)) or F.matmul(x, F.t(weight)),
    sym=lambda sp, x, weight: np.matmul(x, np.swapaxes(weight, 0, 1)),
    derivative="matmul(x, weight^T)",
)
row(
    name="linear_bias",
    grad_fn="AddmmBackward0",
    arity=3,
    elementwise=False,
    front=None,
    example=([(2, 2), (2, 2), (2,)], {}),
    forward=_linear,
    via=_linear_via,
    sym=lambda sp, x, weight, bias: np.matmul(x, np.swapaxes(weight, 0, 1)) + bias,
    derivative="addmm(bias, x, weight^T): AddmmBackward0 (ViewBackward0 around it for a 1-D or 3-D input)",
)
