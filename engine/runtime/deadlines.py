"""A plan's deadlines and their reminder schedules: made on entering a stage, met by their own act.

Deadlines come from :func:`govpath.calendars.timeline.build_timeline` over the meetings in the database
(cached per pathway version, calendar revision and day). On entering a stage the plan gets that
stage's deadline rows (status ``open``), each carrying its ``schedule``: the reminders (skipped
when already past) and escalations, with their recipients and times, written in the same
transaction. The sweep turns an open deadline's schedule into ``notices`` rows before it claims
any (:func:`make_notices`). A transition settles the plan's owed deadlines
(:func:`leave_deadlines`): one whose ``met_by`` is the trigger firing is met (late if it was
already missed); one without ``met_by`` is met by leaving its stage; the stage's others are
carried to the next stage (the same row; ``carried_from`` keeps the stage that made it), or
superseded, or the transition refused, as ``on_leave`` says — the event lists each. Pending
outbox rows of deadlines closed are cancelled with the reason; notices already made lapse when
the sweep reaches them, and delivery asks again before it sends (:mod:`govpath.scheduler.owed`).
Recipients: ``owner`` → the plan owner's e-mail; a role → ``role:ID``; ``escalates_to`` → the
owner's manager (``reports_to``), else ``role:<owner role's escalates_to>``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govpath.store import deadlines as rows_of
from govpath.store.cache import CACHE
from govpath.store.deadlines import Owed, decode_schedule, encode_schedule

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.calendars.meetings import Meeting
    from govpath.calendars.timeline import ResolvedDeadline, Timeline
    from govpath.definition.model import Deadline, Pathway
    from govpath.store.prepared import StoreConnection

__all__ = [
    "Leaving",
    "Owed",
    "PlanRef",
    "close_deadlines",
    "enter_stage",
    "gate_meeting",
    "leave_deadlines",
    "make_notices",
    "met_by_pairs",
    "needs_timeline",
    "owed",
    "owed_refusal",
    "refresh_plan",
    "schedule",
    "timeline",
]


def timeline(
    conn: StoreConnection,
    pathway: Pathway,
    content_hash: str,
    today: dt.date,
    revision: int | None = None,
) -> Timeline:
    """The pathway's timeline against the database's meetings (cached while meetings are unchanged).

    ``revision`` is the calendar's (``calendar_revision``, advanced by every change to the
    meetings); it is read if not given. A database without one (a schema made by hand, not by
    the migrations) gets a timeline built afresh each time.

    Only a transaction that has not changed the meetings may use the cache: a revision seen
    inside one that then rolls back would be given to the next change as well.
    """
    if revision is None:
        revision = rows_of.calendar_revision(conn)
    if revision is None:
        return _build_timeline(conn, pathway, today)
    key = (content_hash, revision, today, conn.engine)  # engine: by identity
    found = CACHE.timeline(key)
    if found is None:
        found = _build_timeline(conn, pathway, today)
        CACHE.keep_timeline(key, found)
    return found


def _build_timeline(conn: StoreConnection, pathway: Pathway, today: dt.date) -> Timeline:
    from govpath.calendars.timeline import build_timeline
    from govpath.store.meetings import load_meetings

    return build_timeline(pathway, load_meetings(conn), today=today)


def needs_timeline(pathway: Pathway, *stage_ids: str) -> bool:
    """Whether any of these stages has a gate or deadlines (else no meeting lookup is needed)."""
    for sid in stage_ids:
        stage = pathway.stage(sid)
        if stage.gate is not None or stage.deadlines:
            return True
    return False


def gate_meeting(tl: Timeline | None, stage_id: str) -> Meeting | None:
    """The resolved gate meeting of a stage, or None."""
    if tl is None:
        return None
    try:
        return tl.stage(stage_id).gate
    except StopIteration:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRef:
    """What deadline writing needs to know about a plan."""

    id: int
    owner: str
    owner_role: str | None
    manager: str | None  # the owner's reports_to


def _recipient(pathway: Pathway, plan: PlanRef, who: str, deadline_owner: str) -> str | None:
    if who == "owner":
        return plan.owner
    if who == "escalates_to":
        if deadline_owner == "owner":
            if plan.manager:
                return plan.manager
            role = plan.owner_role
        else:
            role = deadline_owner
        up = next((r.escalates_to for r in pathway.roles if r.id == role), None)
        return f"role:{up}" if up else None
    return f"role:{who}"


def enter_stage(
    conn: StoreConnection,
    pathway: Pathway,
    plan: PlanRef,
    stage_id: str,
    tl: Timeline | None,
    now: dt.datetime,
    carried: set[str] | frozenset[str] = frozenset(),
    decision_record: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Insert the stage's deadlines for PLAN, each with its reminder schedule; returns them.

    Deadlines named in CARRIED came with the plan from the stage it left (the same rows) and
    are not made again. Those anchored on ``decision_record`` count from DECISION_RECORD (the day
    the record of the decision that brought the plan here was published), when known.
    """
    if tl is None or not pathway.stage(stage_id).deadlines:
        return []
    resolved = [rd for rd in tl.stage(stage_id).deadlines if rd.id not in carried]
    if decision_record is not None and any(rd.anchor == "decision_record" for rd in resolved):
        from govpath.calendars.timeline import re_anchor

        resolved = [
            re_anchor(pathway, rd, decision_record) if rd.anchor == "decision_record" else rd
            for rd in resolved
        ]
    resolved = [rd for rd in resolved if rd.due is not None]
    if not resolved:  # no meeting to count from: the timeline reports it as a problem
        return []
    from govpath.zone import local_date

    today = local_date(now)  # the council's date, not UTC's (they differ after midnight in BST)
    rows = [
        {
            "plan_id": plan.id,
            "stage": stage_id,
            "name": rd.id,
            "title": rd.title,
            "rule": rd.rule,
            "anchor_date": rd.anchor_date,
            "meeting_id": rd.meeting.id if rd.meeting is not None else None,
            "due": rd.due,
            "owner": plan.owner if rd.owner == "owner" else f"role:{rd.owner}",
            "status": "open",
            "met_at": None,
            "escalation_level": 0,
            "infeasible": bool(rd.infeasible) or (rd.due is not None and rd.due < today),
            "updated_at": now,
            "schedule": encode_schedule(schedule(pathway, plan, rd, now)),
        }
        for rd in resolved
    ]
    rows_of.insert_deadlines(conn, rows)
    return [{"name": r["name"], "due": r["due"], "infeasible": r["infeasible"]} for r in rows]


