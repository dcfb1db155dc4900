"""Terminals and pipes: any stdout encoding, --color / NO_COLOR, TERM=dumb's real width, no trailing padding in
pipes, -V — through real processes (a pipe or a pseudo-terminal), as users run diffcheck."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest
from click.testing import CliRunner

from diffcheck import __version__
from diffcheck.cli import main

CHECK = [sys.executable, "-m", "diffcheck", "check", "z = x*x  # café", "x=1"]


def _run(argv, **env):
    return subprocess.run(argv, capture_output=True, env={**os.environ, **env}, timeout=120)


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_any_stdout_encoding_gets_ascii_stand_ins_and_aligned_tables(encoding):
    done = _run(CHECK, PYTHONIOENCODING=encoding)
    out = done.stdout.decode(encoding)
    assert (done.returncode, done.stderr) == (0, b"")
    table = [line for line in out.splitlines() if line.startswith(("|", "+-"))]
    assert len({len(line) for line in table}) == 1  # one-character stand-ins keep the columns where rich put them
    assert "| + match" in out and out.splitlines()[-1] == "+ all gradients agree (1 checked)"
    assert out.isascii() == (encoding == "ascii")
    # the user's own text as the encoding holds it (escaped where it cannot), never an encoding error
    assert ("caf\\xe9" if encoding == "ascii" else "café") in out


def test_piped_output_has_no_trailing_padding():
    done = _run(CHECK)
    lines = done.stdout.decode().splitlines()
    assert done.returncode == 0 and lines[0] == "z = x*x  # café"
    assert [line for line in lines if line != line.rstrip()] == []


def _in_terminal(argv, columns: int, **env) -> str:
    """`argv`'s stdout as a terminal `columns` wide shows it."""
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "TERM")}
    child = subprocess.Popen(argv, stdout=child_fd, stderr=subprocess.DEVNULL, env={**environ, **env})
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    child.wait(timeout=120)
    os.close(main_fd)
    return b"".join(chunks).decode()


def test_no_color_removes_every_style_and_color_always_forces_it():
    assert "\x1b[" in _in_terminal(CHECK, 200, TERM="xterm")
    assert "\x1b[" not in _in_terminal(CHECK, 200, TERM="xterm", NO_COLOR="1")
    assert "\x1b[" not in _in_terminal([*CHECK[:3], "--color", "never", *CHECK[3:]], 200, TERM="xterm")
    forced = CliRunner().invoke(main, ["--color", "always", "check", "z = x*x", "x=1"])
    plain = CliRunner().invoke(main, ["check", "z = x*x", "x=1"])
    assert "\x1b[" in forced.stdout and "\x1b[" not in plain.stdout


def test_a_dumb_terminal_keeps_its_real_width():
    lines = _in_terminal(CHECK, 100, TERM="dumb").splitlines()
    assert 80 < max(len(line) for line in lines) <= 100  # the layout for 100 columns: wider than 80 allows


def test_version_names_what_diffcheck_computes_with():
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["-V"])
    python = ".".join(map(str, sys.version_info[:3]))
    assert result.stdout == (
        f"diffcheck {__version__} (SymPy {version('sympy')}, NumPy {version('numpy')}, Python {python})\n"
    )
