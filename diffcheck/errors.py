"""diffcheck's own error type: every refusal is one line naming the place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named in annotations: errors sit below every room
    from .lang.program import Pos


class DiffcheckError(Exception):
    """A problem with the user's input or run, reported as one line and exit code 2.

    `where` names the source (an argument, a file, "expression"), `pos` the line and column in it.
    """

    def __init__(self, message: str, pos: Pos | None = None, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.where = where

    def located(self, where: str) -> "DiffcheckError":
        """The same error, attributed to `where` unless it already names a place."""
        if self.where is None:
            self.where = where
        return self

    def __str__(self) -> str:
        place = ":".join(p for p in (self.where, str(self.pos) if self.pos else None) if p)
        return f"{place}: {self.message}" if place else self.message


class ParseError(DiffcheckError):
    """The text is not a program diffcheck accepts."""


class LimitError(DiffcheckError):
    """The input exceeds a documented resource limit."""


class EngineError(DiffcheckError):
    """A runtime error PyTorch would raise (second backward, non-scalar backward ...)."""
