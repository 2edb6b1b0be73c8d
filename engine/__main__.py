"""``python -m govpath``: the govpath command line."""

from govpath.cli import main

main()
