"""Firing a transition: load a snapshot, decide (pure), then one short write; a refusal is recorded.

:func:`advance` is the whole path. In one transaction on one pooled connection it reads the
snapshot (:func:`govpath.runtime.snapshot.load_snapshot`: the plan with the actor's roles in one
statement, the definition, the timeline, the owed deadlines and, for a collective step, the cycle),
calls :func:`govpath.runtime.decide.decide` (no I/O; the compiled ``transitions`` machine runs the
role, content, guard, notice and deadline conditions), and writes a :class:`Decision` with
:func:`write`: ``UPDATE … WHERE version = expected`` (optimistic concurrency: a plan changed
meanwhile → :class:`Conflict`, nothing written), the deadlines settled and those of the new stage
with their reminder schedules, and one trail event per plan moved. A :class:`Refusal` rolls that
transaction back and is recorded as a ``refusal`` event (its reason code, missing content and
roles kept) in its own transaction, state untouched, then raised as :class:`Refused`. An unknown
trigger or a malformed value is bad input: nothing is recorded.

Joins: a transition with ``join: {stage: X}`` is a collective step for the **cycle**: every open
plan pinned to a version of the same pathway id *and the same financial year* (a year's plans may
sit on different versions after a migration) that has not already fired the trigger. It fires
for all of them, atomically, only when all are in X; otherwise it is refused naming those that
are not there yet. Values given with ``--set`` on a collective step are recorded for every plan
of the cycle that does not already have them (see :func:`govpath.runtime.decide.shared`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from govpath.audit.acting import Acting, acting_json
from govpath.audit.chain import append_event, append_events
from govpath.errors import BadInput, Conflict, GovpathError
from govpath.runtime import deadlines as dl
from govpath.runtime import roles
from govpath.runtime.decide import (
    Decision,
    Refusal,
    check_trigger,
    decide,
    read_values,
)
from govpath.runtime.snapshot import Request, load_snapshot, owner_scope
from govpath.store.db import utcnow  # (a light module: no SQLAlchemy at import)
from govpath.store.hot import HotConnection, hot_transaction
from govpath.store.plans import PlanRow, advance_plan, plan_version

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from govpath.definition.model import Pathway
    from govpath.store.prepared import StoreConnection


def write(
    conn: StoreConnection,
    decision: Decision,
    trigger: str,
    actor: str,
    note: str | None,
    now: dt.datetime,
    acting: dict[str, Any] | None = None,
) -> list[int]:
    """Write the DECISION in CONN's transaction; Conflict when a plan changed meanwhile.

    Lock order, the same everywhere: plan rows, then deadline/notice/outbox rows, then the chain
    head (events are appended last), so concurrent transitions cannot deadlock.
    """
    steps = decision.steps
    # each plan's UPDATE names the version read; on PostgreSQL it is only queued here, with the
    # writes below, and its answer is asked for once the chain head's has come (one round trip)
    moves = [
        advance_plan(
            conn,
            st.view.plan,
            state=st.dest,
            fields={**st.view.plan.fields, **st.values},
            now=now,
            closed=st.view.plan.closed_at or (now if st.route.dest.terminal else None),
        )
        for st in steps
    ]
    met: list[dict[str, Any]] = []
    for st in steps:
        plan, pathway, way = st.view.plan, st.view.pathway, st.route
        settled = dl.leave_deadlines(
            conn,
            pathway,
            plan_id=plan.id,
            source=plan.state,
            dest=st.dest,
            trigger=trigger,
            now=now,
            owed=st.view.owed,
            pending_messages=plan.pending_messages,
        )
        met.append(settled.event_data())
        if way.leaving and way.dest.deadlines:
            ref = plan_ref(pathway, plan, owner_scope(st.view.compiled, plan.subject)[0])
            decided = st.data.get("decision") or {}
            record_day = decided.get("record_published") or decided.get("meeting_date")
            dl.enter_stage(
                conn,
                pathway,
                ref,
                st.dest,
                st.view.timeline,
                now,
                carried=settled.carried_names,
                decision_record=dt.date.fromisoformat(record_day) if record_day else None,
            )
    # one event per plan moved: the deadlines it met are part of it, as the content it set is
    events: list[Mapping[str, Any]] = [
        {
            "kind": "transition",
            "at": now,
            "plan_id": st.view.plan.id,
            "trigger": trigger,
            "from_state": st.view.plan.state,
            "to_state": st.dest,
            "actor": actor,
            "body": st.body,
            "meeting_id": st.meeting_id,
            "note": note,
            "data": {
                **st.data,
                "plan_version": st.view.plan.version + 1,
                **({"fields": dict(st.values)} if st.values else {}),
                **closed,
                **({"acting": acting} if acting else {}),
            },
        }
        for st, closed in zip(steps, met, strict=True)
    ]
    seqs = append_events(conn, events)  # last: the chain head is locked for the shortest time
    for st, moved in zip(steps, moves, strict=True):
        if moved.rowcount() != 1:  # the transaction is rolled back: nothing of it stays
            raise Conflict(
                f"plan {st.view.plan.id} was changed by someone else while you were advancing "
                "it; nothing was written. Look at `govpath plan status` and try again."
            )
    return seqs


class translate_lock_errors:  # lower case: it reads as a call in `with`
    """A deadlock or serialisation failure (PostgreSQL) or a lock timeout (SQLite) is a Conflict,
    whether raised through SQLAlchemy or by the driver on the hot path."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if exc is None or isinstance(exc, GovpathError) or not isinstance(exc, Exception):
            return
        orig = getattr(exc, "orig", None) or exc
        code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        if code in ("40P01", "40001", "55P03") or "database is locked" in str(orig):
            raise Conflict(
                "another change held the records this transition needs; nothing was written. "
                "Try again."
            ) from None


