"""Meetings in the database: load, upsert by (source, source_id), find, move, and what they hold up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govpath.calendars.meetings import Meeting

if TYPE_CHECKING:
    from sqlalchemy import Connection, Row, Table

    from govpath.store.prepared import StoreConnection


def _table() -> Table:  # the sqlalchemy Table, imported lazily
    from govpath.store.tables import meetings

    return meetings


def _meeting(row: Row[Any]) -> Meeting:
    return Meeting(
        body=row.body,
        date=row.date,
        time=row.time,
        title=row.title or "",
        place=row.place or "",
        status=row.status,
        source=row.source,
        source_id=row.source_id,
        original_date=row.original_date,
        id=row.id,
    )


def load_meetings(
    conn: StoreConnection,
    *,
    body: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[Meeting]:
    """Every meeting (optionally of one body, between two dates inclusive), in date order."""
    from sqlalchemy import select

    t = _table()
    query = select(t)
    if body is not None:
        query = query.where(t.c.body == body)
    if start is not None:
        query = query.where(t.c.date >= start)
    if end is not None:
        query = query.where(t.c.date <= end)
    query = query.order_by(t.c.date, t.c.time, t.c.body, t.c.id)
    return [_meeting(row) for row in conn.execute(query)]


_CHUNK = 5000  # rows per statement when many meetings are written at once


def upsert_meetings(
    conn: Connection, meetings: Iterable[Meeting], *, now: dt.datetime | None = None
) -> tuple[int, int]:
    """Insert new meetings and update known ones, matched by (source, source_id); (added, updated).

    A meeting without a ``source_id`` is keyed by body and date. Re-importing the same file adds
    nothing and updates only rows whose content changed. A row a person moved (status
    ``moved``, by ``calendar move``) keeps its moved date while the source gives the original.
    Known rows are read in one query per source and written in batches, so a calendar of
    hundreds of thousands of meetings imports in seconds.
    """
    from sqlalchemy import bindparam, select

    from govpath.store.db import utcnow

    t = _table()
    now = now or utcnow()
    fresh: dict[tuple[str, str], Meeting] = {}
    for m in meetings:
        fresh.setdefault((m.source, m.key), m)
    known: dict[tuple[str, str], Row[Any]] = {}
    for source in sorted({src for src, _key in fresh}):
        for found in conn.execute(select(t).where(t.c.source == source)):
            known[(found.source, found.source_id)] = found
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for (source, key), m in fresh.items():
        values = {
            "body": m.body,
            "title": m.title,
            "date": m.date,
            "time": m.time,
            "place": m.place,
            "status": m.status,
            "original_date": m.original_date,
        }
        row = known.get((source, key))
        if row is None:
            inserts.append({**values, "source": source, "source_id": key, "updated_at": now})
            continue
        if row.status == "moved" and row.original_date == m.date and m.status != "cancelled":
            values.update(date=row.date, status="moved", original_date=row.original_date)
        if any(getattr(row, k) != v for k, v in values.items()):
            updates.append({**{f"v_{k}": v for k, v in values.items()}, "v_id": row.id})
    for n in range(0, len(inserts), _CHUNK):
        conn.execute(t.insert(), inserts[n : n + _CHUNK])
    if updates:
        stmt = (
            t.update()
            .where(t.c.id == bindparam("v_id"))
            .values(
                **{
                    k: bindparam(f"v_{k}")
                    for k in ("body", "title", "date", "time", "place", "status", "original_date")
                },
                updated_at=now,
            )
        )
        for n in range(0, len(updates), _CHUNK):
            conn.execute(stmt, updates[n : n + _CHUNK])
    return len(inserts), len(updates)


def find_meeting(conn: Connection, body: str, date: dt.date) -> Meeting | None:
    """The meeting of ``body`` on ``date`` (an uncancelled one first), or None."""
    from sqlalchemy import case, select

    t = _table()
    query = (
        select(t)
        .where(t.c.body == body, t.c.date == date)
        .order_by(case((t.c.status == "cancelled", 1), else_=0), t.c.time, t.c.id)
    )
    row = conn.execute(query).first()
    return _meeting(row) if row is not None else None


def live_meeting_on(conn: Connection, body: str, date: dt.date) -> Meeting | None:
    """BODY's first (by id) meeting on DATE that is not cancelled, or None."""
    from sqlalchemy import select

    t = _table()
    row = conn.execute(
        select(t)
        .where(t.c.body == body, t.c.date == date, t.c.status != "cancelled")
        .order_by(t.c.id)
        .limit(1)
    ).first()
    return _meeting(row) if row is not None else None


def move(
    conn: Connection, meeting_id: int, *, new_date: dt.date, original: dt.date, now: dt.datetime
) -> None:
    """Mark the meeting moved to NEW_DATE, keeping the date it was first set for (ORIGINAL)."""
    t = _table()
    conn.execute(
        t.update()
        .where(t.c.id == meeting_id)
        .values(date=new_date, status="moved", original_date=original, updated_at=now)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class TiedStage:
    """A plan's stage with an open deadline counted from a meeting."""

    plan_id: int
    stage: str


def tied_stages(conn: Connection, meeting_id: int) -> list[TiedStage]:
    """The (plan, stage) pairs with open deadlines counted from the meeting, by plan."""
    from sqlalchemy import select

    from govpath.store.tables import deadlines as d

    rows = conn.execute(
        select(d.c.plan_id, d.c.stage)
        .where(d.c.meeting_id == meeting_id, d.c.status == "open")
        .distinct()
        .order_by(d.c.plan_id)
    )
    return [TiedStage(**row._mapping) for row in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingDate:
    """When a meeting is, and whether it is scheduled, moved or cancelled."""

    date: dt.date
    status: str


def dates_near(conn: Connection, body: str, date: dt.date, days: int) -> list[MeetingDate]:
    """BODY's meetings within DAYS of DATE (either side), in date order."""
    from sqlalchemy import select

    t = _table()
    rows = conn.execute(
        select(t.c.date, t.c.status)
        .where(
            t.c.body == body,
            t.c.date >= date - dt.timedelta(days=days),
            t.c.date <= date + dt.timedelta(days=days),
        )
        .order_by(t.c.date)
    )
    return [MeetingDate(**row._mapping) for row in rows]


def bodies(conn: Connection) -> list[str]:
    """The bodies that have meetings, sorted."""
    from sqlalchemy import select

    t = _table()
    return sorted(set(conn.execute(select(t.c.body)).scalars()))
