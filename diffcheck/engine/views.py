"""Views and their base, as PyTorch keeps them: an in-place change of a view writes into its base's storage (every
other view sees it), and under autograd rebases the base's history onto a CopySlices node; a view of a base changed
in place since its grad_fn was set gets an AsStridedBackward0 node over the base's grad_fn when next used or read
(`fresh`) — PyTorch's regenerated view grad_fn, as lazily: a base with many views pays for the ones used.

A view knows the steps from its root base (`chain`: the view rows with their parameters), so its elements' places in
the root are found on demand by running the steps on the root's element numbers. A view whose values are not a NumPy
view of the root's array (a 0-d one is a NumPy scalar) is refreshed from the root after every write.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..ops import OPS, Op
from . import dtypes as _dtypes
from .forward import _hollow, _next_seq
from .node import Node, node_class

MULTI_OUTPUT = (
    "Output {index} of {name} is a view and is being modified inplace. This view is the output of a function that "
    "returns multiple views. Such functions do not allow the output views to be modified inplace. You should replace "
    "the inplace operation by an out-of-place one."
)
NO_GRAD_VIEW = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use case "
    "is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace "
    "either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want "
    "the inplace to be tracked)."
)
OVERLAP = (
    "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please "
    "clone() the tensor before performing the operation."
)


class View:
    """How a view was made from its root: the steps, the multi-output op and output number it came from (`split`'s
    pieces), and whether grad mode was off then — PyTorch's CreationMeta, which decides the in-place refusals."""

    __slots__ = ("ref", "chain", "piece", "no_grad", "place", "version")

    def __init__(self, ref, chain: tuple, piece, no_grad: bool, version: int):
        self.ref, self.chain, self.piece, self.no_grad = ref, chain, piece, no_grad
        self.place = None  # positions(), once needed
        self.version = version  # the base's version when the view's grad_fn was set


_VIEWS: dict[int, View] = {}  # id(view tensor) -> how it was made, while it lives
_MADE_BY: dict[int, weakref.ref] = {}  # id(the node that made a view) -> the view, while it lives


def made(node):
    """The live view `node` made, if it made one."""
    ref = _MADE_BY.get(id(node))
    return None if ref is None else ref()


def register(t, base, op: Op, params: dict, index, root, vc) -> None:
    """Note that `t` is a view of `base` (made by `op`; output `index` of a multi-output op), on `root`'s storage
    whose counter is `vc`."""
    parent = _VIEWS.get(id(base)) if base is not root else None
    chain = (parent.chain if parent else ()) + ((op, params, index),)
    piece = (op.grad_fn[: op.grad_fn.rindex("Backward")], index) if op.outputs != 1 else None
    key, made_by = id(t), None if t._node is None else id(t._node)

    def forget(ref) -> None:
        if _VIEWS.get(key) is not None and _VIEWS[key].ref is ref:
            del _VIEWS[key]
        if made_by is not None and _MADE_BY.get(made_by) is ref:
            del _MADE_BY[made_by]

    no_grad = not _dtypes._grad_enabled or bool(parent and parent.no_grad)
    view = _VIEWS[key] = View(
        weakref.ref(t, forget), chain, piece or (parent.piece if parent else None), no_grad, vc.value
    )
    if made_by is not None:
        _MADE_BY[made_by] = view.ref
    _note(vc, "views", view.ref)
    data, stored = t.data, root.data
    if not (type(data) is np.ndarray and type(stored) is np.ndarray and np.may_share_memory(data, stored)):
        _note(vc, "copies", view.ref)  # refreshed after every write


def _note(vc, which: str, ref) -> None:
    """Add a view to one of the counter's lists, dropping the dead ones whenever the list doubles (a loop that makes
    a view of a parameter at every step keeps it short)."""
    refs = getattr(vc, which)
    if refs is None:
        refs = []
        setattr(vc, which, refs)
    refs.append(ref)
    if len(refs) >= 64 and len(refs) & (len(refs) - 1) == 0:
        refs[:] = [r for r in refs if r() is not None]


def positions(t) -> tuple:
    """The places of t's elements in its root's array: a NumPy index of t's shape (the view's steps run on the
    root's element numbers; basic steps are NumPy views, so this costs the view's size, not the root's)."""
    view = _VIEWS[id(t)]
    if view.place is None:
        shape = np.shape(t._base.data)
        probe = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
        for op, params, index in view.chain:
            out = op.forward(probe, **params)
            probe = np.asarray(out if index is None else out[index])
        view.place = np.unravel_index(probe, shape) if shape else ()
    return view.place


def refuse(t, graph: bool) -> None:
    """PyTorch's refusals of an in-place change of the view t: its base a leaf that requires grad, a piece of a
    multi-output op, a view made under no_grad (all three when autograd records it), elements that overlap."""
    from .inplace import LEAF_VIEW_INPLACE

    root, view = t._base, _VIEWS.get(id(t))
    data = t.data
    if type(data) is np.ndarray and any(s == 0 and n > 1 for s, n in zip(data.strides, data.shape)):
        raise RuntimeError(OVERLAP)
    if not graph or view is None:
        return
    if root._node is None and root._requires_grad:
        raise RuntimeError(LEAF_VIEW_INPLACE)
    if view.piece is not None:
        raise RuntimeError(MULTI_OUTPUT.format(name=view.piece[0], index=view.piece[1]))
    if view.no_grad and root._requires_grad:
        raise RuntimeError(NO_GRAD_VIEW)


