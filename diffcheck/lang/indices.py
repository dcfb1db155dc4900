"""Which of a program's inputs are integer index tensors, bool masks or weights: the `index_args` / `mask_args` and
tensor parameters of the rows they are given to (`F.cross_entropy(z, target)`, `gather(x, 1, index)`,
`masked_fill(x, m, 0)`, `F.binary_cross_entropy(p, t, weight=w)`).

Such an input is an int64 (bool) tensor that does not require grad, and a concrete array on the SymPy side. Which
overload a call reaches can hang on ranks (cross_entropy's class or probability targets), so the program runs once
forward on NumPy with the given values; a program that fails there is left to the real run to report.
"""

from __future__ import annotations

import ast
from typing import Any, Callable, Mapping

import numpy as np

from .. import ops
from ..errors import DiffcheckError, ParseError
from .lower import answer_of, number_params, numbers_alone, run
from .program import Apply, Pos, Program, Var, walk


def uses_indices(program: Program) -> bool:
    """The program calls an op one of whose rows takes an index or a mask (cheap: no run; and the last program's
    answer is kept, as each lowering of a case asks)."""
    global _LAST
    rows, last = _rows_taking_indices(), _LAST  # read once: another thread may replace it
    if last[0] is program and last[1] is rows:
        return last[2]
    used = any(
        isinstance(node, Apply) and (node.op in rows or _keyed_by_input(node))
        for s in program.statements
        for node in walk(s.value)
    )
    _LAST = (program, rows, used)
    return used


_LAST: tuple = (None, None, False)  # (program, the rows it was asked about, its answer)
_SUBSCRIPTS = {"getitem": 1, "setitem": 2}  # the subscript ops, and where their key's tensors start among the args


def _keyed_by_input(node: Apply) -> bool:
    """A subscript whose key holds an input (`C[X]`: an embedding lookup)."""
    return node.op in _SUBSCRIPTS and any(isinstance(a, Var) for a in node.args[_SUBSCRIPTS[node.op] :])


def _rows_taking_indices() -> set[str]:
    """The fronts one of whose rows takes an index, a mask or a tensor parameter: worked out once, and again after
    the table changes (every case asks)."""
    if _TAKING:
        return _TAKING[0]
    fronts = set()
    for name, sig in ops.FRONTS.items():
        candidates = [sig.row, *(row for _, row in sig.by_rank)]
        if any(ops.OPS[r].index_args or ops.OPS[r].mask_args for r in candidates if r in ops.OPS) or any(
            ops.kind_of(p) == "tensor" for p in sig.params
        ):
            fronts.add(name)
    _TAKING.append(fronts)
    return fronts


_TAKING: list = []
ops.subscribe(_TAKING.clear)


