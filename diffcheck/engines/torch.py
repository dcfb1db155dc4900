"""PyTorch behind the interface (`fuzz --against torch`): each table row called by PyTorch's spelling of it.

torch is imported only when the engine is loaded.
"""

from __future__ import annotations

import importlib.util
import itertools
from typing import Callable, Optional

from .. import ops
from .base import Capabilities, Engine, rows, spelling


def available() -> bool:
    return importlib.util.find_spec("torch") is not None


def functions(torch) -> dict[str, Callable]:
    """Every row users reach, as torch spells it (row name -> a function of the row's arguments and parameters):
    torch's function of the row's own name (`torch.rsub`, `torch.mm`), else of the front op it overloads, its
    arguments in the front op's order (`rpow(x, c)` is `torch.pow(c, x)`, `sum_dim` is `torch.sum(x, dim=...)`),
    looked up in torch and then in torch.nn.functional (softplus). A `via` row is composed, not listed, unless torch
    has a function of its own name (selu, relu6, softsign: PyTorch's own composition, which may use rows users
    cannot spell, such as selu's elu with a scale)."""
    table = {}
    for op in ops.OPS.values():
        if op.internal:
            continue
        if op.via is not None:
            own = getattr(torch, op.name, None) or getattr(torch.nn.functional, op.name, None)
            if op.front is None and own is None and not _one_function(spelling(op.name)[0]):
                name = spelling(op.name)[0]  # cross_entropy_probs: cross_entropy's own function
                own = getattr(torch, name, None) or getattr(torch.nn.functional, name, None)
            if own is not None and op.name not in ("rdiv",):
                table[op.name] = own
            elif op.front is None and _one_function(spelling(op.name)[0]):  # matmul's ranks, linear with a bias
                front, order = spelling(op.name)
                function = getattr(torch, front, None) or getattr(torch.nn.functional, front)
                table[op.name] = _spelled(function, front, op.name, order)
            elif op.name in ops.SIGNATURES and ops.dispatch.SPELLINGS[op.name].attribute:  # x.T, x.mT
                table[op.name] = lambda x, _name=op.name: getattr(x, _name)
            continue
        front, order = spelling(op.name)
        places = (
            (op.name, torch),
            (front, torch),
            (op.name, torch.nn.functional),
            (front, torch.Tensor),  # x.view, x.expand, x.repeat: methods only
            (op.name, torch.linalg),
        )
        if not ops.dispatch.SPELLINGS[front].torch:  # F.X only: torch.X, where it exists, is aten's (an int reduction)
            places = (places[2], *places[:2], *places[3:])
        found = [(name, getattr(where, name)) for name, where in places if hasattr(where, name)]
        if found:  # a row torch cannot spell is left out: not supported by this engine
            name, function = found[0]
            table[op.name] = function if name == op.name else _spelled(function, front, op.name, order)
            keyword = ops.FRONTS[front].keyword_row  # sort_stable is torch.sort(x, stable=True, ...)
            if keyword and keyword[1] == op.name:
                table[op.name] = _keyword_overload(table[op.name], keyword[0], ops.FRONTS[front])
    return table


def _keyword_overload(function: Callable, keyword: str, signature) -> Callable:
    """PyTorch's keyword-only overload (sort's stable=): the keyword given, and the bool parameters as bools, which
    that overload's parser insists on (the check language hands `descending=True` over as 1)."""
    bools = {p for p in signature.params if ops.kind_of(p) == "bool"}

    def call(*args, **params):
        return function(*args, **{keyword: True, **{k: bool(v) if k in bools else v for k, v in params.items()}})

    return call


def _one_function(front: str) -> bool:
    """An op whose rows torch computes in one function of its own (matmul of any rank, F.linear with or without a
    bias), where the rows' compositions are diffcheck's account of PyTorch's nodes."""
    sig = ops.FRONTS[front]
    return bool(sig.by_rank or sig.tensor_row)


def _spelled(function: Callable, front: str, row: str, order: tuple[int, ...]) -> Callable:
    """torch's function of the front op, called with the row's arguments: in the front op's order, and the op's
    tensor parameters by name where the row takes them as arguments."""
    signature = ops.FRONTS[front]
    return _tensor_params_by_name(function, signature) if signature.tensor_row == row else _reordered(function, order)


def _tensor_params_by_name(function: Callable, signature) -> Callable:
    """A row that takes the op's tensor parameters as arguments (linear's bias; layer_norm's weight and bias, which
    torch's function takes after `normalized_shape`): the op's tensors by position, those by name."""
    names = [p for p in signature.params if ops.kind_of(p) == "tensor"]

    def call(*args, **params):
        return function(*args[: signature.arity], **dict(zip(names, args[signature.arity :])), **params)

    return call


