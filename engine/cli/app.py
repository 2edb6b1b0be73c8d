"""Assemble the ``govpath`` application from its command modules (each imports heavy code lazily)."""

from __future__ import annotations

import typer

from . import groups
from .state import CliState

app = groups.app


def _show_version(value: bool) -> None:
    if value:
        from govpath import __version__

        typer.echo(f"govpath {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        help="SQLAlchemy database URL (default: $GOVPATH_DB, then sqlite:///govpath.db).",
        metavar="URL",
    ),
    config: str | None = typer.Option(
        None,
        "--config",
        metavar="FILE",
        help="Settings file (default: $GOVPATH_CONFIG, ./govpath.toml, the user's config "
        "folder, /etc/govpath/govpath.toml; the first found).",
    ),
    log_format: str | None = typer.Option(
        None, "--log-format", metavar="text|json", help="Log lines as text (default) or JSON."
    ),
    log_level: str | None = typer.Option(
        None, "--log-level", metavar="LEVEL", help="DEBUG, INFO, WARNING (default) or ERROR."
    ),
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """govpath: a council's governance pathway, its deadlines and its decision trail.

    Example: govpath validate workflows/
    """
    from govpath.config import load_settings, use_config_file
    from govpath.logs import configure
    from govpath.zone import use_zone

    use_config_file(config)
    settings = load_settings()
    use_zone(settings.timezone)  # the council's zone, for every "today" of this command
    configure(
        (log_format or settings.log_format).lower(),
        (log_level or settings.log_level).upper(),
        log_file=settings.log_file or None,
    )
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
    cmd_signin,
    cmd_trail,
    cmd_web,
)
