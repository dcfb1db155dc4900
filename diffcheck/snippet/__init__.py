"""`diffcheck run`, interpreting: a validated PyTorch snippet run on diffcheck's engine, never executed by Python.

A dispatch dict keyed by AST node type runs each statement and expression (the whitelist a second time: what has no
handler cannot run). Output is written as PyTorch's would be, warnings go through Python's own warning machinery with
the snippet's file and line, and what the real program would raise stops the run as one line. Every tensor is traced
(`snippet_trace`) so each backward() call becomes a `check.Case`; `verify` checks them all with `check.check`.
"""

from __future__ import annotations

import ast
import linecache
import os
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable

from .. import engine
from ..check.budget import run_deep
from ..defaults import SNIPPET_SAMPLE
from ..errors import DiffcheckError
from ..lang.program import Pos
from .autograd_surface import AutogradSurface
from .builtins import Builtins
from .expressions import Expressions
from .layers import FACTORIES as NN_FACTORIES
from .modules import ModuleSurface
from .factories import Factories
from .functional_surface import FunctionalSurface
from .hook_surface import HookSurface
from .saved_hooks import SavedHooksSurface
from .names import MAX_CALL_DEPTH, MAX_OUTPUT, MAX_STEPS, TIME_BUDGET
from .op_calls import OpCalls
from .optim import FACTORIES as OPTIM_FACTORIES
from .random_surface import RandomSurface
from .parse import Snippet, node_pos
from .statements import Statements
from .torch_surface import Raised, TorchSurface
from .trace import Tracer
from .verification import Outcome, verify
from .values import Module, Scope

__all__ = ["run_snippet", "verify", "Outcome", "Limits"]

_PYTHON_ERRORS = (TypeError, ValueError, ZeroDivisionError, OverflowError, IndexError, KeyError, AttributeError)


@dataclass(frozen=True)
class Limits:
    """What one run may spend: statements executed, nested calls, wall-clock seconds, characters printed; and how
    many calls of one graph shape it keeps for verification between the first and the last (the `run` flags)."""

    steps: int = MAX_STEPS
    depth: int = MAX_CALL_DEPTH
    seconds: float = TIME_BUDGET
    output: int = MAX_OUTPUT
    sample: int = SNIPPET_SAMPLE


def run_snippet(snippet: Snippet, write: Callable[[str], Any] = None, limits: Limits = Limits()) -> Outcome:
    """Interpret `snippet`: output through `write` (stdout by default), warnings to stderr, never a traceback."""
    interpreter = _Interpreter(snippet, write or (lambda text: sys.stdout.write(text)), limits)
    return run_deep(interpreter.run, None)  # a big stack: the snippet's recursion is bounded by limits.depth