def _reordered(function: Callable, order: tuple[int, ...]) -> Callable:
    def call(*args, **params):
        front = [None] * len(args)
        for arg, position in zip(args, order):
            front[position] = arg
        return function(*front, **params)

    return call


class TorchEngine(Engine):
    name, label = "torch", "PyTorch"
    errors = (RuntimeError,)  # what PyTorch raises for a program it refuses: reported as a difference

    def __init__(self):
        import torch

        self.torch = torch
        self.table = functions(torch)
        self.composed = rows(self)
        self.dtypes = {"float32": torch.float32, "float64": torch.float64}
        self.capabilities = Capabilities(
            dtypes=frozenset(self.dtypes),
            ops=frozenset(self.table) | {op.name for op in ops.OPS.values() if op.via is not None},
            retain_grad=True,
            second_order=True,
            grad_fn=True,
            next_functions=True,
        )

    def leaf(self, data, dtype, requires_grad):
        kinds = {"int64": self.torch.int64, "bool": self.torch.bool}  # index and mask tensors (lang/indices.py)
        return self.torch.tensor(data, dtype=self.dtypes.get(dtype) or kinds[dtype], requires_grad=requires_grad)

    def apply(self, op, args, params):
        if op.via is not None and op.name not in self.table:  # as PyTorch builds it: `c / x` is reciprocal(x) * c
            return op.via(self.composed, *args, **params)
        # A number where the overload takes a tensor (`maximum(x, 2)`; `x + 2`, which PyTorch wraps) becomes a
        # tensor; a Scalar argument (`x ** 2`, `2 - x`: not in next_functions) stays a number.
        listed = range(len(args)) if op.listed is None else op.listed
        # in the tensors' dtype: a float64 number beside a float32 0-d tensor would promote the result to float64
        dtype = next(
            (a.dtype for a in args if isinstance(a, self.torch.Tensor) and a.dtype.is_floating_point),
            self.torch.float64,
        )
        args = [
            self.torch.as_tensor(a, dtype=dtype)
            if i in listed and not isinstance(a, (self.torch.Tensor, list, tuple))  # cat's list stays one
            else a
            for i, a in enumerate(args)
        ]
        if "keepdim" in params:  # the check language's keepdim=True arrives as 1; torch takes only a bool
            params = {**params, "keepdim": bool(params["keepdim"])}
        if op.arity == 0:  # creation, by position as PyTorch's overloads take it: arange(3) is arange(end=3)
            leading = list(itertools.takewhile(params.__contains__, (p for p in op.params if p != "dtype")))
            args, params = [params[p] for p in leading], {k: v for k, v in params.items() if k not in leading}
        return self.table[op.name](*args, **params)

    def getitem(self, t, key):
        return t[key]

    def setitem(self, t, key, value):
        out = t.clone()
        out[key] = value
        return out

    def value(self, t):
        return t.detach().numpy()

    def requires_grad(self, t) -> bool:
        return t.requires_grad

    def is_leaf(self, t) -> bool:
        return t.is_leaf

    def backward(self, out, gradient) -> None:
        out.backward(None if gradient is None else self.torch.as_tensor(gradient, dtype=out.dtype))

    def grad(self, t):
        if not (t.is_leaf or t.retains_grad):  # None, without PyTorch's warning about reading it
            return None
        return None if t.grad is None else t.grad.detach().numpy()

    def retain_grad(self, t) -> None:
        t.retain_grad()

    def gradients(self, out, inputs, grad_output, create_graph):
        seed = None if grad_output is None else self.torch.as_tensor(grad_output, dtype=out.dtype)
        return list(
            self.torch.autograd.grad(
                out,
                list(inputs),
                grad_outputs=seed,
                retain_graph=True,
                create_graph=create_graph,
                allow_unused=True,
                materialize_grads=True,
            )
        )

    def grad_fn_name(self, t) -> Optional[str]:
        return None if t.grad_fn is None else type(t.grad_fn).__name__  # name() qualifies AccumulateGrad with C++'s

    def next_functions(self, t) -> tuple:
        node = t.grad_fn
        return () if node is None else tuple(None if fn is None else type(fn).__name__ for fn, _ in node.next_functions)


_ENGINE: list[TorchEngine] = []  # built once per process, on first use


def load() -> TorchEngine:
    if not _ENGINE:
        _ENGINE.append(TorchEngine())
    return _ENGINE[0]
