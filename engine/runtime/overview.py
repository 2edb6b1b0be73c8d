"""Plans at a glance: stage, next deadline (in working days), what is overdue, the meeting it feeds.

Read-only; what the Directors' task list and the policy team's dashboard show. Red: a deadline is
overdue; amber: the next falls within ``AMBER_DAYS`` working days; green: otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govpath.store.plans import pathway_for

if TYPE_CHECKING:
    from sqlalchemy import Engine

AMBER_DAYS = 5


@dataclass
class PlanLine:
    """One plan's line on a task list or the dashboard."""

    id: int
    pathway: str
    subject: str
    owner: str
    state: str
    stage_title: str
    closed: bool
    next_deadline: dict[str, Any] | None = None  # name, title, date, working_days, meeting
    overdue: list[dict[str, Any]] = field(default_factory=list)  # name, title, date
    rag: str = "green"  # red | amber | green | closed


def working_days_until(today: dt.date, due: dt.date, policy_name: str = "") -> int:
    """Working days from TODAY to DUE (0 when due today; negative when past)."""
    from govpath.calendars.workdays import get_policy

    policy = get_policy(policy_name) if policy_name else get_policy()
    sign, a, b = (1, today, due) if due >= today else (-1, due, today)
    n, d = 0, a
    while d < b:
        d += dt.timedelta(days=1)
        if policy.is_working_day(d):
            n += 1
    return sign * n


def overview(
    engine: Engine,
    today: dt.date,
    *,
    ids: list[int] | None = None,
    pathway: str | None = None,
    state: str | None = None,
    owner: str | None = None,
    overdue_only: bool = False,
    include_closed: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[PlanLine], int]:
    """The plans chosen (by IDS, or by the filters), one page of them, and how many in all."""
    from sqlalchemy import and_, func, or_, select

    from govpath.store.tables import deadlines as d
    from govpath.store.tables import meetings as m
    from govpath.store.tables import pathway_versions as pv
    from govpath.store.tables import plans as p

    late = (
        select(d.c.plan_id, func.count().label("n"))
        .where(or_(d.c.status == "missed", and_(d.c.status == "open", d.c.due < today)))
        .group_by(d.c.plan_id)
        .subquery()
    )
    where = []
    if ids is not None:
        where.append(p.c.id.in_(ids or [-1]))
    if pathway:
        where.append(p.c.pathway_id == pathway)
    if state:
        where.append(p.c.state == state)
    if owner:
        where.append(p.c.owner == owner.strip().lower())
    if not include_closed:
        where.append(p.c.closed_at.is_(None))
    base = p
    if overdue_only:  # only then: the count of late deadlines is worked out over every plan
        base = base.join(late, late.c.plan_id == p.c.id)
        where.append(late.c.n > 0)
    with engine.connect() as conn:
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
        page = [r.id for r in rows]
        dls = (
            conn.execute(
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
                # by plan only: with the status beside it SQLite picks the status index and
                # walks every open deadline of every plan; the few others are skipped below
                .where(d.c.plan_id.in_(page))
                .order_by(d.c.plan_id, d.c.due, d.c.id)
            ).all()
            if page
            else []
        )
        versions = {r.pathway_version_id for r in rows}
        hashes = dict(
            conn.execute(
                select(pv.c.id, pv.c.content_hash).where(pv.c.id.in_(versions or {-1}))
            ).all()
        )
        titles: dict[int, dict[str, str]] = {}
        for vid, digest in hashes.items():
            pw, _c = pathway_for(conn, digest)
            titles[vid] = {s.id: s.title for s in pw.stages}
    lines = {
        r.id: PlanLine(
            id=r.id,
            pathway=r.pathway_id,
            subject=r.subject,
            owner=r.owner,
            state=r.state,
            stage_title=titles[r.pathway_version_id].get(r.state, r.state),
            closed=r.closed_at is not None,
        )
        for r in rows
    }
    for r in dls:
        if r.status not in ("open", "missed"):
            continue
        line = lines[r.plan_id]
        item = {"name": r.name, "title": r.title, "date": r.due.isoformat()}
        if r.status == "missed" or r.due < today:
            line.overdue.append(item)
        elif line.next_deadline is None:
            item["working_days"] = working_days_until(today, r.due)
            item["meeting"] = (
                {"body": r.body, "title": r.meeting_title, "date": r.meeting_date.isoformat()}
                if r.body
                else None
            )
            line.next_deadline = item
    for line in lines.values():
        if line.closed:
            line.rag = "closed"
        elif line.overdue:
            line.rag = "red"
        elif line.next_deadline and line.next_deadline["working_days"] <= AMBER_DAYS:
            line.rag = "amber"
    return [lines[i] for i in page], total
