"""The docs site and the README's front page show real output: every `$ diffcheck ...` example is run at 80 columns
and must print what the page shows; the README's test commands are .ci/run's, and the docs site builds from every page.

An example is a fenced block whose first line is `$ diffcheck ...`: each `$ ` line is a command (a line ending in `\\`
goes on), the lines up to the next one its output, stdout alone or stdout then stderr. A line `...` elides output; a
command ending in `; echo "exit code $?"` shows its exit code last; a command shown without output must exit 0.
`diffcheck run FILE` runs the page's nearest ```python block above it as FILE. Run times (`0.11s`, `in 1.4 s`) and
`-j N` are machine-dependent and compared as placeholders; an example naming an engine that is not installed is
skipped."""

from __future__ import annotations

import importlib.util
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
EXIT_ECHO = '; echo "exit code $?"'
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass
class Example:
    page: str
    line: int
    command: str
    output: str | None  # None: shown without output
    source: str | None  # the page's nearest ```python block above the example


def examples_of(path: Path) -> list[Example]:
    """Every `$ diffcheck` command of a page, with the output it shows."""
    text = path.read_text(encoding="utf-8")
    found, source = [], None
    for fence in FENCE.finditer(text):
        language, body = fence.group(1), fence.group(2)
        if language == "python":
            source = body
            continue
        if language not in ("", "console") or not body.startswith("$ diffcheck"):
            continue
        line = text.count("\n", 0, fence.start(2)) + 1
        lines = body.splitlines()
        while lines:
            command, start = lines.pop(0)[2:], line
            line += 1
            while command.endswith("\\"):
                command, line = command[:-1] + " " + lines.pop(0).strip(), line + 1
            shown = []
            while lines and not lines[0].startswith("$ "):
                shown.append(lines.pop(0))
                line += 1
            output = "".join(f"{s}\n" for s in shown) if shown else None
            found.append(Example(path.relative_to(ROOT).as_posix(), start, command, output, source))
    return found


EXAMPLES = [example for page in PAGES for example in examples_of(page)]


def normal(text: str) -> str:
    """Run times and the job count, which depend on the machine, as placeholders."""
    text = re.sub(r"\b\d+\.\d+ ?s\b", "<time>", text)
    return re.sub(r"-j \d+", "-j <n>", text)


def agrees(shown: str, printed: str) -> bool:
    """`shown` is `printed`, where a line `...` stands for any lines."""
    shown, printed = normal(shown), normal(printed)
    parts = shown.split("...\n")
    if len(parts) == 1:
        return shown == printed
    at = len(parts[0])
    if not printed.startswith(parts[0]) or not printed.endswith(parts[-1]):
        return False
    for part in parts[1:-1]:
        at = printed.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return at <= len(printed) - len(parts[-1])


def test_the_pages_have_examples():
    pages = {example.page for example in EXAMPLES}
    assert {"README.md", "docs/check.md", "docs/run.md", "docs/verify.md", "docs/ops.md", "docs/graph.md"} <= pages
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.page}:{e.line}" for e in EXAMPLES])
def test_every_example_prints_what_the_page_shows(example, tmp_path, monkeypatch):
    command = example.command
    echo = command.endswith(EXIT_ECHO)
    args = shlex.split(command.removesuffix(EXIT_ECHO))[1:]
    for engine in ("torch", "jax"):
        if engine in args and importlib.util.find_spec(engine) is None:
            pytest.skip(f"{engine} is not installed")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "samples").symlink_to(ROOT / "samples")
    if args[0] == "run":
        assert example.source is not None, "a `diffcheck run` example needs a ```python block above it"
        (tmp_path / args[-1]).write_text(example.source, encoding="utf-8")
    result = CliRunner().invoke(main, args, env={"COLUMNS": "80"}, prog_name="diffcheck")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception  # no traceback
    if example.output is None:
        assert result.exit_code == 0, result.output
        return
    printed = [result.stdout, result.stdout + result.stderr]
    if echo:
        printed = [text + f"exit code {result.exit_code}\n" for text in printed]
    assert any(agrees(example.output, text) for text in printed), f"{example.page}:{example.line} prints\n{printed[0]}"


def test_an_elided_example_still_has_to_match():
    assert agrees("a\n...\nz\n", "a\nb\nc\nz\n") and agrees("a 0.11s\n", "a 2.50s\n")
    assert not agrees("a\n...\nz\n", "a\nb\n") and not agrees("a\n...\nb\n...\nz\n", "a\nz\n")


# ---- the test command ---------------------------------------------------------------------------------------------
def commands_under(text: str, heading: str) -> list[str]:
    """The code blocks of the section `heading` (up to the next heading of its level)."""
    level = heading.split(" ")[0]
    section = text[text.index(f"\n{heading}\n") :]
    end = re.search(rf"\n{level} ", section[1:])
    section = section[: end.start() + 1] if end else section
    return [body.strip() for language, body in FENCE.findall(section) if language == ""]


def test_the_readme_test_commands_are_what_ci_runs():
    readme = commands_under((ROOT / "README.md").read_text(encoding="utf-8"), "## Tests")
    started = commands_under((ROOT / "docs/getting-started.md").read_text(encoding="utf-8"), "## Set up")
    ci = [line.strip().replace(" --quiet", "") for line in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()]
    install, suite = readme[0].split(" && ", 1)
    assert install == 'python -m pip install -e ".[test]"' and f"{install} && {suite}" in started
    assert "mkdocs build --strict --site-dir " in suite and "--quiet" not in suite  # -q would hide the warnings
    assert suite in ci and readme[1] in ci and readme[1] in started
    assert install in ci


def test_mkdocs_is_pinned_in_the_test_extra():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(re.fullmatch(r"mkdocs==\d+\.\d+\.\d+", r) for r in project["optional-dependencies"]["test"])


def test_every_page_is_in_the_nav():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    named = set(re.findall(r":\s+(\S+\.md)$", config, re.MULTILINE))
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert named == pages
