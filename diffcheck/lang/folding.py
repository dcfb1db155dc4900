"""Constant folding for the parser (`lang/parse.py`): an input-free expression's value estimated in floats, to refuse
a constant SymPy would compute exactly forever."""

from __future__ import annotations

import ast
import math
import operator
from typing import Any, Callable, Optional

from ..errors import LimitError

# Folding only *estimates* constants in floats, to refuse what SymPy would compute exactly forever (9**9**9).
_FOLD: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "pow": pow,
    "div": operator.truediv,
    "neg": operator.neg,
    "square": lambda a: a * a,
}
_GROWS = {"mul": "product", "div": "quotient", "pow": "power", "square": "square"}  # repeated, these explode exactly


class Folding:
    """Methods the parser's converter mixes in: they read its limits, positions and source."""

    def _shown(self, kid) -> str:
        """A constant operand for a message: its estimated value (9**9 shows as 387420489), else its source."""
        if kid.value is None:
            return self._source(kid.src)[:40]
        text = str(int(kid.value)) if kid.value.is_integer() and abs(kid.value) < 1e16 else repr(kid.value)
        return f"({text})" if kid.value < 0 else text

    def _fold(self, op: str, args: list, node: ast.AST) -> Optional[float]:
        """Estimate a constant in floats; refuse one that SymPy, computing exactly, would choke on."""
        values = [kid.value for kid in args]
        shown = lambda: [self._shown(kid) for kid in args]  # noqa: E731  (only when refusing)
        if op == "pow" and values[1] is not None and abs(values[1]) > self.limits.max_power:
            raise LimitError(
                f"constant power {'**'.join(shown())} is too large (limit: exponent "
                f"{self.limits.max_power}; raise it with --max-power)",
                self.pos(node),
            )
        if op not in _FOLD or None in values:
            return None
        try:
            value = _FOLD[op](*values)
        except ZeroDivisionError:
            return None
        except OverflowError:
            value = math.inf
        if isinstance(value, complex):  # a negative base to a fractional power: no real estimate
            return None
        tiny = value == 0 and all(v != 0 and math.isfinite(v) for v in values)
        if op in _GROWS and (math.isinf(value) or tiny):
            logs = [math.log10(abs(v)) if v and math.isfinite(v) else 0.0 for v in values]
            size = {"mul": sum(logs), "div": logs[0] - logs[-1], "pow": logs[0] * values[-1], "square": 2 * logs[0]}
            about = f"about 10**{round(size[op])}, " if math.isfinite(size[op]) and (size[op] > 300 or tiny) else ""
            symbol = {"mul": "*", "div": "/", "pow": "**"}.get(op)
            text = symbol.join(shown()) if symbol else f"square({shown()[0]})"
            raise LimitError(
                f"constant {_GROWS[op]} {text} is too {'small' if tiny else 'large'} ({about}beyond floating point)",
                self.pos(node),
            )
        return value
