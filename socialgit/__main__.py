"""`python -m socialgit` runs the command line."""

from .cli import main

main()
