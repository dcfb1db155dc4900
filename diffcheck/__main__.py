"""`python -m diffcheck` runs the command line."""
from .cli import main

main()
