"""JAX behind the interface (`fuzz --against jax`), in float64: each table row as jax.numpy computes it, and
gradients by `jax.vjp` over the program the engine recorded (JAX has no tape of its own).

jax is imported only when the engine is loaded.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
from typing import Callable, Optional

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


def _by_row(jnp) -> dict[str, Callable]:
    """Rows whose jax.numpy spelling takes other arguments than PyTorch's (shapes, pieces, indices, creation), called
    with the row's own arguments and parameters. A row of several answers gives a tuple (`max(x, 1)`: values, indices;
    `split`: the pieces), as PyTorch's does. Not linspace: jnp.linspace's float32 points are not PyTorch's (which
    counts the second half back from `end`), so its constants would differ before any gradient does."""

    def cuts(sizes: list) -> list:
        return list(itertools.accumulate(sizes))[:-1]

    def split(x, split_size_or_sections, dim=0):
        n = x.shape[dim]
        if isinstance(split_size_or_sections, (list, tuple)):
            sizes = list(split_size_or_sections)
        else:
            size = split_size_or_sections
            sizes = [min(size, n - start) for start in range(0, n, size)] if size else [n]
        return tuple(jnp.split(x, cuts(sizes), axis=dim))

    def chunk(x, chunks, dim=0):
        n = x.shape[dim]
        return split(x, max(-(-n // chunks), 1) if n else 1, dim)

    def expand(x, size):
        size = tuple(size)
        kept = (1,) * (len(size) - x.ndim) + x.shape  # new dims go in front, as in broadcasting
        return jnp.broadcast_to(x, tuple(k if s == -1 else s for s, k in zip(size, kept)))

    def flatten(x, start_dim=0, end_dim=-1):
        if x.ndim == 0:
            return x.reshape(1)
        start, end = start_dim % x.ndim, end_dim % x.ndim
        return x.reshape(x.shape[:start] + (-1,) + x.shape[end + 1 :])

    def vector_norm(x, ord=2, dim=None, keepdim=False):
        a = jnp.abs(x)
        axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
        if ord == float("inf"):
            return jnp.max(a, axis=axis, keepdims=bool(keepdim))
        if ord == float("-inf"):
            return jnp.min(a, axis=axis, keepdims=bool(keepdim))
        return jnp.sum(a**ord, axis=axis, keepdims=bool(keepdim)) ** (1 / ord)

    def normalize(x, p=2.0, dim=1, eps=1e-12):
        return x / jnp.maximum(vector_norm(x, p, dim, True), eps)

    def extreme(reduce, arg):
        def call(x, dim, keepdim=False):
            return reduce(x, axis=dim, keepdims=bool(keepdim)), arg(x, axis=dim, keepdims=bool(keepdim))

        return call

    def sort(x, dim=-1, descending=False):
        order = jnp.argsort(x, axis=dim, descending=bool(descending))
        return jnp.take_along_axis(x, order, axis=dim), order

    def dtype_of(dtype, *values):
        """`dtype=` as given (the engine's dtype: its NumPy type in `.np`), else PyTorch's default for the values:
        bool, int64 for integers, float32 (torch's default dtype) otherwise."""
        if dtype is not None:
            return jnp.dtype(getattr(dtype, "np", dtype))
        if values and all(isinstance(v, bool) for v in values):
            return jnp.bool_
        return jnp.int64 if values and all(isinstance(v, int) for v in values) else jnp.float32

    def arange(start=0, end=None, step=1, dtype=None):
        start, end = (0, start) if end is None else (start, end)
        return jnp.arange(start, end, step, dtype=dtype_of(dtype, start, end, step))

    def like(fill):
        def call(x, fill_value=fill, dtype=None):
            return jnp.full_like(x, fill_value, dtype=None if dtype is None else dtype_of(dtype))

        return call

    return {
        "t": lambda x: x.T,
        "transpose": lambda x, dim0, dim1: jnp.swapaxes(x, dim0, dim1),
        "permute": lambda x, dims: jnp.transpose(x, tuple(dims)),
        "view": lambda x, size: jnp.reshape(x, tuple(size)),
        "reshape": lambda x, shape: jnp.reshape(x, tuple(shape)),
        "flatten": flatten,
        "unsqueeze": lambda x, dim: jnp.expand_dims(x, dim),
        "expand": expand,
        "repeat": lambda x, repeats: jnp.tile(x, tuple(repeats)),
        "flip": lambda x, dims: jnp.flip(x, axis=tuple(dims)),
        "cat": lambda tensors, dim=0: jnp.concatenate(tensors, axis=dim),
        "stack": lambda tensors, dim=0: jnp.stack(tensors, axis=dim),
        "split": split,
        "split_list": split,
        "chunk": chunk,
        "unbind": lambda x, dim=0: tuple(jnp.moveaxis(x, dim, 0)),
        "max_dim": extreme(jnp.max, jnp.argmax),
        "min_dim": extreme(jnp.min, jnp.argmin),
        "sort": sort,
        "sort_stable": sort,
        "median": lambda x: jnp.quantile(jnp.ravel(x), 0.5, method="lower"),  # PyTorch's: the lower of two middles
        "vector_norm": vector_norm,
        "normalize": normalize,
        "bmm": jnp.matmul,
        "addmm": lambda c, a, b, beta=1, alpha=1: beta * c + alpha * (a @ b),
        "gather": lambda x, dim, index: jnp.take_along_axis(x, index, axis=dim),
        "index_select": lambda x, dim, index: jnp.take(x, index, axis=dim),
        "index_add": lambda x, dim, index, source, alpha=1: jnp.moveaxis(
            jnp.moveaxis(x, dim, 0).at[index].add(alpha * jnp.moveaxis(source, dim, 0)), 0, dim
        ),
        "masked_fill": lambda x, mask, value: jnp.where(mask, jnp.asarray(value, dtype=x.dtype), x),
        "zeros_like": like(0),
        "ones_like": like(1),
        "full_like": like(None),
        "arange": arange,
        "eye": lambda n, m=None, dtype=None: jnp.eye(n, m, dtype=dtype_of(dtype)),
        "full": lambda size, fill_value, dtype=None: jnp.full(
            tuple(size), fill_value, dtype=dtype_of(dtype, fill_value)
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

    special, spelled, by_row = _special(jax, jnp), losses(jax, jnp), _by_row(jnp)
    table = {name: function for name, function in by_row.items() if name in ops.OPS}
    for op in ops.OPS.values():
        if op.name in table:
            continue
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
    """A value and how it was made: the engine's record of the program, replayed under jax.vjp by backward. `make`
    computes the value from its arguments' values (None: a leaf)."""

    __slots__ = ("value", "make", "args", "params", "requires_grad", "serial", "retained", "grad")
    _serials = itertools.count()

    def __init__(self, value, make: Optional[Callable], args: tuple, params: dict, requires_grad: bool):
        self.value, self.make, self.args, self.params, self.requires_grad = value, make, args, params, requires_grad
        self.serial, self.retained, self.grad = next(self._serials), False, None

    @property
    def data(self):
        """The value, as the rows' compositions read a tensor's (`T`'s dims, `expand_as`'s shape)."""
        return self.value


def _handles(args) -> list:
    """The tensors among `args`, a list argument's (cat's) included."""
    return [h for a in args for h in (a if isinstance(a, (tuple, list)) else (a,)) if isinstance(h, _Tensor)]


def _values(args, values: Optional[dict] = None) -> list:
    """`args` with each tensor as its value (from `values`, by id, where the replay computed it anew)."""

    def value(a):
        if isinstance(a, _Tensor):
            return a.value if values is None else values.get(id(a), a.value)
        if isinstance(a, (tuple, list)):
            return type(a)(value(item) for item in a)
        return a

    return [value(a) for a in args]


def _piece(make: Callable, index: int) -> Callable:
    return lambda *args, **params: make(*args, **params)[index]


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
        make = functions()[op.name]
        value = make(*_values(args), **params)
        requires = bool(op.grad_fn) and any(t.requires_grad for t in _handles(args))
        if op.outputs == 1:
            return _Tensor(value, make, tuple(args), dict(params), requires)
        differentiable = op.output_differentiability or (True,) * len(value)  # max(x, 1)'s indices: no gradient
        return tuple(
            _Tensor(piece, _piece(make, i), tuple(args), dict(params), requires and differentiable[i])
            for i, piece in enumerate(value)
        )

    def getitem(self, t, key):
        return self._indexed(lambda x, *tensors: x[self._key(key, tensors)], t, key)

    def setitem(self, t, key, value):
        return self._indexed(
            lambda x, v, *tensors: x.at[self._key(key, tensors)].set(v), t, key, value, requires=_handles([value])
        )

    def _indexed(self, make: Callable, t, key, *more, requires=()):
        """A subscript, recorded as a function of the tensor (and the value written) and of the key's tensors."""
        tensors = tuple(k for k in (key if isinstance(key, tuple) else (key,)) if isinstance(k, _Tensor))
        args = (t, *more, *tensors)
        value = make(*_values(args))
        return _Tensor(value, make, args, {}, t.requires_grad or any(h.requires_grad for h in requires))

    def _key(self, key, tensors: tuple):
        """`key` with its tensors' values in their places (`tensors`, in order) and lists as arrays, as JAX indexes."""
        given = iter(tensors)

        def item(part):
            if isinstance(part, _Tensor):
                return next(given)
            return self.jnp.asarray(part) if isinstance(part, list) else part

        return tuple(item(p) for p in key) if isinstance(key, tuple) else item(key)

    def value(self, t):
        return np.asarray(t.value)

    def requires_grad(self, t) -> bool:
        return t.requires_grad

    def is_leaf(self, t) -> bool:
        return t.make is None or not t.requires_grad

    def retain_grad(self, t) -> None:
        t.retained = t.make is not None

    def grad(self, t):
        return None if t.grad is None else np.asarray(t.grad)

    def text(self, t) -> str:
        return repr(t.value)  # JAX's own: Array(0.5, dtype=float64)

    def backward(self, out, gradient) -> None:
        """jax.vjp of the recorded program as a function of its leaves requiring grad (and of a zero added to each
        retained tensor: the gradient with respect to it is that tensor's `.grad`), accumulated into `.grad`."""
        tape = _requiring(out)
        leaves = [t for t in tape if t.make is None]
        probed = [t for t in tape if t.retained]

        def forward(leaf_values, probes):
            values = dict(zip(map(id, leaves), leaf_values))
            added = dict(zip(map(id, probed), probes))
            for t in tape:
                if t.make is not None:
                    values[id(t)] = t.make(*_values(t.args, values), **t.params) + added.get(id(t), 0.0)
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
        stack.extend(_handles(t.args))
    return sorted(found.values(), key=lambda t: t.serial)


_ENGINE: list[JaxEngine] = []  # built once per process, on first use


def load() -> JaxEngine:
    if not _ENGINE:
        _ENGINE.append(JaxEngine())
    return _ENGINE[0]