class _Interpreter(
    Statements,
    Expressions,
    SavedHooksSurface,  # before Builtins and AutogradSurface: it wraps their get_item, set_item and inplace
    Builtins,
    AutogradSurface,
    FunctionalSurface,
    HookSurface,
    ModuleSurface,
    RandomSurface,
    TorchSurface,
    OpCalls,
    Factories,
):
    FACTORIES = {**NN_FACTORIES, **OPTIM_FACTORIES}

    def __init__(self, snippet: Snippet, write: Callable[[str], Any], limits: Limits):
        self.snippet, self.write, self.limits = snippet, write, limits
        self.lines = snippet.lines
        # Python shows a script's warnings under its absolute path (3.9+); the source line comes from linecache
        self.filename = "<stdin>" if snippet.where == "<stdin>" else os.path.abspath(snippet.where)
        self.scope = Scope()
        self.tracer = Tracer()
        self.outcome = Outcome(snippet.where, limits.sample)
        self.registry: dict = {}  # the warning registry of the snippet's module: once per call site
        self.float_warned = False
        self.steps = self.depth = self.printed = 0
        self.deadline = time.monotonic() + limits.seconds
        self.handling: list = []  # the exceptions being handled (a bare `raise` re-raises the last)
        self.echoed: dict = {}  # a REPL session's `_`: the last value echoed
        self.aliases: dict[int, list] = {}  # `.data` groups sharing storage
        self.sources: dict[int, str] = {}
        self.positions: dict[int, Pos] = {}
        self.selves: list = []  # (self, the class defining the method) of the methods running: super()'s
        self.rendering = 0  # the snippet's __repr__/__str__ calls running (Python asked for an object's text)
        self.rendered = 0  # characters they returned since the text being made was last measured (text_fits)
        self.text_node = None  # the node whose text is being made: where a __repr__/__str__ raises
        self._generator = None  # this run's global generator, seeded from /dev/urandom when first drawn from

    @property
    def env(self) -> dict:
        return self.scope.flat()

    def run(self) -> Outcome:
        cached = linecache.cache.get(self.filename)
        if self.filename != "<stdin>":  # the text that runs is the text the warnings quote; stdin's, Python can't
            linecache.cache[self.filename] = (
                len(self.snippet.text),
                None,
                [line + "\n" for line in self.lines],
                self.filename,
            )
        try:
            with warnings.catch_warnings(), engine.enable_grad():
                warnings.showwarning = self._show
                if not self.snippet.session:
                    self.block(self.snippet.tree.body)
                else:
                    self._session()
        except Raised as stop:
            self.outcome.raised = self._raised(stop)
        except DiffcheckError as error:
            self.outcome.error = error.located(self.snippet.where)
        finally:
            if cached is None:
                linecache.cache.pop(self.filename, None)
            else:
                linecache.cache[self.filename] = cached
        return self.outcome

    def _session(self) -> None:
        """A REPL session: an exception ends the statement that raised it (the REPL shows it and reads on); each is
        one line of `outcome.raised`."""
        raised = []
        for statement in self.snippet.tree.body:
            try:
                self.block([statement])
            except Raised as stop:
                raised.append(self._raised(stop))
        self.outcome.raised = "\n".join(raised) or None

    def _raised(self, stop: Raised) -> str:
        text = f"{stop.kind}: {stop.message}" if stop.message else stop.kind
        return f"{self.snippet.where}:{stop.line}: {text}"

    @staticmethod
    def _show(message, category, filename, lineno, file=None, line=None) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    def warn(self, message: str, node: ast.AST) -> None:
        try:
            warnings.warn_explicit(
                message, UserWarning, self.filename, node.lineno, module="__main__", registry=self.registry
            )
        except Warning as raised:  # python -W error: the warning is raised where it happens
            raise Raised(type(raised).__name__, str(raised), node.lineno) from None

    def source(self, node: ast.AST) -> str:
        """A node's source text on one line (cached: loops ask for the same nodes again)."""
        text = self.sources.get(id(node))
        if text is None:
            text = self.sources[id(node)] = self.snippet.source(node)
        return text

    def position(self, node: ast.AST) -> Pos:
        pos = self.positions.get(id(node))
        if pos is None:
            pos = self.positions[id(node)] = node_pos(self.lines, node)
        return pos

    def fail(self, message: str, node: ast.AST) -> DiffcheckError:
        return DiffcheckError(message, self.position(node))

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            path = alias.name if alias.asname is not None or alias.name == "math" else "torch"
            self.scope.vars[alias.asname or path] = Module(path)

    def _import_from(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.scope.vars[alias.asname or alias.name] = self.member(Module(node.module), alias.name, node.lineno)

    STATEMENTS = {**Statements.STATEMENTS, ast.Import: _import, ast.ImportFrom: _import_from}

    def _python(self, function, node: ast.AST, *args, **kwargs):
        """A Python operation on plain values; its exceptions are the snippet's own."""
        try:
            return function(*args, **kwargs)
        except RecursionError:
            raise self.fail("values nest too deeply", node) from None
        except RuntimeError as error:  # a tensor's truth in a list's remove, index, count: PyTorch's error
            raise Raised("RuntimeError", str(error), node.lineno) from None
        except _PYTHON_ERRORS as error:
            message = repr(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
            raise Raised(type(error).__name__, message, node.lineno) from None