def schedule(
    pathway: Pathway, plan: PlanRef, rd: ResolvedDeadline, now: dt.datetime
) -> list[tuple[str, str, dt.datetime]]:
    """The (kind, recipient, time) notices of a resolved deadline RD for PLAN, from NOW on."""
    out: list[tuple[str, str, dt.datetime]] = []
    for reminder in rd.reminders:
        if reminder.at < now:
            continue  # a reminder for a day already past is not worth sending
        for who in reminder.to:
            to = _recipient(pathway, plan, who, rd.owner)
            if to:
                out.append(("reminder", to, reminder.at))
    for esc in rd.escalations:
        to = _recipient(pathway, plan, esc.to, rd.owner)
        if to:
            out.append(("escalation", to, esc.at))
    return out


def make_notices(conn: Connection, limit: int) -> tuple[int, int]:
    """Turn the schedules of up to LIMIT open deadlines into ``notices`` rows: (deadlines, notices).

    The schedule is cleared in the same transaction, so each becomes notices once. Where the
    backend can skip locked rows (PostgreSQL) the deadlines are taken ``FOR UPDATE SKIP LOCKED``:
    two sweeps never make the same notices, and a transition meeting the deadline meanwhile
    either waits or is waited for.
    """
    taken = rows_of.take_schedules(conn, limit)
    if not taken:
        return 0, 0
    made = [
        {
            "deadline_id": row.id,
            "plan_id": row.plan_id,
            "kind": kind,
            "recipient": to,
            "due_at": at,
            "status": "scheduled",
        }
        for row in taken
        for kind, to, at in decode_schedule(row.schedule)
    ]
    rows_of.add_notices(conn, made, [row.id for row in taken])
    return len(taken), len(made)


