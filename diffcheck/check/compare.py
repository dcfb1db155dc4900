"""Engine against SymPy, element by element: statuses, tolerances, and the explanation of every difference."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Optional

import numpy as np

# Statuses, by severity within a tensor: a mismatch always fails the exit code, explained ones only with --strict.
MATCH, NONE, NOT_RETAINED, MISMATCH = "match", "none", "not-retained", "mismatch"
# Explained differences, each a convention PyTorch follows where SymPy has no finite or defined value.
KINK, SINGULAR, ZERO_TIMES_INF, OVERFLOW = "kink", "singular", "zero-times-inf", "overflow"
ROUNDING = "rounding"  # PyTorch's backward rounds a constant to float32 (hardsigmoid's 1/6): within that error
INDETERMINATE = "indeterminate"  # IEEE 754's pow(1, inf) = 1 against SymPy's nan for 1**oo
ILL_CONDITIONED = "ill-conditioned"  # cos(1e7): the float64 argument's rounding, grown by the op's condition number
EXPLAINED = (KINK, SINGULAR, ZERO_TIMES_INF, OVERFLOW, INDETERMINATE, ROUNDING, ILL_CONDITIONED)
SEVERITY = {
    NONE: 0,
    NOT_RETAINED: 0,
    MATCH: 0,
    KINK: 1,
    ROUNDING: 1,
    ILL_CONDITIONED: 1,
    SINGULAR: 2,
    ZERO_TIMES_INF: 2,
    OVERFLOW: 2,
    INDETERMINATE: 2,
    MISMATCH: 3,
}


ROUNDING_FACTOR = 4  # a rounded constant's error, grown by the float64 arithmetic around it
PATH_KINDS = (
    "kink",
    "rounding",
    "ill-conditioned",
)  # hits that explain only the gradients whose path runs through them


@dataclass
class Context:
    case: Any  # check.Case: its rtol, atol
    hits: list  # special.Hit
    point: list
    tensor: Optional[str] = None  # only hits on the path from this tensor to the output count

    def of_kind(self, kind: str) -> list:
        """Hits of `kind`; kinks only where they lie between this tensor and the output (a non-finite value
        anywhere, from a singular point, an overflow or an indeterminate form, can reach every gradient)."""
        return [
            h
            for h in self.hits
            if h.kind == kind and (kind not in PATH_KINDS or self.tensor is None or self.tensor in h.depends)
        ]

    def about(self, tensor: str) -> "Context":
        return replace(self, tensor=tensor)


class Sided:
    """One-sided and central differences of the as-written output, along one element's symbol."""

    def __init__(self, function, values: list, offset: int):
        self.function, self.values, self.offset = function, values, offset

    def one_sided(self, k: int):
        from .special import one_sided

        return one_sided(self.function, self.values, self.offset + k)

    def edge(self, k: int) -> Optional[tuple[str, float]]:
        """At the edge of the function's real domain (x ** 1.5 at 0): the side where it is defined and its difference
        quotient; None unless exactly one side is."""
        from .special import sides

        left, right = sides(self.function, self.values, self.offset + k)
        if (left is None) == (right is None):
            return None
        return ("left", left) if right is None else ("right", right)

    def central(self, k: int):
        from .special import central

        return central(self.function, self.values, self.offset + k)


def compare(
    engine_values: np.ndarray, exact: list, context: Context, sided: Optional[Sided] = None
) -> tuple[str, Optional[float], Optional[float], str]:
    """Worst element status with its explanation, and the largest absolute / relative error over finite pairs."""
    status, abs_err, rel_err, note = MATCH, None, None, ""
    for k, (e, s) in enumerate(zip(np.asarray(engine_values, dtype=float).reshape(-1).tolist(), exact)):
        element, why = classify(e, s, context, sided, k)
        if SEVERITY[element] > SEVERITY[status] or (element == status and why and not note):
            status, note = element, why
        if s.is_finite and math.isfinite(e):
            err = abs(e - s.value)
            abs_err = err if abs_err is None else max(abs_err, err)
            rel = err / abs(s.value) if s.value else (0.0 if err == 0 else math.inf)
            rel_err = rel if rel_err is None else max(rel_err, rel)
    return status, abs_err, rel_err, note


def close(a: float, b: float, case) -> bool:
    return abs(a - b) <= case.atol + case.rtol * abs(b)


