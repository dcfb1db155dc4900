"""JAX behind the interface (`fuzz --against jax`), in float64: each table row as jax.numpy computes it, and
gradients by `jax.vjp` over the program the engine recorded (JAX has no tape of its own).

jax is imported only when the engine is loaded.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
from typing import Callable

import numpy as np

from .. import ops
from .base import Capabilities, Engine, Unsupported, rows, spelling
from .jax_losses import losses

_NUMPY_NAMES = {"sub": "subtract", "neg": "negative", "clamp": "clip"}  # where the row's forward wraps NumPy's
_PARAMS = {"dim": "axis", "keepdim": "keepdims"}  # NumPy's names for PyTorch's parameters


def available() -> bool:
    return importlib.util.find_spec("jax") is not None


def _special(jax, jnp) -> dict[str, Callable]:
    """Front ops whose JAX function has another name or other parameters than the row's (called in the front op's
    argument order, with the row's own parameter names)."""
    from jax import nn, scipy

    def deviation(fn):
        def call(x, dim=None, correction=None, unbiased=None, keepdim=False):
            ddof = correction if correction is not None else (1 if unbiased is None or unbiased else 0)
            return fn(x, axis=dim, ddof=ddof, keepdims=bool(keepdim))

        return call

    def norm(x, p=2, dim=None, keepdim=False):
        a = jnp.abs(x)
        if p == float("inf"):
            return jnp.max(a, axis=dim, keepdims=bool(keepdim))
        return jnp.sum(a**p, axis=dim, keepdims=bool(keepdim)) ** (1 / p)

    return {
        "erf": scipy.special.erf,
        "erfc": scipy.special.erfc,
        "rsqrt": jax.lax.rsqrt,
        "frac": lambda x: x - jnp.trunc(x),
        "logsumexp": lambda x, dim=None, keepdim=False: scipy.special.logsumexp(x, axis=dim, keepdims=bool(keepdim)),
        "amax": lambda x, dim=None, keepdim=False: jnp.max(x, axis=dim, keepdims=bool(keepdim)),
        "amin": lambda x, dim=None, keepdim=False: jnp.min(x, axis=dim, keepdims=bool(keepdim)),
        "var": deviation(jnp.var),
        "std": deviation(jnp.std),
        "norm": norm,
        "softmax": lambda x, dim: nn.softmax(x, axis=dim),
        "log_softmax": lambda x, dim: nn.log_softmax(x, axis=dim),
        "logsigmoid": nn.log_sigmoid,
        "hardtanh": lambda x, min_val=-1.0, max_val=1.0: jnp.clip(x, min_val, max_val),
        "leaky_relu": lambda x, negative_slope=0.01: nn.leaky_relu(x, negative_slope),
        "elu": lambda x, alpha=1.0: nn.elu(x, alpha),
        "celu": lambda x, alpha=1.0: nn.celu(x, alpha),
        "gelu": lambda x, approximate="none": nn.gelu(x, approximate=approximate == "tanh"),
        "mish": lambda x: x * jnp.tanh(nn.softplus(x)),
        "hardsigmoid": nn.hard_sigmoid,
        "hardswish": nn.hard_swish,
        # selu's internal row, which its `via` composes: elu with a scale, as PyTorch builds it
        "elu_scaled": lambda x, alpha, scale, input_scale: (
            scale * jnp.where(x > 0, x, alpha * jnp.expm1(x * input_scale))
        ),
    }


@functools.cache
def functions() -> dict[str, Callable]:
    """Every row users reach that JAX computes (row name -> a function of the row's arguments and parameters): a loss
    as engines/jax_losses.py spells it, the front op the row overloads (`rpow(x, c)` is pow(c, x)), from `_special`, else by the name of the NumPy function
    its row computes with (`asin` is np.arcsin, so jnp.arcsin), else by its own name in jax.numpy or jax.nn. A `via`
    row is composed. A row JAX has nothing for is left out: a case using it is not supported by this engine."""
    import jax
    import jax.numpy as jnp
    from jax import nn

    special, spelled, table = _special(jax, jnp), losses(jax, jnp), {}
    for op in ops.OPS.values():
        if op.name in spelled:  # the losses, `via` rows among them: spelled whole (engines/jax_losses.py)
            table[op.name] = spelled[op.name]
            continue
        if op.via is not None:
            continue
        if op.internal:  # no front op: only by its own name, with its arguments in the row's order
            if op.name in special:
                table[op.name] = special[op.name]
            continue
        front, order = spelling(op.name)
        forward = getattr(ops.OPS.get(front), "forward", None)
        numpy_name = getattr(forward, "__name__", "")
        if front in special:
            table[op.name] = _ordered(special[front], order)
            continue
        if forward is not None and getattr(np, numpy_name, None) is forward:
            function = getattr(jnp, numpy_name)
        elif _by_name(op):
            function = getattr(jnp, _NUMPY_NAMES.get(front, front), None) or getattr(nn, front, None)
        else:  # jnp's namesake means something else (transpose's axes, split's sections, max's over a dim)
            function = None
        if function is not None:
            table[op.name] = _numpy_call(function, order)
    return table


def _by_name(op: ops.Op) -> bool:
    """A row whose jax.numpy namesake computes it: elementwise, or one tensor out with NumPy's dim/keepdim only."""
    return op.elementwise or (not op.variadic and op.outputs == 1 and set(op.params) <= {"dim", "keepdim"})


