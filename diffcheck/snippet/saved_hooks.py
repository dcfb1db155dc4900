"""torch.autograd.graph.saved_tensors_hooks(pack, unpack) in `run`: inside the `with`, each op's node packs the
tensors it saves (the snippet's pack function gets the tensors themselves) and its backward unpacks them and uses
what unpack returns. Which tensors a node saves, in which order, depends on the op and on which inputs require grad:
PyTorch 2.13's answers are recorded in tests/saved_hooks.json (tests/saved_hooks_cases.py) and copied into
saved_table.py; an op or case they do not list is refused in one line rather than packed otherwise than PyTorch
would."""

from __future__ import annotations

import ast

import numpy as np

from .. import engine
from ..engine import hooks, saved
from ..engine.hooks import SLOTS
from ..engine.forward import _next_seq
from .saved_table import SAVED


class SavedHooksContext:
    """The `with` value of saved_tensors_hooks(pack, unpack)."""

    def __init__(self, interp, pack, unpack, node: ast.AST):
        self.interp, self.pack, self.unpack, self.node = interp, pack, unpack, node

    def __enter__(self):
        if saved.state.disabled is not None:
            raise RuntimeError(saved.state.disabled)
        self.interp.saved_pairs.append((self.pack, self.unpack))
        return self

    def __exit__(self, *exc) -> None:
        self.interp.saved_pairs.pop()

    def __repr__(self) -> str:
        return f"<torch.autograd.graph.saved_tensors_hooks object at {hex(id(self))}>"


