"""The fuzz generator's forms for the losses and the selections by integer tensors (embedding's too): a mixin of
`_Generator`.

An integer index (a class target, gather's index) is an input of its own, drawn as integers below the size it indexes
(`indices`: name -> (shape, bound)); a mask is a comparison. Targets of a loss are plain inputs, so the point can
respect a loss's domain (binary cross entropy's (0, 1)).
"""

from __future__ import annotations

from typing import Optional

from .. import ops
from ..lang.program import Apply, Const, Expr, Var
from .tables import tables

_REDUCE = ("mean", "sum")
_POSITIVE = (0.5, 1.0, 1.5)  # smooth_l1's beta, huber's delta: PyTorch refuses a delta <= 0


class LossForms:
    """`_loss`, `_classify`, `_select`: each builds an expression of the requested shape."""

    indices: dict  # name -> (shape, bound): integer inputs, values in [0, bound)

    def index(self, shape: tuple, bound: int) -> Var:
        name = f"i{len(self.indices) + 1}"
        self.indices[name] = (shape, bound)
        return Var(name)

    def _operand(self, op: str, shape: tuple, depth: int) -> Expr:
        """An argument of a loss: a plain input where the loss is limited to a domain (its values drawn there)."""
        row = ops.OPS[ops.FRONTS[op].row]
        if row.domain != (-2.0, 2.0):
            return self.leaf(shape, fresh_input=True)
        return self.expr(shape, depth - 1)

    def _loss(self, shape, depth):
        """mse_loss ... of two tensors of one shape: 'none' keeps `shape`; a mean or a sum of any shape is 0-d."""
        op = self.pick(tables().loss)
        inner = shape if shape else self.pick([(self.dim(),), (self.dim(), self.dim())])
        params = [("reduction", Const("none" if shape else self.pick(_REDUCE)))]
        for param in ops.FRONTS[op].params:  # beta, delta (not the weights: a sample file's own)
            if ops.kind_of(param) == "number" and self.chance(0.5):
                params.append((str(param), Const(self.pick(_POSITIVE))))
        target = self.leaf(inner, fresh_input=True) if op.startswith("binary") else self._operand(op, inner, depth)
        return Apply(op, (self._operand(op, inner, depth), target), tuple(params))

    def _classify(self, shape, depth):
        """nll_loss / cross_entropy of (n, c) scores and n class targets; 'none' gives (n,). cross_entropy takes
        probabilities of the scores' shape too."""
        op = self.pick(tables().classify)
        n, c = (shape[0] if shape else self.dim()), self.dim()
        params = [("reduction", Const("none" if shape else self.pick(_REDUCE)))]
        if op == "cross_entropy" and self.chance(0.3):
            params.append(("label_smoothing", Const(self.pick([0.1, 0.25]))))
        scores = self.expr((n, c), depth - 1)
        if op == "cross_entropy" and self.chance(0.3):
            return Apply(op, (scores, self.expr((n, c), depth - 1)), tuple(params))
        return Apply(op, (scores, self.index((n,), c)), tuple(params))

    def _select(self, shape, depth):
        op = self.pick(tables().select)
        if op == "masked_fill":
            self.piecewise -= 1  # its SymPy form is a Piecewise
            mask = Apply(self.pick(tables().compare), (self.expr(shape, depth - 1), Const(0.5)))
            return Apply(op, (self.expr(shape, depth - 1), mask), (("value", Const(self.pick([0.0, 1.5]))),))
        if op == "embedding":  # rows of a (size, shape[-1]) weight picked by indices of the leading shape
            size = self.dim()
            return Apply(op, (self.index(shape[:-1], size), self.expr((size, shape[-1]), depth - 1)))
        dim, size = int(self.rng.integers(len(shape))), self.dim()
        source = tuple(size if d == dim else n for d, n in enumerate(shape))
        if op == "index_add":  # source's `size` slices added into x's at indices along dim
            index = self.index((size,), shape[dim])
            return Apply(op, (self.expr(shape, depth - 1), Const(dim), index, self.expr(source, depth - 1)))
        index = self.index(shape if op == "gather" else (shape[dim],), size)
        return Apply(op, (self.expr(source, depth - 1), Const(dim), index))


def shape_of(expr: Apply, shapes: list) -> Optional[tuple]:
    """The result shape of a generated loss or selection, from its arguments' shapes (None: not one of them)."""
    if expr.op in tables().loss or expr.op in tables().classify:
        none = dict(expr.params)["reduction"].value == "none"
        return (tuple(shapes[0]) if expr.op in tables().loss else tuple(shapes[0][:1])) if none else ()
    if expr.op == "gather":
        return tuple(shapes[2])
    if expr.op == "embedding":
        return tuple(shapes[0]) + tuple(shapes[1][1:])
    if expr.op == "index_select":
        dim = expr.args[1].value
        return tuple(shapes[2][0] if d == dim else n for d, n in enumerate(shapes[0]))
    if expr.op in ("masked_fill", "index_add"):
        return tuple(shapes[0])
    return None