def write(t, new) -> None:
    """Write `new` into the view t's elements of its root's storage; every view of the root sees the new values."""
    root = t._base
    place = positions(t)
    data = root.data
    if type(data) is np.ndarray and data.flags.writeable:
        data[place] = new
        refresh(root)
    else:  # a 0-d root is a NumPy scalar: a new value, and every view of it refreshed
        data = np.array(data, copy=True)
        data[place] = new
        root.data = data[()]
        refresh(root, rebound=True)


def refresh(root, rebound: bool = False) -> None:
    """Views of `root` whose values are a copy, not a NumPy view of its array (a 0-d view, a view of a 0-d root),
    take their values from it again; every view does where the root has a new array (`rebound`)."""
    from .inplace import _share

    _share(root)
    vc = root._vc
    if vc is None or (vc.views if rebound else vc.copies) is None:
        return
    data = np.asarray(root.data)
    for view in _live(vc, "views" if rebound else "copies"):
        view.data = data[positions(view)][()]
    if rebound:  # each view's values are a copy now
        vc.copies = list(vc.views)


def _live(vc, which: str) -> list:
    """The live views of one of the counter's lists (`views`: all, `copies`), the list pruned of the dead."""
    views = [v for v in (r() for r in getattr(vc, which) or ()) if v is not None and id(v) in _VIEWS]
    setattr(vc, which, [_VIEWS[id(v)].ref for v in views])
    return views


def fresh(tensors) -> None:
    """Views among `tensors` whose base changed in place since their grad_fn was set, if it requires grad, get an
    AsStridedBackward0 node over its grad_fn (or the base itself), as PyTorch regenerates a view's grad_fn when it
    is next read."""
    from .tensors import Tensor

    for t in tensors:
        root = t._vc if type(t) is Tensor else None
        if type(root) is Tensor and root._requires_grad:
            view = _VIEWS.get(id(t))
            if view is not None and view.version != root._vc.value:
                regenerate(t, view)


def regenerate(t, view: View) -> None:
    from .inplace import _REBASED

    root, op = t._vc, OPS["subscript_strided"]
    node = node_class(op)()
    node.op, node.seq = op, _next_seq()
    node._x = node._mark = None
    node.params = {"key": positions(t)}
    node.e0, node.d0, node.out = root._node or root, _hollow(root.data), _hollow(t.data)
    view.version, node._vc = root._vc.value, root._vc
    old = t._node
    if old is not None:
        _REBASED[id(old)] = (old, node)
        if old._retained is not None:
            node._retained, old._retained = old._retained, None
    t._node, t._requires_grad = node, True


def require(root) -> None:
    """The root requires grad now (an in-place op with an input that does): so do its views, as PyTorch's view
    requires grad where its base does."""
    for view in _live(root._vc, "views"):
        view._requires_grad = True


# ---- CopySlices: the base's node after an in-place change of a view under autograd -----------------------------------
class CopySlices(Node):
    """The node PyTorch puts on a base when one of its views was changed in place: `params["inner"]` is the node of
    the in-place op on the view (MulBackward0 …), `params["key"]` the view's places in the base. Its inputs are the
    base's history, then the op's other inputs; its gradient for the base is the incoming one with the view's part
    replaced by what the op gives its input there."""

    __slots__ = ("params",)

    def name(self) -> str:
        return "torch::autograd::CopySlices"  # PyTorch's C++ name; printed without its namespace

    def check_versions(self) -> None:
        from .versions import check

        check(self.params["inner"])

    def __repr__(self) -> str:
        return f"<CopySlices object at {hex(id(self))}>"


def _copy_slices_vjp(F, g, out, inputs, inner, key):
    part = F.subscript_index(g, key)
    edges, saved = inner._inputs()
    if F.graph:  # create_graph: the op's rule on tensors rebuilt from what it saved
        from .backward import rebuild
        from .tensors import Tensor

        saved = [e if type(e) is Tensor else d if e is None else rebuild(d, e) for e, d in zip(edges, saved)]
        out = rebuild(inner.out, inner)
    else:
        out = inner.out
    grads = inner.op.vjp(F, part, out, *saved, **inner.params)
    first = grads[0] if grads[0] is not None else 0.0
    return (F.subscript_copy(g, first, key), *grads[1:])


def _op(saves: bool) -> Op:
    return Op(
        name="copy_slices",
        grad_fn="torch::autograd::CopySlices",
        forward=None,
        sym=None,
        derivative="",
        vjp=_copy_slices_vjp,
        variadic=True,
        saves=saves,
        front=None,
    )


_OPS = {saves: _op(saves) for saves in (False, True)}


def copy_slices(t, inner) -> None:
    """Rebase the root of the view t onto a CopySlices node over `inner`, the in-place op's node."""
    root = t._base
    edges, datas = inner._inputs()
    node = CopySlices()
    node.op, node.seq = _OPS[inner.op.saves], _next_seq()
    node._x = node._mark = None
    node.params = {"inner": inner, "key": positions(t)}
    first = (root._node or root) if root._requires_grad else None
    node.e0, node.d0 = (first, *edges[1:]), (_hollow(root.data), *datas[1:])
    node.out = _hollow(root.data)
    node._vc = root._vc
    old = root._node
    if old is not None:
        from .inplace import _REBASED

        _REBASED[id(old)] = (old, node)
        if old._retained is not None:
            node._retained, old._retained = old._retained, None
    root._node, root._requires_grad = node, True
