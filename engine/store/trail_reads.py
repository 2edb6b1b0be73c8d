"""What the trail is asked: events by filter, states as of a moment, decisions, missed deadlines.

Reads only; each returns frozen records built by column name. What the rows mean (a lateness, a
decision's flags, a state at a moment) is worked out in :mod:`govpath.audit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, literal_column, or_, select

from govpath.store.backend import backend_of
from govpath.store.tables import actor_roles, actors, audit_events, deadlines, meetings, plans
from govpath.store.trail import TrailEvent

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table
    from sqlalchemy.sql.elements import ColumnElement

DEFAULT_LIMIT = 1000
DECISION_MARK = '%"decision":{%'  # canonical JSON of data carrying a decision record
MET = "deadline_met"  # --kind deadline_met: the transitions that met a deadline
MET_MARK = '%"deadlines_met":[%'  # canonical JSON of a transition's data listing them
STATE_KINDS = ("plan_started", "transition", "migration")  # the events that set a plan's stage

ev = audit_events


def columns_of(table: Table, record: type[Any]) -> list[Any]:
    """TABLE's columns named by RECORD's fields, in that order."""
    return [table.c[f.name] for f in fields(record)]


@dataclass
class EventFilter:
    """What to ask the trail; unset fields do not filter."""

    plan: int | None = None
    actor: str | None = None
    body: str | None = None
    since: dt.datetime | None = None  # inclusive, aware
    until: dt.datetime | None = None  # exclusive, aware
    decisions: bool = False
    kinds: tuple[str, ...] = ()
    stage: str | None = None
    limit: int | None = DEFAULT_LIMIT
    offset: int = 0
    after_seq: int | None = None  # keyset paging: only events after this seq


def decision_clause() -> ColumnElement[bool]:
    """Decision events: transitions whose data carries a decision record.

    Written with literals so that the partial index ``ix_audit_events_decisions`` (same
    predicate, migration 0003) serves it on SQLite and PostgreSQL.
    """
    mark = DECISION_MARK.replace("'", "''")
    return and_(
        ev.c.kind == literal_column("'transition'"), ev.c.data.like(literal_column(f"'{mark}'"))
    )


def met_clause() -> ColumnElement[bool]:
    """Transitions that met deadlines (``--kind deadline_met``; trails written before govpath
    recorded them inside the transition hold separate ``deadline_met`` events, found by kind)."""
    return and_(
        ev.c.kind == literal_column("'transition'"),
        ev.c.data.like(literal_column(f"'{MET_MARK}'")),
    )


def _conditions(f: EventFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.plan is not None:
        where.append(ev.c.plan_id == f.plan)
    if f.actor:
        where.append(ev.c.actor == f.actor.strip())
    if f.body:
        where.append(ev.c.body == f.body.strip())
    if f.since is not None:
        where.append(ev.c.at >= f.since)
    if f.until is not None:
        where.append(ev.c.at < f.until)
    if f.kinds:
        kinds: ColumnElement[bool] = ev.c.kind.in_(sorted(set(f.kinds)))
        if MET in f.kinds:  # a deadline met is recorded in the transition that met it
            kinds = or_(kinds, met_clause())
        where.append(kinds)
    if f.stage:
        where.append(or_(ev.c.from_state == f.stage, ev.c.to_state == f.stage))
    if f.decisions:
        where.append(decision_clause())
    if f.after_seq is not None:
        where.append(ev.c.seq > f.after_seq)
    return where


def find_events(conn: Connection, f: EventFilter, *, limit: int | None) -> list[TrailEvent]:
    """The events matching F from its offset, at most LIMIT: in time order (``at``, then
    ``seq``) when F has a time window, read off the (…, at) indexes; else in chain order. The two
    agree whenever events are appended as they happen."""
    timed = f.since is not None or f.until is not None
    order = (ev.c.at, ev.c.seq) if timed else (ev.c.seq,)
    stmt = select(*columns_of(ev, TrailEvent)).where(*_conditions(f)).order_by(*order)
    if f.offset:
        stmt = stmt.offset(f.offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [TrailEvent(**r._mapping) for r in conn.execute(stmt)]


@dataclass(frozen=True, slots=True, kw_only=True)
class StateEvent:
    """The event that put a plan in a stage: its ``seq``, time and the stage."""

    plan_id: int
    seq: int
    at: dt.datetime
    to_state: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanTitle:
    """What names a plan in a list: its pathway and subject."""

    id: int
    pathway_id: str
    subject: str


def last_state_events(conn: Connection, at: dt.datetime, *, plan: int | None) -> list[StateEvent]:
    """Each plan's newest state-changing event at or before AT (of PLAN only, if given)."""
    # Read off the covering index (kind, at, plan_id, seq, to_state): DISTINCT ON where the
    # backend has it; elsewhere (SQLite) the bare columns of a max() aggregate come from the row
    # holding the maximum.
    where = [ev.c.kind.in_(STATE_KINDS), ev.c.at <= at, ev.c.plan_id.is_not(None)]
    if plan is not None:
        where.append(ev.c.plan_id == plan)
    if backend_of(conn).distinct_on:
        stmt = (
            select(ev.c.plan_id, ev.c.seq, ev.c.at, ev.c.to_state)
            .where(*where)
            .distinct(ev.c.plan_id)
            .order_by(ev.c.plan_id, ev.c.seq.desc())
        )
    else:
        stmt = (
            select(ev.c.plan_id, func.max(ev.c.seq).label("seq"), ev.c.at, ev.c.to_state)
            .where(*where)
            .group_by(ev.c.plan_id)
        )
    return [StateEvent(**r._mapping) for r in conn.execute(stmt)]


