"""Pinned expectations against a result (`broken`), the pins a result would write, and the `--update` writer that
sets them in a sample file's text, keeping its comments and layout."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from ..check import Case, CheckResult, float32_tolerance
from ..check.compare import EXPLAINED
from ..lang.values import number_text as shown
from .expect import _MISSING, Expect
from .samples import BOM, text_digest
from .values import same_value


def broken(expect: Expect, result: CheckResult, case: Case) -> list[str]:
    """What `result` no longer produces of the pinned expectations, one line each; a float32 case's within float32's
    tolerance, as its comparison with SymPy."""
    if case.dtype == "float32":
        case = float32_tolerance(case)
    lines = []
    out = result.output
    if expect.output is not _MISSING and not same_value(expect.output, out.value, case.rtol, case.atol):
        lines.append(f"output {out.name}: expected {shown(expect.output)}, got {shown(out.value)}")
    if expect.grad_fn is not None and expect.grad_fn != out.grad_fn:
        lines.append(f"grad_fn: expected {expect.grad_fn}, got {out.grad_fn}")
    tensors = {t.name: t for t in result.tensors}
    for name, value in expect.grad.items():
        if name not in tensors:
            lines.append(f"{name}.grad: expected {shown(value)}, but the result has no tensor '{name}'")
        elif not same_value(value, tensors[name].engine, case.rtol, case.atol):
            lines.append(f"{name}.grad: expected {shown(value)}, got {shown(tensors[name].engine)}")
    for name, status in expect.status.items():
        got = tensors[name].status if name in tensors else "(no such tensor)"
        if got != status:
            lines.append(f"{name}: expected status {status}, got {got}")
    return lines


def pins(result: CheckResult, old: Expect, case: Case) -> dict:
    """The expectations `result` would pin: output, grad_fn, every input's and every non-None `.grad`, statuses
    other than plain agreement; tensors pinned before stay pinned. Values are left out for random `points`."""
    table: dict[str, Any] = {}
    if not case.points:
        table["output"] = result.output.value
        table["grad_fn"] = result.output.grad_fn
        table["grad"] = {
            t.name: "none" if t.engine is None else t.engine
            for t in result.tensors
            if t.role == "input" or t.engine is not None or t.name in old.grad
        }
    status = {t.name: t.status for t in result.tensors if t.status in EXPLAINED or t.name in old.status}
    if status:
        table["status"] = status
    return {key: value for key, value in table.items() if value is not None}


class NotPinned(Exception):
    """A sample file `--update` leaves as it is; the message says why, in one line."""


def pin_file(path: Path, new: dict[str, dict], digest: str) -> list[str]:
    """Set `new` (case name -> pins) in the sample file at `path`, re-read now: refused unless it is still the text
    its cases were loaded from (`digest`), a regular file, writable, in a writable folder. Returns the names of the
    cases whose pins changed; the file is replaced atomically with its permissions kept."""
    from .files import TooLarge, read_text, write_atomic

    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            raise NotPinned("not a regular file: --update rewrites regular files only")
        raw = read_text(path)
        if text_digest(raw) != digest:
            raise NotPinned(_CHANGED)
        updated, changed = update_text(raw.removeprefix(BOM), new)
        if changed:
            write_atomic(
                Path(os.path.realpath(path)),
                BOM * raw.startswith(BOM) + updated,
                status,
                guard=lambda: _unchanged(path, digest),
            )
        return changed
    except OSError as error:
        raise NotPinned(error.strerror or str(error)) from None
    except (TooLarge, RecursionError, ValueError) as error:  # ValueError: tomlkit's ParseError, bad UTF-8
        raise NotPinned(f"cannot be rewritten: {type(error).__name__}: {error}") from None


_CHANGED = "the file changed since its cases were loaded (an edit, a checkout?): run --update again"


def _unchanged(path: Path, digest: str) -> None:
    """The last look before the replacement: an edit saved while the new text was being written wins."""
    from .files import read_text

    if text_digest(read_text(path)) != digest:
        raise NotPinned(_CHANGED)


def update_text(text: str, new: dict[str, dict]) -> tuple[str, list[str]]:
    """`text` with the `[case.expect]` of the case named `name` set to `new[name]`, keeping comments and layout
    (tomlkit); and the names of the cases whose pins changed. Cases are found by name, never by position."""
    import tomlkit

    document = tomlkit.parse(text)
    cases = document["case"]
    named: dict[str, int] = {}
    for index, case in enumerate(cases):
        named.setdefault(case.get("name"), index)  # the first of a duplicated name: its only loaded case
    changed = []
    for name, expect in new.items():
        index = named[name]
        case = cases[index]
        before = repr(case["expect"].unwrap()) if "expect" in case else None
        if "expect" not in case:
            if not expect:
                continue
            trailing = _trailing_trivia(case)  # the comment over the next case stays over it
            case["expect"] = _new_table(expect, last=index == len(cases) - 1 or bool(trailing))
            for item in trailing:
                case["expect"].add(item)
        else:
            target = case["expect"]
            for key, value in expect.items():
                if isinstance(value, dict):
                    if not isinstance(target.get(key), dict):
                        target[key] = _inline(value)
                    for item in [n for n in target[key] if n not in value]:
                        del target[key][item]
                    for item, number in value.items():
                        target[key][item] = number  # nan and inf become TOML's own literals
                else:
                    target[key] = value  # tomlkit keeps the line's trailing comment
        if repr(case["expect"].unwrap()) != before:
            changed.append(name)
    return tomlkit.dumps(document), changed


def _trailing_trivia(case) -> list:
    """Take the blank lines and comments that end `case`'s table out of it: they precede the next `[[case]]` (tomlkit
    keeps them in the table above), so keys added to this case go before them."""
    from tomlkit.items import Comment, Whitespace

    body, trailing = case.value.body, []
    while body and body[-1][0] is None and isinstance(body[-1][1], (Comment, Whitespace)):
        trailing.insert(0, body.pop()[1])
    return trailing


def _inline(values: dict):
    import tomlkit

    table = tomlkit.inline_table()
    table.update(values)
    return table


def _new_table(expect: dict, last: bool):
    """A fresh `[case.expect]`: name tables inline while short, as their own `[case.expect.grad]` when long; a blank
    line before the next `[[case]]`."""
    import tomlkit

    table, tail = tomlkit.table(), None
    for key, value in expect.items():
        if isinstance(value, dict) and len(tomlkit.dumps({key: value})) > 100:
            tail = tomlkit.table()
            tail.update(value)
            table[key] = tail
        else:
            table[key] = _inline(value) if isinstance(value, dict) else value
    if not last:
        (tail if tail is not None else table).add(tomlkit.nl())
    return table
