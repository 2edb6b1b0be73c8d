"""What ``plan status`` and ``plan list`` read: a plan's deadlines and trail, and plans at a glance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineLine:
    """One of a plan's deadlines as its status shows it."""

    name: str
    due: dt.date
    status: str
    title: str
    stage: str
    rule: str
    infeasible: bool
    meeting_id: int | None
    owner: str
    carried_from: str | None
    met_at: dt.datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class EventLine:
    """One event of a plan's trail as its status shows it (``data`` as stored: JSON text)."""

    seq: int
    at: dt.datetime
    kind: str
    trigger: str | None
    from_state: str | None
    to_state: str | None
    actor: str | None
    body: str | None
    meeting_id: int | None
    note: str | None
    data: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanLine:
    """A plan at a glance, with the due date of its next open deadline (None: none open)."""

    id: int
    pathway_id: str
    version: int
    state: str
    subject: str
    owner: str
    closed_at: dt.datetime | None
    due: dt.date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenDue:
    """An open deadline of a plan: its name and due date."""

    plan_id: int
    name: str
    due: dt.date


def deadlines_of(conn: Connection, plan_id: int) -> list[DeadlineLine]:
    """The plan's deadlines but those cancelled, by due date and id."""
    from sqlalchemy import select

    from govpath.store.tables import deadlines as d

    rows = conn.execute(
        select(
            d.c.name,
            d.c.due,
            d.c.status,
            d.c.title,
            d.c.stage,
            d.c.rule,
            d.c.infeasible,
            d.c.meeting_id,
            d.c.owner,
            d.c.carried_from,
            d.c.met_at,
        )
        .where(d.c.plan_id == plan_id, d.c.status != "cancelled")
        .order_by(d.c.due, d.c.id)
    )
    return [DeadlineLine(**row._mapping) for row in rows]


def events_of(conn: Connection, plan_id: int) -> list[EventLine]:
    """The plan's trail events, in order."""
    from sqlalchemy import select

    from govpath.store.tables import audit_events as ae

    rows = conn.execute(
        select(
            ae.c.seq,
            ae.c.at,
            ae.c.kind,
            ae.c.trigger,
            ae.c.from_state,
            ae.c.to_state,
            ae.c.actor,
            ae.c.body,
            ae.c.meeting_id,
            ae.c.note,
            ae.c.data,
        )
        .where(ae.c.plan_id == plan_id)
        .order_by(ae.c.seq)
    )
    return [EventLine(**row._mapping) for row in rows]


def plan_lines(
    conn: Connection, pathway_id: str | None = None, state: str | None = None
) -> list[PlanLine]:
    """Plans (optionally of one pathway, in one state) by id, with their next open deadline's
    due date."""
    from sqlalchemy import func, select

    from govpath.store.tables import deadlines as d
    from govpath.store.tables import pathway_versions as pv
    from govpath.store.tables import plans as p

    nxt = (
        select(d.c.plan_id, func.min(d.c.due).label("due"))
        .where(d.c.status == "open")
        .group_by(d.c.plan_id)
        .subquery()
    )
    query = (
        select(
            p.c.id,
            p.c.pathway_id,
            pv.c.version,
            p.c.state,
            p.c.subject,
            p.c.owner,
            p.c.closed_at,
            nxt.c.due,
        )
        .select_from(
            p.join(pv, p.c.pathway_version_id == pv.c.id).outerjoin(nxt, nxt.c.plan_id == p.c.id)
        )
        .order_by(p.c.id)
    )
    if pathway_id:
        query = query.where(p.c.pathway_id == pathway_id)
    if state:
        query = query.where(p.c.state == state)
    return [PlanLine(**row._mapping) for row in conn.execute(query)]


def open_deadlines(conn: Connection) -> list[OpenDue]:
    """Every open deadline of every plan (in no particular order)."""
    from sqlalchemy import select

    from govpath.store.tables import deadlines as d

    rows = conn.execute(select(d.c.plan_id, d.c.name, d.c.due).where(d.c.status == "open"))
    return [OpenDue(**row._mapping) for row in rows]
