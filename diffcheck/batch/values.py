"""Values in sample files: numbers and nested lists read from TOML as the engine gives them back (nan/inf as strings,
"none" for a None `.grad`), floats held exactly as written, and pinned values compared with produced ones."""

from __future__ import annotations

import math
from typing import Any, Optional

from ..defaults import MAX_ELEMENTS
from ..lang.text import _number_problem

_NON_FINITE = ("nan", "inf", "-inf")


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _toml_type(value) -> str:
    """What a TOML value is, with its article: "an integer", "a table" ..."""
    names = {bool: "boolean", str: "string", int: "integer", float: "float", list: "array", dict: "table"}
    return _a(names.get(type(value), "date-time"))


class _Invalid(Exception):
    """A bad value; the message says what, the loader adds the place."""


class _Unheld(float):
    """A TOML float float64 cannot hold (`1e400` read as inf, `1e-400` as 0.0), with why: `tomllib` keeps no places,
    so it is refused where it is used, under its key."""

    problem: str


def _toml_float(text: str) -> float:
    """`tomllib`'s float reader, which still sees the literal as written (and `inf`/`nan` as words)."""
    value = float(text)
    problem = _number_problem(value, text)
    if problem is None:
        return value
    unheld = _Unheld(value)
    unheld.problem = problem
    return unheld


def _unheld(value: int | float) -> Optional[str]:
    """Why a TOML number cannot be a float64 (a float judged as read, or an integer beyond float64), or None."""
    return value.problem if isinstance(value, _Unheld) else _number_problem(value, str(value))


def tensor_value(value, allow_none: bool = False, max_elements: int = MAX_ELEMENTS) -> Any:
    """A number or a rectangular nested list of numbers (up to 3 levels) as floats; "nan", "inf", "-inf" as strings
    too, and "none" (a None `.grad`) where `allow_none`."""
    if allow_none and value == "none":
        return None
    converted, shape = _convert(value, 0)
    if math.prod(shape) > max_elements:
        raise _Invalid(f"{math.prod(shape)} elements (limit {max_elements})")
    return converted


def _convert(value, depth: int) -> tuple[Any, tuple]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if problem := _unheld(value):
            raise _Invalid(problem)
        return float(value), ()
    if isinstance(value, str) and value.strip().lower() in (*_NON_FINITE, "+inf"):
        return float(value), ()
    if isinstance(value, list):
        if depth == 3:
            raise _Invalid("nested list is more than 3 levels deep")
        if not value:
            raise _Invalid("empty list")
        items = [_convert(v, depth + 1) for v in value]
        if any(shape != items[0][1] for _, shape in items):
            raise _Invalid("ragged nested list (rows of different shapes)")
        return [v for v, _ in items], (len(items), *items[0][1])
    shown = f"'{value}'" if isinstance(value, str) else _toml_type(value)
    raise _Invalid(f'expected a number, a list of numbers or "nan"/"inf"/"-inf", not {shown}')


def same_value(expected: Any, actual: Any, rtol: float, atol: float) -> bool:
    """Pinned against produced: same shape, non-finite values by kind, finite ones within the case's tolerances."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, list) or isinstance(actual, list):
        return (
            isinstance(expected, list)
            and isinstance(actual, list)
            and len(expected) == len(actual)
            and all(same_value(e, a, rtol, atol) for e, a in zip(expected, actual))
        )
    expected, actual = float(expected), float(actual)
    if not (math.isfinite(expected) and math.isfinite(actual)):
        return expected == actual or (math.isnan(expected) and math.isnan(actual))
    return abs(actual - expected) <= atol + rtol * abs(expected)
