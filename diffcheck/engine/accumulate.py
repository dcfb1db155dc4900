"""Where a backward walk's gradients land: leaves' and retained non-leaves' `.grad`, or autograd.grad's answers; and
adding a contribution into a gradient no one else can see, in place, as PyTorch steals such buffers."""

from __future__ import annotations

import weakref
from typing import Optional

import numpy as np

from .casts import _as_output
from .forward import _refcount
from .front import FUNCTIONS
from .inplace import NotModelled
from .tensors import Tensor


def _deliver(walk, node, g, targets: Optional[set], capture: Optional[list], create_graph: bool) -> None:
    """A node's gradient is the gradient of its output tensor: autograd.grad's answer, or a retained .grad."""
    if walk.wanted is not None:
        if id(node) in walk.wanted:
            i = walk.wanted[id(node)]
            walk.results[i] = g if create_graph else Tensor(g.astype(capture[i].data.dtype))
    else:
        t = node._retained()
        if t is not None and (targets is None or id(t) in targets):
            _accumulate(t, g, create_graph)


def _finish(walk, targets: Optional[set], capture: Optional[list], create_graph: bool) -> Optional[list]:
    """Leaves' gradients, complete once every node has run: into `.grad`, or autograd.grad's answers."""
    wanted, results = walk.wanted, walk.results
    for leaf in walk.leaves:
        g, leaf._acc = leaf._acc, None
        if g is None:
            continue
        if wanted is not None:
            if id(leaf) in wanted:
                results[wanted[id(leaf)]] = (
                    _as_output(g, leaf.data, True) if create_graph else Tensor(g.astype(leaf.data.dtype))
                )
        elif targets is None or id(leaf) in targets:
            _accumulate(leaf, g, create_graph)
    return results


def _private(a, references: int) -> bool:
    """Whether array `a` may be written or kept as it is: it owns its memory and at most `references` references,
    the caller's own, can see it, so it is a temporary a rule made for this gradient alone. PyTorch steals and adds
    into such gradients the same way; a shared one (add's rule returns `(g, g)`, a user's `gradient=`) is never
    touched."""
    return a.base is None and a.flags.writeable and _refcount(a) <= references


def _add(acc, ga):
    """acc + ga, into `acc` itself when nothing else can see it (references: the holder the caller read it from,
    the caller's variable, this argument and getrefcount's)."""
    if (
        type(ga) is np.ndarray
        and type(acc) is np.ndarray
        and acc.dtype == ga.dtype
        and acc.shape == ga.shape
        and _private(acc, 4)
    ):
        return np.add(acc, ga, out=acc)
    return acc + ga


def _accumulate(t: Tensor, g, create_graph: bool) -> None:
    """Add `g` into t.grad: a new tensor the first time, the same tensor object afterwards (as PyTorch)."""
    if create_graph:  # PyTorch copies the first gradient into a new tensor (CopyBackwards), adds the next ones
        if _target_dtype(t) != t.data.dtype:
            raise NotModelled("a grad_dtype other than the tensor's dtype under create_graph=True is not supported")
        g = _as_output(g, t.data, True)
        t._grad = FUNCTIONS["copy"](Tensor(np.zeros_like(t.data)), g) if t._grad is None else t._grad + g
        return
    dtype = _target_dtype(t)
    # kept as it is when private (references: the walk's variable, this argument, _private's,
    # getrefcount's); a gradient straight from a rule's tuple or shared with anything else is copied
    if not (type(g) is np.ndarray and g.dtype == dtype and _private(g, 4)):
        g = g.astype(dtype)
    if t._grad is None:
        t._grad = Tensor(g)
    else:
        t._grad.data = t._grad.data + g


# ---- Tensor.grad_dtype (PyTorch 2.13): the dtype AccumulateGrad casts a leaf's gradient to --------------------------
_GRAD_DTYPES: dict = {}  # id(leaf) -> (weakref to it, its grad_dtype: an engine dtype or None) where one was set
_SCALAR = {"float32": ("Float", "float"), "float64": ("Double", "double"), "int64": ("Long", "long int")}
_SCALAR["bool"] = ("Bool", "bool")  # c10's ScalarType name and the C++ type's, which PyTorch's messages show


def grad_dtype(t):
    """The leaf's grad_dtype: what was set (None: any dtype), else its own dtype."""
    if t._node is not None:
        raise RuntimeError("grad_dtype can only be accessed on leaf tensors.")
    held = _GRAD_DTYPES.get(id(t))
    return held[1] if held is not None and held[0]() is t else t.dtype


def set_grad_dtype(t, value) -> None:
    if t._node is not None:
        raise RuntimeError("grad_dtype can only be set on leaf tensors.")
    if value is not None and t._grad is not None and t._grad.dtype is not value:
        raise RuntimeError(
            f"Cannot set grad_dtype to '{_SCALAR[value.name][0]}' because there is already a gradient with dtype "
            f"'{_SCALAR[t._grad.dtype.name][1]}'. Please clear the gradient (.grad = None) before changing "
            "grad_dtype, or ensure the new grad_dtype matches the existing gradient's dtype."
        )
    key = id(t)
    _GRAD_DTYPES[key] = (weakref.ref(t, lambda _, key=key: _GRAD_DTYPES.pop(key, None)), value)


def check_assigned(t, grad) -> None:
    """`t.grad = grad`: its dtype must be t's grad_dtype (by default t's dtype; None takes any)."""
    wanted = grad_dtype(t) if t._node is None else t.dtype
    if grad is not None and wanted is not None and grad.dtype is not wanted:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_SCALAR[grad.dtype.name][1]}' to a tensor with grad_dtype "
            f"'{_SCALAR[wanted.name][0]}'. The gradient must match the tensor's grad_dtype (defaults to the tensor's "
            "dtype). You can set the tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. "
            "Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break downstream "
            "systems that assume they match."
        )


def _target_dtype(t):
    """The NumPy dtype a leaf's gradient accumulates in: its grad_dtype where one was set, else its own."""
    held = _GRAD_DTYPES.get(id(t)) if _GRAD_DTYPES else None
    if held is None or held[0]() is not t or held[1] is None:
        return t.data.dtype
    return held[1].np
