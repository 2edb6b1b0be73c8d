"""What reports and the demo read: plans with their versions, meetings, deadlines, counts.

Reads only; each returns frozen records built by column name. What a report shows is worked out
in :mod:`govpath.reports` (and the demo's summary in :mod:`govpath.demo`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from govpath.store.tables import audit_events, deadlines, meetings, outbox, pathway_versions, plans
from govpath.store.trail_reads import DeadlineRecord, columns_of

if TYPE_CHECKING:
    from sqlalchemy import Connection

ev = audit_events
pv = pathway_versions


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredDefinition:
    """A published version's definition (normalised JSON) and the YAML it was published from."""

    definition: str
    source_text: str
    source_path: str


def stored_definition(conn: Connection, version_id: int) -> StoredDefinition | None:
    """The definition stored for pathway version row VERSION_ID (None: no such version)."""
    row = conn.execute(
        select(*columns_of(pv, StoredDefinition)).where(pv.c.id == version_id)
    ).one_or_none()
    return None if row is None else StoredDefinition(**row._mapping)


def latest_version_id(conn: Connection, pathway_id: str) -> int | None:
    """The row id of PATHWAY_ID's newest published version (None: never published)."""
    found = conn.execute(
        select(pv.c.id).where(pv.c.pathway_id == pathway_id).order_by(pv.c.version.desc()).limit(1)
    ).scalar()
    return None if found is None else int(found)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRecord:
    """A plan row with the number of the pathway version it runs on."""

    id: int
    pathway_version_id: int
    pathway_id: str
    subject: str
    owner: str
    state: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    pv_version: int


def plan_record(conn: Connection, plan_id: int) -> PlanRecord | None:
    """The plan PLAN_ID (None: there is none)."""
    columns = [plans.c[f.name] for f in fields(PlanRecord) if f.name != "pv_version"]
    row = conn.execute(
        select(*columns, pv.c.version.label("pv_version"))
        .join(pv, pv.c.id == plans.c.pathway_version_id)
        .where(plans.c.id == plan_id)
    ).one_or_none()
    return None if row is None else PlanRecord(**row._mapping)


def plan_exists(conn: Connection, plan_id: int) -> bool:
    """Whether there is a plan PLAN_ID."""
    return conn.execute(select(plans.c.id).where(plans.c.id == plan_id)).first() is not None


