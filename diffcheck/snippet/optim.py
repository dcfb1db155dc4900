"""`diffcheck run`, torch.optim: `SGD`, `Adam` and `AdamW` with PyTorch 2.13's options, `zero_grad()` (grads set to
None by default), `step()`, `param_groups` (a list of dicts: reading it and setting `lr` work as in PyTorch) and
printing.

Updates follow PyTorch's single-tensor implementations (`_single_tensor_sgd`, `_single_tensor_adam`, what CPU tensors
run: foreach is for CUDA), operation by operation in the parameter's dtype. Its CPU kernels fuse `a + alpha * b`
(add with alpha, lerp, addcmul) into one fused multiply-add, so those are fma here too; pinned bit for bit against
torch 2.13 by tests/test_run_optim.py (tests/optim.json, from tests/record_torch_optim.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import numpy as np

from .. import engine
from ..engine.mt19937 import _fma32, _fma64
from ..engine.versions import bump
from ..engine import type_name
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
_POSITIONAL = {
    "SGD": ("lr", "momentum", "dampening", "weight_decay", "nesterov"),
    "Adam": ("lr", "betas", "eps", "weight_decay", "amsgrad"),
}
_POSITIONAL["AdamW"] = _POSITIONAL["Adam"]


# ---- the arithmetic, in the parameter's dtype ------------------------------------------------------------------------
def fma(a, b, c):
    """a * b + c rounded once, in the dtype of `c` (b a Python number: cast to that dtype first, as a Scalar is)."""
    dtype = np.asarray(c).dtype
    shape = np.broadcast_shapes(np.shape(a), np.shape(c))
    a, b, c = (np.atleast_1d(np.asarray(v, dtype)) for v in (a, b, c))  # the fma helpers index their arrays
    return (_fma32 if dtype == np.float32 else _fma64)(a, b, c).astype(dtype).reshape(shape)


def times(a, number):
    return (np.asarray(a) * np.asarray(number, np.asarray(a).dtype)).astype(np.asarray(a).dtype)


def sgd_update(p, g, state: dict, group: dict):
    """_single_tensor_sgd for one parameter: the new value (state holds the momentum buffer)."""
    g = -g if group["maximize"] else g
    if group["weight_decay"] != 0:
        g = fma(p, group["weight_decay"], g)  # grad.add(param, alpha=weight_decay)
    momentum = group["momentum"]
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = np.array(g, copy=True)
        else:
            buf = fma(g, 1 - group["dampening"], times(buf, momentum))  # buf.mul_(momentum).add_(grad, alpha=1 - d)
        state["momentum_buffer"] = buf
        g = fma(buf, momentum, g) if group["nesterov"] else buf
    return fma(g, -group["lr"], p)  # param.add_(grad, alpha=-lr)


def lerp(start, end, weight: float):
    """Tensor.lerp_ with a number weight, PyTorch's CPU formula: start + w * (end - start) for |w| < 0.5, else
    end - (end - start) * (1 - w), each product fused with its sum."""
    dtype = np.asarray(start).dtype
    diff = (end - start).astype(dtype)
    if abs(weight) < 0.5:
        return fma(diff, weight, start)
    return fma(-diff, np.asarray(1, dtype) - np.asarray(weight, dtype), end)


def adam_update(p, g, state: dict, group: dict):
    """_single_tensor_adam for one parameter (capturable and differentiable off): the new value."""
    dtype = p.dtype
    g = -g if group["maximize"] else g
    if not state:
        state.update(step=np.float32(0), exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p)
    state["step"] = np.float32(state["step"] + np.float32(1))
    lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
    if decay != 0:
        if group["decoupled_weight_decay"]:
            p = times(p, 1 - lr * decay)  # param.mul_(1 - lr * weight_decay)
        else:
            g = fma(p, decay, g)
    state["exp_avg"] = lerp(state["exp_avg"], g, 1 - beta1)
    # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2): self + (value * t1) * t2, fused
    state["exp_avg_sq"] = fma(times(g, 1 - beta2), g, times(state["exp_avg_sq"], beta2))
    step = float(state["step"])
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    second = state["exp_avg_sq"]
    if group["amsgrad"]:
        state["max_exp_avg_sq"] = second = np.maximum(state["max_exp_avg_sq"], second)
    # the exact square root: PyTorch's vectorised one (Sleef) is 1 ulp off for about 1 element in 6
    denom = (np.sqrt(second) / np.asarray(bias_correction2**0.5, dtype)).astype(dtype) + np.asarray(eps, dtype)
    quotient = (times(state["exp_avg"], -step_size) / denom).astype(dtype)  # addcdiv_: self + value * t1 / t2
    return (p + quotient).astype(dtype)


_UPDATES = {"SGD": sgd_update, "Adam": adam_update, "AdamW": adam_update}


@dataclass(eq=False)
class OptimizerValue(SnippetObject):
    kind: str
    param_groups: list
    state: dict = field(default_factory=dict)  # id(param) -> its state

    @property
    def type_name(self) -> str:
        return self.kind

    def get(self, interp, name: str, node: ast.AST):
        if name == "param_groups":
            return self.param_groups
        if name == "zero_grad":
            return BoundMethod(name, self._zero_grad)
        if name == "step":
            return BoundMethod(name, self._step)
        raise Raised("AttributeError", f"'{self.kind}' object has no attribute '{name}'", node.lineno)

    def _zero_grad(self, interp, args, kwargs, node):
        set_to_none = ([*args, *kwargs.values()] or [True])[0]
        for group in self.param_groups:
            for p in group["params"]:
                interp.clear_grad(p, set_to_none, node)

    def _step(self, interp, args, kwargs, node):
        if args or kwargs:
            raise interp.fail(f"{self.kind}.step(closure) is not supported", node)
        update = _UPDATES[self.kind]
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(id(p), {})
                with np.errstate(all="ignore"):
                    p.data = update(np.asarray(p.data), np.asarray(p.grad.data), state, group)[()]
                bump(p)
                interp._share(p)

    def __repr__(self) -> str:
        lines = [f"{self.kind} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines + [")"])


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
        groups = _groups(kind, params, group, node)
        return OptimizerValue(kind, groups)

    return make


def _check(kind: str, group: dict, interp, node) -> None:
    for key in ("foreach", "fused"):
        if group[key]:
            raise interp.fail(f"{kind}({key}=True) is not supported (PyTorch's single-tensor updates are)", node)
    if group.get("capturable") or group["differentiable"]:
        raise interp.fail(f"{kind}(capturable/differentiable=True) is not supported", node)
    lr = group["lr"]
    if type(lr) not in (int, float):
        raise interp.fail(f"{kind}'s lr must be a number", node)
    if lr < 0:
        raise Raised("ValueError", f"Invalid learning rate: {lr}", node.lineno)
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


def _groups(kind: str, params, group: dict, node) -> list:
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
    given = params if isinstance(params[0], dict) else [{"params": params}]
    groups = []
    for entry in given:
        tensors = entry["params"]
        tensors = [tensors] if isinstance(tensors, engine.Tensor) else list(tensors)
        for t in tensors:
            if not isinstance(t, engine.Tensor) or not t.is_leaf:
                raise Raised("ValueError", "can't optimize a non-leaf Tensor", node.lineno)
        groups.append({"params": tensors, **{**group, **{k: v for k, v in entry.items() if k != "params"}}})
    return groups


FACTORIES = {f"torch.optim.{kind}": _optimizer(kind) for kind in _DEFAULTS}
