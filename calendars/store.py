"""Meetings in the database: load, upsert by (source, source_id), find by body and date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from calendars.meetings import Meeting

if TYPE_CHECKING:
    from sqlalchemy import Table


def _table() -> Table:  # the sqlalchemy Table, imported lazily
    from engine.store.tables import meetings

    return meetings


def _meeting(row: Any) -> Meeting:
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
    conn: Any,
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


def upsert_meetings(
    conn: Any, meetings: Iterable[Meeting], *, now: dt.datetime | None = None
) -> tuple[int, int]:
    """Insert new meetings and update known ones, matched by (source, source_id); (added, updated).

    A meeting without a ``source_id`` is keyed by body and date. Re-importing the same file adds
    nothing and updates only rows whose content changed. A row a person moved (status
    ``moved``, by ``calendar move``) keeps its moved date while the source gives the original.
    """
    from sqlalchemy import select

    from engine.store.db import utcnow

    t = _table()
    now = now or utcnow()
    added = updated = 0
    seen: set[tuple[str, str]] = set()
    for m in meetings:
        key = (m.source, m.key)
        if key in seen:
            continue
        seen.add(key)
        values = {
            "body": m.body,
            "title": m.title,
            "date": m.date,
            "time": m.time,
            "place": m.place,
            "status": m.status,
            "original_date": m.original_date,
        }
        row = conn.execute(select(t).where(t.c.source == m.source, t.c.source_id == m.key)).first()
        if row is None:
            conn.execute(
                t.insert().values(**values, source=m.source, source_id=m.key, updated_at=now)
            )
            added += 1
            continue
        if row.status == "moved" and row.original_date == m.date and m.status != "cancelled":
            values.update(date=row.date, status="moved", original_date=row.original_date)
        if any(getattr(row, k) != v for k, v in values.items()):
            conn.execute(t.update().where(t.c.id == row.id).values(**values, updated_at=now))
            updated += 1
    return added, updated


def find_meeting(conn: Any, body: str, date: dt.date) -> Meeting | None:
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