def plan_ids_of_pathway(conn: Connection, pathway_id: str) -> list[int]:
    """The plans of PATHWAY_ID (on any of its versions), by id."""
    rows = conn.execute(
        select(plans.c.id).where(plans.c.pathway_id == pathway_id).order_by(plans.c.id)
    )
    return [int(r.id) for r in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingRecord:
    """One meeting row (``time`` local to the council; ``updated_at`` aware UTC)."""

    id: int
    body: str
    title: str
    date: dt.date
    time: dt.time | None
    place: str
    status: str
    original_date: dt.date | None
    source: str
    source_id: str
    updated_at: dt.datetime


def meetings_by_id(conn: Connection, ids: Iterable[int]) -> list[MeetingRecord]:
    """The meetings with these ids."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    rows = conn.execute(
        select(*columns_of(meetings, MeetingRecord)).where(meetings.c.id.in_(wanted))
    )
    return [MeetingRecord(**r._mapping) for r in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarDeadline(DeadlineRecord):
    """A deadline with its plan's subject, pathway and owner, for a calendar file."""

    subject: str
    pathway_id: str
    plan_owner: str


def calendar_deadlines(
    conn: Connection, *, plan_id: int | None = None, owner: str | None = None
) -> list[CalendarDeadline]:
    """Deadlines not cancelled, due first: PLAN_ID's, else those OWNER (an e-mail) owns or whose
    plan they own."""
    dl = deadlines
    query = (
        select(
            *columns_of(dl, DeadlineRecord),
            plans.c.subject,
            plans.c.pathway_id,
            plans.c.owner.label("plan_owner"),
        )
        .select_from(dl.join(plans, dl.c.plan_id == plans.c.id))
        .where(dl.c.status != "cancelled")
        .order_by(dl.c.due, dl.c.id)
    )
    if plan_id is not None:
        query = query.where(dl.c.plan_id == plan_id)
    else:
        query = query.where(or_(dl.c.owner == owner, plans.c.owner == owner))
    return [CalendarDeadline(**r._mapping) for r in conn.execute(query)]


def deadlines_of_plan(conn: Connection, plan_id: int) -> list[DeadlineRecord]:
    """Every deadline of the plan, due first."""
    dl = deadlines
    rows = conn.execute(
        select(*columns_of(dl, DeadlineRecord))
        .where(dl.c.plan_id == plan_id)
        .order_by(dl.c.due, dl.c.id)
    )
    return [DeadlineRecord(**r._mapping) for r in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class StageEntry:
    """When a plan entered a stage (started, moved or migrated)."""

    at: dt.datetime
    to_state: str  # always set on these kinds of event


def stage_entries(conn: Connection, plan_id: int) -> list[StageEntry]:
    """The plan's state-changing events in chain order."""
    rows = conn.execute(
        select(*columns_of(ev, StageEntry))
        .where(ev.c.plan_id == plan_id, ev.c.kind.in_(("plan_started", "transition", "migration")))
        .order_by(ev.c.seq)
    )
    return [StageEntry(**r._mapping) for r in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanStep:
    """One transition of a plan as its pathway lines read it."""

    from_state: str | None
    body: str | None
    meeting_id: int | None
    data: str
    at: dt.datetime


def plan_steps(
    conn: Connection, plan_id: int, *, as_of: dt.datetime | None = None
) -> list[PlanStep]:
    """The plan's transitions (up to AS_OF, if given) in chain order."""
    stmt = (
        select(*columns_of(ev, PlanStep))
        .where(ev.c.plan_id == plan_id, ev.c.kind == "transition")
        .order_by(ev.c.seq)
    )
    if as_of is not None:
        stmt = stmt.where(ev.c.at <= as_of)
    return [PlanStep(**r._mapping) for r in conn.execute(stmt)]


# --- the demo's summary ---


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineState:
    """A deadline's status, due day and when it was met."""

    status: str
    due: dt.date
    met_at: dt.datetime | None


def deadline_states(conn: Connection) -> list[DeadlineState]:
    """Every deadline's status, due day and met time."""
    rows = conn.execute(select(*columns_of(deadlines, DeadlineState)))
    return [DeadlineState(**r._mapping) for r in rows]


def message_counts(conn: Connection) -> dict[tuple[str, str], int]:
    """How many outbox messages there are of each (kind, status)."""
    rows = conn.execute(
        select(outbox.c.kind, outbox.c.status, func.count()).group_by(
            outbox.c.kind, outbox.c.status
        )
    )
    return {(kind, status): int(n) for kind, status, n in rows}


def count_events(conn: Connection, *, kind: str | None = None) -> int:
    """How many trail events there are (of KIND only, if given)."""
    stmt = select(func.count()).select_from(ev)
    if kind is not None:
        stmt = stmt.where(ev.c.kind == kind)
    return int(conn.execute(stmt).scalar_one())


@dataclass(frozen=True, slots=True, kw_only=True)
class TriggerFired:
    """A transition: which plan, which trigger, when."""

    plan_id: int
    trigger: str
    at: dt.datetime


def triggers_fired(conn: Connection, triggers: Iterable[str]) -> list[TriggerFired]:
    """The transitions that fired one of TRIGGERS, in chain order."""
    rows = conn.execute(
        select(*columns_of(ev, TriggerFired))
        .where(ev.c.kind == "transition", ev.c.trigger.in_(list(triggers)))
        .order_by(ev.c.seq)
    )
    return [TriggerFired(**r._mapping) for r in rows]