def plan_titles(conn: Connection, *, plan: int | None = None) -> dict[int, PlanTitle]:
    """Every plan's pathway and subject (PLAN's only, if given), by id."""
    stmt = select(*columns_of(plans, PlanTitle))
    if plan is not None:
        stmt = stmt.where(plans.c.id == plan)
    return {r.id: PlanTitle(**r._mapping) for r in conn.execute(stmt)}


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionEvent(TrailEvent):
    """A decision's trail event with its plan's subject, pathway and version (None: no plan)."""

    subject: str | None
    pathway_id: str | None
    pathway_version_id: int | None


def decision_events(
    conn: Connection, *, plan: int | None, pathway: str | None, body: str | None
) -> list[DecisionEvent]:
    """The trail's decision events (of PLAN, of PATHWAY, at BODY, if given) in chain order."""
    stmt = (
        select(
            *columns_of(ev, TrailEvent),
            plans.c.subject,
            plans.c.pathway_id,
            plans.c.pathway_version_id,
        )
        .outerjoin(plans, plans.c.id == ev.c.plan_id)
        .where(decision_clause())
        .order_by(ev.c.seq)
    )
    if plan is not None:
        stmt = stmt.where(ev.c.plan_id == plan)
    if pathway:
        stmt = stmt.where(plans.c.pathway_id == pathway)
    if body:
        stmt = stmt.where(ev.c.body == body)
    return [DecisionEvent(**r._mapping) for r in conn.execute(stmt)]


def event_plan(conn: Connection, event_id: int) -> int | None:
    """The plan of trail event EVENT_ID (None: no such event, or one of no plan)."""
    found = conn.execute(select(ev.c.plan_id).where(ev.c.id == event_id)).scalar()
    return None if found is None else int(found)


def last_event(conn: Connection, *, upto_seq: int | None = None) -> TrailEvent | None:
    """The trail's last event (at or below UPTO_SEQ, if given); None when there is none."""
    stmt = select(*columns_of(ev, TrailEvent))
    if upto_seq is not None:
        stmt = stmt.where(ev.c.seq <= upto_seq)
    row = conn.execute(stmt.order_by(ev.c.seq.desc()).limit(1)).first()
    return None if row is None else TrailEvent(**row._mapping)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanMove:
    """One transition of a plan: when, from which stage, by which trigger."""

    plan_id: int
    at: dt.datetime
    from_state: str | None
    trigger: str | None


def transitions_of_plans(conn: Connection, plan_ids: Iterable[int]) -> list[PlanMove]:
    """The transitions of these plans, plan by plan, each plan's in chain order."""
    ids = sorted(set(plan_ids))
    out: list[PlanMove] = []
    for i in range(0, len(ids), 500):
        rows = conn.execute(
            select(*columns_of(ev, PlanMove))
            .where(ev.c.plan_id.in_(ids[i : i + 500]), ev.c.kind == "transition")
            .order_by(ev.c.plan_id, ev.c.seq)
        )
        out += [PlanMove(**r._mapping) for r in rows]
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineRecord:
    """One deadline row (``met_at`` and ``updated_at`` aware UTC)."""

    id: int
    plan_id: int
    stage: str
    name: str
    title: str
    rule: str
    anchor_date: dt.date | None
    meeting_id: int | None
    due: dt.date
    owner: str
    status: str
    met_at: dt.datetime | None
    escalation_level: int
    infeasible: bool
    updated_at: dt.datetime
    schedule: str | None
    carried_from: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MissedRow(DeadlineRecord):
    """A deadline missed or met late, with its plan and its meeting (if any)."""

    pathway_id: str
    pathway_version_id: int
    subject: str
    meeting_body: str | None
    meeting_date: dt.date | None


