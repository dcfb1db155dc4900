"""Program → values: one iterative fold over the program tree, used for both the engine and SymPy lowerings."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..errors import DiffcheckError
from .program import Apply, Const, Expr, Program, Var


def fold(expr: Expr, env: Mapping[str, Any], call: Callable[[Apply, list, dict], Any]) -> Any:
    """Evaluate `expr` bottom-up without recursion: constants stay Python numbers, names come from `env`. (Every
    lowering of every case runs this: the node types are told apart by `type`, and a call's values taken off the
    end of `results` in one slice.)"""
    results: list[Any] = []
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    push, pop = stack.append, stack.pop
    while stack:
        node, children_done = pop()
        kind = type(node)
        if kind is Var:
            results.append(env[node.name])
        elif kind is Const:
            # An integer beyond 64 bits cannot enter NumPy; it is the float PyTorch would make of it.
            value = node.value
            results.append(float(value) if type(value) is int and abs(value) >= 2**63 else value)
        elif children_done:
            count, named = len(node.args), node.params
            start = len(results) - count - len(named)
            values = results[start:]
            del results[start:]
            params = {name: value for (name, _), value in zip(named, values[count:])} if named else {}
            results.append(call(node, values[:count] if named else values, params))
        else:
            push((node, True))
            for child in reversed((*node.args, *(v for _, v in node.params)) if node.params else node.args):
                push((child, False))
    return results[0]


def run(
    program: Program, inputs: Mapping[str, Any], call: Callable[[Apply, list, dict], Any], hold: Mapping[str, Any] = {}
) -> dict[str, Any]:
    """Every statement's value in order; a name in `hold` takes the held value (a fresh symbol) instead of its own."""
    env = dict(inputs)
    for statement in program.statements:
        env[statement.name] = hold.get(statement.name) if statement.name in hold else fold(statement.value, env, call)
    return env


def numbers_alone(resolved: tuple) -> Any:
    """An op of Python numbers alone, as both lowerings compute it, from its (row, arguments, parameters) as
    ops.resolve gives them: in float64, with IEEE's answers (2 ** -1 is 0.5 and reciprocal(0) inf, not Python's
    errors), and a number again, so the ops it feeds take it as one (`x ** (2 - 3)` is PowBackward0)."""
    import numpy as np

    op, args, params = resolved
    with np.errstate(all="ignore"):
        return np.asarray(op.forward(*(np.float64(a) for a in args), **params)).item()


def number_params(node: Apply, params: dict, is_number: Callable[[Any], bool]) -> dict:
    """Op parameters (dim, min, max ...) must be plain numbers; `dim` and `keepdim` integers; a choice (gelu's
    approximate) one of its strings, which the parser checked; a tensor parameter (a loss's weight) a tensor."""
    if not params:  # most calls (every lowering of every call runs this)
        return {}
    from ..ops import FRONTS, kind_of

    front = FRONTS.get(node.op)
    kinds = {p: kind_of(p) for p in front.params} if front is not None else {}
    choices = {p for p in front.params if kind_of(p) == "choice" or getattr(p, "choices", ())} if front else set()
    if front is not None and front.pair_op and "dim" in params and not is_number(params["dim"]):
        return params  # max(x, y): a tensor where the dim goes is maximum's second argument (ops.resolve)
    tuples = {p for p in front.params if kind_of(p) == "dims"} if front else set()
    for name, value in params.items():
        if name in choices and type(value) is str:
            continue
        if name in tuples and type(value) is tuple:
            continue
        if kinds.get(name) in ("shape", "sections") and type(value) in (tuple, list):  # sizes: integers
            if not all(type(n) is int for n in value):
                raise DiffcheckError(f"parameter '{name}' of '{node.op}' must be integers", node.pos)
            continue
        if front.tensor_params and not is_number(value):  # clamp's bounds as tensors: the clamp_tensor row
            continue
        if kinds.get(name) == "tensor":  # linear's bias, a loss's weight: a tensor, never a number
            if is_number(value):
                raise DiffcheckError(f"parameter '{name}' of '{node.op}' must be a tensor", node.pos)
            continue
        if not is_number(value):
            raise DiffcheckError(f"parameter '{name}' of '{node.op}' must be a number", node.pos)
        if _integer(name, kinds) and (isinstance(value, float) and not value.is_integer() or value != int(value)):
            raise DiffcheckError(f"parameter '{name}' of '{node.op}' must be an integer", node.pos)
    return {
        name: tuple(value) if type(value) in (tuple, list) else int(value) if _integer(name, kinds) else value
        for name, value in params.items()
    }


def _integer(name: str, kinds: dict) -> bool:
    return name in ("dim", "keepdim") or kinds.get(name) in ("int", "sections")


def tuple_arguments(node: Apply, args: list, variadic: bool) -> None:
    """A tuple of tensors (split's, chunk's, unbind's pieces) is only a list argument (`cat(split(x, 2))`), and
    max/min's (values, indices) over a dim no argument at all: refuse either elsewhere in one line."""
    for expr, arg in zip(node.args, args):
        if not isinstance(arg, tuple):
            continue
        if getattr(expr, "op", None) in ("max", "min"):
            raise DiffcheckError(
                f"'{node.op}' takes a tensor, not the (values, indices) of max/min over a dim: take [0]", node.pos
            )
        if not variadic:
            raise DiffcheckError(f"'{node.op}' takes tensors, not a tuple of tensors (cat or stack them)", node.pos)


def answer_of(node, answers: tuple, spec: tuple):
    """One of several answers: `split(x, 2)[1]` any piece; `max(x, dim)[0]` the values only (the indices, [1], are
    int64: no value check differentiates)."""
    written, items = spec
    if written or type(items[0]) is not int or not -len(answers) <= items[0] < len(answers):
        from ..ops.subscripts import shown

        raise DiffcheckError(f"a tuple of {len(answers)} tensors: take an integer index, not {shown(spec)}", node.pos)
    if getattr(node.args[0], "op", None) in ("max", "min") and items[0] % len(answers):
        raise DiffcheckError("the indices of max/min over a dim are int64: check takes the values ([0])", node.pos)
    return answers[items[0]]
