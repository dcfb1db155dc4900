"""An exact value at a point, by kind: what both symbolic routes (SymPy's and symengine's) hand to the comparison.

Its own module, below the rest, so the symengine route can build one without importing SymPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Exact:
    """A SymPy value at a point, by kind: finite, inf, -inf, zoo (complex infinity), nan or complex."""

    kind: str
    value: float = math.nan

    @property
    def is_finite(self) -> bool:
        return self.kind == "finite"

    def __str__(self) -> str:
        return repr(self.value) if self.kind == "finite" else self.kind
