"""``python -m xlgoals`` runs the command line."""

from .cli import main

main()
