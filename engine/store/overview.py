"""Plans at a glance: the dashboard's and task list's reads (a page of plans, their deadlines)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, FromClause, and_, func, or_, select

from govpath.store.tables import deadlines as d
from govpath.store.tables import meetings as m
from govpath.store.tables import pathway_versions as pv
from govpath.store.tables import plans as p


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanAtGlance:
    """One plan as the overview lists it."""

    id: int
    pathway_id: str
    subject: str
    owner: str
    state: str
    closed_at: dt.datetime | None
    pathway_version_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineAtGlance:
    """One deadline of a listed plan, with the meeting it feeds (if any)."""

    plan_id: int
    name: str
    title: str
    due: dt.date
    status: str
    body: str | None
    meeting_title: str | None
    meeting_date: dt.date | None


def plans_page(
    conn: Connection,
    today: dt.date,
    *,
    ids: Sequence[int] | None,
    pathway: str | None,
    state: str | None,
    owner: str | None,
    overdue_only: bool,
    include_closed: bool,
    limit: int,
    offset: int,
) -> tuple[list[PlanAtGlance], int]:
    """The plans chosen (by IDS, or by the filters; OWNER normalised), by id, one page of them
    from OFFSET, and how many in all. Overdue: a deadline missed, or open and due before TODAY."""
    late = (
        select(d.c.plan_id, func.count().label("n"))
        .where(or_(d.c.status == "missed", and_(d.c.status == "open", d.c.due < today)))
        .group_by(d.c.plan_id)
        .subquery()
    )
    where: list[ColumnElement[bool]] = []
    if ids is not None:
        where.append(p.c.id.in_(ids or [-1]))
    if pathway:
        where.append(p.c.pathway_id == pathway)
    if state:
        where.append(p.c.state == state)
    if owner:
        where.append(p.c.owner == owner)
    if not include_closed:
        where.append(p.c.closed_at.is_(None))
    base: FromClause = p
    if overdue_only:  # only then: the count of late deadlines is worked out over every plan
        base = base.join(late, late.c.plan_id == p.c.id)
        where.append(late.c.n > 0)
    total = conn.execute(select(func.count()).select_from(base).where(*where)).scalar_one()
    rows = conn.execute(
        select(
            p.c.id,
            p.c.pathway_id,
            p.c.subject,
            p.c.owner,
            p.c.state,
            p.c.closed_at,
            p.c.pathway_version_id,
        )
        .select_from(base)
        .where(*where)
        .order_by(p.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [PlanAtGlance(**r._mapping) for r in rows], int(total)


def deadlines_of(conn: Connection, plan_ids: Sequence[int]) -> list[DeadlineAtGlance]:
    """Every deadline of those plans, whatever its status, by plan, due date and id."""
    if not plan_ids:
        return []
    rows = conn.execute(
        select(
            d.c.plan_id,
            d.c.name,
            d.c.title,
            d.c.due,
            d.c.status,
            m.c.body,
            m.c.title.label("meeting_title"),
            m.c.date.label("meeting_date"),
        )
        .select_from(d.outerjoin(m, m.c.id == d.c.meeting_id))
        # by plan only: with the status beside it SQLite picks the status index and walks
        # every open deadline of every plan; the caller skips the few others
        .where(d.c.plan_id.in_(plan_ids))
        .order_by(d.c.plan_id, d.c.due, d.c.id)
    ).all()
    return [DeadlineAtGlance(**r._mapping) for r in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionOfPathway:
    """A published version of a pathway, for the dashboard's choice of pathway and stage."""

    pathway_id: str
    version: int
    content_hash: str


def versions_by_pathway(conn: Connection) -> list[VersionOfPathway]:
    """Every published version, by pathway and then version (so the newest of each comes last)."""
    rows = conn.execute(
        select(pv.c.pathway_id, pv.c.version, pv.c.content_hash).order_by(
            pv.c.pathway_id, pv.c.version
        )
    ).all()
    return [VersionOfPathway(**r._mapping) for r in rows]


def plan_owners(conn: Connection) -> list[str]:
    """Everyone who owns a plan, once each, in order."""
    return list(conn.execute(select(p.c.owner).distinct().order_by(p.c.owner)).scalars())
