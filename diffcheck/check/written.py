"""The program's value as written, at mpmath's working precision, without SymPy: the symengine route's forward values
and the function its one-sided and central differences walk.

SymPy's side builds the program unevaluated and evaluates it node by node, so `x**2/x` is nan at 0. Here each op is
evaluated on its own arguments' values: its row's form on fresh symbols for its tensor arguments (a Python number in
place, exact as SymPy's lowering makes it), planned once per op, constants and shapes. No op sees another's form, so
nothing cancels across ops, as nothing does in SymPy's unevaluated tree.
"""

from __future__ import annotations

from typing import Mapping

import mpmath
import numpy as np

import symengine as se

from .. import ops
from ..errors import DiffcheckError
from ..lang.indices import UNDECIDED, subscript
from ..lang.lower import run
from . import forms


class Written:
    """`program` as written, a function of its inputs' flat values (then the `held` names' flat values, which
    stand for those statements instead of their own); `indices`, the index and mask inputs, are constants."""

    def __init__(self, program, shapes: Mapping, held: Mapping = {}, indices: Mapping = {}):
        self.program, self.held, self.indices = program, dict(held), dict(indices)
        self.layout = [(n, shapes[n]) for n in program.inputs if n not in self.indices] + list(self.held.items())

    def env(self, values: list) -> dict:
        """Every statement's value (object arrays of mpmath numbers, or Python numbers) at the flat `values`."""
        named, start = {}, 0
        for name, shape in self.layout:
            size = int(np.prod(shape, dtype=int))
            part = [_number(v) for v in values[start : start + size]]
            named[name] = part[0] if shape == () else _array(part, shape)
            start += size
        inputs = {n: self.indices[n] if n in self.indices else named[n] for n in self.program.inputs}
        return run(self.program, inputs, self._call, {n: named[n] for n in self.held})

    def output(self, *values) -> list:
        return forms.flat(self.env(list(values))[self.program.output])

    def target(self, *values):
        """The scalar backward differentiates (the sum of a tensor output), for difference quotients."""
        elements = self.output(*values)
        result = elements[0]
        for element in elements[1:]:
            result = result + element
        return result

    def _call(self, node, args: list, params: dict):
        if node.op in ("getitem", "setitem"):
            return subscript(node, args, params["key"], forms.SHIM, lambda index: _decided(node, index))
        resolved = forms.resolve(node, args, params)
        if not isinstance(resolved, tuple):
            return resolved  # numbers alone
        op, args, params = resolved
        kinds = tuple(_kind(op, i, a) for i, a in enumerate(args))
        key = (op.name, _params_key(params), kinds)
        planned = _PLANS.get(key)
        if planned is None:
            if len(_PLANS) >= _MOST:
                _PLANS.clear()
            planned = _PLANS[key] = _planned(op, args, params)
        function, shapes = planned
        tensors = [a for a, kind in zip(args, kinds) if kind[0] == "tensor"]
        if op.elementwise:
            if not any(type(t) is np.ndarray for t in tensors):  # scalars (most calls): no ufunc to make
                return function(*tensors)[0]
            result = np.frompyfunc(lambda *v: function(*v)[0], len(tensors), 1)(*tensors)
            return result.item() if isinstance(result, np.ndarray) and result.ndim == 0 else result
        values = iter(function(*[v for a in tensors for t in _pieces(a) for v in forms.flat(t)]))
        answers = [None if shape is None else _shaped(values, shape) for shape in shapes]
        return tuple(answers) if op.outputs != 1 else answers[0]


# Plans by (row, parameters, constants or shapes), shared by every case of the process: a batch's cases use a few
# dozen; emptied when the op table changes, or when it holds `_MOST`.
_PLANS: dict = {}
_MOST = 4096
ops.subscribe(_PLANS.clear)


def _kind(op, index: int, value):
    """What an argument's plan depends on: a number or a concrete array (an index, a mask or a weight given as an
    input) is a constant of the form; a tensor of values its shape (nothing for an elementwise op, which maps
    scalars); a list of tensors (cat's) their shapes."""
    if forms.is_number(value) or isinstance(value, np.ndarray) and value.dtype != object and not op.elementwise:
        return ("constant", repr(value) if forms.is_number(value) else (value.dtype.str, value.shape, value.tobytes()))
    if isinstance(value, tuple):
        return ("tensor", "list", tuple(np.shape(v) for v in value))
    return ("tensor", None) if op.elementwise else ("tensor", np.shape(value))


def _params_key(params: dict) -> tuple:
    """The parameters as a plan's key: a loss's weight (an array) by its bytes, as NumPy's repr elides long ones."""
    return tuple(
        (name, (v.dtype.str, v.shape, v.tobytes()) if isinstance(v, np.ndarray) else repr(v))
        for name, v in sorted(params.items())
    )


def _pieces(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _planned(op, args: list, params: dict):
    """The op's form on fresh symbols for its tensor arguments, planned: (function, shape of each result; None for
    a result that is no tensor of values, max over a dim's indices)."""
    fresh, symbolic = [], []
    for i, arg in enumerate(args):
        if _kind(op, i, arg)[0] == "constant":
            symbolic.append(forms.to_symengine(arg))
            continue
        held = [_held(op, i, f"_a{i}_{k}", () if op.elementwise else np.shape(a)) for k, a in enumerate(_pieces(arg))]
        fresh.extend(s for h, _ in held for s in forms.flat(h))
        symbolic.append(tuple(form for _, form in held) if isinstance(arg, tuple) else held[0][1])
    form = forms.apply(op, symbolic, params)
    parts = form if op.outputs != 1 else (form,)
    parts = [p.item() if isinstance(p, np.ndarray) and p.ndim == 0 else p for p in parts]
    kept = [p for p in parts if p is not None]
    function = forms.plan([e for p in kept for e in forms.flat(p)], fresh, as_written=True)
    return function, [None if p is None else np.shape(p) for p in parts]


def _held(op, index: int, name: str, shape: tuple):
    """(fresh symbols, what the form takes): a condition (where's, masked_fill's mask) is tested as a relation
    symengine accepts, its values being bools."""
    held = forms.symbols(name, shape)
    if not (op.name == "where" and index == 0 or index in op.mask_args):
        return held, held
    relation = np.frompyfunc(lambda s: se.Ne(s, 0), 1, 1)(held) if shape else se.Ne(held, 0)
    return held, relation


def _shaped(values, shape: tuple):
    if shape == ():
        return next(values)
    return _array([next(values) for _ in range(int(np.prod(shape, dtype=int)))], shape)


def _decided(node, index):
    """A subscript's tensor at this point: its values are already numbers (a mask's are bools)."""
    if not isinstance(index, np.ndarray):
        return np.asarray(index)
    flat = index.reshape(-1).tolist()
    if all(isinstance(e, (bool, np.bool_)) for e in flat):
        return np.asarray(flat, dtype=bool).reshape(index.shape)
    if all(isinstance(e, (int, np.integer)) for e in flat):
        return np.asarray(flat, dtype=np.int64).reshape(index.shape)
    raise DiffcheckError(UNDECIDED, node.pos)


def _number(value):
    return mpmath.mpf(value) if isinstance(value, float) else value


def _array(values: list, shape: tuple) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array.reshape(shape)
