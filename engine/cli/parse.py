"""Command-line values shared by every command: dates, the clock, and the database to open."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from .state import state

if TYPE_CHECKING:
    import typer
    from sqlalchemy import Engine

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str | None, flag: str) -> dt.date | None:
    """An ISO date given for FLAG, or None when the option was left out.

    >>> parse_date("2013-01-08", "--from")
    datetime.date(2013, 1, 8)
    >>> parse_date("8/1/2013", "--from")
    Traceback (most recent call last):
    govpath.errors.BadInput: --from '8/1/2013' is not a date: write it as YYYY-MM-DD, e.g. 2013-01-08.
    """
    from govpath.errors import BadInput

    if text is None:
        return None
    value = text.strip()
    try:
        if not _ISO_DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(
            f"{flag} {text!r} is not a date: write it as YYYY-MM-DD, e.g. 2013-01-08."
        ) from None


def require_date(text: str, flag: str) -> dt.date:
    """An ISO date given for a required argument FLAG.

    >>> require_date("2013-01-08", "DATE")
    datetime.date(2013, 1, 8)
    """
    from govpath.errors import BadInput

    day = parse_date(text, flag)
    if day is None:
        raise BadInput(f"{flag} is required: write it as YYYY-MM-DD, e.g. 2013-01-08.")
    return day


def parse_clock(text: str | None, tz: str | None = None) -> dt.datetime | None:
    """``--now``: an aware UTC datetime (naive times are in TZ, else the council's zone), or None."""
    if text is None:
        return None  # left out: the real clock (an empty --now is an error)
    from govpath.scheduler.clock import parse_now

    return parse_now(text, tz)


# Commands that only read: they refuse, with a sentence, to create a schema where there is none.
READ_ONLY = frozenset(
    {
        "actor list",
        "audit query",
        "audit verify",
        "calendar list",
        "decision list",
        "outbox list",
        "plan list",
        "plan status",
        "report pathway",
        "report year",
    }
)


def _command(ctx: typer.Context) -> str:
    """The command's name without the program's, e.g. ``plan list``."""
    return " ".join(ctx.command_path.split()[1:])


def open_engine(ctx: typer.Context) -> Engine:
    """The database chosen by ``--db``, ``GOVPATH_DB`` or govpath.toml, schema upgraded."""
    from govpath.config import load_settings
    from govpath.store.db import open_db

    return open_db(
        state(ctx).db_url,
        create=_command(ctx) not in READ_ONLY,
        connect_timeout=load_settings().db_connect_timeout,
    )
