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
from zoneinfo import ZoneInfo

from govpath.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy import Connection, Row
    from sqlalchemy.sql.elements import ColumnElement

LONDON = ZoneInfo("Europe/London")
DEFAULT_LIMIT = 1000
DECISION_MARK = '%"decision":{%'  # canonical JSON of data carrying a decision record
MET = "deadline_met"  # --kind deadline_met: the transitions that met a deadline
MET_MARK = '%"deadlines_met":[%'  # canonical JSON of a transition's data listing them


def moment(text: str, *, end: bool = False) -> dt.datetime:
    """An aware UTC instant from an ISO date-time or date (a London day: its start or end)."""
    raw = str(text).strip()
    try:
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            if end:
                day += dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(), LONDON).astimezone(dt.UTC)
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"'{raw}' is not a date or date-time: write YYYY-MM-DD or an ISO 8601 date-time "
            "such as 2013-03-18T10:00 (Europe/London unless it carries an offset)."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    return value.astimezone(dt.UTC)


def local(value: dt.datetime) -> dt.datetime:
    """A stored timestamp (either backend) in Europe/London."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LONDON)


@dataclass
class EventFilter:
    """What to ask the trail; unset fields do not filter."""

    plan: int | None = None
    actor: str | None = None
    body: str | None = None
    since: dt.datetime | None = None  # inclusive, aware
    until: dt.datetime | None = None  # exclusive, aware
    decisions: bool = False
    kinds: tuple[str, ...] = ()
    stage: str | None = None
    limit: int | None = DEFAULT_LIMIT
    offset: int = 0
    after_seq: int | None = None  # keyset paging: only events after this seq


@dataclass
class EventPage:
    """One page of events and whether more matched beyond it."""

    events: list[dict[str, Any]]
    offset: int
    more: bool
    limit: int | None = None
    notes: list[str] = field(default_factory=list)


def decision_clause() -> ColumnElement[bool]:
    """Decision events: transitions whose data carries a decision record.

    Written with literals so that the partial index ``ix_audit_events_decisions`` (same
    predicate, migration 0003) serves it on SQLite and PostgreSQL.
    """
    from sqlalchemy import and_, literal_column

    from govpath.store.tables import audit_events as ev

    mark = DECISION_MARK.replace("'", "''")
    return and_(
        ev.c.kind == literal_column("'transition'"), ev.c.data.like(literal_column(f"'{mark}'"))
    )


def met_clause() -> ColumnElement[bool]:
    """Transitions that met deadlines (``--kind deadline_met``; trails written before govpath
    recorded them inside the transition hold separate ``deadline_met`` events, found by kind)."""
    from sqlalchemy import and_, literal_column

    from govpath.store.tables import audit_events as ev

    return and_(
        ev.c.kind == literal_column("'transition'"),
        ev.c.data.like(literal_column(f"'{MET_MARK}'")),
    )


def _conditions(f: EventFilter) -> list[ColumnElement[bool]]:
    from sqlalchemy import or_

    from govpath.store.tables import audit_events as ev

    where: list[ColumnElement[bool]] = []
    if f.plan is not None:
        where.append(ev.c.plan_id == f.plan)
    if f.actor:
        where.append(ev.c.actor == f.actor.strip())
    if f.body:
        where.append(ev.c.body == f.body.strip())
    if f.since is not None:
        where.append(ev.c.at >= f.since)
    if f.until is not None:
        where.append(ev.c.at < f.until)
    if f.kinds:
        kinds = ev.c.kind.in_(sorted(set(f.kinds)))
        if MET in f.kinds:  # a deadline met is recorded in the transition that met it
            kinds = or_(kinds, met_clause())
        where.append(kinds)
    if f.stage:
        where.append(or_(ev.c.from_state == f.stage, ev.c.to_state == f.stage))
    if f.decisions:
        where.append(decision_clause())
    if f.after_seq is not None:
        where.append(ev.c.seq > f.after_seq)
    return where


def _data(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"value": value}


def _utc_iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite gives back naive UTC
        return value.replace(tzinfo=dt.UTC).isoformat()
    return value.astimezone(dt.UTC).isoformat()


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


def event_dict(row: Row[Any]) -> dict[str, Any]:
    """One trail event with the CLI's JSON keys."""
    data = _data(row.data)
    return {
        "id": row.id,
        "seq": row.seq,
        "at": _utc_iso(row.at),
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
    from sqlalchemy import select

    from govpath.store.tables import audit_events as ev

    if f.limit is not None and f.limit < 0:
        raise BadInput("--limit must be 0 or more.")
    if f.offset < 0:
        raise BadInput("--offset must be 0 or more.")
    # A time window is read in time order off the (…, at) indexes; otherwise chain order. The two
    # agree whenever events are appended as they happen.
    timed = f.since is not None or f.until is not None
    order = (ev.c.at, ev.c.seq) if timed else (ev.c.seq,)
    stmt = select(ev).where(*_conditions(f)).order_by(*order)
    if f.offset:
        stmt = stmt.offset(f.offset)
    if f.limit is not None:
        stmt = stmt.limit(f.limit + 1)
    rows = conn.execute(stmt).all()
    more = f.limit is not None and len(rows) > f.limit
    if more:
        rows = rows[: f.limit]
    return EventPage([event_dict(r) for r in rows], offset=f.offset, more=more, limit=f.limit)


def is_decision(event: dict[str, Any]) -> bool:
    """Whether an event records a decision taken at a gate."""
    return event["kind"] == "transition" and isinstance(event["data"].get("decision"), dict)
