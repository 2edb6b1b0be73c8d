"""Jinja filters for dates as people read them in the UK ("Tuesday 8 January 2013")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from govpath.zone import local


def longdate(value: Any) -> str:
    """'8 January 2013' from a date or ISO text; '' for nothing."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = local(value).date()
    return f"{value.day} {value:%B %Y}"


def longtime(value: Any) -> str:
    """'8 January 2013 at 14:05' (the council's time) from an aware datetime or ISO text."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    here = local(value)
    return f"{here.day} {here:%B %Y} at {here:%H:%M}"


def human(name: Any) -> str:
    """'submit_headlines' -> 'Submit headlines': an id as a person reads it."""
    text = str(name or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def install(env: Any) -> None:
    env.filters["human"] = human
    env.filters["longdate"] = longdate
    env.filters["longtime"] = longtime
