"""Assemble the ``govpath`` application from its command modules (each imports heavy code lazily)."""

from __future__ import annotations

import typer

from . import groups
from .state import CliState

app = groups.app


@app.callback()
def _root(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        help="SQLAlchemy database URL (default: $GOVPATH_DB, then sqlite:///govpath.db).",
        metavar="URL",
    ),
) -> None:
    """govpath: a council's governance pathway, its deadlines and its decision trail.

    Example: govpath validate workflows/
    """
    ctx.obj = CliState(db=db)


# Command modules register themselves on the groups when imported.
from . import (  # noqa: E402,F401
    cmd_audit,
    cmd_calendar,
    cmd_deadline,
    cmd_definition,
    cmd_demo,
    cmd_plan,
    cmd_scheduler,
    cmd_web,
)
