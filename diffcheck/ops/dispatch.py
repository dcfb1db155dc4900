"""Dispatch: how users spell the table's ops, and which overload row a call runs — written once, for every room.

`SIGNATURES` maps each spelling (`pow`, `clip`, `true_divide`) to its op's `Signature`; `SPELLINGS` says where PyTorch
has it (torch., torch.nn.functional., Tensor.); `BINARY` / `UNARY` map Python's operators to ops (`-` is sub,
unary `-` neg); `FLAGS` are the bool parameters. All follow the table as rows are registered. `resolve` picks the
row: the check language, the engine's Python surface, the snippet interpreter, the fuzzer and engine adapters all
call it.
"""

from __future__ import annotations

import operator

import numpy as np
from typing import Any, Callable, Optional

from .table import FRONTS, OPS, Op, Signature, Spelling, kind_of, subscribe

# Prefixes a spelling may carry in the check language, so PyTorch code pastes as it is: `torch.pow(x, 2)` is pow
PREFIXES = ("torch.nn.functional.", "torch.linalg.", "torch.", "linalg.", "math.", "numpy.", "np.", "F.")
# Python's operators as symbols, with Python's own function for each: what they do on plain numbers
PYTHON: dict[str, Callable] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "%": operator.mod,
    "//": operator.floordiv,
    "@": operator.matmul,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    "is": operator.is_,
    "is not": operator.is_not,
}

SIGNATURES: dict[str, Signature] = {}  # spelling -> its op's signature
SPELLINGS: dict[str, Spelling] = {}  # spelling -> where PyTorch has it
BINARY: dict[str, str] = {}  # operator symbol -> op name: "+" -> "add"
UNARY: dict[str, str] = {}  # "-" -> "neg"
FLAGS: set[str] = set()  # parameters PyTorch types as bool (keepdim): True/False are taken there, as 1/0


def _index() -> None:
    """Rebuild the spelling and operator indexes from the table (in place: importers hold these dicts)."""
    for index in (SIGNATURES, SPELLINGS, BINARY, UNARY, FLAGS):
        index.clear()
    for sig in FRONTS.values():
        FLAGS.update(p for p in sig.params if kind_of(p) == "bool")
        for spelling in sig.spellings:
            SIGNATURES[spelling.name], SPELLINGS[spelling.name] = sig, spelling
        for form in sig.operators:  # "a - b" or "-a"
            if form.startswith("a "):
                BINARY[form[2:-2]] = sig.name
            else:
                UNARY[form[:-1]] = sig.name


subscribe(_index)


class TorchIndexError(IndexError):
    """An IndexError PyTorch raises too, with its text: `run` shows it as PyTorch's (NumPy's own are not)."""


class TorchRankError(RuntimeError, ValueError):
    """PyTorch's RuntimeError for ranks an op refuses (matmul of a 0-d tensor), a ValueError where shapes are judged."""


class TorchShapeError(RuntimeError):
    """PyTorch's RuntimeError for shapes that do not broadcast or multiply, with its text; a class of its own so the
    check language can tell a program's shapes from the engine's other refusals. Named RuntimeError, as PyTorch's
    (what prints `type(error).__name__`, `run` included, says what torch says)."""


TorchShapeError.__name__ = TorchShapeError.__qualname__ = "RuntimeError"


class TorchValueError(ValueError):
    """A ValueError PyTorch raises too, with its text (a loss's batch sizes, a slice's step): not NumPy's shapes that
    do not fit."""


class TorchTypeError(TypeError):
    """A TypeError PyTorch's argument parser raises (clamp's tensor and number bounds together), with its first line."""


def check_dims(dim, ndim: int) -> None:
    """PyTorch's refusals of a reduction's dims: one out of range (a 0-d tensor takes -1 and 0), or one named twice."""
    span, seen = max(ndim, 1), set()
    for d in dim if isinstance(dim, tuple) else (dim,):
        if not -span <= d < span:
            raise TorchIndexError(
                f"Dimension out of range (expected to be in range of [{-span}, {span - 1}], but got {d})"
            )
        if d % span in seen:
            raise RuntimeError(f"dim {d % span} appears multiple times in the list of dims")
        seen.add(d % span)


def _dims(sig: Signature, args: tuple, params: dict, ndim_of) -> dict:
    """`dims` parameters as rows take them: several dims a tuple (PyTorch takes a list; () is every dim, as None),
    checked against the first argument's rank."""
    for name in (p for p in sig.params if kind_of(p) == "dims" and p in params):
        if type(params[name]) in (tuple, list):
            params = {**params, name: tuple(params[name]) or None}
        if params[name] is not None:
            check_dims(params[name], ndim_of(args[0]) or 0)
    return params


