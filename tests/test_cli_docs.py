"""Every CLI command has --help text, every command and option is named in the docs site (as sqlite-utils'
test_docs), and shell completion works."""

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from diffcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = "\n".join(page.read_text(encoding="utf-8") for page in sorted((ROOT / "docs").rglob("*.md")))
NAMES = main.list_commands(click.Context(main))  # names only: lazy commands are imported by the tests themselves


def walk(group: click.Group, path: str):
    """(full name, command) for every command under `group`, subcommands of subgroups included."""
    ctx = click.Context(group, info_name=path)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield f"{path} {name}", command
        if isinstance(command, click.Group):
            yield from walk(command, f"{path} {name}")


def commands_named(name: str):
    """`diffcheck NAME` and, if it is a group, every command under it."""
    command = main.get_command(click.Context(main, info_name="diffcheck"), name)
    yield f"diffcheck {name}", command
    if isinstance(command, click.Group):
        yield from walk(command, f"diffcheck {name}")


@pytest.mark.parametrize("name", NAMES)
def test_every_command_has_help(name):
    for full, command in commands_named(name):
        assert (command.help or "").strip(), f"`{full}` has no help text (its docstring)"
        result = CliRunner().invoke(main, [*full.split()[1:], "--help"], prog_name="diffcheck")
        assert result.exit_code == 0 and result.stdout.startswith(f"Usage: {full} "), result.output


@pytest.mark.parametrize("name", NAMES)
def test_every_command_is_in_the_docs(name):
    for full, _ in commands_named(name):
        assert full in DOCS, f"docs/ never mentions `{full}`"


def documented(option: str) -> bool:
    """`option` is named in code in the docs: `--rtol`, `--max-steps N`, `-j N`, `diffcheck -V`."""
    return re.search(rf"`[^`\n]*(?<![\w-]){re.escape(option)}(?![\w-])[^`\n]*`", DOCS) is not None


@pytest.mark.parametrize("name", [None, *NAMES])
def test_every_option_is_in_the_docs(name):
    commands = [("diffcheck", main)] if name is None else list(commands_named(name))
    missing = [
        f"{full} {' / '.join(param.opts)}"
        for full, command in commands
        for param in command.params
        if isinstance(param, click.Option) and not any(documented(o) for o in param.opts + param.secondary_opts)
    ]
    assert missing == [], f"options the docs never name: {missing}"


def test_the_option_check_can_fail():
    assert documented("--rtol") and documented("-V") and not documented("--rto") and not documented("--no-such-flag")


def test_the_walk_sees_the_commands():
    assert {"check", "ops"} <= set(NAMES)


# ---- shell completion through click's mechanism -------------------------------------------------------------------
def complete(env: dict) -> str:
    result = CliRunner().invoke(main, [], env=env, prog_name="diffcheck")
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(
    "shell, marker",
    [
        ("bash", "complete -o nosort -F _diffcheck_completion diffcheck"),
        ("zsh", "#compdef diffcheck"),
        ("fish", "complete --no-files --command diffcheck"),
    ],
)
def test_completion_script_is_produced_and_documented(shell, marker):
    assert marker in complete({"_DIFFCHECK_COMPLETE": f"{shell}_source"})
    assert f"_DIFFCHECK_COMPLETE={shell}_source diffcheck" in DOCS


@pytest.mark.parametrize(
    "words, expected",
    [
        ("diffcheck o", "plain,ops"),
        ("diffcheck check --gr", "plain,--graph"),
        ("diffcheck ops PowB", "plain,PowBackward0\nplain,PowBackward1\nplain,PowBackward2"),
    ],
)
def test_completion_answers(words, expected):
    env = {"_DIFFCHECK_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
    assert expected in complete(env)
