"""``python -m engine``: the govpath command line."""

from engine.cli import main

main()
