"""`diffcheck run`, torch.optim: `SGD`, `Adam`, `AdamW` and `RMSprop` with PyTorch 2.13's options and refusals,
`zero_grad()` (grads set to None by default), `step()` and `step(closure)`, `param_groups` (a list of dicts: reading
it and setting `lr` work as in PyTorch), `add_param_group`, `state` (per parameter), `state_dict()` and printing. The
updates' arithmetic is optim_updates.py's.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import numpy as np

from .. import engine
from ..engine.versions import bump
from ..engine import type_name
from .optim_updates import UPDATES
from .torch_surface import Raised
from .values import BoundMethod, SnippetObject

_DEFAULTS = {
    "SGD": {
        "lr": 0.001,
        "momentum": 0,
        "dampening": 0,
        "weight_decay": 0,
        "nesterov": False,
        "maximize": False,
        "foreach": None,
        "differentiable": False,
        "fused": None,
    },
    "Adam": {
        "lr": 0.001,
        "betas": (0.9, 0.999),
        "eps": 1e-08,
        "weight_decay": 0,
        "amsgrad": False,
        "maximize": False,
        "foreach": None,
        "capturable": False,
        "differentiable": False,
        "fused": None,
        "decoupled_weight_decay": False,
    },
}
_DEFAULTS["AdamW"] = {**_DEFAULTS["Adam"], "weight_decay": 0.01, "decoupled_weight_decay": True}
_DEFAULTS["RMSprop"] = {  # in torch's order: param_groups print it
    "lr": 0.01,
    "momentum": 0,
    "alpha": 0.99,
    "eps": 1e-08,
    "centered": False,
    "weight_decay": 0,
    "capturable": False,
    "foreach": None,
    "maximize": False,
    "differentiable": False,
}
_POSITIONAL = {
    "SGD": ("lr", "momentum", "dampening", "weight_decay", "nesterov"),
    "Adam": ("lr", "betas", "eps", "weight_decay", "amsgrad"),
    "RMSprop": ("lr", "alpha", "eps", "weight_decay", "momentum", "centered"),
}
_POSITIONAL["AdamW"] = _POSITIONAL["Adam"]


@dataclass(eq=False)
class OptimizerValue(SnippetObject):
    kind: str
    param_groups: list
    defaults: dict = field(default_factory=dict)  # the constructor's options: what add_param_group fills in
    state: "OptimizerState" = field(default_factory=lambda: OptimizerState())

    @property
    def type_name(self) -> str:
        return self.kind

    def get(self, interp, name: str, node: ast.AST):
        if name == "param_groups":
            return self.param_groups
        if name == "state":
            return self.state
        method = getattr(self, f"_{name}", None)
        if name in ("zero_grad", "step", "state_dict", "add_param_group"):
            return BoundMethod(name, method)
        raise Raised("AttributeError", f"'{self.kind}' object has no attribute '{name}'", node.lineno)

    def _zero_grad(self, interp, args, kwargs, node):
        set_to_none = ([*args, *kwargs.values()] or [True])[0]
        for group in self.param_groups:
            for p in group["params"]:
                interp.clear_grad(p, set_to_none, node)

    def _step(self, interp, args, kwargs, node):
        """step() or step(closure): the closure (which recomputes the loss) runs with grad enabled first, and its
        answer is step's."""
        closure = ([*args, *kwargs.values()] or [None])[0]
        loss = None
        if closure is not None:
            with engine.enable_grad():
                loss = interp.call(closure, [], {}, node)
        update = UPDATES[self.kind]
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                with np.errstate(all="ignore"):
                    p.data = update(np.asarray(p.data), np.asarray(p.grad.data), self.state.arrays(p), group)[()]
                self.state.updated(p)
                bump(p)
                interp._share(p)
        return loss

    def _state_dict(self, interp, args, kwargs, node):
        """{'state': {index: state}, 'param_groups': [options and 'params': indices]}, parameters numbered in
        group order as PyTorch numbers them."""
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        groups = [
            {**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
            for g in self.param_groups
        ]
        state = {index.get(id(p), p): self.state[p] for p in self.state.params}
        return {"state": state, "param_groups": groups}

    def _add_param_group(self, interp, args, kwargs, node):
        (group,) = [*args, *kwargs.values()]
        if not isinstance(group, dict):
            raise Raised("TypeError", f"param_group must be a dict, but got {type_name(group)}", node.lineno)
        added = _group(group, self.defaults, node)
        held = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in held for p in added["params"]):
            raise Raised("ValueError", "some parameters appear in more than one parameter group", node.lineno)
        self.param_groups.append(added)

    def __repr__(self) -> str:
        groups = [
            f"Parameter Group {index}\n" + "".join(f"    {k}: {group[k]}\n" for k in sorted(group) if k != "params")
            for index, group in enumerate(self.param_groups)
        ]
        return f"{self.kind} (\n" + "\n".join(groups) + ")"


