"""Records what PyTorch prints for each REPL session in tests/doctests/, or for the session files named (run with
/tmp/torch/bin/python, from any directory): `NAME.stdout`, and `NAME.stderr` where a statement raised, one line
each, `NAME.txt:LINE: Kind: message` as `diffcheck run` writes it (LINE: the innermost line of the session in the
traceback).

The session runs as the Python REPL runs it: a run of consecutive prompt lines (`>>> `, `... `) is one block of code,
the other lines are the author's expected output; each top-level statement of a block is compiled in 'single' mode,
so the REPL's display hook echoes the repr of an expression statement's value, and an exception ends only that
statement. Nothing of diffcheck is imported: this is the reference the test compares `diffcheck run` with.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
import re
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent / "doctests"
PROMPT = re.compile(r"([ \t]*)(>>>|\.\.\.)(?: |$)")


def blocks(lines: list[str]):
    """(first, end, prompt width) of each run of consecutive code lines."""
    start, shift = None, 0
    for k, line in enumerate([*lines, ""]):
        found = PROMPT.match(line)
        if found and (start is not None or found[2] == ">>>"):
            if start is None:
                start, shift = k, len(found[1]) + 4
            continue
        if start is not None:
            yield start, k, shift
            start = None


def record(path: Path) -> tuple[str, str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    out, err = io.StringIO(), []
    builtins.__dict__.pop("_", None)  # the REPL's `_` starts unset in a fresh interpreter
    namespace: dict = {"__name__": "__main__"}
    for first, end, shift in blocks(lines):
        tree = ast.parse("\n".join(line[shift:] for line in lines[first:end]) + "\n")
        ast.increment_lineno(tree, first)
        for statement in tree.body:
            code = compile(ast.Interactive(body=[statement]), path.name, "single")
            try:
                with contextlib.redirect_stdout(out):
                    exec(code, namespace)  # noqa: S102 - the recording runs the session in real PyTorch
            except Exception as error:  # the REPL prints the traceback and reads the next statement
                line = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == path.name][-1]
                text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
                err.append(f"{path.name}:{line}: {text}\n")
    return out.getvalue(), "".join(err)


def main(names: list[str]) -> None:
    """Each session in a fresh interpreter: torch's global state (`torch.set_grad_enabled(False)`) is per process."""
    import subprocess

    if names[:1] == ["--one"]:
        stdout, stderr = record(Path(names[1]))
        sys.stdout.write(json.dumps([stdout, stderr]))
        return
    paths = [Path(n) for n in names if n.endswith(".txt")]  # tests/sessions/*.txt: our own sessions
    for path in paths or sorted(HERE.glob("*.txt")):
        if names and not paths and path.stem not in names:
            continue
        child = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, check=True)
        stdout, stderr = json.loads(child.stdout)
        path.with_suffix(".stdout").write_text(stdout, encoding="utf-8")
        if stderr:
            path.with_suffix(".stderr").write_text(stderr, encoding="utf-8")
        else:
            path.with_suffix(".stderr").unlink(missing_ok=True)
        print(path.stem, "raised" if stderr else "ok", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