class lost_connection_is_said:  # lower case: it reads as a call in `with`
    """A database connection lost during a transition is a Conflict with a sentence that says so.

    Lost before COMMIT was answered, the transition may or may not have been committed: the
    sentence says how to find out, and no traceback or driver message reaches the person."""

    __slots__ = ("conn", "plan_id")

    def __init__(self, conn: HotConnection, plan_id: int) -> None:
        self.conn, self.plan_id = conn, plan_id

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if exc is None or isinstance(exc, GovpathError) or not isinstance(exc, Exception):
            return
        if not self.conn.is_open():
            raise Conflict(
                f"the connection to the database was lost while plan {self.plan_id} was being "
                f"advanced. Look at `govpath plan status {self.plan_id}` to see whether it moved "
                "before trying again."
            ) from None


def plan_ref(pathway: Pathway, plan: PlanRow, owner_role: str | None = None) -> dl.PlanRef:
    """What deadline writing needs: the plan's owner, owner role (worked out from PATHWAY unless
    the caller has it) and the owner's manager."""
    own = owner_role or roles.owner_role(pathway, plan.subject)
    return dl.PlanRef(id=plan.id, owner=plan.owner, owner_role=own, manager=plan.owner_manager)


def record_refusal(
    conn: HotConnection,
    plan: PlanRow,
    actor: str,
    raw: dict[str, str],
    note: str | None,
    refusal: Refusal,
    now: dt.datetime,
    acting: dict[str, Any] | None = None,
) -> None:
    """The refusal as a trail event in its own transaction; Conflict if the plan moved meanwhile."""
    with conn.begin():
        if plan_version(conn, plan.id) != plan.version:
            raise Conflict(
                f"plan {plan.id} was changed by someone else while you were advancing it; nothing "
                "was written. Look at `govpath plan status` and try again."
            )
        append_event(
            conn,
            kind="refusal",
            at=now,
            plan_id=plan.id,
            trigger=refusal.trigger,
            from_state=plan.state,
            actor=actor,
            note=note,
            data={
                "reason": refusal.message,
                "fields": dict(raw),
                "refusal": refusal.as_data(),
                **({"acting": acting} if acting else {}),
            },
        )


def advance(
    engine: Engine,
    plan_id: int,
    trigger: str,
    actor: str,
    fields: dict[str, str] | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
    expected_version: int | None = None,
    acting: Acting | None = None,
) -> dict[str, Any]:
    """Fire TRIGGER on plan PLAN_ID as ACTOR with ``--set`` FIELDS; one write transaction.

    ACTING says who fired it and how (the signed-in person, the channel); without it, this
    process's operator acting for ACTOR is recorded.

    Returns ``{id, trigger, from, to, state, plan_version, seq, plans}`` (``plans``: every plan the
    step moved — more than one for a join). Raises Refused (recorded), Conflict, NotFound or
    BadInput (an unknown trigger, a malformed value: not recorded).
    """
    now = now or utcnow()
    actor = actor.strip().lower()
    if not actor:
        raise BadInput("an act needs the e-mail address of the person acting (it was empty).")
    who_acted = acting_json(acting, actor)
    raw = dict(fields or {})
    # one pooled connection, one transaction
    with HotConnection(engine) as conn, lost_connection_is_said(conn, plan_id):
        # Read, decide and write in one transaction: a BEGIN/COMMIT pair fewer. The plan's
        # UPDATE still names the version read (PostgreSQL: another writer first → Conflict);
        # SQLite's BEGIN IMMEDIATE serialises writers, so what was read cannot move.
        with translate_lock_errors(), hot_transaction(conn):
            snapshot = load_snapshot(conn, plan_id=plan_id, trigger=trigger, actor=actor, now=now)
            plan = snapshot.plan
            check_trigger(snapshot.view.compiled, trigger, plan.state)
            values, record, unknown = read_values(snapshot.pathway, raw)
            request = Request(
                plan_id=plan_id,
                trigger=trigger,
                actor=actor,
                now=now,
                values=values,
                record=record,
                unknown=unknown,
                raw=raw,
            )
            outcome = decide(snapshot, request)
            if isinstance(outcome, Decision):
                if expected_version is not None and plan.version != expected_version:
                    raise Conflict(
                        f"plan {plan.id} is at version {plan.version}, not {expected_version}; "
                        "nothing was written."
                    )
                seqs = write(conn, outcome, trigger, actor, note, now, who_acted)
        if isinstance(outcome, Refusal):  # read only: nothing of the step was written
            record_refusal(conn, plan, actor, raw, note, outcome, now, who_acted)
            raise outcome.error()
    first = outcome.steps[0]
    return {
        "id": plan.id,
        "trigger": trigger,
        "from": plan.state,
        "to": first.dest,
        "state": first.dest,
        "plan_version": plan.version + 1,
        "seq": seqs[0],
        "plans": [st.view.plan.id for st in outcome.steps],
        "closed": first.route.dest.terminal,
    }
