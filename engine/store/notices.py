"""The sweep's statements on deadlines and notices: missed deadlines, due notices, what is owed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, not_, select, update

from govpath.store.backend import backend_of
from govpath.store.tables import deadlines, notices, plans


@dataclass(frozen=True, slots=True, kw_only=True)
class MissedDeadline:
    """An open deadline whose day has passed, as the trail records it."""

    id: int
    plan_id: int
    name: str
    due: dt.date
    owner: str
    meeting_id: int | None
    stage: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DueNotice:
    """A scheduled notice whose time has come."""

    id: int
    deadline_id: int
    plan_id: int
    kind: str
    recipient: str
    due_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineStanding:
    """Where a deadline stands, with its plan's stage: what decides whether a message is owed."""

    id: int
    status: str
    stage: str
    met_at: dt.datetime | None
    plan_state: str
    plan_closed_at: dt.datetime | None


def open_past_due(conn: Connection, today: dt.date, limit: int) -> list[MissedDeadline]:
    """Up to LIMIT open deadlines due before TODAY, oldest first; locked (rows other workers
    hold skipped) where the backend can."""
    d = deadlines
    query = (
        select(d.c.id, d.c.plan_id, d.c.name, d.c.due, d.c.owner, d.c.meeting_id, d.c.stage)
        .where(d.c.status == "open", d.c.due < today)
        .order_by(d.c.due, d.c.id)
        .limit(limit)
    )
    if backend_of(conn).skip_locked:
        query = query.with_for_update(skip_locked=True)
    return [MissedDeadline(**r) for r in conn.execute(query).mappings()]


def mark_missed(conn: Connection, ids: Sequence[int], now: dt.datetime) -> None:
    """The deadlines IDS, if still open, become missed at NOW."""
    d = deadlines
    conn.execute(
        update(d)
        .where(d.c.id.in_(ids), d.c.status == "open")
        .values(status="missed", updated_at=now)
    )


def claim_due_notices(conn: Connection, now: dt.datetime, limit: int) -> list[DueNotice]:
    """Scheduled notices due at NOW, read through (status, due_at); escalations wait while their
    deadline is still open. Up to LIMIT first, then every other due notice of the same deadlines,
    so that they are taken together; locked (rows other workers hold skipped) where the backend
    can."""
    n, d = notices, deadlines
    skip_locked = backend_of(conn).skip_locked
    waiting = and_(n.c.kind == "escalation", d.c.status == "open")
    base = (
        select(n.c.id, n.c.deadline_id, n.c.plan_id, n.c.kind, n.c.recipient, n.c.due_at)
        .join(d, d.c.id == n.c.deadline_id)
        .where(n.c.status == "scheduled", n.c.due_at <= now, not_(waiting))
    )
    first = base.order_by(n.c.due_at, n.c.id).limit(limit)
    if skip_locked:
        first = first.with_for_update(skip_locked=True, of=n)
    rows = [DueNotice(**r) for r in conn.execute(first).mappings()]
    if not rows:
        return []
    ids = {r.id for r in rows}
    deadline_ids = sorted({r.deadline_id for r in rows})
    rest = base.where(n.c.deadline_id.in_(deadline_ids), n.c.id.notin_(sorted(ids)))
    if skip_locked:
        rest = rest.with_for_update(skip_locked=True, of=n)
    return [*rows, *(DueNotice(**r) for r in conn.execute(rest).mappings())]


def settle_notices(conn: Connection, ids: Sequence[int], status: str, owner: str) -> None:
    """The notices IDS are done with: STATUS ('queued' or 'cancelled'), by OWNER."""
    n = notices
    conn.execute(update(n).where(n.c.id.in_(ids)).values(status=status, lease_owner=owner))


def set_escalation_levels(conn: Connection, levels: Mapping[int, int]) -> None:
    """Each deadline (by id) has escalated to its LEVEL."""
    d = deadlines
    for deadline_id, level in levels.items():
        conn.execute(update(d).where(d.c.id == deadline_id).values(escalation_level=level))


def standings(
    conn: Connection, deadline_ids: Iterable[int], *, lock: bool = False
) -> dict[int, DeadlineStanding]:
    """The deadlines (by id) with their plans' stages, read in CONN's transaction. LOCK, where the
    backend has row locks, holds the plan and deadline rows read until it ends (the plan first,
    then the deadline: the order a transition takes them in)."""
    d, p = deadlines, plans
    ids = sorted(set(deadline_ids))
    query = (
        select(
            d.c.id,
            d.c.status,
            d.c.stage,
            d.c.met_at,
            p.c.state.label("plan_state"),
            p.c.closed_at.label("plan_closed_at"),
        )
        .join(p, p.c.id == d.c.plan_id)
        .where(d.c.id.in_(ids))
    )
    if lock and backend_of(conn).row_locks:
        owners = select(d.c.plan_id).where(d.c.id.in_(ids))
        conn.execute(
            select(p.c.id).where(p.c.id.in_(owners)).order_by(p.c.id).with_for_update(read=True)
        ).all()
        query = query.with_for_update(read=True, of=d)
    return {r["id"]: DeadlineStanding(**r) for r in conn.execute(query).mappings()}