def close_deadlines(
    conn: StoreConnection,
    *,
    plan_id: int,
    stage_id: str | None,
    met_by_names: set[tuple[str, str]],
    now: dt.datetime,
    status: str = "met",
    pending_messages: bool = True,
) -> list[dict[str, Any]]:
    """Meet (or cancel) the open deadlines of STAGE_ID (when leaving it) and those met by a trigger.

    ``met_by_names`` holds (stage, deadline id) pairs whose ``met_by`` is the trigger firing.
    Their schedules are cleared and pending outbox rows cancelled; notices already made lapse at
    the sweep. Returns what the caller records in the transition's event (``deadlines_met``):
    ``{deadline, stage, deadline_id}`` for each deadline closed, in id order.
    ``pending_messages`` False (the plan has nothing waiting in the outbox, as read in this
    transaction) skips looking for messages.
    """
    if stage_id is not None and all(stage == stage_id for stage, _name in met_by_names):
        # leaving a stage, whose deadlines include any the trigger meets: two statements
        met = rows_of.meet_stage(
            conn,
            plan_id=plan_id,
            stage=stage_id,
            status=status,
            now=now,
            pending_messages=pending_messages,
        )
        return [{"deadline": name, "stage": stage_id, "deadline_id": did} for did, name in met]
    chosen = [
        row
        for row in rows_of.owing(conn, plan_id)
        if (stage_id is not None and row.stage == stage_id) or (row.stage, row.name) in met_by_names
    ]
    if not chosen:
        return []
    # Pending outbox rows are cancelled now; meeting a deadline clears its schedule. Notices the
    # sweep already made are left: it drops a notice whose deadline is no longer open when its
    # time comes (and delivery checks again), so a transition does not rewrite reminder rows.
    if pending_messages:
        rows_of.cancel_outbox(conn, [r.id for r in chosen], "the plan left the deadline's stage")
    still_open = [r for r in chosen if r.status == "open"]  # a missed one stays missed
    if still_open:
        rows_of.close_open(conn, [r.id for r in still_open], status=status, now=now)
    return [{"deadline": r.name, "stage": r.stage, "deadline_id": r.id} for r in still_open]


def declaration(pathway: Pathway, stage_id: str | None, name: str) -> Deadline | None:
    """The definition of deadline NAME in stage STAGE_ID, or None."""
    if stage_id is None:
        return None
    try:
        stage = pathway.stage(stage_id)
    except (KeyError, StopIteration, ValueError):
        return None
    return next((d for d in stage.deadlines if d.id == name), None)


@dataclass(slots=True)
class Leaving:
    """What a transition did to a plan's deadlines, for its trail event."""

    met: list[dict[str, Any]]
    carried: list[dict[str, Any]]
    superseded: list[dict[str, Any]]

    @property
    def carried_names(self) -> set[str]:
        return {c["deadline"] for c in self.carried}

    def event_data(self) -> dict[str, Any]:
        """The keys of the transition's event: only those with something in them."""
        out: dict[str, Any] = {}
        if self.met:
            out["deadlines_met"] = self.met
        if self.carried:
            out["deadlines_carried"] = self.carried
        if self.superseded:
            out["deadlines_superseded"] = self.superseded
        return out


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def owed(conn: StoreConnection, plan_id: int) -> tuple[Owed, ...]:
    """The deadlines PLAN_ID still owes, by id (read with the plan, settled by its transition)."""
    return rows_of.owed(conn, plan_id)


def _policy(pathway: Pathway, row: Owed, dest_names: set[str]) -> tuple[Deadline | None, str]:
    decl = declaration(pathway, row.stage, row.name) or declaration(
        pathway, row.carried_from, row.name
    )
    policy = "carry" if row.name in dest_names else (decl.leave_policy if decl else "carry")
    return decl, policy


def _met_by(decl: Deadline | None) -> str | None:
    return decl.met_by if decl is not None else None


def owed_refusal(
    pathway: Pathway, owed: tuple[Owed, ...], *, plan_id: int, source: str, dest: str, trigger: str
) -> str | None:
    """Why TRIGGER may not take the plan from SOURCE to DEST: a deadline it owes whose ``on_leave``
    is ``refuse`` would be left behind (None: nothing owed stops it). Pure."""
    if source == dest:
        return None
    dest_names = {d.id for d in pathway.stage(dest).deadlines}
    for row in owed:
        if row.stage != source:
            continue
        decl, policy = _policy(pathway, row, dest_names)
        met_by = _met_by(decl)
        if met_by == trigger or met_by is None:
            continue
        if policy == "refuse" and decl is not None:
            return (
                f"plan {plan_id} still owes '{decl.title}' (due {_long_date(row.due)}); "
                f"'{trigger}' would leave it behind. Fire '{met_by}' first."
            )
    return None


