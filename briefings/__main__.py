"""Run the command line as ``python -m briefings``."""

from .cli import main

main()
