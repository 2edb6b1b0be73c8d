"""Ask the decision trail: events filtered by plan, actor, body, time, kind and stage, by pages.

Every filter is optional and they combine with AND. Results come in chain order (``seq``), or in
time order (``at``, then ``seq``) when a time window is given.
Dates given as ``YYYY-MM-DD`` are whole Europe/London days: ``since`` from the start of the
day, ``until`` to the end of it.

>>> moment("2013-03-18").isoformat()
'2013-03-18T00:00:00+00:00'
>>> moment("2013-06-18", end=True).isoformat()
'2013-06-18T23:00:00+00:00'
>>> moment("2013-06-18T10:30").isoformat()
'2013-06-18T09:30:00+00:00'
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govpath.errors import BadInput
from govpath.store.trail_reads import DEFAULT_LIMIT as DEFAULT_LIMIT
from govpath.store.trail_reads import EventFilter as EventFilter
from govpath.store.trail_reads import find_events
from govpath.zone import council_zone, zone_name

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.store.trail import TrailEvent


def moment(text: str, *, end: bool = False) -> dt.datetime:
    """An aware UTC instant from an ISO date-time or date (the council's day: its start or end)."""
    raw = str(text).strip()
    try:
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            if end:
                day += dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(), council_zone()).astimezone(dt.UTC)
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"'{raw}' is not a date or date-time: write YYYY-MM-DD or an ISO 8601 date-time "
            f"such as 2013-03-18T10:00 ({zone_name()} unless it carries an offset)."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=council_zone())
    return value.astimezone(dt.UTC)


def local(value: dt.datetime) -> dt.datetime:
    """A stored timestamp (either backend) on the council's clock."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(council_zone())


@dataclass
class EventPage:
    """One page of events and whether more matched beyond it."""

    events: list[dict[str, Any]]
    offset: int
    more: bool
    limit: int | None = None
    notes: list[str] = field(default_factory=list)


def _data(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"value": value}


def acted(data: dict[str, Any]) -> dict[str, Any]:
    """Who acted and how, from an event's ``data["acting"]`` (None where it predates it):
    ``by`` (the signed-in person, else the OS user at the host), ``channel``, ``on_behalf_of``.
    """
    acting = data.get("acting")
    if not isinstance(acting, dict):
        return {"by": None, "channel": None, "on_behalf_of": None}
    by = acting.get("person")
    if not by and acting.get("os_user"):
        host = acting.get("host")
        by = f"{acting['os_user']}@{host}" if host else acting["os_user"]
    return {"by": by, "channel": acting.get("channel"), "on_behalf_of": acting.get("on_behalf_of")}


def event_dict(row: TrailEvent) -> dict[str, Any]:
    """One trail event with the CLI's JSON keys."""
    data = _data(row.data)
    return {
        "id": row.id,
        "seq": row.seq,
        "at": row.at.isoformat(),  # aware UTC, as every timestamp is read
        "plan": row.plan_id,
        "kind": row.kind,
        "trigger": row.trigger,
        "from": row.from_state,
        "to": row.to_state,
        "actor": row.actor,
        **acted(data),
        "body": row.body,
        "meeting": row.meeting_id,
        "note": row.note,
        "data": data,
        "hash": row.hash,
    }


def query_events(conn: Connection, f: EventFilter) -> EventPage:
    """The events matching F in chain order, one page (LIMIT+1 rows read to know if more match)."""
    if f.limit is not None and f.limit < 0:
        raise BadInput("--limit must be 0 or more.")
    if f.offset < 0:
        raise BadInput("--offset must be 0 or more.")
    rows = find_events(conn, f, limit=None if f.limit is None else f.limit + 1)
    more = f.limit is not None and len(rows) > f.limit
    if more:
        rows = rows[: f.limit]
    return EventPage([event_dict(r) for r in rows], offset=f.offset, more=more, limit=f.limit)


def is_decision(event: dict[str, Any]) -> bool:
    """Whether an event records a decision taken at a gate."""
    return event["kind"] == "transition" and isinstance(event["data"].get("decision"), dict)
