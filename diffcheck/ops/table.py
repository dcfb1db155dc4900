"""The op table's registry: what a row declares (`Op`, its `Signature`, `Spelling`s, `Param` kinds), and
`register` / `unregister` / `registered`, which every room's derived tables follow through `subscribe`.

A row is one overload with one grad_fn (PyTorch's derivatives.yaml entry). The op users call — `pow`, spelled
`torch.pow`, `x.pow`, `x ** y` — is the `Signature` its main row declares; the overload rows it selects between
(`pow_tensor`, `rpow`) declare none (`front=None`). An op with no row of its own (`matmul`, `square`) is a
`Signature` registered by itself. CONTRIBUTING.md walks through adding one.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Optional, Union


class Param(str):
    """A parameter's name with its kind, which says what calls may give: "number" (a Python number: clamp's min),
    "int", "bool" (True/False only: keepdim), "dims" (an int or a tuple of ints, None for every dim: sum's dim),
    "shape" (a tuple of ints; as an op's first parameter also given as varargs: x.view(2, 3)), "sections" (an int
    or a list of ints: split's), "tensor" (an optional tensor: linear's bias, an argument of the row then; a loss's
    weight, a tensor no gradient flows to), "choice" (one of `choices`). A plain string in `params` is a number; a
    number may take string `choices` too (norm's p: a number or 'fro'). `refusal`: PyTorch's text for a choice it
    does not take, `{}` standing for the value ("{} is not a valid value for reduction")."""

    def __new__(cls, name: str, kind: str = "number", choices: tuple[str, ...] = (), refusal: str = ""):
        param = super().__new__(cls, name)
        param.kind, param.choices, param.refusal = kind, choices, refusal
        return param


def kind_of(param: str) -> str:
    return getattr(param, "kind", "number")


def dims(name: str = "dim") -> Param:
    return Param(name, "dims")


def flag(name: str = "keepdim") -> Param:
    return Param(name, "bool")


@dataclass(frozen=True)
class Spelling:
    """A name users call an op by, and where PyTorch has it: elsewhere it is PyTorch's AttributeError in `run`."""

    name: str
    torch: bool = True  # torch.NAME
    method: bool = True  # Tensor.NAME
    functional: bool = False  # torch.nn.functional.NAME
    attribute: bool = False  # Tensor.NAME is a property, not a method: x.T, x.mT
    reserved: bool = True  # the name is refused as a variable; False for t, T, mT: names programs give their values
    linalg: bool = False  # torch.linalg.NAME


@dataclass(frozen=True)
class Signature:
    """An op as users call it, and how a call selects its overload row (`dispatch.resolve` reads these fields).

    Declared on its main row, `name` and `arity` come from the row, and `params` unless given (sum's row takes none,
    the op `sum` takes dim and keepdim); `row` defaults to the op's name.
    """

    name: str = ""  # the canonical name: what programs and `diffcheck ops` call it
    arity: int = 0
    params: tuple[str, ...] = ()
    spellings: tuple[Spelling, ...] = ()  # the canonical name first; default: torch.NAME and Tensor.NAME
    operators: tuple[str, ...] = ()  # Python's operator forms that reach it: "a - b", "-a"
    row: str = ""  # the row a call runs when no overload below fits
    appends: tuple = ()  # arguments the spelling adds: square(x) is pow(x, 2)
    number_first: str = ""  # the row of (Python number, tensor), arguments swapped: `2 - x` is rsub(x, 2)
    tensor_pair: str = ""  # the row when the second argument is a tensor too: x ** y is pow_tensor
    by_rank: tuple[tuple[tuple[int, ...], str], ...] = ()  # rows by the arguments' ranks: matmul's dot, mv, mm
    dim_row: str = ""  # the row when `dim` is given: sum(x, dim) is sum_dim, sum(x) is sum
    list_row: str = ""  # the row when the first parameter is a list: split(x, [1, 2]) is SplitWithSizesBackward0
    tensor_row: str = ""  # the row when the tensor parameters (kind "tensor") are given, they last among the arguments,
    # in order: linear(x, W, b) is addmm's row with b, linear(x, W) another; layer_norm takes a weight and a bias or neither
    pair_op: str = ""  # the op when a tensor stands where `dim` goes: max(x, y) is maximum, max(x, 1) is max_dim
    tensor_params: str = ""  # the row when a parameter is a tensor, the parameters its arguments: clamp_tensor
    number_input: bool = False  # torch's function wraps a number given first: torch.sub(2, x) is SubBackward0
    needs_param: bool = False  # a call gives one of `params` at least: PyTorch refuses clamp(x)
    tensors_only: bool = False  # PyTorch takes no Python number as the second argument (maximum, matmul)
    lists_overloads: bool = False  # a number first: PyTorch's TypeError lists the overloads (pow, clamp)
    tensor_first: bool = True  # the library's function refuses a number first (where's condition: taken)
    keyword_row: tuple[str, str] = ()  # (a keyword-only parameter, the row a call giving it runs, even as None):
    # sort(x, stable=True) is SortBackward1, whose overload takes every parameter by keyword

    @property
    def positional(self) -> tuple[str, ...]:
        """The parameters a call may give by position (a keyword_row's is keyword-only)."""
        return tuple(p for p in self.params if p not in self.keyword_row[:1])

    @property
    def number_self(self) -> bool:
        """torch's function takes a number first through an overload of its own: pow(2, x) is PowBackward2."""
        return bool(self.number_first) and not self.number_input

    @property
    def single(self) -> bool:
        """A call always runs `row` with the arguments as given: no selection to make."""
        return not (
            self.appends
            or self.number_first
            or self.tensor_pair
            or self.by_rank
            or self.dim_row
            or self.list_row
            or self.tensor_row
            or self.pair_op
            or self.tensor_params
            or self.keyword_row
            or any(kind_of(p) == "dims" for p in self.params)
        )


_OWN = Signature()  # a row's default front: spelled by its own name


@dataclass(frozen=True, slots=True)
class Op:
    name: str
    grad_fn: str  # PyTorch's backward node class name for this overload; "" for a row not differentiable
    forward: Callable[..., Any]  # NumPy: (*arg arrays, **params) -> array
    sym: Callable[..., Any]  # (sp, *args, **params) -> SymPy expression (elementwise) or object array
    derivative: str  # the backward rule in maths, for `diffcheck ops`
    vjp: Optional[Callable[..., tuple]] = None  # (F, g, out, *args, **params) -> grads; None for a `via` row
    # PyTorch builds this op from others, so the engine does: (F, *args, **params) with F its functions (`c / x` is
    # reciprocal(x) * c: two nodes). The row stays the op's one spelling for SymPy, special points and `diffcheck ops`.
    via: Optional[Callable[..., Any]] = None
    listed: Optional[tuple[int, ...]] = None  # the inputs next_functions lists, where not all (arithmetic.py)
    arity: int = 1
    params: tuple[str, ...] = ()  # names, or `Param`s with their kind
    saves: bool = True  # the node saves tensors: a second backward without retain_graph fails
    elementwise: bool = True  # `sym` maps scalars; otherwise it takes whole object arrays
    domain: tuple[float, float] = (-2.0, 2.0)  # an interval where the op is smooth, for random points
    kink: Optional[Callable[..., Any]] = None  # (*arg arrays, **params) -> bool mask where not differentiable
    singular: Optional[Callable[..., Any]] = None  # (*arg arrays, **params) -> bool mask of poles / off-domain
    convention: str = ""  # what PyTorch does at the kink or singular points
    edges: Optional[tuple[float, ...]] = None  # where the fuzzer puts inputs on purpose (an argument kept in
    # `domain` unless a case sits it on an edge); None: the op takes any argument
    power: Optional[tuple[int, int]] = None  # a power's (base, exponent) arguments: its 1**inf ... are labelled
    internal: bool = False  # used by backward rules only; not a spelling users write
    # How the symbolic side evaluates the SymPy function at the top of `sym` fast: an mpmath function's name ("sin")
    # or a function of mpmath numbers; None where `sym` is arithmetic, Piecewise and other rows' functions;
    # SYMPY_ONLY where mpmath has none (SymPy evaluates it, 2-3x slower).
    mp: Union[str, Callable, None] = None
    example: Optional[tuple[list, dict]] = None  # a whole-array row's (argument shapes, params) for `diffcheck ops`
    front: Optional[Signature] = field(default=_OWN)  # how users call it; None: an overload row of another op
    # The shape of the call, for the engine. `variadic`: the one tensor argument is a list of any length (cat, stack):
    # forward takes the list of arrays, vjp the list of inputs and returns one gradient per tensor in it.
    variadic: bool = False
    # `outputs` > 1: forward returns a tuple (max(x, dim): values, indices); vjp then takes a tuple of gradients, None
    # for an output that got none, and a tuple of answers. `output_differentiability` as derivatives.yaml's: an output
    # marked False never requires grad (indices). 0: as many as the forward returns (split, unbind: a tuple whose
    # length depends on the input's shape).
    outputs: int = 1
    output_differentiability: Optional[tuple[bool, ...]] = None
    output_names: tuple[str, ...] = ()  # the fields of PyTorch's return type (torch.return_types.max: values, indices)
    view: bool = False  # the answer is a view of input 0 (reshape, transpose): it shares its version counter and _base
    int_result: bool = False  # the answer is int64 whatever the inputs' dtype (argmax, argmin): never promoted
    # Tensor arguments that are not values but positions: `index_args` integer index tensors (cross_entropy's class
    # targets, gather's index), `mask_args` bool masks (masked_fill's). Never differentiable (the rule returns None
    # there); a program's input used there is an int64 / bool tensor that does not require grad, and stays concrete
    # integers on the SymPy side (lang/indices.py).
    index_args: tuple[int, ...] = ()
    mask_args: tuple[int, ...] = ()
    # PyTorch's backward multiplies by a constant rounded to float32 in float64 too (hardsigmoid's 1/6): (the relative
    # error that gives, what it is), or a function of the arguments' values and parameters giving that or None (celu's
    # 1/alpha.toFloat(): exact for alpha = 1). A difference within it is labelled `rounding`, not a mismatch.
    rounded: Union[None, tuple[float, str], Callable[..., Optional[tuple[float, str]]]] = None
    # The op's condition number at the engine's float64 argument, a function of the arguments' values: how many times
    # a relative error of the argument grows in the op's value or derivative (sin, cos, tan of a large argument:
    # |2x / sin(2x)|). A difference within ILL_ULPS ulps of the argument grown by it is labelled `ill-conditioned`.
    conditioned: Optional[Callable[..., float]] = None
    # Derived: not variadic, one output, not a view, typed as the inputs: the fast paths take it in one attribute load
    plain_call: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        odd = self.variadic or self.outputs != 1 or self.view or self.int_result or self.arity == 0
        object.__setattr__(self, "plain_call", not odd)


SYMPY_ONLY = "sympy"

OPS: dict[str, Op] = {}  # row name -> row, in registration order
FRONTS: dict[str, Signature] = {}  # canonical op name -> its signature, completed
_LISTENERS: list[Callable[[], None]] = []


def subscribe(listener: Callable[[], None]) -> None:
    """Call `listener()` after every change of the table: a room rebuilds what it derives from the rows."""
    _LISTENERS.append(listener)


def _front_of(item: Union[Op, Signature]) -> Optional[Signature]:
    if isinstance(item, Signature):
        sig, name, own = item, item.name, {}
    elif item.front is None or item.internal:
        return None
    else:  # one replace, not two: a frozen dataclass of 21 fields costs 6 µs a copy, and every row makes one
        sig, name = item.front, item.name
        own = {"name": name, "arity": item.arity, "params": sig.params or item.params}
    return replace(sig, **own, row=sig.row or name, spellings=sig.spellings or (Spelling(name),))


def register(*items: Union[Op, Signature]) -> None:
    """Add rows (with the ops they declare) and row-less ops to the table; a name taken already is a ValueError."""
    for item in items:
        front = _front_of(item)
        if isinstance(item, Op):
            if item.name in OPS:
                raise ValueError(f"row '{item.name}' is in the table already")
            OPS[item.name] = item
        if front is not None:
            if front.name in FRONTS:
                raise ValueError(f"op '{front.name}' is in the table already")
            FRONTS[front.name] = front
    _changed()


def unregister(*items: Union[Op, Signature]) -> None:
    """Take rows and ops `register` added out of the table again."""
    for item in items:
        if isinstance(item, Op):
            OPS.pop(item.name, None)
        front = _front_of(item)
        if front is not None:
            FRONTS.pop(front.name, None)
    _changed()


@contextmanager
def registered(*items: Union[Op, Signature]) -> Iterator[None]:
    """The table with `items` added for the `with` block only (tests declaring their own rows use this)."""
    register(*items)
    try:
        yield
    finally:
        unregister(*items)


def _changed() -> None:
    for listener in _LISTENERS:
        listener()


class Family(list):
    """One family module's rows (and row-less ops) in declaration order (`row = ROWS.row`); ops/__init__ registers
    them all at once."""

    def row(self, **fields) -> Op:
        op = Op(**fields)
        self.append(op)
        return op
