"""Classes of findings from `fuzz --against torch --cases 5000 --seed 53` (issue #16), each a labelled status now,
never an internal error or a bare mismatch. Engine values are PyTorch 2.13's, measured in float64."""

from __future__ import annotations

import pytest

from diffcheck.check import Case, check
from diffcheck.lang.parse import parse_program


def statuses_of(program: str, **values) -> list:
    return check(Case(parse_program(program), values)).statuses


@pytest.mark.parametrize(
    "program, values",
    [
        ("t2 = asin(x); out = atan2(t2, t2)", dict(x=1.313)),  # both operands complex to SymPy
        ("out = atan2(log(z), u)", dict(z=-1.0, u=0.0)),  # log of a negative: nan on the engine, I*pi in SymPy
        ("out = atan2(u, asin(z))", dict(z=2.0, u=0.5)),
    ],
)
def test_an_operand_of_atan2_off_the_real_line_is_singular(program, values):
    assert statuses_of(program, **values)[:2] == ["singular", "singular"]
