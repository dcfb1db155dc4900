"""`diffcheck ops`: the op table, browsable — every spelling, grad_fn, backward rule, SymPy form and convention."""

from __future__ import annotations

import click


def _complete(ctx, param, incomplete: str):
    """Shell completion for NAME: spellings, operators, rows and grad_fn names (no SymPy import, so it is quick)."""
    from ..ops.describe import names

    return [click.shell_completion.CompletionItem(name) for name in names() if name.startswith(incomplete)]


@click.command(epilog="Exit codes: 0 shown, 2 unknown NAME.")
@click.argument("name", required=False, shell_complete=_complete)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for machines.",
)
@click.option("-q", "--quiet", is_flag=True, help="Only the ops' names, one per line (the table format).")
def ops(name, fmt, quiet):
    """List every op of the table: spellings, arity and parameters, grad_fn, the engine's backward rule, the SymPy
    form, the smooth sampling domain, and the kink / singular points with PyTorch's convention there.

    NAME shows one op: a spelling (sin, torch.sin, clip), an operator (**), a table row (rsub) or a grad_fn name
    (PowBackward1).

    \b
    Examples:
      diffcheck ops
      diffcheck ops sin
      diffcheck ops MulBackward0 --format json
    """
    from ..ops.describe import entries, find
    from ..render.console import consoles
    from ..render.ops import ops_detail, ops_json, ops_table

    found = entries() if name is None else find(name)
    if quiet and fmt == "table":
        click.echo("\n".join(entry.name for entry in found))
        return
    if fmt == "json":
        click.echo(ops_json(found))
        return
    out, _ = consoles()
    out.print(ops_table(found) if name is None else ops_detail(found))
