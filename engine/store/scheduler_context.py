"""What the scheduler's messages read: deadlines, their plans and meetings, people and roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from govpath.store.tables import actor_roles, actors, deadlines, meetings, pathway_versions, plans


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineRow:
    """A deadline as a message speaks of it."""

    id: int
    plan_id: int
    name: str
    title: str
    due: dt.date
    rule: str
    stage: str
    status: str
    owner: str
    escalation_level: int
    meeting_id: int | None
    carried_from: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanSummary:
    """A plan as a message speaks of it."""

    id: int
    subject: str
    owner: str
    pathway_id: str
    pathway_version_id: int
    state: str
    closed_at: dt.datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Meeting:
    """A meeting as a message speaks of it."""

    id: int
    body: str
    title: str
    date: dt.date
    time: dt.time | None
    place: str
    status: str
    original_date: dt.date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """An actor: name and manager."""

    email: str
    name: str
    reports_to: str | None


MEETING_COLUMNS = (
    meetings.c.id,
    meetings.c.body,
    meetings.c.title,
    meetings.c.date,
    meetings.c.time,
    meetings.c.place,
    meetings.c.status,
    meetings.c.original_date,
)


def definition_text(conn: Connection, version_id: int) -> str | None:
    """The stored JSON definition of pathway version VERSION_ID, or None."""
    pv = pathway_versions
    found: str | None = conn.execute(
        select(pv.c.definition).where(pv.c.id == version_id)
    ).scalar_one_or_none()
    return found


def people(conn: Connection, emails: Sequence[str]) -> list[Person]:
    """The actors among EMAILS."""
    a = actors
    query = select(a.c.email, a.c.name, a.c.reports_to).where(a.c.email.in_(emails))
    return [Person(**r) for r in conn.execute(query).mappings()]


def role_members(conn: Connection, role: str) -> list[str]:
    """E-mails of everyone holding ROLE, sorted."""
    query = (
        select(actors.c.email)
        .join(actor_roles, actor_roles.c.actor_id == actors.c.id)
        .where(actor_roles.c.role == role)
        .order_by(actors.c.email)
    )
    return list(conn.execute(query).scalars())


def roles_of(conn: Connection, email: str) -> list[str]:
    """The roles EMAIL holds (in no order)."""
    query = (
        select(actor_roles.c.role)
        .join(actors, actor_roles.c.actor_id == actors.c.id)
        .where(actors.c.email == email)
    )
    return list(conn.execute(query).scalars())


def deadline_rows(conn: Connection, ids: Sequence[int]) -> list[DeadlineRow]:
    """The deadlines IDS."""
    d = deadlines
    query = select(
        d.c.id,
        d.c.plan_id,
        d.c.name,
        d.c.title,
        d.c.due,
        d.c.rule,
        d.c.stage,
        d.c.status,
        d.c.owner,
        d.c.escalation_level,
        d.c.meeting_id,
        d.c.carried_from,
    ).where(d.c.id.in_(ids))
    return [DeadlineRow(**r) for r in conn.execute(query).mappings()]


def plan_summaries(conn: Connection, ids: Sequence[int]) -> dict[int, PlanSummary]:
    """The plans IDS, by id."""
    p = plans
    query = select(
        p.c.id,
        p.c.subject,
        p.c.owner,
        p.c.pathway_id,
        p.c.pathway_version_id,
        p.c.state,
        p.c.closed_at,
    ).where(p.c.id.in_(ids))
    return {r["id"]: PlanSummary(**r) for r in conn.execute(query).mappings()}


def meetings_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, Meeting]:
    """The meetings IDS, by id."""
    query = select(*MEETING_COLUMNS).where(meetings.c.id.in_(ids))
    return {r["id"]: Meeting(**r) for r in conn.execute(query).mappings()}
