"""The consoles every command prints through, and plain-text export of a renderable (rich is imported only here,
in render/, and only when a command prints).

Every command works on any stdout encoding: where the stream cannot encode diffcheck's glyphs, `fit_streams` makes it
write ASCII stand-ins for them (and `\\uXXXX` for anything else), and rich draws its tables with ASCII boxes by
itself. Colour follows `--color`, then NO_COLOR (https://no-color.org: no styling at all), then whether stdout is a
terminal.
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
import sys

COLOR_MODES = ("auto", "always", "never")
_color = ["auto"]  # --color of this command line

# Stand-ins for the glyphs diffcheck writes, where the output encoding has none (ASCII, cp1252 ...). Those that
# appear in table cells are one character, as the glyph: rich measured the cell with the glyph.
GLYPHS = {
    "✓": "+",
    "✗": "x",
    "…": "~",
    "±": "~",
    "µ": "u",
    "—": "--",
    "→": "->",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "×": "x",
    "✅": "[ok]",
    "❌": "[x]",
    "⚠": "[!]",
    "⏱": "[time]",
    "➖": "[-]",
}
_ERRORS = "diffcheck-glyphs"
_PADDING = re.compile(r"[ \t]+(?=\n)")


def _stand_in(error: UnicodeEncodeError) -> tuple[str, int]:
    text = error.object[error.start : error.end]
    return "".join(GLYPHS.get(c) or c.encode("ascii", "backslashreplace").decode() for c in text), error.end


codecs.register_error(_ERRORS, _stand_in)


def fit_streams() -> None:
    """Make stdout and stderr write a stand-in for what their encoding cannot hold, instead of raising."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            "✓━".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors=_ERRORS)


def set_color(mode: str) -> None:
    """`--color auto|always|never` for the consoles made after this."""
    _color[0] = mode


class _Unpadded:
    """A stream without the spaces rich pads lines with (a centred title, a table's last cell): piped output is
    text for diff and grep, not a screen."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(_PADDING.sub("", text))

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"


def consoles():
    """stdout for data, stderr for errors; a wide stdout when it is not a terminal, so tables are never cropped.
    No emoji codes: user text such as `:x:` is printed as written (and rich's emoji table is never loaded)."""
    from rich.console import Console

    tty = sys.stdout.isatty()
    mode = _color[0]
    plain = mode == "never" or (mode == "auto" and bool(os.environ.get("NO_COLOR")))
    style = {"color_system": None} if plain else {"force_terminal": True} if mode == "always" else {}
    size = {"width": None if tty or "COLUMNS" in os.environ else 200}
    if tty and os.environ.get("TERM") == "dumb":  # rich takes 80x25 for a dumb terminal unless given both
        size = dict(zip(("width", "height"), shutil.get_terminal_size()))
    out = sys.stdout if tty else _Unpadded(sys.stdout)

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich exits 1 ("a gradient disagrees"): the command line says why, exit 2
            raise BrokenPipeError("stdout was closed")

    return (
        _Console(file=out, highlight=False, emoji=False, **size, **style),
        _Console(stderr=True, highlight=False, emoji=False, **style),
    )


def plain_text(renderable, width: int) -> list[str]:
    """A renderable as lines of plain text (no styles, no trailing padding), for reports outside a terminal."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False, record=True)
    console.print(renderable)
    return [line.rstrip() for line in console.export_text().splitlines()]  # rich pads lines to the width