def leave_deadlines(
    conn: StoreConnection,
    pathway: Pathway,
    *,
    plan_id: int,
    source: str,
    dest: str,
    trigger: str,
    now: dt.datetime,
    owed: tuple[Owed, ...],
    pending_messages: bool = True,
) -> Leaving:
    """Settle the plan's OWED deadlines (as read with it) as TRIGGER takes it from SOURCE to DEST.

    A deadline with ``met_by`` is met only when one of its own triggers fires (on time, early,
    or late when it was already missed). Leaving its stage by another route carries it — the
    same row — to DEST when DEST has the same deadline; otherwise its ``on_leave`` decides:
    ``carry`` (still owed, reminded and escalated: the default for statutory notices),
    ``supersede`` (closed, and the event says so) or ``refuse`` (the decision refused it
    beforehand: :func:`owed_refusal`). A deadline without ``met_by`` is met by leaving its stage,
    as before. Pending messages of deadlines met, superseded or left behind are cancelled with
    the reason.
    """
    leaving = source != dest
    out = Leaving([], [], [])
    if not owed:
        return out
    meet: list[dict[str, Any]] = []
    carry: list[dict[str, Any]] = []
    supersede: list[dict[str, Any]] = []
    cancel: list[dict[str, Any]] = []
    dest_names = {d.id for d in pathway.stage(dest).deadlines} if leaving else set()
    for row in owed:
        did, name, stage, status = row.id, row.name, row.stage, row.status
        decl, policy = _policy(pathway, row, dest_names)
        item = {"deadline": name, "stage": stage, "deadline_id": did}
        met_by = _met_by(decl)
        if met_by == trigger or (leaving and stage == source and met_by is None):
            meet.append({"did": did, "now": now})
            cancel.append({"did": did, "why": f"the deadline was met when '{trigger}' fired"})
            out.met.append(item if status == "open" else {**item, "late": True})
            continue
        if not leaving or stage != source:
            continue
        if policy == "refuse":  # decided beforehand; a caller that did not decide is a bug
            raise AssertionError(f"deadline {did} refuses to be left; the decision missed it")
        if policy == "carry":
            carry.append(
                {"did": did, "dest": dest, "origin": row.carried_from or source, "now": now}
            )
            out.carried.append({**item, "to": dest})
        elif status == "open":
            supersede.append({"did": did, "now": now})
            cancel.append(
                {"did": did, "why": f"the deadline was superseded when '{trigger}' fired"}
            )
            out.superseded.append(item)
        else:  # missed, and the plan has moved on: it stays missed, its messages are not owed
            cancel.append({"did": did, "why": f"the plan left stage '{source}' for '{dest}'"})
    rows_of.settle(
        conn,
        cancel=cancel if pending_messages else [],
        meet=meet,
        supersede=supersede,
        carry=carry,
    )
    return out


def met_by_pairs(pathway: Pathway, trigger: str) -> set[tuple[str, str]]:
    """(stage, deadline) pairs of the pathway whose ``met_by`` is TRIGGER."""
    return {(st.id, d.id) for st in pathway.stages for d in st.deadlines if d.met_by == trigger}


def refresh_plan(
    conn: Connection,
    pathway: Pathway,
    plan: PlanRef,
    stage_id: str,
    tl: Timeline,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """Re-resolve the open deadlines of a plan's stage after a meeting moved; renew their schedules.

    Returns the deadlines that changed, each with ``name``, ``before``, ``due`` and ``infeasible``.
    """
    from govpath.zone import local_date

    resolved = {rd.id: rd for rd in tl.stage(stage_id).deadlines}
    today = local_date(now)  # the council's date, not UTC's
    changed = []
    for row in rows_of.open_in_stage(conn, plan.id, stage_id):
        rd = resolved.get(row.name)
        if rd is None and row.carried_from:  # carried on: counted as the stage that made it
            rd = next((x for x in tl.stage(row.carried_from).deadlines if x.id == row.name), None)
        if rd is None or rd.due is None:
            continue
        infeasible = bool(rd.infeasible) or rd.due < today
        rows_of.rework(
            conn,
            row.id,
            due=rd.due,
            anchor_date=rd.anchor_date,
            infeasible=infeasible,
            meeting_id=rd.meeting.id if rd.meeting is not None else None,
            schedule=encode_schedule(schedule(pathway, plan, rd, now)),
            now=now,
        )
        # notices made from the old schedule
        rows_of.cancel_messages(
            conn, [row.id], "its meeting moved; the deadline was worked out again"
        )
        changed.append(
            {"name": row.name, "before": row.due, "due": rd.due, "infeasible": infeasible}
        )
    return changed
