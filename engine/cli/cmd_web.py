"""``govpath serve`` (the web application under uvicorn) and ``govpath signin-link EMAIL``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from govpath.web.settings import WebSettings

from . import groups
from .state import state


def _web_settings(ctx: typer.Context) -> WebSettings:
    from govpath.web.settings import load_web_settings

    settings = load_web_settings()
    return settings.with_(core=settings.core.with_(db_url=state(ctx).db_url))


@groups.app.command("serve")
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on.", min=0, max=65535),
    workers: int = typer.Option(
        1, "--workers", help="Worker processes (they share nothing but the database).", min=1
    ),
) -> None:
    """Serve the web application over the database (Directors, the policy team, auditors).

    The sign-in links it sends point at GOVPATH_BASE_URL (default http://127.0.0.1:8000).

    Example: govpath --db sqlite:///govpath-demo/govpath.db serve --port 8000
    """
    import os

    import uvicorn

    settings = _web_settings(ctx)
    _check_address(host, port)
    print(
        f"Serving {settings.council_name} on http://{host}:{port}/ (Ctrl-C stops it).", flush=True
    )
    if workers > 1:  # each worker process builds the app from the environment
        os.environ["GOVPATH_DB"] = settings.core.db_url
        uvicorn.run(
            "govpath.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
        return
    from govpath.web.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)


@groups.app.command("signin-link")
def signin_link(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The registered person to sign in."),
    by: str = typer.Option(
        None, "--by", help="Who is running this (recorded in the trail; default: this user)."
    ),
) -> None:
    """Print a one-time sign-in link for a registered person (works once, for 15 minutes).

    The administrator's way in for a first sign-in; its issue is recorded in the trail with who
    ran it. The link's host comes from GOVPATH_BASE_URL (default http://127.0.0.1:8000).

    Example: govpath signin-link dana.finch@kent.example
    """
    import getpass
    import socket

    from govpath.store.db import open_db, utcnow
    from govpath.web.auth.links import issue_link

    from .identity import who_acts

    settings = _web_settings(ctx)
    engine = open_db(settings.core.db_url)
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    ran_by = f"{user} on {socket.gethostname()}"
    actor, acting = who_acts(engine, by, admin=True)
    print(issue_link(engine, settings, email, utcnow(), ran_by=ran_by, actor=actor, acting=acting))


def _check_address(host: str, port: int) -> None:
    """BadInput unless HOST is an address this machine can listen on (checked before serving)."""
    import socket

    from govpath.errors import BadInput

    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError, ValueError):
        raise BadInput(
            f"--host {host!r} is not an address to listen on; give one such as 127.0.0.1 "
            "or 0.0.0.0."
        ) from None