def classify(e: float, s, context: Context, sided: Optional[Sided], k: int) -> tuple[str, str]:
    """One element: match, or a difference explained by a kink / singular point / overflow / indeterminate form, or a
    mismatch."""
    case = context.case
    if s.is_finite and not math.isfinite(s.value):  # exact, but beyond float64's range
        if e == s.value:
            return OVERFLOW, "the exact value is beyond float64's range; the engine overflows to it, as PyTorch"
        return MISMATCH, f"the exact value is beyond float64's range ({s.value}), the engine gives {e!r}"
    if s.is_finite:
        base = MATCH if math.isfinite(e) and close(e, s.value, case) else MISMATCH
    elif (s.kind == "nan" and math.isnan(e)) or (s.kind in ("inf", "-inf") and e == s.value):
        base = MATCH  # non-finite values agree by kind
    else:
        base = MISMATCH
    kinks = context.of_kind("kink")
    one = None
    # Beside a point with an infinite local derivative (sqrt at 0 in abs(sqrt(x))) difference quotients are no
    # derivative at all: there a non-finite engine value, or SymPy's non-finite one (atan2(selu(z), z) at 0: the
    # kink of selu meets atan2's origin), is judged as at any singular point, not by the kink test.
    singular = context.of_kind("singular")
    if kinks and sided is not None and (math.isfinite(e) or not singular) and (s.is_finite or not singular):
        one = sided.one_sided(k)
        if one is not None and not close(one[0], one[1], case):
            low, high = sorted(one)
            at = _where(kinks)
            sides = f"one-sided derivatives {low!r} and {high!r}"
            if (
                math.isfinite(e)
                and low - case.atol <= e + case.rtol * abs(e)
                and e - case.rtol * abs(e) <= high + case.atol
            ):
                return (
                    KINK,
                    f"{at} not differentiable here: {sides}; the engine's {e!r} lies between (PyTorch: "
                    f"{kinks[0].convention})",
                )
            return MISMATCH, f"{at} not differentiable here: {sides}, but the engine gives {e!r}, outside them"
        edge = sided.edge(k) if one is None and base != MATCH and math.isfinite(e) else None
        if edge is not None and close(e, edge[1], case):  # (x % 1.5) + x ** 1.5 at 0: defined from the right alone
            return KINK, (
                f"{_where(kinks)} not differentiable here, at the edge of the real domain: only the {edge[0]}-sided "
                f"difference quotient is defined, {edge[1]!r}; the engine's {e!r} agrees (PyTorch: "
                f"{kinks[0].convention})"
            )
    if base == MATCH:
        return MATCH, ""
    rounding = context.of_kind("rounding")
    if rounding and s.is_finite and math.isfinite(e):
        bound = ROUNDING_FACTOR * max(h.bound for h in rounding)
        if abs(e - s.value) <= bound * abs(s.value) + case.atol:
            return ROUNDING, f"{_where(rounding)}: {rounding[0].convention}; SymPy gives {s.value!r}, the engine {e!r}"
    ill = context.of_kind("ill-conditioned")
    if ill and s.is_finite and math.isfinite(e):
        worst = max(ill, key=lambda h: h.bound)
        bound = ROUNDING_FACTOR * worst.bound
        if abs(e - s.value) <= bound * abs(s.value) + case.atol:
            return ILL_CONDITIONED, (
                f"{_where([worst])}: {worst.convention}; the difference is within {bound:.2g} relative; "
                f"SymPy gives {s.value!r}, the engine {e!r}"
            )
    if kinks and sided is None:  # second derivatives at a kink (SymPy's DiracDelta against PyTorch's 0), or a value
        # on a jump (atan2's branch cut at -0.0: PyTorch's -pi, SymPy's pi)
        return KINK, (
            f"{_where(kinks)} not differentiable here, nor what comes of it (PyTorch: {kinks[0].convention}); "
            f"SymPy gives {s}, the engine {e!r}"
        )
    for kind, status in (("indeterminate", INDETERMINATE), ("singular", SINGULAR), ("overflow", OVERFLOW)):
        found = context.of_kind(kind)
        # An indeterminate form explains only SymPy's nan: where SymPy is defined, another hit must explain it.
        if not found or (kind == "indeterminate" and s.kind != "nan"):
            continue
        if s.is_finite and not math.isfinite(e) and kind == "singular" and all(h.undefined for h in found):
            return SINGULAR, (
                f"{_where(found)}: {found[0].convention}; the op's value is not finite here (PyTorch's too), "
                f"where SymPy's form cancels it (x/x = 1) and gives {s.value!r}; the engine {e!r}"
            )
        if s.is_finite and not math.isfinite(e) and kind == "singular":
            return ZERO_TIMES_INF, (
                f"{_where(found)} has an infinite local derivative; the engine's chain rule "
                f"multiplies it by 0 (0*inf = nan, as PyTorch) although the composite is smooth "
                f"here (SymPy: {s.value!r}). Rewrite it (e.g. x**1.5 for x*sqrt(x)) or mask it"
            )
        return status, f"{_where(found)}: {found[0].convention}; SymPy gives {s}, the engine {e!r}"
    if s.kind in ("zoo", "complex", "nan") and not math.isfinite(e):
        return SINGULAR, f"SymPy gives {s} (a pole or off the real line), the engine {e!r}"
    if not s.is_finite and math.isfinite(e) and sided is not None:
        # SymPy's form of the derivative can be undefined where the function is smooth (d/dx relu(x)**2 comes out
        # as ... * Piecewise((1/x, x > 0), (zoo, True)) * ..., nan at 0): the one-sided derivatives decide.
        one = one or sided.one_sided(k)
        if one is not None and close(one[0], one[1], case) and close(e, one[0], case):
            return MATCH, (
                f"SymPy's form of the derivative is {s} here, but the function is differentiable: "
                f"both one-sided derivatives are {one[0]!r}, as the engine says"
            )
    return MISMATCH, f"SymPy gives {s}, the engine {e!r}"


def _where(hits: list) -> str:
    return ", ".join(dict.fromkeys(f"{h.op} at {h.where}" for h in hits))
