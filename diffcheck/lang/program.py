"""The parsed program: small frozen dataclasses, the one shape every later room reads."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Union


def _pickled_by_fields(cls):
    """Pickle as (class, field values). A slotted dataclass otherwise pickles through dataclasses' __getstate__ in
    Python, the parent's main cost in sending a batch's cases to its workers (and twice the time to unpickle)."""
    values = attrgetter(*[f.name for f in fields(cls)])
    cls.__reduce__ = lambda self: (cls, values(self))
    return cls


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Pos:
    """1-based line and column of a piece of source text (column counts characters)."""

    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Const:
    """A number literal (int or float; never bool or complex), the string of a choice parameter (approximate=), or an
    integer list where an op takes an index (nested tuples of ints: `F.cross_entropy(z, [2, 0])`)."""

    value: Union[int, float, str, tuple]
    pos: Pos = field(default=Pos(1, 1), compare=False)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Var:
    """A reference to an input or to an earlier statement's name."""

    name: str
    pos: Pos = field(default=Pos(1, 1), compare=False)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Apply:
    """One op of the table applied to arguments; `params` are the op's optional parameters by name. `function`: a
    call of torch's add/sub/mul/div function, which keeps a Python number first (`torch.sub(2, x)`: SubBackward0),
    where the operator moves it last (`2 - x`: RsubBackward1); the value is the same either way."""

    op: str
    args: tuple["Expr", ...]
    params: tuple[tuple[str, "Expr"], ...] = ()
    pos: Pos = field(default=Pos(1, 1), compare=False)
    function: bool = field(default=False, compare=False)


Expr = Union[Const, Var, Apply]


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Assign:
    """`name = expr`; the last statement is the program's output."""

    name: str
    value: Expr
    pos: Pos = field(default=Pos(1, 1), compare=False)


@dataclass(frozen=True, slots=True)
class Program:
    statements: tuple[Assign, ...]
    source: str = field(default="", compare=False)
    inputs: tuple[str, ...] = field(init=False, compare=False, repr=False)
    """Names read before any statement assigns them, in order of first use (computed once: checks ask often)."""

    def __post_init__(self):
        assigned: set[str] = set()
        seen: dict[str, None] = {}
        for statement in self.statements:
            for node in walk(statement.value):
                if isinstance(node, Var) and node.name not in assigned:
                    seen.setdefault(node.name, None)
            assigned.add(statement.name)
        object.__setattr__(self, "inputs", tuple(seen))

    @property
    def output(self) -> str:
        return self.statements[-1].name

    @property
    def intermediates(self) -> tuple[str, ...]:
        """Names assigned before the output, in order."""
        return tuple(s.name for s in self.statements[:-1])


def walk(expr: Expr):
    """Every node of an expression, parents before children; iterative so depth is not limited by the stack."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Apply):
            stack.extend(reversed([value for _, value in node.params]))
            stack.extend(reversed(node.args))


def nesting(program: Program) -> int:
    """How deep the program nests once every name is replaced by its statement: the depth SymPy recurses to."""
    depths: dict[str, int] = {}
    for statement in program.statements:
        deepest, stack = 0, [(statement.value, 1)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, Var) and node.name in depths:  # an earlier statement's tree stands here
                depth += depths[node.name] - 1
            deepest = max(deepest, depth)
            if isinstance(node, Apply):
                stack.extend((child, depth + 1) for child in (*node.args, *(value for _, value in node.params)))
        depths[statement.name] = deepest
    return max(depths.values())