class SavedHooksSurface:
    """A mixin before Builtins, AutogradSurface and OpCalls: while a pair of hooks is active, `op` and `inplace` pack
    what the new node saves, and `get_item` / `set_item` refuse a subscript whose node saves a tensor."""

    saved_pairs: list

    def _torch_saved_tensors_hooks(self, args, kwargs, node):
        options = {**dict(zip(("pack_hook", "unpack_hook"), args)), **kwargs}
        if not hasattr(self, "saved_pairs"):
            self.saved_pairs = []
        return SavedHooksContext(self, options["pack_hook"], options["unpack_hook"], node)

    def op(self, spelling: str, args: list, kwargs: dict, node: ast.AST, *rest, **options):
        if not self._hooked():
            return super().op(spelling, args, kwargs, node, *rest, **options)
        olds = {id(a): a._node for a in _tensors(args, kwargs)}
        self._packing = True
        try:
            result = super().op(spelling, args, kwargs, node, *rest, **options)
        finally:
            self._packing = False
        first = result[0] if isinstance(result, tuple) and result else result
        made = first._node if isinstance(first, engine.Tensor) else None
        made = made.e0 if type(made) is engine.node._Output else made
        if made is not None and made not in olds.values():  # a node this op made (not an input's)
            self._pack(made, _tensors(args, kwargs), olds, result, node)
        return result

    def inplace(self, tensor, method: str, args: list, kwargs: dict, node: ast.AST):
        """x.mul_(y), x.relu_(), y += x ...: the node made packs as the op's would, the tensor being its answer."""
        if not self._hooked():
            return super().inplace(tensor, method, args, kwargs, node)
        olds = {id(a): a._node for a in _tensors([tensor, *args], kwargs)}
        base = tensor._base
        rebased = base._node if base is not None else None
        result = super().inplace(tensor, method, args, kwargs, node)
        if base is not None and base._node is not rebased:  # a view changed: the base's CopySlices holds the node
            self._inplace_view(base._node.params["inner"], node)
        elif tensor._node is not None and tensor._node is not olds[id(tensor)]:
            self._pack(tensor._node, _tensors([tensor, *args], kwargs), olds, tensor, node)
        return result

    def get_item(self, value, key, node: ast.AST):
        """A subscript's nodes save nothing (select, slice, unsqueeze) or are refused (an index tensor: IndexBackward0
        saves it)."""
        if not self._hooked() or not isinstance(value, engine.Tensor):
            return super().get_item(value, key, node)
        mark = _next_seq()  # nodes made from here on have smaller numbers
        result = super().get_item(value, key, node)
        made = result._node if isinstance(result, engine.Tensor) else None
        while made is not None and type(made) is not engine.Tensor and made.seq < mark:
            self._unsaving(made, node)
            made = made._inputs()[0][0]
        return result

    def set_item(self, value, key, new, node: ast.AST) -> None:
        if not self._hooked() or not isinstance(value, engine.Tensor):
            return super().set_item(value, key, new, node)
        mark = _next_seq()
        super().set_item(value, key, new, node)
        if value._node is not None and value._node.seq < mark:
            self._unsaving(value._node, node)

    def _inplace_view(self, inner, node: ast.AST) -> None:
        """An op in place on a view: passed where its node saves nothing defined (add_, mul_(2)), else refused."""
        edges = inner._inputs()[0]
        combo = "".join("c" if e is None or type(e) is engine.Tensor and not e.requires_grad else "t" for e in edges)
        case = SAVED.get(inner.op.name, {}).get(combo)
        held = dict(zip(SLOTS, edges))
        if case is None or any(held.get(role, True) is not None for role in case[1]):
            name = engine.node._named(inner).name()
            raise self.fail(f"saved_tensors_hooks around {name} in place on a view is not supported", node)

    def pack_saved_for_backward(self, context, node: ast.AST) -> None:
        """A custom Function's ctx.save_for_backward: packed once its forward returned, as PyTorch's apply does;
        each ctx.saved_tensors unpacks them."""
        if not self._hooked() or not context.saved:
            return
        pack, unpack = self.saved_pairs[-1]
        saved = [t for t, _ in context.saved]
        packed = [None if t is None else self._packed(pack, t, node) for t in saved]

        def unpacked() -> tuple:
            values = tuple(None if p is None else self.call(unpack, [p], {}, node) for p in packed)
            for t, value in zip(saved, values):
                if t is not None and not (isinstance(value, engine.Tensor) and np.array_equal(value.data, t.data)):
                    hooks.state.replaced = True  # backward runs on other values than the graph's
            return values

        context.unpack = unpacked

    def _packed(self, pack, tensor, node: ast.AST):
        """pack_hook(tensor), with the hooks off meanwhile as PyTorch's: the ops it calls pack nothing."""
        outer, self._packing = getattr(self, "_packing", False), True
        try:
            return self.call(pack, [tensor], {}, node)
        finally:
            self._packing = outer

    def _hooked(self) -> bool:
        """Inside saved_tensors_hooks, and not in a call an op makes itself (max(x, y) calls maximum)."""
        return bool(getattr(self, "saved_pairs", None)) and not getattr(self, "_packing", False)

    def _unsaving(self, made, node: ast.AST) -> None:
        name = engine.node._named(made).name()
        if name not in UNSAVING:
            raise self.fail(f"saved_tensors_hooks around {name} is not supported", node)

    def _pack(self, made, values: list, olds: dict, result, node: ast.AST) -> None:
        """Pack what PyTorch's node saves (SAVED), by role; refused where the table has no case, the call composes
        nodes (an input made inside it), or an op in place would save its input (PyTorch saves a clone of it)."""
        pack, unpack = self.saved_pairs[-1]
        name = engine.node._named(made).name()
        edges = made._inputs()[0]
        inputs = [None if e is None else next((a for a in values if a is e or olds[id(a)] is e), None) for e in edges]
        weights = {f"param:{k}": v for k, v in made.params.items() if isinstance(v, engine.Tensor)}  # a loss's
        combo = "".join("c" if e is None or e is a and not a.requires_grad else "t" for e, a in zip(edges, inputs))
        combo += "+" + ",".join(sorted(k[len("param:") :] for k in weights)) if weights else ""
        case = SAVED.get(made.op.name, {}).get(combo)
        composed = any(e is not None and a is None for e, a in zip(edges, inputs))  # an input made inside the call
        answers = result if isinstance(result, tuple) else (result,)
        roles = {"result": answers[0], **{f"result{k}": a for k, a in enumerate(answers)}, **weights}
        inputs_by = dict(zip([f"tensors{k}" for k in range(len(inputs))] if made.op.variadic else SLOTS, inputs))
        changed = case is not None and any(inputs_by.get(r) is not None and inputs_by[r] is answers[0] for r in case[1])
        if case is None or composed or case[0] != name or changed:
            raise self.fail(f"saved_tensors_hooks around {name} is not supported", node)
        roles.update(inputs_by)
        # an optional tensor not given (clamp's max) is not saved: PyTorch packs only defined tensors
        packed = {role: self._packed(pack, roles[role], node) for role in case[1] if roles[role] is not None}
        if packed:
            hooks.attach_saved(
                made,
                lambda value: self.call(unpack, [value], {}, node),
                [(r, packed[r]) for r in case[2] if r in packed],
            )


# PyTorch's nodes of a subscript or an item assignment that save no tensor (recorded with PyTorch 2.13; a view of a
# tensor changed in place is AsStridedBackward0); an index tensor's IndexBackward0 and IndexPutBackward0 save it, and
# are refused
UNSAVING = {
    "SelectBackward0",
    "SliceBackward0",
    "UnsqueezeBackward0",
    "AliasBackward0",
    "AsStridedBackward0",
    "torch::autograd::CopySlices",
}


def _tensors(args: list, kwargs: dict) -> list:
    """The call's tensors, a list's (torch.cat's) included."""
    flat = [v for a in [*args, *kwargs.values()] for v in (a if isinstance(a, (list, tuple)) else (a,))]
    return [v for v in flat if isinstance(v, engine.Tensor)]
