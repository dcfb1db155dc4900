"""Program text before conversion: cleaning, resource limits, the token scan, and `ast.parse` on a big stack.

Shared by the expression parser (`lang/parse.py`), the value parser (`lang/values.py`) and the snippet parser: whatever
reads user text goes through `_clean`, `_scan_tokens` and `_ast_parse`, and names and literals are judged here once.
"""

from __future__ import annotations

import ast
import io
import math
import re
import sys
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Optional

from .. import ops
from ..errors import LimitError, ParseError
from .. import defaults
from .program import Pos


@dataclass(frozen=True)
class Limits:
    """Resource limits on one program; each is the CLI flag `--max-<name>` (underscores as dashes)."""

    max_length: int = defaults.MAX_LENGTH
    max_depth: int = defaults.MAX_DEPTH
    max_nodes: int = defaults.MAX_NODES
    max_statements: int = defaults.MAX_STATEMENTS
    max_int_digits: int = defaults.MAX_INT_DIGITS
    max_power: int = defaults.MAX_POWER


DEFAULT_LIMITS = Limits()
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WORD = re.compile(r"\w+", re.ASCII)
_STACK, _RECURSION = 256 * 1024 * 1024, 100_000  # for ast.parse: a 3000-term `x+x+...` recurses deep inside it


def _limit(what: str, flag: str, limit: int, pos: Optional[Pos] = None) -> LimitError:
    return LimitError(f"{what} (limit {limit}; raise it with --max-{flag})", pos)


def _printable(text: str) -> str:
    """User text quoted in a one-line message: control characters escaped."""
    return text if text.isprintable() else repr(text)[1:-1]


def _op_names() -> set[str]:
    """The function names a variable may not take (not t, T, mT: a call of them is read as one)."""
    spellings = ops.dispatch.SPELLINGS
    return {name for name in spellings if spellings[name].reserved}


def _check_name(name: str, pos: Optional[Pos], op_names: Optional[set[str]] = None) -> str:
    """A variable name: ASCII identifier, not dunder, not a function's name."""
    if not name.isascii():
        raise ParseError(f"non-ASCII identifier '{_printable(name)}'", pos)
    if not _IDENT.match(name):
        raise ParseError(f"'{_printable(name)}' is not a valid name", pos)
    if name.startswith("__"):
        raise ParseError(f"name '{name}' is not allowed (names may not start with '__')", pos)
    if name in (_op_names() if op_names is None else op_names):
        raise ParseError(f"'{name}' is a function name; it cannot be used as a variable", pos)
    return name


def _literal_problem(value: Any) -> Optional[str]:
    """Why a Python literal is not a number we take (None when it is one)."""
    if type(value) in (int, float):  # exact types: True is an int subclass
        return None
    if isinstance(value, bool) or value is None:
        return f"{value} is not a number"
    if isinstance(value, (complex, str, bytes)):
        return f"{ {complex: 'complex', str: 'string', bytes: 'bytes'}[type(value)] } literals are not supported"
    return "unsupported syntax: '...'"


def _number_problem(value: Any, text: str) -> Optional[str]:
    """Why a number float64 cannot hold is refused (None when it can hold it): `value` is what Python or TOML read,
    `text` the literal as written. Python reads 1e400 as inf and 1e-400 as 0.0 without a word (torch.tensor(1e400) is
    inf too), and a huge integer as itself, which no float holds; diffcheck checks the program as written, so it
    refuses such a number rather than check another one. Spelled-out `inf`/`nan` (no digits) are what they say."""
    if type(value) is int:
        try:
            float(value)  # raises exactly when the integer rounds to inf
            overflows = False
        except OverflowError:
            overflows = True
    else:
        overflows = math.isinf(value) and any(char.isdigit() for char in text)
    if overflows:
        return f"number {_shown_number(text)} overflows float64 (largest is {sys.float_info.max!r})"
    if value == 0 and re.search("[1-9]", text.lower().partition("e")[0]):
        return f"number {_shown_number(text)} underflows float64 to 0 (smallest positive is {math.ulp(0.0)!r})"
    return None


