"""In-place tensor methods as PyTorch has them (`add_`, `sub_`, `mul_`, `div_`, `fill_`, `copy_`, `clamp_`): the
new values go into the same tensor, its version counter is bumped (backward then refuses what saved the old values),
a leaf that requires grad refuses them while grad mode is on, and a change that autograd records (the tensor or the
other operand requires grad, grad mode on) moves the tensor onto the op's node, as PyTorch rebases it — a view's
base onto CopySlices (engine/views.py).
"""

from __future__ import annotations

import weakref

import numpy as np

from . import dtypes
from .dtypes import is_grad_enabled, no_grad
from . import saved as _saved, views
from .versions import PRIVATE, Version, bump, counter

_REBASED: dict = {}  # id(node) -> (node, the node its output moved onto by an in-place op): PyTorch names the latter


class NotModelled(ValueError):
    """A case the engine does not model and refuses rather than answer wrongly (`run` says so in one line)."""


def current_node(node):
    """The grad_fn the tensor `node` made has now (after in-place ops rebased it), for PyTorch's version message."""
    while id(node) in _REBASED and _REBASED[id(node)][0] is node:
        node = _REBASED[id(node)][1]
    return node


LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
LEAF_VIEW_INPLACE = "a view of a leaf Variable that requires grad is being used in an in-place operation."


_KIND_NAMES = {"b": "Bool", "i": "Long", "u": "Long", "f": "Float"}


def _dtype_name(data) -> str:
    from ..ops.arrays import TYPE_NAMES

    return TYPE_NAMES[np.result_type(data)][0]


def write(t, new) -> bool:
    """Write `new` into t's own array, which others may share (a view and its base, `.data`, detach()): they see it,
    as PyTorch's storage is shared. False where t's values are not an array that can take them
    (a 0-d value, an expand's read-only broadcast): the caller rebinds."""
    data = t.data
    if t._vc is None or type(data) is not np.ndarray or not data.flags.writeable or data.shape != np.shape(new):
        return False
    np.copyto(data, new, casting="unsafe")
    return True


def apply_inplace(t, compute, *others):
    """Replace t's values by `compute(t, *others)` (an out-of-place op of the engine), in place, as PyTorch: into
    t's storage (a view's: its base's, engine/views.py), so that what shares it sees the new values."""
    from .tensors import Tensor

    graph = is_grad_enabled() and (t._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others))
    view = type(t._vc) is Tensor
    if view:
        views.refuse(t, graph)
    if graph and t._node is None and t._requires_grad:
        raise RuntimeError(LEAF_INPLACE)
    storage = t.data
    if graph and type(storage) is np.ndarray:
        t.data = storage.copy()  # the op's node keeps the values from before the change
    try:
        if not graph:
            with no_grad():
                result = compute(t, *others)
        else:
            result = compute(t, *others)
    finally:
        t.data = storage
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
    if view:
        views.write(t, new)
    else:
        rebound = _saved.state.mutation or not write(t, new)  # allow_mutation_on_saved_tensors: a new array
        if rebound:
            t.data = new[()]
        views.refresh(t, rebound)
    if dtypes._inference_made and not dtypes._inference and dtypes.is_inference(t):
        raise RuntimeError(dtypes.NO_INPLACE)  # as PyTorch, where the version counter's check comes after the kernel
    if graph:
        _noted(result._node, counter(t))
        root = t._vc if view else t
        newly = not root._requires_grad
        if view:
            views.copy_slices(t, result._node)
        else:
            _rebase(t, result._node)
        if newly:
            views.require(root)
    views.fresh((t,))  # a view changed: its grad_fn now (its base's other views' when next used)
    return t


def _rebase(t, node) -> None:
    """The tensor is now the op's output: its grad_fn is the op's node."""
    if t._node is not None:
        _REBASED[id(t._node)] = (t._node, node)
        t._node._retained = None  # retain_grad() follows the tensor onto its new grad_fn, as in PyTorch
    t._node, t._requires_grad = node, True
    if t._retains_grad:
        t._node._retained = weakref.ref(t)


def _noted(node, vc) -> None:
    """The op's own node keeps a copy of t's values from before the change, never changed later (PyTorch's
    original self); its answer, t now, is current for it."""
    node._vc = vc
    if node.op.saves:
        noted = getattr(node, "_versions", ())
        node._versions = tuple((c, v) for c, v in noted if c is not vc) + ((vc, vc.value), (PRIVATE, None))


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