def _ordered(function: Callable, order: tuple[int, ...]) -> Callable:
    """`function` called with the front op's argument order."""

    def call(*args, **params):
        front = [None] * len(args)
        for arg, position in zip(args, order):
            front[position] = arg
        return function(*front, **params)

    return call


def _numpy_call(function: Callable, order: tuple[int, ...]) -> Callable:
    """`function` called with the front op's argument order and NumPy's parameter names."""

    def call(*args, **params):
        numpy_params = {_PARAMS.get(k, k): bool(v) if k == "keepdim" else v for k, v in params.items()}
        return _ordered(function, order)(*args, **numpy_params)

    return call


class _Tensor:
    """A value and how it was made: the engine's record of the program, replayed under jax.vjp by backward."""

    __slots__ = ("value", "op", "args", "params", "requires_grad", "serial", "retained", "grad")
    _serials = itertools.count()

    def __init__(self, value, op, args: tuple, params: dict, requires_grad: bool):
        self.value, self.op, self.args, self.params, self.requires_grad = value, op, args, params, requires_grad
        self.serial, self.retained, self.grad = next(self._serials), False, None


class JaxEngine(Engine):
    name, label = "jax", "JAX"
    errors = (TypeError, ValueError, RuntimeError)  # what JAX raises for a program it refuses: a difference
    own_conventions = True  # JAX's rules at kinks are not PyTorch's (abs'(0) = 1, clip's bound gets 1/2)

    def __init__(self):
        import jax

        jax.config.update("jax_enable_x64", True)  # the engine and PyTorch's comparison run in float64
        import jax.numpy as jnp

        self.jax, self.jnp = jax, jnp
        self.composed = rows(self)
        self.capabilities = Capabilities(
            dtypes=frozenset({"float32", "float64"}),
            retain_grad=True,
            # a `via` row with parameters composes the library's functions (losses): not these row functions
            ops=frozenset(functions()) | {op.name for op in ops.OPS.values() if op.via is not None and not op.params},
        )

    def leaf(self, data, dtype, requires_grad):
        return _Tensor(self.jnp.asarray(data, dtype=dtype), None, (), {}, requires_grad)

    def apply(self, op, args, params):
        if op.via is not None and op.name not in functions():
            return op.via(self.composed, *args, **params)
        if op.name not in functions():  # a row a `via` row composes, which JAX has nothing for
            raise Unsupported(self.name, f"'{op.name}'")
        params = {k: v.value if isinstance(v, _Tensor) else v for k, v in params.items()}  # a loss's weight
        value = functions()[op.name](*(a.value if isinstance(a, _Tensor) else a for a in args), **params)
        requires = bool(op.grad_fn) and any(isinstance(a, _Tensor) and a.requires_grad for a in args)
        return _Tensor(value, op, tuple(args), dict(params), requires)

    def value(self, t):
        return np.asarray(t.value)

    def requires_grad(self, t) -> bool:
        return t.requires_grad

    def is_leaf(self, t) -> bool:
        return t.op is None or not t.requires_grad

    def retain_grad(self, t) -> None:
        t.retained = t.op is not None

    def grad(self, t):
        return None if t.grad is None else np.asarray(t.grad)

    def text(self, t) -> str:
        return repr(t.value)  # JAX's own: Array(0.5, dtype=float64)

    def backward(self, out, gradient) -> None:
        """jax.vjp of the recorded program as a function of its leaves requiring grad (and of a zero added to each
        retained tensor: the gradient with respect to it is that tensor's `.grad`), accumulated into `.grad`."""
        tape = _requiring(out)
        leaves = [t for t in tape if t.op is None]
        probed = [t for t in tape if t.retained]

        def forward(leaf_values, probes):
            values = dict(zip(map(id, leaves), leaf_values))
            added = dict(zip(map(id, probed), probes))
            for t in tape:
                if t.op is not None:
                    args = [values.get(id(a), a.value) if isinstance(a, _Tensor) else a for a in t.args]
                    values[id(t)] = functions()[t.op.name](*args, **t.params) + added.get(id(t), 0.0)
            return values[id(out)]

        _, pullback = self.jax.vjp(forward, [t.value for t in leaves], [self.jnp.zeros_like(t.value) for t in probed])
        seed = self.jnp.ones_like(out.value) if gradient is None else self.jnp.asarray(gradient)
        leaf_grads, probe_grads = pullback(seed)
        for t, g in zip(leaves + probed, list(leaf_grads) + list(probe_grads)):
            t.grad = g if t.grad is None else t.grad + g


def _requiring(out: _Tensor) -> list[_Tensor]:
    """The tensors requiring grad that `out` depends on, `out` included, in the order they were made: the part of
    the program backward differentiates (PyTorch leaves `.grad` None on the rest)."""
    found, stack = {}, [out]
    while stack:
        t = stack.pop()
        if id(t) in found or not t.requires_grad:
            continue
        found[id(t)] = t
        stack.extend(a for a in t.args if isinstance(a, _Tensor))
    return sorted(found.values(), key=lambda t: t.serial)


_ENGINE: list[JaxEngine] = []  # built once per process, on first use


def load() -> JaxEngine:
    if not _ENGINE:
        _ENGINE.append(JaxEngine())
    return _ENGINE[0]
