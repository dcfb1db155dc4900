"""`diffcheck fuzz --against jax`: generated programs run on an installed JAX (imported only when asked for), in
float64, gradients by `jax.vjp`."""
from __future__ import annotations

import importlib.util
import operator

from . import INFIX, Candidate, _requires
from ..lang.lower import fold
from ..lang.program import Apply, Var

ERRORS = (TypeError, ValueError, RuntimeError)  # what JAX raises for a program it refuses: reported as a difference
CONVENTIONS = True  # JAX's rules at kinks are not PyTorch's (abs'(0) = 1, clip's bound gets 1/2): labelled, not found
_OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
              "pow": operator.pow, "matmul": operator.matmul, "gt": operator.gt, "ge": operator.ge,
              "lt": operator.lt, "le": operator.le}


def available() -> bool:
    return importlib.util.find_spec("jax") is not None


def load() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)  # the engine and PyTorch's comparison run in float64


def functions() -> dict:
    """Every front op of the table that is not an operator, spelled in jax.numpy / jax.nn."""
    import jax.numpy as jnp
    from jax import nn

    def reduce(f):
        return lambda x, dim=None, keepdim=False: f(x, axis=dim, keepdims=bool(keepdim))

    return {"neg": operator.neg, "reciprocal": jnp.reciprocal, "exp": jnp.exp, "log": jnp.log, "sin": jnp.sin,
            "cos": jnp.cos, "tan": jnp.tan, "tanh": jnp.tanh, "sigmoid": nn.sigmoid, "relu": nn.relu, "abs": jnp.abs,
            "sqrt": jnp.sqrt, "log1p": jnp.log1p, "expm1": jnp.expm1, "sinh": jnp.sinh, "cosh": jnp.cosh,
            "asin": jnp.arcsin, "acos": jnp.arccos, "atan": jnp.arctan, "softplus": nn.softplus,
            "square": jnp.square, "maximum": jnp.maximum, "minimum": jnp.minimum,
            "clamp": lambda x, min=None, max=None: jnp.clip(x, min, max), "where": jnp.where,
            "sum": reduce(jnp.sum), "mean": reduce(jnp.mean)}


def _reaches(c: Candidate, name: str) -> bool:
    """Whether the output depends differentiably on `name`: PyTorch leaves `.grad` None otherwise, JAX gives zeros."""
    requiring = {name}
    for s in c.program.statements:
        if _requires(s.value, requiring):
            requiring.add(s.name)
    return c.program.output in requiring


def run(c: Candidate):
    """The output's value and the gradient of every input and retained intermediate, None where PyTorch's `.grad`
    would be None (no_grad, or no differentiable path to the output)."""
    import jax
    import jax.numpy as jnp

    load()
    table = functions()

    def call(node: Apply, args: list, params: dict):
        return (_OPERATORS[node.op] if node.op in INFIX else table[node.op])(*args, **params)

    alias = {s.name: s.value.name for s in c.program.statements if isinstance(s.value, Var)}

    def target(name: str) -> str:  # `t1 = x` is x itself in PyTorch: retaining t1 retains x
        while name in alias:
            name = alias[name]
        return name

    points = {n: jnp.asarray(c.values[n], dtype=jnp.float64) for n in c.program.inputs}
    wanted = [n for n in c.program.inputs if n not in c.no_grad and _reaches(c, n)]
    probed = {target(n) for n in c.retain if target(n) not in points and _reaches(c, target(n))}

    def forward(diff: dict):
        # A retained intermediate gets a zero probe added: the gradient with respect to the probe is its `.grad`.
        env = {**points, **{n: diff[n] for n in wanted}}
        for s in c.program.statements:
            env[s.name] = fold(s.value, env, call)
            if s.name in probed:
                env[s.name] = env[s.name] + diff[s.name]
        return env[c.program.output]

    plain = dict(points)
    for s in c.program.statements:  # a first pass, for the probes' shapes
        plain[s.name] = fold(s.value, plain, call)
    primal = {**{n: points[n] for n in wanted}, **{n: jnp.zeros_like(plain[n]) for n in probed}}
    if not primal:
        return jnp.asarray(forward({})), {}
    out, pullback = jax.vjp(forward, primal)
    (grads,) = pullback(jnp.ones_like(out))
    return out, {**grads, **{n: grads.get(target(n)) for n in c.retain}}
