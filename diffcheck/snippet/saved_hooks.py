"""torch.autograd.graph.saved_tensors_hooks(pack, unpack) in `run`: inside the `with`, each op's node packs the
tensors it saves (the snippet's pack function gets the tensors themselves) and its backward unpacks them and uses
what unpack returns. Which tensors a node saves, in which order, depends on the op and on which inputs require grad:
PyTorch 2.13's answers are recorded in tests/saved_hooks.json (tests/saved_hooks_cases.py) and copied into
saved_table.py; an op or case they do not list is refused in one line rather than packed otherwise than PyTorch
would."""

from __future__ import annotations

import ast

from .. import engine
from ..engine import hooks, saved
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
    """A mixin before OpCalls: `op` packs what the new node saves while a pair of hooks is active."""

    saved_pairs: list

    def _torch_saved_tensors_hooks(self, args, kwargs, node):
        options = {**dict(zip(("pack_hook", "unpack_hook"), args)), **kwargs}
        if not hasattr(self, "saved_pairs"):
            self.saved_pairs = []
        return SavedHooksContext(self, options["pack_hook"], options["unpack_hook"], node)

    def op(self, spelling: str, args: list, kwargs: dict, node: ast.AST, *rest, **options):
        if not getattr(self, "saved_pairs", None):  # outside saved_tensors_hooks: nothing to pack
            return super().op(spelling, args, kwargs, node, *rest, **options)
        before = {id(a._node) for a in args if isinstance(a, engine.Tensor)}
        result = super().op(spelling, args, kwargs, node, *rest, **options)
        made = result._node if isinstance(result, engine.Tensor) else None
        if made is not None and id(made) not in before:  # a node this op made (not an input's)
            self._pack(made, args, result, node)
        return result

    def _pack(self, made, args: list, result, node: ast.AST) -> None:
        pack, unpack = self.saved_pairs[-1]
        name = made.op.name
        edges = made._inputs()[0][: made.op.arity]
        inputs = [next((a for a in args if a is e or getattr(a, "_node", None) is e), None) for e in edges]
        combo = "".join("t" if a is not None and a.requires_grad else "c" for a in inputs)
        case = SAVED.get(name, {}).get(combo)
        if case is None or any(a is None for a in inputs) or case[0] != engine.node._named(made).name():
            raise self.fail(f"saved_tensors_hooks around {engine.node._named(made).name()} is not supported", node)
        roles = {"self": inputs[0], "other": inputs[-1], "result": result}
        packed = {role: self.call(pack, [roles[role]], {}, node) for role in case[1]}
        if packed:
            hooks.attach_saved(
                made, lambda value: self.call(unpack, [value], {}, node), [(r, packed[r]) for r in case[2]]
            )
