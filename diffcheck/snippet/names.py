"""`diffcheck run`, its whitelist: the names a snippet may use — torch functions and dtypes, tensor attributes and
methods, builtins — with the arguments each call accepts, the operators, and the message for each refused construct.
Declared once: the validator (`snippet/parse.py`) refuses anything else, and the interpreter (`snippet/__init__.py`) reads the
same tables.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

from .. import ops
from ..engine import TORCH_DTYPES

MAX_LOOP = 1000  # iterations of one `for _ in range(N)`


@dataclass(frozen=True)
class Spec:
    """What a call accepts: a range of positional arguments (None: any number) and keyword names."""

    low: int
    high: Optional[int]
    keywords: frozenset = frozenset()


def _spec(low: int, high: Optional[int], *keywords: str) -> Spec:
    return Spec(low, high, frozenset(keywords))


DTYPES = TORCH_DTYPES  # torch's names for the engine's dtypes
CONTEXTS = {"no_grad", "enable_grad"}
CREATORS = {
    "tensor": _spec(1, 1, "dtype", "requires_grad"),
    "ones": _spec(1, None, "dtype", "requires_grad"),
    "zeros": _spec(1, None, "dtype", "requires_grad"),
}
# The op table's spellings, kept in step with it (`_sync`). Those a module lacks are "missing": using one raises
# PyTorch's AttributeError when it runs (torch.softplus is only torch.nn.functional.softplus).
OP_FUNCTIONS: dict[str, Spec] = {}
TORCH: dict[str, str] = {}
FUNCTIONAL: dict[str, str] = {}
MODULES = {"torch": TORCH, "torch.nn": {"functional": "module"}, "torch.nn.functional": FUNCTIONAL}
_OP_METHODS: dict[str, Spec] = {}


def _sync() -> None:
    """Rebuild the tables above from the op table's spellings (in place: the validator holds them)."""
    for table in (OP_FUNCTIONS, TORCH, FUNCTIONAL, _OP_METHODS):
        table.clear()
    for name, sig in ops.SIGNATURES.items():
        spelling = ops.dispatch.SPELLINGS[name]
        OP_FUNCTIONS[name] = _spec(sig.arity, sig.arity + len(sig.params), *sig.params)
        TORCH[name] = "function" if spelling.torch else "missing"
        FUNCTIONAL[name] = "function" if spelling.functional else "missing"
        if spelling.method:
            _OP_METHODS[name] = _spec(sig.arity - 1, sig.arity - 1 + len(sig.params), *sig.params)
    TORCH.update(
        {
            **dict.fromkeys(CREATORS, "function"),
            **dict.fromkeys(DTYPES, "dtype"),
            **dict.fromkeys(CONTEXTS, "context"),
            "nn": "module",
        }
    )
    for name in [name for name in TENSOR_METHODS if name not in _PLAIN_METHODS]:
        del TENSOR_METHODS[name]
    TENSOR_METHODS.update(_OP_METHODS)


TENSOR_ATTRIBUTES = {
    "grad",
    "requires_grad",
    "is_leaf",
    "grad_fn",
    "retains_grad",
    "dtype",
    "shape",
    "data",
    "next_functions",
}  # `next_functions` is grad_fn.next_functions
SETTABLE = {"grad", "requires_grad"}
_PLAIN_METHODS = {
    "backward": _spec(0, 2, "gradient", "retain_graph"),
    "retain_grad": _spec(0, 0),
    "requires_grad_": _spec(0, 1, "requires_grad"),
    "detach": _spec(0, 0),
    "item": _spec(0, 0),
    "tolist": _spec(0, 0),
    "zero_": _spec(0, 0),
    "dim": _spec(0, 0),
    "numel": _spec(0, 0),
    "size": _spec(0, 0),
    "name": _spec(0, 0),
}  # `name` is grad_fn.name()
TENSOR_METHODS = dict(_PLAIN_METHODS)  # and the op table's methods (`_sync`)
_sync()
ops.subscribe(_sync)
BUILTINS = {
    "print": _spec(0, None, "sep", "end", "flush"),
    "abs": _spec(1, 1),
    "float": _spec(1, 1),
    "int": _spec(1, 1),
    "str": _spec(1, 1),
    "repr": _spec(1, 1),
    "round": _spec(1, 2),
    "len": _spec(1, 1),
}

_OPERATORS = {ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult}
_REFUSED_OPERATORS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "not",
    ast.In: "in",
    ast.NotIn: "not in",
}
_COMPARISONS = {ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq, ast.Is, ast.IsNot}
_LOOP_HINT = f"use 'for _ in range(N)' with a literal N <= {MAX_LOOP}, or 'for v in [...]'"
_REFUSED = {  # node type -> the message
    ast.FunctionDef: "function definitions are not supported",
    ast.ClassDef: "class definitions are not supported",
    ast.AsyncFunctionDef: "function definitions are not supported",
    ast.Lambda: "lambda is not supported",
    ast.While: f"while loops are not supported ({_LOOP_HINT})",
    ast.If: "if statements are not supported",
    ast.Try: "try statements are not supported",
    ast.Raise: "raise is not supported",
    ast.Assert: "assert is not supported",
    ast.Delete: "del is not supported",
    ast.Global: "global is not supported",
    ast.Nonlocal: "nonlocal is not supported",
    ast.Return: "return is not supported",
    ast.Break: "break is not supported",
    ast.Continue: "continue is not supported",
    ast.AugAssign: "augmented assignment is not supported (write 'x = x + ...')",
    ast.AnnAssign: "annotated assignment is not supported",
    ast.Match: "match statements are not supported",
    ast.AsyncFor: "async for is not supported",
    ast.AsyncWith: "async with is not supported",
    ast.ListComp: "comprehensions are not supported",
    ast.SetComp: "comprehensions are not supported",
    ast.DictComp: "comprehensions are not supported",
    ast.GeneratorExp: "comprehensions are not supported",
    ast.Dict: "dicts are not supported",
    ast.Set: "sets are not supported",
    ast.Subscript: "subscripts are not supported",
    ast.Slice: "slices are not supported",
    ast.Starred: "starred expressions are not supported",
    ast.IfExp: "conditional expressions are not supported",
    ast.NamedExpr: "the walrus operator ':=' is not supported",
    ast.BoolOp: "'and' / 'or' are not supported",
    ast.Await: "await is not supported",
    ast.Yield: "yield is not supported",
    ast.YieldFrom: "yield is not supported",
}
if hasattr(ast, "TryStar"):
    _REFUSED[ast.TryStar] = "try statements are not supported"
