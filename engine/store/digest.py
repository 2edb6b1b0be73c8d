"""What the papers-due messages and the weekly digest read: deadlines, moved meetings, the trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, select

from govpath.store.scheduler_context import MEETING_COLUMNS, Meeting
from govpath.store.tables import audit_events, deadlines, meetings, plans


@dataclass(frozen=True, slots=True, kw_only=True)
class PapersDeadline:
    """An open deadline of a papers rule."""

    id: int
    plan_id: int
    owner: str
    due: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestDeadline:
    """A deadline a digest lists as due or overdue."""

    id: int
    status: str
    due: dt.date
    owner: str
    meeting_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class UnheldEscalation:
    """An ``escalation_unheld`` event of the trail, with its plan's subject."""

    plan_id: int
    data: str  # the event's JSON
    at: dt.datetime
    subject: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MetDeadline:
    """A deadline that was met, with its plan."""

    title: str
    due: dt.date
    met_at: dt.datetime | None
    owner: str
    plan_id: int
    subject: str
    plan_owner: str


def papers_deadlines(
    conn: Connection, rules: Sequence[str], first: dt.date, last: dt.date
) -> list[PapersDeadline]:
    """Open deadlines of RULES due from FIRST to LAST."""
    d = deadlines
    query = select(d.c.id, d.c.plan_id, d.c.owner, d.c.due).where(
        d.c.status == "open",
        d.c.due >= first,
        d.c.due <= last,
        d.c.rule.in_(rules),
    )
    return [PapersDeadline(**r) for r in conn.execute(query).mappings()]


def digest_deadlines(conn: Connection, until: dt.date) -> list[DigestDeadline]:
    """Open deadlines due by UNTIL, and missed ones still owed (the plan open and in their
    stage)."""
    d, p = deadlines, plans
    live = and_(p.c.closed_at.is_(None), p.c.state == d.c.stage)
    query = (
        select(d.c.id, d.c.status, d.c.due, d.c.owner, d.c.meeting_id)
        .join(p, p.c.id == d.c.plan_id)
        .where(((d.c.status == "open") & (d.c.due <= until)) | ((d.c.status == "missed") & live))
    )
    return [DigestDeadline(**r) for r in conn.execute(query).mappings()]


def moved_meetings(conn: Connection, since: dt.datetime) -> list[Meeting]:
    """Meetings moved since SINCE, by date."""
    m = meetings
    query = (
        select(*MEETING_COLUMNS)
        .where(m.c.status == "moved", m.c.updated_at >= since)
        .order_by(m.c.date)
    )
    return [Meeting(**r) for r in conn.execute(query).mappings()]


def unheld_escalations(conn: Connection, since: dt.datetime) -> list[UnheldEscalation]:
    """The trail's ``escalation_unheld`` events since SINCE, in the trail's order."""
    ev, p = audit_events, plans
    query = (
        select(ev.c.plan_id, ev.c.data, ev.c.at, p.c.subject)
        .join(p, p.c.id == ev.c.plan_id)
        .where(ev.c.kind == "escalation_unheld", ev.c.at >= since)
        .order_by(ev.c.seq)
    )
    return [UnheldEscalation(**r) for r in conn.execute(query).mappings()]


def met_since(conn: Connection, since: dt.datetime) -> list[MetDeadline]:
    """Deadlines met since SINCE, by due date."""
    d, p = deadlines, plans
    query = (
        select(
            d.c.title,
            d.c.due,
            d.c.met_at,
            d.c.owner,
            p.c.id.label("plan_id"),
            p.c.subject,
            p.c.owner.label("plan_owner"),
        )
        .join(p, p.c.id == d.c.plan_id)
        .where(d.c.status == "met", d.c.met_at >= since)
        .order_by(d.c.due, d.c.id)
    )
    return [MetDeadline(**r) for r in conn.execute(query).mappings()]
