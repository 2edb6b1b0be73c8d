"""Deadlines missed: which, whose, and how late (calendar days and working days).

A deadline counts as missed when the scheduler marked it ``missed``, or when it was met after
its due date. Lateness runs from the due date to the day it was met (Europe/London), or to
today while it is still outstanding; working days are counted on the pathway's working-day policy.

>>> from govpath.calendars.workdays import get_policy
>>> lateness(dt.date(2012, 12, 21), dt.date(2012, 12, 28), get_policy())  # over Christmas
(7, 3)
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.calendars.workdays import WorkingDayPolicy
    from govpath.definition.model import Pathway
    from govpath.store.trail_reads import DeadlineRecord

# (London day, from stage, trigger) of one transition
Move = tuple[dt.date, str | None, str | None]


def lateness(due: dt.date, done: dt.date, policy: WorkingDayPolicy) -> tuple[int, int]:
    """(calendar days, working days) from DUE to DONE: the days after DUE up to and with DONE."""
    if done <= due:
        return 0, 0
    working = policy.clear_days_between(due, done + dt.timedelta(days=1), working=True)
    return (done - due).days, working


def met_by_map(pathway: Pathway) -> dict[tuple[str, str], str]:
    """(stage, deadline id) -> the trigger that meets it, for deadlines that name one."""
    return {(st.id, d.id): d.met_by for st in pathway.stages for d in st.deadlines if d.met_by}


def transitions_of(conn: Connection, plan_ids: set[int]) -> dict[int, list[Move]]:
    """Each plan's transitions as (London day, from_state, trigger), in chain order."""
    from govpath.audit.query import local
    from govpath.store.trail_reads import transitions_of_plans

    out: dict[int, list[Move]] = {p: [] for p in plan_ids}
    for r in transitions_of_plans(conn, plan_ids):
        out[r.plan_id].append((local(r.at).date(), r.from_state, r.trigger))
    return out


def done_on(
    m: DeadlineRecord, transitions: list[Move], met_by: str | None = None
) -> dt.date | None:
    """The London day a missed deadline's work was done: its ``met_by`` trigger fired (or, for a
    deadline without one, the plan left its stage) on or after the due day; None while it is
    still outstanding. Leaving by another route is not the act: a trail written before deadlines
    were carried reads the same way."""
    due, stage = m.due, m.stage
    for day, source, trigger in transitions:
        if day < due:
            continue
        if trigger == met_by if met_by is not None else source == stage:
            return day
    return None


def missed_deadlines(
    conn: Connection,
    *,
    today: dt.date,
    plan: int | None = None,
    owner: str | None = None,
    body: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Missed deadlines (filters on due date range, owner, plan, gate body), oldest due first."""
    from govpath.audit.query import local
    from govpath.calendars.workdays import get_policy
    from govpath.reports.context import pathway_of_version
    from govpath.store.trail_reads import missed_rows

    policies: dict[str, WorkingDayPolicy] = {}
    pathways: dict[int, Pathway] = {}
    met_by: dict[int, dict[tuple[str, str], str]] = {}
    rows = missed_rows(
        conn,
        plan=plan,
        owner=owner,
        body=body,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    moves = transitions_of(conn, {m.plan_id for m in rows if m.met_at is None})
    out = []
    for m in rows:
        met_on = local(m.met_at).date() if m.met_at is not None else None
        if m.status == "met" and met_on is not None and met_on <= m.due:
            continue  # func.date on a UTC stamp can differ from the London day by an hour
        pv = m.pathway_version_id
        if pv not in pathways:
            pathways[pv] = pathway_of_version(conn, pv)
            met_by[pv] = met_by_map(pathways[pv])
        pathway = pathways[pv]
        name = pathway.settings.working_days
        policy = policies[name] if name in policies else policies.setdefault(name, get_policy(name))
        if met_on is None:
            trigger = met_by[pv].get((m.stage, m.name))
            if not trigger and m.carried_from is not None:
                trigger = met_by[pv].get((m.carried_from, m.name))
            met_on = done_on(m, moves.get(m.plan_id, []), trigger)
        days, working = lateness(m.due, met_on or today, policy)
        out.append(
            {
                "deadline": m.id,
                "plan": m.plan_id,
                "pathway": m.pathway_id,
                "subject": m.subject,
                "stage": m.stage,
                "name": m.name,
                "title": m.title,
                "due": m.due.isoformat(),
                "owner": m.owner,
                "status": m.status,
                "standing": "met late" if m.status == "met" else "missed",
                "met_on": met_on.isoformat() if met_on else None,
                "outstanding": met_on is None,
                "days_late": days,
                "working_days_late": working,
                "escalation_level": m.escalation_level,
                "body": m.meeting_body,
                "meeting_date": m.meeting_date.isoformat() if m.meeting_date else None,
            }
        )
    return out
