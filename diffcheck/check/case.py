"""What to check: a program, its point, how its tensors are set up, and the refusals of a case that cannot run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Union

from ..defaults import ATOL, MAX_POINTS, MAX_SYMPY_NODES, RTOL
from ..errors import DiffcheckError
from ..lang.program import Program
from ..lang.text import _printable


@dataclass(frozen=True)
class Case:
    """What to check: a program, its input values, and how the tensors are set up."""

    program: Program
    values: dict[str, Any]  # name -> float or nested list of floats
    no_grad: frozenset[str] = frozenset()
    retain: frozenset[str] = frozenset()
    rtol: float = RTOL
    atol: float = ATOL
    strict: bool = False  # explained differences (kink, singular ...) fail too
    name: str = "expression"
    order: int = 1  # 2: also every second derivative (Hessian entries of the requiring inputs)
    points: int = 0  # > 0: check at this many random points from each op's smooth domain instead of `values`
    seed: int = 0
    numeric: bool = False  # add a central-difference opinion
    max_sympy_nodes: int = MAX_SYMPY_NODES
    dtype: str = "float64"  # the engine's leaves: "float32" judges with a tolerance that follows the dtype
    # inputs held in another dtype than `dtype` (a `run` snippet's float64 leaves beside float32 ones), name -> dtype:
    # the engine promotes as PyTorch does, so the run is the snippet's
    dtypes: Mapping[str, str] = field(default_factory=dict)
    rows: tuple = ()  # op rows the program brings along (a snippet's custom Functions), in the table while checked
    symbolic: str = ""  # the exact side's route: auto, sympy or symengine; empty: $DIFFCHECK_SYMBOLIC, else auto


def case_of(
    expr_or_program: Union[str, Program],
    point: Mapping[str, Any],
    *,
    no_grad: tuple[str, ...] = (),
    retain_grad: tuple[str, ...] = (),
    rtol: float | None = None,
    atol: float | None = None,
    strict: bool = False,
    order: Literal[1, 2] = 1,
    dtype: Literal["float64", "float32"] = "float64",
    name: str = "expression",
) -> Case:
    """The case of the Python API (`diffcheck.check`, `diffcheck.testing`): a program of the check language as text
    (parsed, never executed) or parsed, at `point`, with check's tolerances unless given."""
    from ..lang.parse import parse_program

    program = parse_program(expr_or_program) if isinstance(expr_or_program, str) else expr_or_program
    return Case(
        program,
        dict(point),
        frozenset(no_grad),
        frozenset(retain_grad),
        RTOL if rtol is None else rtol,
        ATOL if atol is None else atol,
        strict,
        name=name,
        order=order,
        dtype=dtype,
    )


def validate(case: Case) -> None:
    program = case.program
    inputs, assigned = program.inputs, {s.name for s in program.statements}
    missing = [n for n in inputs if n not in case.values]
    if missing and not case.points:
        raise DiffcheckError(f"no value for input '{missing[0]}' (give it as {missing[0]}=...)")
    for name in case.values:
        if name not in inputs:
            kind = "a computed name" if name in assigned else "not used by the program"
            raise DiffcheckError(f"'{_printable(name)}' is {kind}; inputs are: {', '.join(inputs) or '(none)'}")
    for name in case.no_grad:
        if name not in inputs:
            raise DiffcheckError(
                f"--no-grad '{_printable(name)}': not an input of the program (inputs: {', '.join(inputs)})"
            )
    for name in case.retain:
        if name not in assigned:
            raise DiffcheckError(
                f"--retain-grad '{_printable(name)}': not a computed name of the program "
                f"(computed: {', '.join(s.name for s in program.statements)})"
            )
    for dtype in (case.dtype, *case.dtypes.values()):
        if dtype not in ("float64", "float32"):
            raise DiffcheckError(f"dtype must be float64 or float32, not {dtype}")
    if case.order not in (1, 2):
        raise DiffcheckError(f"order must be 1 or 2, not {case.order}")
    if not 0 <= case.points <= MAX_POINTS:
        raise DiffcheckError(f"points must be 0 to {MAX_POINTS}, not {case.points}")
