"""In-place tensor methods as PyTorch has them (`add_`, `sub_`, `mul_`, `div_`, `fill_`, `copy_`, `clamp_`): the
new values go into the same tensor, its version counter is bumped (backward then refuses what saved the old values),
a leaf that requires grad refuses them while grad mode is on, and a change that autograd records (the tensor or the
other operand requires grad, grad mode on) moves the tensor onto the op's node, as PyTorch rebases it.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import dtypes
from .dtypes import is_grad_enabled, no_grad
from .versions import Version, bump, counter

_REBASED: dict = {}  # id(node) -> (node, the node its output moved onto by an in-place op): PyTorch names the latter


def current_node(node):
    """The grad_fn the tensor `node` made has now (after in-place ops rebased it), for PyTorch's version message."""
    while id(node) in _REBASED and _REBASED[id(node)][0] is node:
        node = _REBASED[id(node)][1]
    return node


LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
LEAF_VIEW_INPLACE = "a view of a leaf Variable that requires grad is being used in an in-place operation."


class NotModelled(ValueError):
    """A case the engine does not model and refuses rather than answer wrongly (`run` says so in one line)."""


_KIND_NAMES = {"b": "Bool", "i": "Long", "u": "Long", "f": "Float"}


def _dtype_name(data) -> str:
    from ..ops.arrays import TYPE_NAMES

    return TYPE_NAMES[np.result_type(data)][0]


def write(t, new) -> bool:
    """Write `new` into t's own array, which others may share (a view and its base, `.data`, detach()): they see it,
    as PyTorch's storage is shared. False where t's values are not an array that can take them
    (a 0-d value, an expand's read-only broadcast): the caller rebinds. Not under a graph: the op's node may have kept
    t's old array (PyTorch's CopySlices, which rebases a view's base onto the op, is not modelled)."""
    data = t.data
    if t._vc is None or type(data) is not np.ndarray or not data.flags.writeable or data.shape != np.shape(new):
        return False
    np.copyto(data, new, casting="unsafe")
    return True


def apply_inplace(t, compute, *others):
    """Replace t's values by `compute(t, *others)` (an out-of-place op of the engine), in place, as PyTorch."""
    from .tensors import Tensor

    graph = is_grad_enabled() and (t._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others))
    if graph and t._node is None and t._requires_grad:
        raise RuntimeError(LEAF_INPLACE)
    if graph and type(t._vc) is Tensor:  # a view: PyTorch rebases its base onto CopySlices
        if t._vc._node is None and t._vc._requires_grad:
            raise RuntimeError(LEAF_VIEW_INPLACE)
        raise NotModelled("an in-place change of a view that autograd records (CopySlices) is not supported")
    if not graph:
        with no_grad():
            result = compute(t, *others)
    else:
        result = compute(t, *others)
    old, new = np.result_type(t.data), np.result_type(result.data)
    if new != old and not np.can_cast(new, old, casting="same_kind"):
        raise RuntimeError(
            f"result type {_dtype_name(result.data)} can't be cast to the desired output type {_dtype_name(t.data)}"
        )
    if np.shape(result.data) != np.shape(t.data):
        raise RuntimeError(
            f"output with shape {list(np.shape(t.data))} doesn't match the broadcast shape {list(np.shape(result.data))}"
        )
    bump(t)
    new = np.asarray(result.data).astype(old)
    # into the storage itself where it can take the values (inplace.write), as PyTorch: what shares it (a view, `.data`,
    # detach(), a node that saved it) sees them; a recorded change makes a new array, so the op's own node keeps the
    # old ones
    if graph or not write(t, new):
        t.data = new[()]
        _share(t)
    if dtypes._inference_made and not dtypes._inference and dtypes.is_inference(t):
        raise RuntimeError(dtypes.NO_INPLACE)  # as PyTorch, where the version counter's check comes after the kernel
    if graph:  # the tensor is now the op's output: its grad_fn is the op's node
        vc = counter(t)
        if t._node is not None:
            _REBASED[id(t._node)] = (t._node, result._node)
            t._node._retained = None  # retain_grad() follows the tensor onto its new grad_fn, as in PyTorch
        t._node, t._requires_grad = result._node, True
        t._node._vc = vc
        if t._node.op.saves:  # the op's own node saved t's values from before the change: they are current for it
            noted = getattr(t._node, "_versions", ())
            t._node._versions = tuple((c, v) for c, v in noted if c is not vc) + ((vc, vc.value),)
        if t._retains_grad:
            t._node._retained = weakref.ref(t)
    return t


def fill_(t, value):
    """FillBackward2 for a number, FillBackward3 for a (0-d) tensor, whose gradient is the sum of t's."""
    from .front import FUNCTIONS
    from .tensors import Tensor

    if isinstance(value, Tensor):
        return apply_inplace(t, FUNCTIONS["fill_tensor"], value)
    return apply_inplace(t, lambda a: FUNCTIONS["fill"](a, value))


def copy_(t, src):
    """CopyBackwards: src's values (broadcast, in t's dtype); the gradient goes to src, none to t's old values."""
    from .front import FUNCTIONS
    from .tensors import Tensor

    return apply_inplace(t, FUNCTIONS["copy"], src if isinstance(src, Tensor) else Tensor(np.asarray(src)))


def alias(t, other):
    """Make `other` share t's storage and version counter (`detach()`): in-place changes of one are the other's."""
    vc = counter(t)
    other._vc = vc
    if vc.shares is None:
        vc.shares = [weakref.ref(t)]
    vc.shares.append(weakref.ref(other))
    return other


def _share(t) -> None:
    """t's new values are every tensor's on its storage (not a view's: views keep their own values here)."""
    vc = t._vc
    if type(vc) is not Version or vc.shares is None:
        return
    tensors = [r() for r in vc.shares]
    vc.shares = [weakref.ref(o) for o in tensors if o is not None]
    if any(o is t for o in tensors):
        for o in tensors:
            if o is not None and o is not t:
                o.data = t.data


def method(function):
    """The in-place method `NAME_` of a Tensor method `function` (`x.exp_()`, `x.pow_(2)`)."""

    def inplace(self, *args, **params):
        return apply_inplace(self, lambda a, *others: function(a, *others, **params), *args)

    return inplace


def activation_(t, name: str, *params):
    """F.leaky_relu_(t, s), F.elu_(t, a): the activation's in-place row (ops.activations.INPLACE_ROWS), whose node
    reads the result (LeakyReluBackward1, EluBackward1)."""
    from ..ops.activations import INPLACE_ROWS
    from .front import FUNCTIONS

    return apply_inplace(t, lambda a: FUNCTIONS[INPLACE_ROWS[name]](a, *params))
