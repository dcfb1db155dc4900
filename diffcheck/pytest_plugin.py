"""pytest plugin: `pytest --diffcheck samples/` runs every [[case]] of the sample files as a test item.

Registered through the `pytest11` entry point and inert without `--diffcheck`, so installing diffcheck never changes
what an unrelated test suite collects. In a folder only sample files are collected (`pytest --diffcheck .` skips
pyproject.toml and other TOML); a file named on the command line always is. Cases load and run through the same code
as `diffcheck verify`; each case in a child process killed after `--diffcheck-timeout` seconds (0: in this process,
unbounded).
"""

from __future__ import annotations

import math

import pytest

from .batch.samples import Refusal, Sample, is_sample_file
from .defaults import TIMEOUT


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("diffcheck").addoption(
        "--diffcheck", action="store_true", help="collect the [[case]] tables of *.toml sample files as test items"
    )
    parser.getgroup("diffcheck").addoption(
        "--diffcheck-timeout",
        type=float,
        default=TIMEOUT,
        metavar="SECONDS",
        help=f"wall-clock budget of one case, in a child process (default {TIMEOUT:g}; 0: in this process, unbounded)",
    )


def pytest_collect_file(file_path, parent: pytest.Collector):
    if (
        file_path.suffix == ".toml"
        and parent.config.getoption("diffcheck")
        and (parent.session.isinitpath(file_path) or is_sample_file(file_path))
    ):
        return SampleFile.from_parent(parent, path=file_path)
    return None


class CaseFailed(Exception):
    """A case that did not pass; the message is the whole readable report."""


class SampleFile(pytest.File):
    """One sample file: an item per case, refused cases and unreadable files included (they fail with the loader's
    one-line message, rather than stopping the collection of the rest)."""

    def collect(self):
        from .batch.verify import display, load_all

        items, _ = load_all([self.path])  # warnings (a file without cases) are not failures, as in `verify`
        names = set()
        for item in items:
            name = item.name if item.name is not None else "(file)"  # a file-level error has no case name
            if name in names:  # a refused duplicate: a nodeid must stay unique
                name = f"{name} (line {item.line})"
            names.add(name)
            yield SampleItem.from_parent(self, name=name, item=item, file=display(self.path))


class SampleItem(pytest.Item):
    def __init__(self, *, item: Sample | Refusal, file: str, **kwargs):
        super().__init__(**kwargs)
        self.item, self.file = item, file

    def runtest(self) -> None:
        from .errors import DiffcheckError
        from .batch.pool import Done
        from .batch.verify import ERROR, PASS, Outcome, check_sample, outcome_of
        from .check.budget import TimedOut, run_deep

        item = self.item
        if isinstance(item, Refusal):
            outcome = Outcome(item.file, item.line, item.name, ERROR, error=item.message)
        else:
            timeout = self.config.getoption("diffcheck_timeout")
            timeout = timeout if timeout and math.isfinite(timeout) and timeout > 0 else None
            try:
                done = Done("ok", run_deep(lambda: check_sample(item), timeout), 0.0)
            except TimedOut:
                done = Done("timeout", None, timeout)
            except DiffcheckError as error:  # an internal error stays an exception, with its traceback
                done = Done("error", str(error), 0.0)
            outcome = outcome_of(item, done, timeout=timeout or 0.0)
        if outcome.status != PASS:
            raise CaseFailed(outcome.error or _report(outcome, self.config.get_terminal_writer().fullwidth))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.item.line - 1, f"{self.file}:{self.item.line}: {self.name}"


def _report(outcome, width: int) -> str:
    """The problems of a failed case, one line each, then its `check` table as plain text, fitted to pytest's
    terminal width (COLUMNS, else 80 in CI)."""
    from .render.batch import problems
    from .render.check import check_table
    from .render.console import plain_text

    head = f"{outcome.file}:{outcome.line}: case '{outcome.name}': {outcome.status}"
    table = plain_text(check_table(outcome.result), width=width)
    return "\n".join([head, *problems(outcome), "", *table])