def missed_rows(
    conn: Connection,
    *,
    plan: int | None = None,
    owner: str | None = None,
    body: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[MissedRow]:
    """Deadlines marked missed, or met on or after their due day (UTC), oldest due first;
    filtered on plan, owner, the meeting's body and the due date range."""
    dl = deadlines
    late_met = and_(dl.c.met_at.is_not(None), func.date(dl.c.met_at) >= dl.c.due)
    stmt = (
        select(
            *columns_of(dl, DeadlineRecord),
            plans.c.pathway_id,
            plans.c.pathway_version_id,
            plans.c.subject,
            meetings.c.body.label("meeting_body"),
            meetings.c.date.label("meeting_date"),
        )
        .join(plans, plans.c.id == dl.c.plan_id)
        .outerjoin(meetings, meetings.c.id == dl.c.meeting_id)
        .where(dl.c.status.in_(("missed", "met")), or_(dl.c.status == "missed", late_met))
        .order_by(dl.c.due, dl.c.id)
    )
    if plan is not None:
        stmt = stmt.where(dl.c.plan_id == plan)
    if owner:
        stmt = stmt.where(dl.c.owner == owner.strip())
    if body:
        stmt = stmt.where(meetings.c.body == body.strip())
    if since is not None:
        stmt = stmt.where(dl.c.due >= since)
    if until is not None:
        stmt = stmt.where(dl.c.due <= until)
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [MissedRow(**r._mapping) for r in conn.execute(stmt)]


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeDeadline:
    """A plan's statutory notice deadline, as the decision records report it."""

    plan_id: int
    title: str
    status: str
    due: dt.date
    met_at: dt.datetime | None


def notice_deadlines(
    conn: Connection, plan_ids: Iterable[int], rules: Iterable[str]
) -> list[NoticeDeadline]:
    """The deadlines of these plans made by these rules, oldest first."""
    dl = deadlines
    rows = conn.execute(
        select(*columns_of(dl, NoticeDeadline))
        .where(dl.c.plan_id.in_(sorted(set(plan_ids))), dl.c.rule.in_(list(rules)))
        .order_by(dl.c.id)
    )
    return [NoticeDeadline(**r._mapping) for r in rows]


# --- what replaying the trail compares ---

REPLAYED_KINDS = (*STATE_KINDS, "deadline_missed", "actor_added")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayEvent:
    """A state-bearing event: what replaying the trail applies."""

    kind: str
    at: dt.datetime
    plan_id: int | None
    to_state: str | None
    data: str


def replay_events(conn: Connection) -> Iterator[ReplayEvent]:
    """The events that bear state (stages, deadlines met and missed, roles) in ``seq`` order."""
    rows = conn.execution_options(yield_per=2000).execute(
        select(*columns_of(ev, ReplayEvent)).where(ev.c.kind.in_(REPLAYED_KINDS)).order_by(ev.c.seq)
    )
    for r in rows:
        yield ReplayEvent(**r._mapping)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanNow:
    """A plan as the database holds it now."""

    id: int
    state: str
    version: int
    fields: str
    owner: str


def plans_now(conn: Connection) -> list[PlanNow]:
    """Every plan's stage, version, fields (JSON text) and owner."""
    return [PlanNow(**r._mapping) for r in conn.execute(select(*columns_of(plans, PlanNow)))]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineNow:
    """A deadline's standing as the database holds it now."""

    id: int
    plan_id: int
    name: str
    status: str
    met_at: dt.datetime | None


def deadlines_now(conn: Connection) -> list[DeadlineNow]:
    """Every deadline's status and when it was met."""
    return [
        DeadlineNow(**r._mapping) for r in conn.execute(select(*columns_of(deadlines, DeadlineNow)))
    ]


def roles_held(conn: Connection) -> dict[str, set[str]]:
    """Every registered person's roles by e-mail (an empty set: none)."""
    held: dict[str, set[str]] = {}
    rows = conn.execute(
        select(actors.c.email, actor_roles.c.role).select_from(
            actors.outerjoin(actor_roles, actor_roles.c.actor_id == actors.c.id)
        )
    )
    for email, role in rows:
        found = held.setdefault(email, set())
        if role:
            found.add(role)
    return held
