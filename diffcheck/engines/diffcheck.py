"""diffcheck's own engine behind the interface: the one place check reaches it, through its PyTorch-like surface."""

from __future__ import annotations

import types
from typing import Optional

import numpy as np

from .. import engine
from ..engine.printing import tensor_repr
from .base import Capabilities, Engine


class DiffcheckEngine(Engine):
    fork_safe = True  # NumPy and Python only
    name = label = "diffcheck"
    capabilities = Capabilities(
        dtypes=frozenset({"float32", "float64"}), retain_grad=True, second_order=True, grad_fn=True, next_functions=True
    )
    # shapes that do not broadcast or multiply: PyTorch's refusal (TorchShapeError, a RuntimeError, and its words for
    # cat's sizes, view's shape), or NumPy's where it has none
    program_errors = (ValueError, IndexError, RuntimeError)
    refusals = (TypeError,)  # the rows raise PyTorch's errors where PyTorch refuses (RuntimeError's: above)

    def __init__(self):
        self._dtypes = {
            "float32": engine.float32,
            "float64": engine.float64,
            "int64": engine.int64,
            "bool": engine.bool_,
        }
        self._functions = types.SimpleNamespace(**engine.FUNCTIONS)  # what a `via` row composes

    def leaf(self, data, dtype, requires_grad):
        return engine.tensor(data, dtype=self._dtypes[dtype], requires_grad=requires_grad)

    def apply(self, op, args, params):
        if op.via is not None:  # PyTorch builds this op from others (`c / x` is reciprocal(x) * c), and so do we
            return op.via(self._functions, *args, **params)
        return engine.apply(op, tuple(args), params)

    def value(self, t):
        return t.data

    def getitem(self, t, key):
        return t[key]

    def setitem(self, t, key, value):
        return engine.indexing.assigned(t, key, value)

    def requires_grad(self, t) -> bool:
        return t.requires_grad

    def is_leaf(self, t) -> bool:
        return t.is_leaf

    def backward(self, out, gradient) -> None:
        out.backward(None if gradient is None else engine.tensor(gradient, dtype=out.dtype))

    def grad(self, t) -> Optional[np.ndarray]:
        if not (t.is_leaf or t.retains_grad):  # PyTorch's None, without its warning about reading it
            return None
        g = t.grad
        return None if g is None else g.data

    def retain_grad(self, t) -> None:
        t.retain_grad()

    def gradients(self, out, inputs, grad_output, create_graph):
        seed = None if grad_output is None else engine.tensor(grad_output, dtype=out.dtype)
        return list(
            engine.autograd.grad(
                out,
                list(inputs),
                grad_outputs=seed,
                retain_graph=True,
                create_graph=create_graph,
                allow_unused=True,
                materialize_grads=True,
            )
        )

    def grad_fn_name(self, t) -> Optional[str]:
        return None if t.grad_fn is None else t.grad_fn.name()

    def next_functions(self, t) -> tuple:
        node = t.grad_fn
        return () if node is None else tuple(None if fn is None else fn.name() for fn, _ in node.next_functions)

    def text(self, t) -> str:
        return tensor_repr(t, default_dtype=t.dtype)  # check computes in float64 and prints it without `dtype=`


ENGINE = DiffcheckEngine()


def available() -> bool:
    return True


def load() -> DiffcheckEngine:
    return ENGINE
