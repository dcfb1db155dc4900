"""What the fuzz generator draws, read from the op table: a row registered later is fuzzed without an edit here."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional

from .. import ops
from .shapes import RECIPES


@dataclass(frozen=True)
class Tables:
    """The generator's choices by form: each a tuple of op names, in table order."""

    unary: tuple[str, ...]  # one argument, no parameters: `_unary`
    binary: tuple[str, ...]  # two arguments, smooth, elementwise: `_binary` (add, sub, mul, div)
    minmax: tuple[str, ...]  # two arguments with a kink: `_minmax` (maximum, minimum)
    compare: tuple[str, ...]  # not differentiable: where's conditions
    reduce: tuple[str, ...]  # one argument and a `dim`: `_reduce` (sum, mean)
    along: tuple[str, ...]  # one argument, a `dim` and no keepdim, the shape kept: `_along` (softmax, cumsum)
    infix: dict  # op -> its binary operator: "add" -> "+"
    # one argument with number / string-choice parameters, elementwise: `_param` (hardtanh, leaky_relu, gelu ...)
    param: tuple[str, ...] = ()
    # two arguments, a Python number or a tensor second (two rows), not a power: `_modular` (fmod, remainder)
    modular: tuple[str, ...] = ()
    # ops that move elements (view, cat, split, T, linear ...): `_rearrange`, each by the recipe fuzz/shapes.py has
    # for it; a row without one is not drawn (bmm and matmul of 3-D operands: the programs stay 2-D at most)
    rearrange: tuple[str, ...] = ()

    # losses of two tensors of one shape, with a `reduction`: `_loss` (mse_loss ... binary_cross_entropy)
    loss: tuple[str, ...] = ()
    # losses of scores and integer class targets (`index_args`): `_classify` (nll_loss, cross_entropy)
    classify: tuple[str, ...] = ()
    # selection by an integer index after a dim (gather, index_select) or by a mask (masked_fill): `_select`
    select: tuple[str, ...] = ()


def _moves(row) -> bool:
    """A row that rearranges elements or takes or gives several tensors: not a unary or along-dim form (sort's
    values and indices are: the generator takes the values)."""
    return row is not None and (row.view or row.variadic or row.outputs != 1 and not row.output_names)


def differentiable(op) -> bool:
    """A row PyTorch can differentiate: a grad_fn, and not its NotImplemented node (floor_divide)."""
    return bool(op.grad_fn) and op.grad_fn != "torch::autograd::NotImplemented"


@functools.cache
def tables() -> Tables:
    fronts = list(ops.FRONTS.values())
    row = {sig.name: ops.OPS.get(sig.row) for sig in fronts}

    def binary(sig) -> bool:
        return (
            sig.arity == 2
            and not sig.params
            and not sig.tensor_pair
            and not sig.by_rank
            and bool(row[sig.name].grad_fn)
            and row[sig.name].elementwise
        )

    return Tables(
        unary=tuple(
            sorted(
                sig.name
                for sig in fronts
                if sig.arity == 1 and not sig.params and row[sig.name].elementwise and row[sig.name].grad_fn
            )
        ),
        binary=tuple(sig.name for sig in fronts if binary(sig) and row[sig.name].kink is None),
        minmax=tuple(sig.name for sig in fronts if binary(sig) and row[sig.name].kink is not None),
        compare=tuple(sig.name for sig in fronts if sig.arity == 2 and row[sig.name] and not row[sig.name].grad_fn),
        # a reduction drops `dim` (and takes keepdim): softmax and cumsum, which keep the shape, are not drawn here
        # max/min: their dim overload gives (values, indices), of which `_reduce` takes the values; argmax not drawn
        reduce=tuple(
            sig.name
            for sig in fronts
            if sig.arity == 1 and {"dim", "keepdim"} <= set(sig.params) and not row[sig.name].int_result
        ),
        along=tuple(
            sig.name
            for sig in fronts
            if sig.arity == 1
            and "dim" in sig.params
            and "keepdim" not in sig.params
            and row[sig.name].grad_fn
            and not _moves(row[sig.name])
            and sig.name not in RECIPES  # select, narrow, diff: a dim, but a shape of their own
        ),
        infix={name: symbol for symbol, name in ops.dispatch.BINARY.items()},
        rearrange=tuple(sig.name for sig in fronts if sig.name in RECIPES),
        param=tuple(
            sorted(
                sig.name
                for sig in fronts
                if sig.arity == 1
                and sig.params
                and sig.single
                and not sig.needs_param
                and row[sig.name].elementwise
                and all(ops.kind_of(p) in ("number", "choice") for p in sig.params)
            )
        ),
        modular=tuple(
            sig.name
            for sig in fronts
            if sig.arity == 2
            and sig.tensor_pair
            and not sig.params
            and row[sig.name].power is None
            and differentiable(row[sig.name])
            and differentiable(ops.OPS[sig.tensor_pair])
        ),
        loss=tuple(
            sig.name for sig in fronts if sig.arity == 2 and "reduction" in sig.params and not _takes_index(sig)
        ),
        classify=tuple(
            sig.name for sig in fronts if sig.arity == 2 and "reduction" in sig.params and _takes_index(sig)
        ),
        select=tuple(sig.name for sig in fronts if "reduction" not in sig.params and _takes_index(sig)),
    )


def _takes_index(sig) -> bool:
    """A row of the op takes an integer index or a mask (ops/table.py's `index_args`, `mask_args`)."""
    rows = [ops.OPS.get(name) for name in (sig.row, *(row for _, row in sig.by_rank))]
    return any(op is not None and (op.index_args or op.mask_args) for op in rows)


ops.subscribe(tables.cache_clear)


def edges_of(op: str) -> Optional[tuple]:
    """Where the fuzzer sits the argument of `op` on purpose, or None if any argument will do (ops/table.py)."""
    return ops.OPS[ops.FRONTS[op].row].edges
