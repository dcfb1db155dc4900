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
from ..lang.lower import number_params, numbers_alone, run
from . import forms


class Written:
    """`program` as written, a function of its inputs' flat values (then the `held` names' flat values, which
    stand for those statements instead of their own)."""

    def __init__(self, program, shapes: Mapping, held: Mapping = {}):
        self.program, self.held = program, dict(held)
        self.layout = [(n, shapes[n]) for n in program.inputs] + list(self.held.items())

    def env(self, values: list) -> dict:
        """Every statement's value (object arrays of mpmath numbers, or Python numbers) at the flat `values`."""
        named, start = {}, 0
        for name, shape in self.layout:
            size = int(np.prod(shape, dtype=int))
            part = [_number(v) for v in values[start : start + size]]
            named[name] = part[0] if shape == () else _array(part, shape)
            start += size
        inputs = {n: named[n] for n in self.program.inputs}
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
        params = number_params(node, params, forms.is_number)
        try:
            resolved = ops.resolve(node.op, tuple(args), params, forms.ndim, node.function)
        except ValueError as error:
            raise DiffcheckError(str(error), node.pos) from None
        if all(forms.is_number(a) for a in args):
            return numbers_alone(resolved)
        op, args, params = resolved
        tensors = [a for a in args if not forms.is_number(a)]
        key = (op.name, repr(sorted(params.items())), tuple(a if forms.is_number(a) else _kind(op, a) for a in args))
        planned = _PLANS.get(key)
        if planned is None:
            if len(_PLANS) >= _MOST:
                _PLANS.clear()
            planned = _PLANS[key] = _planned(op, args, params)
        function, shape = planned
        if op.elementwise:
            result = np.frompyfunc(lambda *v: function(*v)[0], len(tensors), 1)(*tensors) if tensors else function()[0]
            return result.item() if isinstance(result, np.ndarray) and result.ndim == 0 else result
        flat_values = [v for a in tensors for v in forms.flat(a)]
        values = function(*flat_values)
        return values[0] if shape == () else _array(values, shape)


# Plans by (row, parameters, constants or shapes), shared by every case of the process: a batch's cases use a few
# dozen; emptied when the op table changes, or when it holds `_MOST`.
_PLANS: dict = {}
_MOST = 4096
ops.subscribe(_PLANS.clear)


def _kind(op, value):
    """What a tensor argument's plan depends on: nothing for an elementwise op (it maps scalars), else its shape."""
    return None if op.elementwise else ("tensor", np.shape(value))


def _planned(op, args: list, params: dict):
    """The op's form on fresh symbols for its tensor arguments, planned: (function, shape of its result)."""
    fresh, symbolic = [], []
    for i, arg in enumerate(args):
        if forms.is_number(arg):
            symbolic.append(forms.to_symengine(arg))
            continue
        shape = () if op.elementwise else np.shape(arg)
        held = forms.symbols(f"_a{i}", shape)
        fresh.extend(forms.flat(held))
        # where's condition: a mask (its values are bools) tested as a relation symengine accepts
        symbolic.append(se.Ne(held, 0) if op.name == "where" and i == 0 and shape == () else held)
    form = forms.apply(op, symbolic, params)
    if isinstance(form, np.ndarray) and form.ndim == 0:
        form = form.item()
    return forms.plan(forms.flat(form), fresh, as_written=True), np.shape(form)


def _number(value):
    return mpmath.mpf(value) if isinstance(value, float) else value


def _array(values: list, shape: tuple) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array.reshape(shape)
