"""micrograd (Karpathy's scalar autograd, `pip install micrograd`) behind the interface: scalar programs of
`+ - * /`, `**` with a number exponent, `relu`, and the one loss a scalar `Value` can compute, `mse_loss` of two
scalars ((x - y)**2 whatever the reduction: the mean and the sum of one element are itself). Every other op, and any
tensor that is not a scalar, is reported per case as not supported by engine 'micrograd'.

The other losses cannot be: micrograd's `Value` has no log, exp or abs (binary_cross_entropy(_with_logits),
smooth_l1/huber/l1_loss's |x - y| and its sign(0) = 0), and nll_loss and cross_entropy need a class dimension, a
tensor micrograd does not have.

micrograd has no `requires_grad` and no notion of a `.grad` that is None: the adapter keeps both beside each `Value`,
so reports read as PyTorch's do. micrograd is imported only when the engine is loaded.
"""

from __future__ import annotations

import importlib.util
from typing import Optional

import numpy as np

from .base import Capabilities, Engine, Unsupported, rows

OPS = frozenset({"add", "sub", "rsub", "mul", "div", "rdiv", "neg", "reciprocal", "pow", "relu", "mse_loss"})


def available() -> bool:
    return importlib.util.find_spec("micrograd") is not None


class MicrogradEngine(Engine):
    fork_safe = True  # pure Python
    name = label = "micrograd"
    capabilities = Capabilities(ops=OPS)

    def __init__(self):
        from micrograd.engine import Value

        self.Value = Value
        self.composed = rows(self)  # `2 / x` is reciprocal(x) * 2, as PyTorch builds it

    def _value(self, x, wants: bool = False):
        v = x if isinstance(x, self.Value) else self.Value(float(x))
        if not hasattr(v, "wants"):
            v.wants = wants
        return v

    def leaf(self, data, dtype, requires_grad):
        if np.ndim(data):
            raise Unsupported(self.name, f"a tensor of shape {tuple(np.shape(data))} (scalars only)")
        return self._value(float(data), requires_grad)

    def apply(self, op, args, params):
        if op.via is not None:
            return op.via(self.composed, *args, **params)
        if op.name == "pow" and not isinstance(args[1], (int, float)):
            raise Unsupported(self.name, "'pow' with a tensor exponent")
        a = self._value(args[0])
        b = args[1] if len(args) > 1 else None
        if op.name == "pow":
            out = a**b
        elif op.name == "relu":
            out = a.relu()
        elif op.name == "neg":
            out = -a
        elif op.name == "mse_loss":  # mse_kernel: diff * diff; backward 2 * diff * grad, as PyTorch's with n = 1
            diff = a - self._value(b)
            out = diff * diff
        elif op.name == "reciprocal":
            out = a**-1
        else:
            b = self._value(b)
            out = {
                "add": lambda: a + b,
                "sub": lambda: a - b,
                "rsub": lambda: b - a,  # the row's args are (x, c) for c - x
                "mul": lambda: a * b,
                "div": lambda: a / b,
            }[op.name]()
        out.wants = any(isinstance(x, self.Value) and x.wants for x in args)
        return out

    def value(self, t):
        return np.float64(t.data)

    def requires_grad(self, t) -> bool:
        return t.wants

    def is_leaf(self, t) -> bool:
        return not t._prev or not t.wants

    def backward(self, out, gradient) -> None:
        seen, stack = set(), [out]
        while stack:  # mark what backward reaches: PyTorch leaves `.grad` None on every other leaf
            v = stack.pop()
            if id(v) not in seen:
                seen.add(id(v))
                v.reached = True
                stack.extend(v._prev)
        out.backward()

    def grad(self, t) -> Optional[np.ndarray]:
        if not (t.wants and self.is_leaf(t) and getattr(t, "reached", False)):
            return None
        return np.float64(t.grad)

    def text(self, t) -> str:
        return repr(t)


_ENGINE: list[MicrogradEngine] = []


def load() -> MicrogradEngine:
    if not _ENGINE:
        _ENGINE.append(MicrogradEngine())
    return _ENGINE[0]
