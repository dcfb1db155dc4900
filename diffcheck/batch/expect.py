"""A sample case's pinned expectations (`[case.expect]`, and `[case.expect.ENGINE]` for one engine): read and
validated, each refusal naming its key."""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from ..check.compare import EXPLAINED, MATCH, NONE, NOT_RETAINED
from .values import _Invalid, _toml_type, tensor_value

EXPECT_KEYS = ("output", "grad_fn", "grad", "status")
PINNABLE = (MATCH, NONE, NOT_RETAINED, *EXPLAINED)  # a mismatch is never an expectation


class _Missing(enum.Enum):
    """No pinned output (None is a value): an enum member, so it is still itself once pickled to a worker."""

    MISSING = "missing"


_MISSING = _Missing.MISSING


@dataclass
class Expect:
    """Pinned expectations: values as the engine gives them (None: `.grad` is None); absent keys are not checked."""

    output: Any = _MISSING
    grad_fn: Optional[str] = None
    grad: dict[str, Any] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    engines: dict[str, "Expect"] = field(default_factory=dict)  # `[case.expect.torch]`: pins for one engine

    def on(self, engine: str) -> "Expect":
        """The expectations on `engine`: the case's, with that engine's own pins over them."""
        own = self.engines.get(engine)
        if own is None:
            return replace(self, engines={})
        return Expect(
            own.output if own.output is not _MISSING else self.output,
            own.grad_fn if own.grad_fn is not None else self.grad_fn,
            {**self.grad, **own.grad},
            {**self.status, **own.status},
        )


def suggest(key: str, known, prefix: str = "") -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{prefix}{close[0]}'?)" if close else ""


def expectations(raw: dict, tensors: list, points: int, refuse, engine: str = "") -> Expect:
    """`[case.expect]` (`raw`) read and checked against the program's `tensors`; `refuse` makes the refusal naming the key."""
    from ..engines import BUILT_IN

    expect = Expect()
    for key in raw:
        if key in BUILT_IN and not engine:  # `[case.expect.torch]`: what this engine alone gives
            if not isinstance(raw[key], dict):
                raise refuse(f"'expect.{key}' must be a table of pins, not {_toml_type(raw[key])}", "expect", key)

            def nested(message, *path, key=key, **options):  # messages and lines name `expect.torch.grad`
                return refuse(message.replace("'expect.", f"'expect.{key}.", 1), "expect", key, *path[1:], **options)

            expect.engines[key] = expectations(raw[key], tensors, points, nested, key)
            continue
        if key not in EXPECT_KEYS:
            raise refuse(f"unknown key 'expect.{key}'{suggest(key, EXPECT_KEYS, 'expect.')}", "expect", key)
        if key in ("output", "grad") and points:
            raise refuse(
                f"'expect.{key}' pins values at one point, but 'points' checks random points "
                "(pin 'status' instead, or drop 'points')",
                "expect",
                key,
            )
    if "output" in raw:
        try:
            expect.output = tensor_value(raw["output"])
        except _Invalid as error:
            raise refuse(f"'expect.output': {error}", "expect", "output") from None
    if "grad_fn" in raw:
        if not isinstance(raw["grad_fn"], str):
            raise refuse(
                f"'expect.grad_fn' must be a string such as \"AddBackward0\", not {_toml_type(raw['grad_fn'])}",
                "expect",
                "grad_fn",
            )
        expect.grad_fn = raw["grad_fn"]
    for key in ("grad", "status"):
        table = raw.get(key, {})
        if not isinstance(table, dict):
            raise refuse(f"'expect.{key}' must be a table of tensor names, not {_toml_type(table)}", "expect", key)
        for name, value in table.items():
            if name not in tensors:
                raise refuse(
                    f"'expect.{key}' names '{name}', not a tensor of the program{suggest(name, tensors)} "
                    f"(tensors: {', '.join(tensors)})",
                    "expect",
                    key,
                    name,
                )
            if key == "status":
                if value not in PINNABLE:
                    raise refuse(
                        f"'expect.status.{name}' must be one of {', '.join(PINNABLE)}, not {value!r}"
                        + (" (a mismatch is a bug, not an expectation)" if value == "mismatch" else ""),
                        "expect",
                        key,
                        name,
                    )
                expect.status[name] = value
                continue
            try:
                expect.grad[name] = tensor_value(value, allow_none=True)
            except _Invalid as error:
                raise refuse(
                    f"'expect.grad.{name}': {error} (or \"none\" for a None .grad)", "expect", key, name
                ) from None
    return expect
