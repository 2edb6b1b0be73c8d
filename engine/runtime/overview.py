"""Plans at a glance: stage, next deadline (in working days), what is overdue, the meeting it feeds.

Read-only; what the Directors' task list and the policy team's dashboard show. Red: a deadline is
overdue; amber: the next falls within ``AMBER_DAYS`` working days; green: otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govpath.store import overview as store
from govpath.store.plans import pathway_for
from govpath.store.visibility import published_versions

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
    with engine.connect() as conn:
        rows, total = store.plans_page(
            conn,
            today,
            ids=ids,
            pathway=pathway,
            state=state,
            owner=owner.strip().lower() if owner else owner,
            overdue_only=overdue_only,
            include_closed=include_closed,
            limit=limit,
            offset=offset,
        )
        page = [r.id for r in rows]
        dls = store.deadlines_of(conn, page)
        versions = {r.pathway_version_id for r in rows}
        titles: dict[int, dict[str, str]] = {}
        for version in published_versions(conn, versions):
            pw, _c = pathway_for(conn, version.content_hash)
            titles[version.id] = {s.id: s.title for s in pw.stages}
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
        item: dict[str, Any] = {"name": r.name, "title": r.title, "date": r.due.isoformat()}
        if r.status == "missed" or r.due < today:
            line.overdue.append(item)
        elif line.next_deadline is None:
            item["working_days"] = working_days_until(today, r.due)
            item["meeting"] = (
                {"body": r.body, "title": r.meeting_title, "date": r.meeting_date.isoformat()}
                if r.body and r.meeting_date
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


def pathway_stages(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    """Each published pathway's stages (id, title), from its newest version."""
    out: dict[str, list[tuple[str, str]]] = {}
    with engine.connect() as conn:
        for version in store.versions_by_pathway(conn):
            pw, _c = pathway_for(conn, version.content_hash)
            out[version.pathway_id] = [(s.id, s.title) for s in pw.stages]
    return out


def plan_owners(engine: Engine) -> list[str]:
    """Everyone who owns a plan, in order (the dashboard's choice of owner)."""
    with engine.connect() as conn:
        return store.plan_owners(conn)
