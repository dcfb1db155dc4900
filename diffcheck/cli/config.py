"""`[tool.diffcheck]` in the working directory's pyproject.toml (or `--config FILE`): defaults for every command's
options, as click's `default_map`. Flags on the command line override it; `--isolated` ignores it.

A key at the top of the table applies to every command with that option (`rtol = 1e-6`, `engines = ["torch"]`);
a table per command applies to that one and wins (`[tool.diffcheck.verify] paths = ["samples"]`, `jobs = 4`). Keys
are the options' long names (`max-length` or `max_length`; `format`, `engines`) and `verify`'s `paths`. The file is the
user's own, so it may name a user's engine. Unknown keys and values of the wrong type are one-line errors naming the
file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from ..errors import DiffcheckError

ALIASES = {"format": "fmt", "engines": "engine_names", "engine": "engine_names", "retain_grad": "retain"}
ARRAYS = {"engine_names": "engine names", "paths": "paths"}  # what an array key holds, for its message


class ConfigError(DiffcheckError):
    """A configuration that cannot be used: one line naming the file and the key (exit code 2)."""


def default_map(group: click.Group, ctx: click.Context, path: Optional[Path], isolated: bool) -> dict:
    """The defaults `[tool.diffcheck]` gives each command (empty without a configuration)."""
    if isolated:
        return {}
    table, shown = _table(path)
    if not table:
        return {}
    commands = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
    params = {name: _params(command) for name, command in commands.items()}
    everywhere, per_command = {}, {}
    for key, value in table.items():
        if key in commands and isinstance(value, dict):
            per_command[key] = value
            continue
        name = _name(key)
        if not any(name in p for p in params.values()):
            known = {k for p in params.values() for k in p} | set(commands) | set(ALIASES)
            raise ConfigError(f"{shown}: [tool.diffcheck] unknown key '{key}'{_suggest(key, known)}")
        everywhere[name] = ("[tool.diffcheck]", key, value)
    result = {}
    for command, known in params.items():
        chosen = {name: kv for name, kv in everywhere.items() if name in known}
        for key, value in per_command.get(command, {}).items():
            name = _name(key)
            if name not in known:
                raise ConfigError(
                    f"{shown}: [tool.diffcheck.{command}] unknown key '{key}'{_suggest(key, set(known) | set(ALIASES))}"
                )
            chosen[name] = (f"[tool.diffcheck.{command}]", key, value)
        command_ctx = click.Context(commands[command], info_name=command, parent=ctx)
        result[command] = {
            name: _checked(known[name], command_ctx, f"{shown}: {table_name} {key}", value)
            for name, (table_name, key, value) in chosen.items()
        }
    return result


def _table(path: Optional[Path]) -> tuple[dict, str]:
    """The configuration table and how messages name its file: `--config FILE` (its [tool.diffcheck] table, or its
    top level for a file of diffcheck's own), else ./pyproject.toml's [tool.diffcheck], else nothing."""
    file = path or Path("pyproject.toml")
    try:
        with open(file, "rb") as stream:
            content = stream.read()
    except OSError as error:
        if path is None:  # no pyproject.toml here: nothing configured
            return {}, ""
        raise ConfigError(f"--config {path}: {error.strerror or error}") from None
    import tomllib  # here: without a file (the common case) nothing is parsed

    try:
        data = tomllib.loads(content.decode())  # what tomllib.load does with the bytes it reads
    except tomllib.TOMLDecodeError as error:
        if path is None:  # a project's broken file is not ours to judge: it stops no check
            return {}, ""
        raise ConfigError(f"--config {path}: invalid TOML: {error}") from None
    tool = data.get("tool", {}).get("diffcheck") if isinstance(data.get("tool"), dict) else None
    table = tool if tool is not None or path is None or file.name == "pyproject.toml" else data
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{file}: [tool.diffcheck] must be a table")
    return table or {}, str(file)


def _params(command: click.Command) -> dict[str, click.Parameter]:
    """A command's parameters a configuration may set, by their Python names."""
    return {p.name: p for p in command.params if p.name and not getattr(p, "is_eager", False)}


def _name(key: str) -> str:
    name = key.replace("-", "_")
    return ALIASES.get(name, name)


def _suggest(key: str, known: set[str]) -> str:
    import difflib  # here: only a misspelt key needs it

    close = difflib.get_close_matches(key.replace("_", "-"), sorted(k.replace("_", "-") for k in known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _checked(param: click.Parameter, ctx: click.Context, where: str, value):
    """`value` as the option would take it from the command line; a wrong type is one line naming the key."""
    if param.multiple or param.nargs == -1:
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            raise ConfigError(f"{where} must be an array of {ARRAYS.get(param.name, 'values')}")
    elif isinstance(value, (list, dict)):
        raise ConfigError(f"{where} must be a single value, not a{'n array' if isinstance(value, list) else ' table'}")
    try:
        return param.type_cast_value(ctx, value)
    except click.BadParameter as error:
        raise ConfigError(f"{where}: {error.message}") from None