def index_inputs(program: Program, values: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """name -> its int64 (index), bool (mask) or float64 (weight) array, for each input a call takes as one.

    Raises DiffcheckError, at the place of the use, for an index that is not integers, a mask that is not 0 and 1,
    or an input that is both an index and a differentiable argument."""
    if not uses_indices(program) or any(name not in values for name in program.inputs):
        return {}
    found: dict[str, np.ndarray] = {}
    plain: dict[str, tuple[str, Pos]] = {}  # input -> (op, place) of a use as an ordinary argument
    marked: dict[str, tuple[str, Pos]] = {}

    def call(node: Apply, args: list, params: dict):
        if node.op in _SUBSCRIPTS:
            for i, expr in enumerate(node.args):  # an input of integers (bools) in the key: an index (a mask)
                if not (isinstance(expr, Var) and expr.name in values):
                    continue
                kind = np.asarray(values[expr.name]).dtype.kind
                if i >= _SUBSCRIPTS[node.op] and kind in ("b", "i", "u"):
                    found[expr.name] = args[i] = _concrete(expr, values[expr.name], kind == "b", "subscript")
                    marked.setdefault(expr.name, ("subscript", expr.pos))
                else:
                    plain.setdefault(expr.name, ("subscript", expr.pos))
            return _subscript(node, args, params["key"])
        params, args = number_params(node, params, _is_number), literal_indices(args)
        if all(_is_number(a) for a in args):
            return numbers_alone(ops.resolve(node.op, tuple(args), params, _ndim, node.function))
        op, resolved, params = ops.resolve(node.op, tuple(args), params, _ndim, node.function)
        args = list(resolved)
        for i, expr in enumerate(node.args):
            if not (isinstance(expr, Var) and expr.name in values):
                continue
            if i in op.index_args or i in op.mask_args:
                found[expr.name] = args[i] = _concrete(expr, values[expr.name], i in op.mask_args, node.op)
                marked.setdefault(expr.name, (node.op, expr.pos))
            else:
                plain.setdefault(expr.name, (node.op, expr.pos))
        for name, expr in node.params:  # a loss's weight: a float tensor without grad, concrete on the SymPy side
            if ops.kind_of(_param(op, name)) == "tensor" and isinstance(expr, Var) and expr.name in values:
                found[expr.name] = np.asarray(values[expr.name], dtype=np.float64)
                marked.setdefault(expr.name, (node.op, expr.pos))
        with np.errstate(all="ignore"):
            return op.forward(*args, **params)

    env = {name: np.asarray(values[name], dtype=np.float64) for name in program.inputs}
    try:
        run(program, env, call)
    except DiffcheckError:
        raise
    except Exception:  # noqa: BLE001 - the program's own trouble: the real run reports it, in PyTorch's words
        pass
    for name, (op, pos) in plain.items():
        if name in marked:
            raise DiffcheckError(
                f"'{name}' is {_role(found[name])} of '{marked[name][0]}' (at {marked[name][1]}): it cannot "
                f"also be a differentiable argument of '{op}'",
                pos,
            )
    return found


def _subscript(node: Apply, args: list, spec: tuple):
    """`x[key]` on NumPy, by the engine's steps (what later calls' ranks need); an assignment keeps x's shape."""
    from ..ops.subscripts import key_of, plan, positions

    if isinstance(args[0], tuple):  # split(x, 2)[1], max(x, 0)[0]
        return answer_of(node, args[0], spec)
    if node.op == "setitem":
        return args[0]
    x = np.asarray(args[0])
    steps, advanced = plan(x.shape, key_of(spec, [np.asarray(t) for t in args[1:]]), whole=not spec[0])
    return x[positions(x.shape, steps, advanced)]


def subscript(node: Apply, args: list, spec: tuple, sp, decided: Callable):
    """`x[key]` on an object array of symbols (SymPy's, or symengine's through its shim `sp`), by the steps the engine
    takes (ops.subscripts.plan), so both refuse alike; a traced `x[key] = value` (setitem) writes the value's symbols
    in. `decided(tensor)` gives a tensor of the key as NumPy: a mask that depends on the inputs is decided at the
    point, as the answer's shape depends on it."""
    from ..ops.subscripts import TorchValueError, key_of, on_symbols, plan, positions

    fixed = 2 if node.op == "setitem" else 1
    if isinstance(args[0], tuple):
        return answer_of(node, args[0], spec)
    if _is_number(args[0]):
        raise DiffcheckError(f"'{type(args[0]).__name__}' object is not subscriptable", node.pos)
    x = np.asarray(args[0], dtype=object)
    key = key_of(spec, [decided(t) for t in args[fixed:]])
    try:
        if node.op == "setitem":
            steps, advanced = plan(x.shape, key, whole=not spec[0])
            answer = ops.OPS["subscript_copy"].sym(sp, x, args[1], positions(x.shape, steps, advanced))
        else:
            answer = on_symbols(sp, x, key, whole=not spec[0])
    except (ops.TorchIndexError, TorchValueError, RuntimeError) as error:
        raise DiffcheckError(f"subscript: {error}", node.pos) from None
    return np.asarray(answer, dtype=object)[()] if np.ndim(answer) == 0 else answer  # `b[...] = 4` of a 0-d b: 4


UNDECIDED = (
    "subscript: a mask that depends on the inputs is not supported by check (the answer's shape would depend on the "
    "point); use where(mask, x, 0)"
)


def literal_indices(args: list) -> list:
    """The program's integer list literals (nested tuples of ints, as the parser makes them) as int64 arrays; a
    tuple of tensors (split's pieces, a list argument of cat) stays as it is."""
    return [np.asarray(a, dtype=np.int64) if _int_tuple(a) else a for a in args]


def _int_tuple(value) -> bool:
    if type(value) is not tuple:
        return False
    while type(value) is tuple and value:
        value = value[0]
    return type(value) is int


def _role(array: np.ndarray) -> str:
    return {"b": "a bool mask", "f": "a weight"}.get(array.dtype.kind, "an index tensor")


def _param(op, name: str):
    """The resolved row's own parameter (its kind): linear's bias is an argument of linear_bias, not a weight."""
    return next((p for p in op.params if p == name), str(name))


def _concrete(var: Var, value, mask: bool, op: str) -> np.ndarray:
    """The input's values as an index (int64) or a mask (bool); refused if they are not integers or 0 and 1."""
    array = np.asarray(value, dtype=np.float64)
    if mask:
        bad = array[(array != 0) & (array != 1)]
        if bad.size:
            raise DiffcheckError(
                f"'{var.name}' is a mask of '{op}': its values must be 0 or 1 (False or True), not {float(bad[0])!r}",
                var.pos,
            )
        return array.astype(np.bool_)
    bad = array[~np.isfinite(array) | (array != np.round(array))]
    if bad.size:
        raise DiffcheckError(
            f"'{var.name}' is an index tensor of '{op}': its values must be integers, not {float(bad[0])!r}", var.pos
        )
    return array.astype(np.int64)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _ndim(value):
    return None if _is_number(value) else np.ndim(value)


def index_literal(node: ast.AST, pos: Callable[[ast.AST], Pos], depth: int = 0):
    """An index list literal as nested tuples of ints: rectangular, up to 3 levels, integers (a leading minus too)."""
    if isinstance(node, ast.List):
        if depth == 3 or not node.elts:
            raise ParseError("an index list is non-empty and nests at most 3 levels", pos(node))
        items = tuple(index_literal(element, pos, depth + 1) for element in node.elts)
        if len({len(item) if type(item) is tuple else -1 for item in items}) > 1:
            raise ParseError("ragged index list", pos(node))
        return items
    sign, number = 1, node
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, number = -1, node.operand
    if isinstance(number, ast.Constant) and type(number.value) is int and abs(number.value) < 2**63:
        return sign * number.value
    raise ParseError("an index list takes integers only", pos(node))
