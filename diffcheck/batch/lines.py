"""Where things are in a sample file's raw text: the lines of `[[case]]` headers and keys, which `tomllib` does not keep.

A line scanner, not a TOML parser: `tomllib` has already accepted the text, so only headers, keys, strings and brackets
need recognising. Lines end at "\n" only, as they do for `tomllib` (whose error positions count them): U+2028,
U+0085 and the other breaks `str.splitlines` knows are ordinary characters in a TOML comment or string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

_KEY = re.compile(
    r'\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'
    r"\'[^\']*\'))*)\s*="
)
_HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_PART = re.compile(r'[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\'')


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p[1:-1] if p[0] in "\"'" else p for p in _PART.findall(dotted))


@dataclass
class CaseLines:
    """Where one `[[case]]` is written: its header's line, its keys' lines (by path below the case) and where its
    strings' texts begin. All that the case's refusals need, so it travels with the case to the worker that loads it."""

    header: int
    keys: dict[tuple, int] = field(default_factory=dict)
    value_starts: dict[tuple, int] = field(default_factory=dict)  # path -> line where a string's text begins

    def line(self, path: tuple = ()) -> int:
        """The line of the longest prefix of `path` written in the case, else the case's header."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.keys:
                return self.keys[path[:end]]
        return self.header


class Locator:
    """Line numbers of `[[case]]` headers and of keys (as paths below their case), from a scan of the raw text.

    Lines inside multi-line strings and multi-line arrays or inline tables are skipped, so a program text or a matrix
    spanning lines is never mistaken for a header or a key.
    """

    def __init__(self, text: str):
        self.cases: list[CaseLines] = []
        self.top: dict[str, int] = {}
        table, quote, depth = (), None, 0
        for number, line in enumerate(text.split("\n"), start=1):
            if quote is None and depth == 0:
                header, key = _HEADER.match(line), _KEY.match(line)
                if header and not key:
                    path = _parts(header.group(2))
                    if header.group(1) == "[[" and path == ("case",):
                        self.cases.append(CaseLines(number))
                        table = ()
                    elif path[:1] == ("case",) and self.cases:
                        table = path[1:]
                        self.cases[-1].keys.setdefault(table, number)
                    else:
                        table = None
                        self.top.setdefault(path[0] if path else "", number)
                elif key:
                    path = _parts(key.group(1))
                    if table is None or not self.cases:
                        self.top.setdefault(path[0], number)
                    else:
                        self.cases[-1].keys.setdefault(table + path, number)
                        rest = line[key.end() :].lstrip()
                        starts_own_line = rest[:3] in ('"""', "'''") and not rest[3:].strip()
                        self.cases[-1].value_starts[table + path] = number + starts_own_line
            quote, depth = _scan(line, quote, depth)


_TOKEN = re.compile(r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]', re.S)


def nesting(text: str) -> tuple[int, int]:
    """How deep arrays and inline tables nest (brackets outside strings and comments), and the first line where
    they nest that deep: checked before `tomllib`, which recurses once per level and, under a recursion limit
    someone raised, could overflow the C stack instead of raising RecursionError."""
    depth = peak = at = 0
    for token in _TOKEN.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > peak:
                peak, at = depth, token.start()
        elif char in "]}":
            depth = max(0, depth - 1)
    return peak, text.count("\n", 0, at) + 1


_OUTSIDE = re.compile(r"""\"\"\"|'''|["'#\[\]{}]""")  # what opens a string or a comment, or is a bracket
_CLOSE = {  # from inside a string, through its closing quote (a basic string's backslash escapes the next character)
    '"': re.compile(r'(?:\\.|[^\\])*?"'),
    '"""': re.compile(r'(?:\\.|[^\\])*?"""'),
    "'": re.compile(r".*?'"),
    "'''": re.compile(r".*?'''"),
}


def _scan(line: str, quote: Optional[str], depth: int) -> tuple[Optional[str], int]:
    """Carry string and bracket state across a line: (open multi-line quote or None, open bracket depth)."""
    at = 0
    while True:
        if quote:
            closed = _CLOSE[quote].match(line, at)
            if closed is None:  # a one-line string left open ends with its line (tomllib has refused it already)
                return (quote if len(quote) == 3 else None), depth
            at, quote = closed.end(), None
        token = _OUTSIDE.search(line, at)
        if token is None or token.group() == "#":
            return None, depth
        at, char = token.end(), token.group()
        if char[0] in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        else:
            depth = max(0, depth - 1)
