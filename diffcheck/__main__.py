"""`python -m diffcheck` runs the command line."""

from .cli import run

run()