def _shown_number(text: str) -> str:
    """A literal in a message: a 400-digit integer shows its head and its length."""
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"


def _pos_at(text: str, index: int) -> Pos:
    return Pos(text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index))


def _clean(text: str) -> str:
    """Strip one BOM, refuse null bytes with their place, and use Python's own line breaks."""
    text = (text[1:] if text.startswith("\ufeff") else text).replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in text:
        raise ParseError("null byte in input", _pos_at(text, text.index("\0")))
    return text


def _could_be_deep(text: str) -> bool:
    """Whether `ast.parse` might nest deeper than a plain thread's stack and recursion limit allow: every level of
    nesting costs an operator, a bracket, a comma or a keyword's characters, so short text with few of them cannot."""
    return len(text) > 2000 or sum(map(text.count, "+-*/@([,")) > 200


def _ast_parse(text: str, mode: str) -> ast.AST:
    """`ast.parse` (in a thread with a big stack and a raised recursion limit when the text could nest deep, so deep
    but legal input parses; starting that thread costs more than parsing a small program); Python's SyntaxError,
    RecursionError and MemoryError (deep nesting) become one-line DiffcheckErrors."""
    box: dict[str, Any] = {}

    def work(recursion: int) -> None:
        old = sys.getrecursionlimit()
        try:
            sys.setrecursionlimit(max(old, recursion))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarnings would print, or under -W error raise
                box["tree"] = ast.parse(text, mode=mode)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            box["error"] = exc
        finally:
            sys.setrecursionlimit(old)

    if not _could_be_deep(text):
        work(0)
    else:
        try:
            old_size = threading.stack_size(_STACK)
            try:
                thread = threading.Thread(target=work, args=(_RECURSION,), name="diffcheck-parse", daemon=True)
                thread.start()
            finally:
                threading.stack_size(old_size)
            thread.join()
        except (ValueError, RuntimeError, MemoryError):  # no big-stack thread here: parse on our own stack
            work(0)
    exc = box.get("error")
    if exc is None:
        return box["tree"]
    if isinstance(exc, (RecursionError, MemoryError)):
        raise LimitError("expression nests too deeply for Python's parser")
    message, lineno = getattr(exc, "msg", None) or str(exc), getattr(exc, "lineno", None)
    pos = Pos(lineno, max(getattr(exc, "offset", None) or 1, 1)) if lineno else None
    if "too many nested parentheses" in message:
        raise LimitError("brackets nest more than 200 levels deep (the limit of Python's parser)", pos)
    if "integer string conversion" in message:  # Python's own cap on int literals, sys.get_int_max_str_digits()
        digits = re.search(r"value has (\d+) digits", message)
        raise LimitError(
            f"integer literal has {digits[1] if digits else 'too many'} digits (Python's own limit "
            f"is {sys.get_int_max_str_digits()})",
            pos,
        )
    raise ParseError(f"syntax error: {message}", pos)


def _scan_tokens(text: str, limits: Limits) -> None:
    """What `ast.parse` would hide: it NFKC-normalises identifiers (full-width `ｅｖａｌ` becomes `eval`) and
    converts int literals, however long, before we see them. ASCII text without a word longer than the digit limit
    holds neither, and skips the tokenizer (its first use compiles a regular expression for ~6 ms)."""
    if text.isascii() and max(map(len, _WORD.findall(text)), default=0) <= limits.max_int_digits:
        return
    import tokenize

    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            pos = Pos(tok.start[0], tok.start[1] + 1)
            if tok.type == tokenize.NAME and not tok.string.isascii():
                raise ParseError(f"non-ASCII identifier '{tok.string}'", pos)
            if tok.type == tokenize.NUMBER:
                digits = tok.string.replace("_", "").lower()
                count = len(digits) - 2 if digits[:2] in ("0x", "0o", "0b") else len(digits) * digits.isdigit()
                if count > limits.max_int_digits:
                    raise _limit(f"integer literal has {count} digits", "int-digits", limits.max_int_digits, pos)
    except (tokenize.TokenError, SyntaxError):
        pass  # ast.parse reports the syntax error properly