def _as_number(name: str, value, ndim_of):
    """A bound beside a number bound: PyTorch's Scalar overload takes a 0-d tensor without grad as its number and
    refuses any other tensor there (its overloads are all-Tensor or all-Number)."""
    if value is None or isinstance(value, (int, float)):
        return value
    if ndim_of(value) == 0 and not hasattr(value, "requires_grad"):
        return value  # the symbolic side's 0-d value: the engine, which ran first, took it as a number
    if ndim_of(value) == 0 and not value.requires_grad:
        return float(np.asarray(value.data))
    raise TorchTypeError(f"{name}() received an invalid combination of arguments - got a tensor and a number as bounds")


def resolve(
    name: str, args: tuple, params: dict, ndim_of: Callable[[Any], Optional[int]], function: bool = False
) -> tuple[Op, tuple, dict]:
    """The overload row for op `name` and its arguments, as PyTorch dispatches it.

    `ndim_of(arg)` is None for a Python number, else the array's number of dimensions. Returns the row and the
    arguments in the row's order, and the parameters the row takes. A Python number before a tensor moves last, as
    Python's operators and the check language have it (`2 - x` is x.__rsub__(2): rsub(x, 2); `2 ** x` rpow(x, 2);
    `2 + x` add(x, 2)), except in torch's `function` of an op with `number_input`, which keeps it first
    (torch.sub(2, x): the sub row).
    """
    sig = FRONTS[name]
    if sig.row in OPS and OPS[sig.row].variadic and not (len(args) == 1 and type(args[0]) in (list, tuple)):
        args = (list(args),)  # the check language's cat([x, y]) arrives as its tensors: the list is the argument
    if sig.single:
        return OPS[sig.row], args, params
    if sig.keyword_row and sig.keyword_row[0] in params:  # sort(x, stable=None) too: the keyword picks the overload
        keyword, row = sig.keyword_row
        return OPS[row], args, {k: v for k, v in params.items() if k != keyword}
    other = args[1] if len(args) > 1 else params.get("dim")
    if sig.pair_op and type(other) not in (type(None), int, bool, float, tuple, list) and ndim_of(other) is not None:
        return resolve(sig.pair_op, (args[0], other), {}, ndim_of, function)  # max(x, y): a tensor where dim goes
    if sig.list_row and type(params.get(sig.params[0])) in (list, tuple):
        return OPS[sig.list_row], args, params
    if sig.tensor_row:  # linear's bias; layer_norm's weight and bias, both or neither
        tensors = [p for p in sig.params if kind_of(p) == "tensor"]
        given = [p for p in tensors if params.get(p) is not None]
        rest = {k: v for k, v in params.items() if k not in tensors}
        if given and given != tensors:
            missing = " and ".join(p for p in tensors if p not in given)
            raise ValueError(f"{name} with a {' and a '.join(given)} and no {missing} is not supported")
        return (
            (OPS[sig.tensor_row], (*args, *(params[p] for p in tensors)), rest) if given else (OPS[sig.row], args, rest)
        )
    if sig.dim_row and "dim" not in params:  # an explicit dim=None is the dim overload (SumBackward1, keepdim kept)
        return OPS[sig.row], args, {}
    params = _dims(sig, args, params, ndim_of)
    if sig.dim_row:
        return OPS[sig.dim_row], args, params
    if sig.appends:
        return OPS[sig.row], (*args, *sig.appends), params
    if sig.tensor_params and any(v is not None and not isinstance(v, (int, float, str)) for v in params.values()):
        if not any(isinstance(v, (int, float)) for v in params.values()):
            return OPS[sig.tensor_params], (*args, *(params.get(p) for p in sig.params)), {}
        params = {k: _as_number(name, v, ndim_of) for k, v in params.items()}  # clamp(x, 0.0, tensor(1.0))
    kinds = tuple(ndim_of(a) for a in args)
    if (
        sig.number_first
        and len(args) == 2
        and kinds[0] is None
        and kinds[1] is not None
        and not (function and sig.number_input)
    ):
        return OPS[sig.number_first], (args[1], args[0]), params
    if sig.tensor_pair and kinds[1] is not None:
        return OPS[sig.tensor_pair], args, params
    if sig.by_rank:
        by_rank = dict(sig.by_rank).get(kinds)
        if by_rank is None and 0 in kinds and name == "matmul":
            raise TorchRankError(
                f"both arguments to matmul need to be at least 1D, but they are {kinds[0] or 0}D and {kinds[1] or 0}D"
            )
        if by_rank is None:
            shown = ["a number" if kind is None else f"a {kind}-D tensor" for kind in kinds]
            supported = [" @ ".join(f"{rank}-D" for rank in ranks) for ranks, _ in sig.by_rank]
            raise ValueError(
                f"{name} of {shown[0]} and {shown[1]} is not supported "
                f"({', '.join(supported[:-1])} and {supported[-1]} are)"
            )
        return OPS[by_rank], args, params
    return OPS[sig.row], args, params