class OptimizerState(SnippetObject):
    """optimizer.state: a defaultdict from parameter to its state (a dict: `momentum_buffer`, Adam's `step`,
    `exp_avg`, `exp_avg_sq` ... as tensors, the same tensors from step to step as in PyTorch, their values replaced
    by each update). Reading a parameter without state gives {} and adds it, as a defaultdict does."""

    type_name = "defaultdict"

    def __init__(self):
        self.params: list = []  # the keys in insertion order
        self.values: dict[int, dict] = {}  # id(param) -> {name: NumPy value}, what the updates read and write
        self.tensors: dict[int, dict] = {}  # id(param) -> {name: the tensor a snippet sees}

    def arrays(self, p) -> dict:
        if id(p) not in self.values:
            self.params.append(p)
            self.values[id(p)], self.tensors[id(p)] = {}, {}
        return self.values[id(p)]

    def updated(self, p) -> None:
        tensors = self.tensors[id(p)]
        for name, value in self.values[id(p)].items():
            if name in tensors:
                tensors[name].data = value
            else:
                tensors[name] = engine.Tensor(value)

    def __getitem__(self, p) -> dict:
        self.arrays(p)
        return self.tensors[id(p)]

    def item(self, interp, key, node: ast.AST):
        if not isinstance(key, engine.Tensor):
            raise interp.fail("optimizer.state is indexed by a parameter", node)
        return self[key]

    def length(self, interp, node: ast.AST) -> int:
        return len(self.params)

    def __contains__(self, key) -> bool:
        return any(p is key for p in self.params)

    def __repr__(self) -> str:
        items = ", ".join(f"{p!r}: {self.tensors[id(p)]!r}" for p in self.params)
        return f"defaultdict(<class 'dict'>, {{{items}}})"


def _optimizer(kind: str):
    def make(interp, args, kwargs, node):
        defaults = _DEFAULTS[kind]
        if not args and "params" not in kwargs:
            raise Raised(
                "TypeError", f"{kind}.__init__() missing 1 required positional argument: 'params'", node.lineno
            )
        params, *rest = args if args else [kwargs.pop("params")]
        options = dict(zip(_POSITIONAL[kind], rest))
        for key, value in kwargs.items():
            if key not in defaults or key in options:
                raise Raised("TypeError", f"{kind}.__init__() got an unexpected keyword argument '{key}'", node.lineno)
            options[key] = value
        group = {**defaults, **options}
        _check(kind, group, interp, node)
        return OptimizerValue(kind, _groups(params, group, node), group)

    return make


def _check(kind: str, group: dict, interp, node) -> None:
    for key in ("foreach", "fused"):
        if group.get(key):
            raise interp.fail(f"{kind}({key}=True) is not supported (PyTorch's single-tensor updates are)", node)
    if group.get("capturable") or group["differentiable"]:
        raise interp.fail(f"{kind}(capturable/differentiable=True) is not supported", node)
    lr = group["lr"]
    if type(lr) not in (int, float):
        raise interp.fail(f"{kind}'s lr must be a number", node)
    if lr < 0:
        raise Raised("ValueError", f"Invalid learning rate: {lr}", node.lineno)
    if kind == "RMSprop":
        for key, what in (("eps", "epsilon"), ("momentum", "momentum"), ("weight_decay", "weight_decay")):
            if group[key] < 0:
                raise Raised("ValueError", f"Invalid {what} value: {group[key]}", node.lineno)
        if group["alpha"] < 0:
            raise Raised("ValueError", f"Invalid alpha value: {group['alpha']}", node.lineno)
        return
    if kind == "SGD":
        if group["momentum"] < 0:
            raise Raised("ValueError", f"Invalid momentum value: {group['momentum']}", node.lineno)
        if group["weight_decay"] < 0:
            raise Raised("ValueError", f"Invalid weight_decay value: {group['weight_decay']}", node.lineno)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise Raised("ValueError", "Nesterov momentum requires a momentum and zero dampening", node.lineno)
        return
    betas = group["betas"]
    if group["eps"] < 0:
        raise Raised("ValueError", f"Invalid epsilon value: {group['eps']}", node.lineno)
    for index in (0, 1):
        if not 0.0 <= betas[index] < 1.0:
            raise Raised("ValueError", f"Invalid beta parameter at index {index}: {betas[index]}", node.lineno)
    if group["weight_decay"] < 0:
        raise Raised("ValueError", f"Invalid weight_decay value: {group['weight_decay']}", node.lineno)
    group["betas"] = tuple(betas)


def _groups(params, defaults: dict, node) -> list:
    if isinstance(params, engine.Tensor):
        raise Raised(
            "TypeError",
            "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
            + ("torch.FloatTensor" if params.data.dtype == np.float32 else "torch.DoubleTensor"),
            node.lineno,
        )
    if not isinstance(params, (list, tuple)):
        raise Raised("TypeError", f"'{type_name(params)}' object is not iterable", node.lineno)
    params = list(params)
    if not params:
        raise Raised("ValueError", "optimizer got an empty parameter list", node.lineno)
    return [
        _group(entry, defaults, node) for entry in (params if isinstance(params[0], dict) else [{"params": params}])
    ]


def _group(entry: dict, defaults: dict, node) -> dict:
    """One parameter group as add_param_group makes it: the given keys in their order, then the defaults not given."""
    tensors = entry["params"]
    tensors = [tensors] if isinstance(tensors, engine.Tensor) else list(tensors)
    for t in tensors:
        if not isinstance(t, engine.Tensor) or not t.is_leaf:
            raise Raised("ValueError", "can't optimize a non-leaf Tensor", node.lineno)
    group = {**entry, "params": tensors}
    for key, value in defaults.items():
        group.setdefault(key, value)
    return group


FACTORIES = {f"torch.optim.{kind}": _optimizer(kind) for kind in _DEFAULTS}
