"""Version counters, as PyTorch keeps them: in-place changes are counted per tensor (a view shares its base's count),
nodes note the versions of what they save, and backward refuses a saved tensor changed since, with PyTorch's words.

A counter is made on first need (an in-place change, a view), never for the tensors most ops make, so the scalar fast
paths pay one slot store and one test per tensor. Where a counter lives: `Tensor._vc` is None (version 0, no counter
yet), a `Version`, or for a view the base tensor, whose counter it shares. A node's `_vc` is its output's counter once
it has one (the nodes that saved the output reach it through their edge); a multi-output node's `_vc` is the tuple of
its outputs' counters, made with them. A node's `_versions` pairs the counters that existed when it saved its inputs
with their versions then; a counter it does not list was at 0.
"""

from __future__ import annotations

import numpy as np

from ..ops.arrays import TYPE_NAMES
from . import saved as _saved
from .node import Node, _Output, _named

MODIFIED = (
    "one of the variables needed for gradient computation has been modified by an inplace operation: "
    "[torch.{type} {shape}]{which} is at version {version}; expected version {expected} instead. Hint: enable "
    "anomaly detection to find the operation that failed to compute its gradient, with "
    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
)


class Version:
    """A version counter; `shares` lists (weakly) the tensors on one storage with it (`detach()`), `views` the views
    of it and `copies` those whose values are a copy (engine/views.py), None until then."""

    __slots__ = ("value", "shares", "views", "copies")

    def __init__(self):
        self.value = 0
        self.shares = self.views = self.copies = None


PRIVATE = object()  # in a node's `_versions`: its input 0 is a copy it keeps (an in-place op's own), never checked


class _State:
    bumped = False  # some tensor was changed in place: from then on, backward checks what nodes saved


state = _State()


def data_changed() -> None:
    """A tensor's values were replaced without a version (`x.data = ...`): backward reads saved leaves anew."""
    state.bumped = True


def counter(t) -> Version:
    """t's counter, made on first need and given to its grad_fn too, where the nodes that saved t find it."""
    vc = t._vc
    if vc is None:
        vc = t._vc = Version()
        if t._node is not None:
            t._node._vc = vc
        return vc
    return vc if type(vc) is Version else vc._vc


def version(t) -> int:
    vc = t._vc
    return 0 if vc is None else counter(t).value


def bump(t) -> None:
    """Count an in-place change of t (and so of its base and every view of it): what in-place ops call."""
    counter(t).value += 1
    state.bumped = True


def view_of(t, base, op, params: dict, index=None) -> None:
    """Make t a view of `base` (of base's own base, for a view of a view, as PyTorch): one counter, one `_base`;
    `op` made it (output `index` of a multi-output op)."""
    from . import views

    root = base if base._base is None else base._base
    vc = counter(root)
    t._vc = root
    if t._node is not None:
        t._node._vc = vc
    views.register(t, base, op, params, index, root, vc)


def record(node, inputs) -> None:
    """Note on `node` the versions of its inputs that already have a counter (the others are at 0), if it saves
    tensors."""
    if node.op.saves:
        node._versions = tuple((vc, vc.value) for vc in map(_edge_counter, inputs) if vc is not None)


def _edge_counter(e):
    """The counter behind an input or edge: a tensor's own (its base's for a view), a node's output's; None for a
    Python number, or where none was made (nodes leave the slot unset until then)."""
    vc = getattr(e, "_vc", None)
    return vc if vc is None or type(vc) is Version else vc._vc


def check(node) -> None:
    """Raise PyTorch's RuntimeError if a tensor `node` saved was changed in place since: compares each saved
    tensor's counter with the version noted when it was saved."""
    from .forward import _kept

    op = node.op
    if not op.saves or type(node) is _Output or _saved.state.mutation:  # allow_mutation_on_saved_tensors
        return
    own = getattr(node, "check_versions", None)
    if own is not None:  # a custom Function's node: its ctx checks what it saved, when backward reads it
        return own()
    kept = _kept(op.name)
    saved = []  # (data, counter, (node, output number) or None for a tensor no op made)
    if kept[0]:
        counters = getattr(node, "_vc", None)
        outs, counters = (node.out, counters) if op.outputs != 1 else ((node.out,), (counters,))
        differentiable = op.output_differentiability or (True,) * len(outs)  # the others have no grad_fn
        saved += [(d, vc, (node, i) if differentiable[i] else None) for i, (d, vc) in enumerate(zip(outs, counters))]
    edges, datas = node._inputs()
    noted = getattr(node, "_versions", ())
    private = any(c is PRIVATE for c, _ in noted)
    for i, (e, d) in enumerate(zip(edges, datas)):
        if i == 0 and private:  # an in-place op's own input: the node keeps a copy of its old values
            continue
        if e is not None and kept[1 if op.variadic else 1 + i]:
            saved.append(
                (d, _edge_counter(e), (e.e0, e.d0) if type(e) is _Output else e if isinstance(e, Node) else None)
            )
    for data, vc, made_by in saved:
        expected = next((value for c, value in noted if c is vc), 0)
        if vc is not None and vc.value != expected:
            if isinstance(made_by, Node):  # a saved input names the grad_fn its tensor has now, a saved output its own
                made_by = (_current(made_by), 0)
            raise RuntimeError(_message(data, made_by, vc.value, expected))


def _current(node):
    """The grad_fn the tensor `node` made has now: after in-place ops rebased it, or, for a view of a base changed
    since, regenerated as PyTorch does when the saved tensor is read."""
    from .inplace import current_node
    from .views import made

    view = made(node)
    if view is not None:
        from .views import fresh

        fresh((view,))
    return current_node(node)


def _message(data, made_by, version: int, expected: int) -> str:
    """PyTorch's text: the tensor's type and shape, then the forward op that made it (its grad_fn's name without
    `Backward0`), unless no op did."""
    which = ""
    if made_by is not None:
        name = _named(made_by[0]).name()
        if "::" not in name:  # a C++ node (CopySlices) is named with its namespace already
            name = name[: name.rindex("Backward")] if "Backward" in name else f"torch::autograd::{name}"
        which = f", which is output {made_by[1]} of {name},"
    return MODIFIED.format(
        type=TYPE_NAMES[np.result_type(data)][0] + "Tensor",
        shape=list(np.shape(data)),
        which=which,
        version=version,
        expected=expected,
    )
