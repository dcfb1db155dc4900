"""`diffcheck fuzz --against torch`: generated programs run on an installed PyTorch (imported only when asked for)."""
from __future__ import annotations

import importlib.util
import operator

from . import INFIX, Candidate
from ..lang.lower import run as run_program
from ..lang.program import Apply

ERRORS = (RuntimeError,)  # what PyTorch raises for a program it refuses: reported as a difference
CONVENTIONS = False  # the engine follows PyTorch's conventions at kinks: every difference is a finding


def available() -> bool:
    return importlib.util.find_spec("torch") is not None


def load() -> None:
    import torch  # noqa: F401


def _call(torch, node: Apply, args: list, params: dict):
    """One node on PyTorch, spelled as a user would write it (operators for arithmetic, so `2 - x` is RsubBackward1)."""
    if node.op in INFIX:
        return {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
                "pow": operator.pow, "matmul": operator.matmul, "gt": operator.gt, "ge": operator.ge,
                "lt": operator.lt, "le": operator.le}[node.op](*args)
    if node.op == "neg":
        return -args[0]
    tensors = [a if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=torch.float64) for a in args]
    if node.op in ("sum", "mean") and "dim" in params:
        return getattr(torch, node.op)(tensors[0], dim=int(params["dim"]))
    if node.op == "softplus":
        return torch.nn.functional.softplus(tensors[0])
    return getattr(torch, node.op)(*tensors, **params)


def run(c: Candidate):
    """The output's value and the `.grad` of every input and retained intermediate (None as PyTorch leaves it)."""
    import torch

    leaves = {n: torch.tensor(c.values[n], dtype=torch.float64, requires_grad=n not in c.no_grad)
              for n in c.program.inputs}
    env = run_program(c.program, leaves, lambda node, args, params: _call(torch, node, args, params))
    for name in c.retain:
        env[name].retain_grad()
    out = env[c.program.output]
    if out.requires_grad:
        out.backward(torch.ones_like(out))
    grads = {n: None if env[n].grad is None else env[n].grad.numpy()
             for n in [*c.program.inputs, *c.retain]}
    return out.detach().numpy(), grads
