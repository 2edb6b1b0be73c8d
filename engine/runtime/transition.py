"""Firing a transition: check state, role, content, guard, notice and join; then one short write.

The hot path, in one transaction, reads the plan with the actor's roles (one prepared statement),
decides, and writes the new state with ``UPDATE … WHERE version = expected`` (optimistic
concurrency: a plan changed meanwhile → :class:`Conflict`, nothing written), the met deadlines
and the new stage's deadlines with their reminder schedules, and one trail event per plan moved
(the content set and the deadlines met are part of it). A refusal rolls that transaction back,
is recorded as a ``refusal`` event in its own transaction (state untouched) and then raised as
:class:`Refused`.

Joins: a transition with ``join: {stage: X}`` is a collective step for the **cycle**: every open
plan pinned to a version of the same pathway id *and the same financial year* (a year's plans may
sit on different versions after a migration) that has not already fired the trigger. It fires
for all of them, atomically, only when all are in X; otherwise it is refused naming those that
are not there yet. Values given with ``--set`` on a collective step are recorded for every plan
of the cycle that does not already have them (see :func:`shared`).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from engine.audit.acting import Acting, acting_json
from engine.audit.chain import append_event, append_events
from engine.errors import BadInput, Conflict, GovpathError, NotPermitted, Refused
from engine.runtime import deadlines as dl
from engine.runtime import guards, roles
from engine.runtime.prepared import HotConnection, hot_transaction
from engine.runtime.rows import (
    Actor,
    PlanRow,
    dump_fields,
    load_plan,
    load_plan_actor,
    pathway_for,
    reports_chain,
    stmts,
)
from engine.store.db import utcnow  # (a light module: no SQLAlchemy at import)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from engine.definition.compiler import CompiledPathway
    from engine.definition.model import Pathway, Stage, Transition


@dataclass(frozen=True)
class Route:
    """What firing a trigger from a stage involves: worked out once per pathway version."""

    transition: Transition
    source: Stage
    dest: Stage
    leaving: bool  # the destination is another stage
    # the content that must be set: the transition's, and the stage's when leaving it
    required: tuple[str, ...]
    met_by: frozenset[tuple[str, str]]  # (stage, deadline) pairs this trigger meets
    timeline: bool  # whether the meetings' timeline is needed (gate, deadlines, notice, decision)


_routes: dict[tuple[str, str, str], Route | None] = {}
_owner_roles: dict[tuple[str, str], tuple[str | None, str | None]] = {}


def route(compiled: CompiledPathway, state: str, trigger: str) -> Route | None:
    """The route for TRIGGER from STATE in this compiled version (cached), or None."""
    key = (compiled.content_hash, state, trigger)
    try:
        return _routes[key]
    except KeyError:
        pass
    pathway = compiled.pathway
    t = compiled.transition(state, trigger)
    found = None
    if t is not None and compiled.can_fire(state, trigger):
        source = pathway.stage(state)
        found = Route(
            t,
            source,
            pathway.stage(t.dest),
            t.dest != state,
            tuple(guards.required_content(pathway, t, source)),
            frozenset(dl.met_by_pairs(pathway, trigger)),
            bool(t.notice or t.decision or dl.needs_timeline(pathway, state, t.dest)),
        )
    return _routes.setdefault(key, found)


def owner_roles(compiled: CompiledPathway, subject: str) -> tuple[str | None, str | None]:
    """The owner role of a plan about SUBJECT and that role's manager role (cached)."""
    key = (compiled.content_hash, subject)
    found = _owner_roles.get(key)
    if found is None:
        own = roles.owner_role(compiled.pathway, subject)
        found = _owner_roles.setdefault(key, (own, roles.manager_role(compiled.pathway, own)))
    return found


@dataclass
class Step:
    """One plan's part of a transition, decided and ready to write."""

    plan: PlanRow
    pathway: Pathway
    compiled: CompiledPathway
    route: Route
    dest: str
    values: dict[str, Any]
    timeline: Any
    data: dict[str, Any] = field(default_factory=dict)
    body: str | None = None
    meeting_id: int | None = None


def options(pathway: Pathway, state: str) -> str:
    """'From 'x' you can: a (policy_team), b (director).' — the way on from a stage."""
    ways = pathway.transitions_from(state)
    if not ways:
        return f"'{state}' is a final stage: nothing fires from it."
    listed = ", ".join(f"{t.trigger} ({', '.join(t.roles)})" for t in ways)
    return f"From '{state}' you can: {listed}."


def local_today(pathway: Pathway, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(pathway.settings.timezone)).date()


def _wrong_state(plan: PlanRow, pathway: Pathway, trigger: str) -> Refused:
    known = {t.trigger for t in pathway.transitions}
    if trigger not in known:
        close = difflib.get_close_matches(trigger, sorted(known), n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return Refused(
            f"'{trigger}' is not a trigger of pathway '{pathway.id}'.{hint} "
            + options(pathway, plan.state)
        )
    sources = sorted({s for t in pathway.transitions if t.trigger == trigger for s in t.source})
    where = " or ".join(f"'{s}'" for s in sources)
    return Refused(
        f"plan {plan.id} is in '{plan.state}'; '{trigger}' fires only from {where}. "
        + options(pathway, plan.state)
    )


def decide(
    conn: Any,
    plan: PlanRow,
    trigger: str,
    actor: str,
    who: Actor | None,
    raw: dict[str, str],
    now: dt.datetime,
) -> list[Step]:
    """Check everything for firing TRIGGER on PLAN as ACTOR (WHO: their record, None if unknown);
    the steps to write, or Refused."""
    pathway, compiled = pathway_for(conn, plan.content_hash)
    way = route(compiled, plan.state, trigger)
    if way is None:
        raise _wrong_state(plan, pathway, trigger)
    t = way.transition
    if who is None:
        raise NotPermitted(
            f"{actor} is not a known actor, so holds no roles; '{trigger}' needs "
            f"{' or '.join(t.roles)}. Add them with "
            f"`govpath actor add {actor} --name NAME --role ROLE`."
        )
    acting = roles.acting_roles(
        pathway,
        plan.subject,
        plan.owner,
        who.email,
        who.roles,
        lambda: reports_chain(conn, plan.owner),
        scope=owner_roles(compiled, plan.subject),
    )
    if not acting & set(t.roles):
        raise NotPermitted(
            roles.refusal_reason(
                pathway, plan.id, plan.subject, plan.owner, who.roles, trigger, t.roles
            )
        )
    raw, record = decision_content(pathway, t, raw)
    values = guards.parse_assignments(pathway, raw) if raw else {}
    step = _step(conn, plan, pathway, compiled, way, values, now, record=record)
    if t.join is None:
        return [step]
    return _join(conn, step, trigger, now)


def _step(
    conn: Any,
    plan: PlanRow,
    pathway: Pathway,
    compiled: CompiledPathway,
    way: Route,
    values: dict[str, Any],
    now: dt.datetime,
    *,
    who: str = "",
    record: dict[str, Any] | None = None,
) -> Step:
    t = way.transition
    fields = {**plan.fields, **values} if values else plan.fields
    missing = guards.missing_content(pathway, list(way.required), fields)
    if missing:
        sets = " ".join(f"--set {m}=…" for m in missing)
        raise Refused(
            f"{who}missing required content: {guards.describe_missing(pathway, missing)}. "
            f"'{t.trigger}' fires once it is set ({sets})."
        )
    guards.check_condition(pathway, t, fields)
    tl = None
    today = local_today(pathway, now)
    if way.timeline:
        tl = dl.timeline(conn, pathway, plan.content_hash, today, plan.calendar_revision)
    gate = dl.gate_meeting(tl, plan.state)
    step = Step(plan, pathway, compiled, way, t.dest, values, tl)
    if way.source.gate is not None:
        step.body = way.source.gate.body
        step.meeting_id = gate.id if gate is not None else None
    decision_date = gate.date if gate is not None else today
    notice = guards.notice_check(pathway, t, fields, decision_date)
    if t.decision:
        step.data["decision"] = _decision(
            pathway, t, {**fields, **(record or {})}, gate, decision_date, notice
        )
    return step


# The statutory content of an executive decision's record (Local Authorities (Executive
# Arrangements) (Meetings and Access to Information) (England) Regulations 2012, reg. 12), and
# the general exception's written notice to the scrutiny chair (reg. 10): given with ``--set`` on
# a decision transition, kept in its trail event (not in the plan's content).
DECISION_TEXT = {
    "reasons": "the reasons for the decision",
    "alternatives": "alternative options considered and rejected",
    "interests": "conflicts of interest declared by members consulted",
    "dispensations": "dispensations granted in respect of those conflicts",
}
DECISION_DATES = {
    "scrutiny_chair_informed": "the day the chair of the overview and scrutiny committee was "
    "told in writing (general exception, reg. 10)",
    "decision_record_published": "the day the record of the decision was published",
}


def decision_content(
    pathway: Pathway, t: Transition, raw: dict[str, str]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Split ``--set`` values into the plan's content and a decision's record (RAW, RECORD).

    On a decision transition the reg. 12 keys (reasons, alternatives, interests, dispensations)
    and the dates ``scrutiny_chair_informed`` and ``decision_record_published`` are the record's,
    unless the pathway has content of that name. A general exception decision without
    ``scrutiny_chair_informed`` is flagged by its decision record.
    """
    if not t.decision:
        return raw, {}
    content = {c.id for c in pathway.content}
    keys = (set(DECISION_TEXT) | set(DECISION_DATES)) - content
    record: dict[str, Any] = {}
    rest: dict[str, str] = {}
    for key, value in raw.items():
        name = key.strip()
        if name not in keys:
            rest[key] = value
        elif name in DECISION_DATES:
            record[name] = guards.coerce_value("date", value, f"{name} ({DECISION_DATES[name]})")
            record[name] = _iso_day(record[name])
        else:
            record[name] = value.strip()
    return rest, record


def _iso_day(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _decision(pathway, t, fields, gate, decision_date, notice) -> dict[str, Any]:
    from calendars.rules import parse_rule
    from calendars.workdays import get_policy

    policy = get_policy(pathway.settings.working_days)
    published = fields.get("decision_record_published")
    # call-in runs from publication of the decision record (the decision day until recorded)
    record_day = dt.date.fromisoformat(str(published)[:10]) if published else decision_date
    out = {
        "body": gate.body if gate is not None else (None),
        "meeting_date": decision_date.isoformat(),
        "route": notice.get("route", t.notice),
        "notice_published": notice.get("notice_published"),
        "clear_days": notice.get("clear_days"),
        "call_in_end": parse_rule("call-in-end").apply(record_day, policy).isoformat(),
        "effective_from": parse_rule("effective-from").apply(record_day, policy).isoformat(),
        "reasons": fields.get("reasons"),
        "alternatives": fields.get("alternatives"),
        "interests": fields.get("interests"),
        "dispensations": fields.get("dispensations"),
        "value": fields.get("decision_value"),
    }
    if published:
        out["record_published"] = record_day.isoformat()
    if fields.get("scrutiny_chair_informed"):
        out["scrutiny_chair_informed"] = str(fields["scrutiny_chair_informed"])[:10]
    return out


def _join(conn: Any, first: Step, trigger: str, now: dt.datetime) -> list[Step]:
    from sqlalchemy import select

    from engine.store.tables import audit_events, pathway_versions, plans

    t, plan = first.route.transition, first.plan
    stage = t.join.stage
    rows = (
        conn.execute(
            select(plans.c.id)
            .select_from(
                plans.join(pathway_versions, plans.c.pathway_version_id == pathway_versions.c.id)
            )
            .where(
                plans.c.pathway_id == plan.pathway_id,
                pathway_versions.c.year == plan.year,
                plans.c.closed_at.is_(None),
            )
            .order_by(plans.c.id)
        )
        .scalars()
        .all()
    )
    done = (
        set(
            conn.execute(
                select(audit_events.c.plan_id).where(
                    audit_events.c.kind == "transition",
                    audit_events.c.trigger == trigger,
                    audit_events.c.plan_id.in_(rows),
                )
            ).scalars()
        )
        if rows
        else set()
    )
    cycle = [load_plan(conn, pid) for pid in rows if pid not in done]
    waiting = [p for p in cycle if p.state != stage]
    if waiting:
        listed = ", ".join(f"plan {p.id} ({p.subject}) in '{p.state}'" for p in waiting)
        raise Refused(
            f"'{trigger}' is a collective step: it fires for every plan of the {plan.year} cycle "
            f"once all have reached '{stage}'. Not there yet: {listed}."
        )
    steps = []
    ids = [p.id for p in cycle]
    for member in cycle:
        if member.id == plan.id:
            step = first
        else:
            pathway, compiled = pathway_for(conn, member.content_hash)
            mt = route(compiled, member.state, trigger)
            if mt is None:
                raise Refused(
                    f"plan {member.id} ({member.subject}) cannot take '{trigger}' "
                    f"from '{member.state}'."
                )
            step = _step(
                conn,
                member,
                pathway,
                compiled,
                mt,
                shared(first.values, member.fields),
                now,
                who=f"plan {member.id} ({member.subject}): ",
            )
        step.data["join"] = ids
        steps.append(step)
    return steps


def shared(values: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The ``--set`` values of a collective step that another plan of the cycle does not have yet.

    Whoever fires a collective step records the collective facts (the meeting's decision
    reference, the publication page) for every plan; a plan's own values are never overwritten.

    >>> shared({"published_url": "https://x", "note_ref": "A"}, {"note_ref": "B"})
    {'published_url': 'https://x'}
    """
    return {k: v for k, v in values.items() if k not in fields}


def write(
    conn: Any,
    steps: list[Step],
    trigger: str,
    actor: str,
    note: str | None,
    now: dt.datetime,
    acting: dict[str, Any] | None = None,
) -> list[int]:
    """Write the decided steps in CONN's transaction; Conflict when a plan changed meanwhile.

    Lock order, the same everywhere: plan rows, then deadline/notice/outbox rows, then the chain
    head (events are appended last), so concurrent transitions cannot deadlock.
    """
    s = stmts()
    for st in steps:
        plan = st.plan
        terminal = st.route.dest.terminal
        changed = s["advance"].rowcount(
            conn,
            {
                "pid": plan.id,
                "expected": plan.version,
                "new_state": st.dest,
                "new_fields": dump_fields({**plan.fields, **st.values}),
                "new_version": plan.version + 1,
                "now": now,
                "closed": plan.closed_at or (now if terminal else None),
            },
        )
        if changed != 1:
            raise Conflict(
                f"plan {plan.id} was changed by someone else while you were advancing it; nothing "
                "was written. Look at `govpath plan status` and try again."
            )
    met: list[dict[str, Any]] = []
    for st in steps:
        plan, pathway, way = st.plan, st.pathway, st.route
        settled = dl.leave_deadlines(
            conn,
            pathway,
            plan_id=plan.id,
            source=plan.state,
            dest=st.dest,
            trigger=trigger,
            now=now,
            pending_messages=plan.pending_messages,
        )
        met.append(settled.event_data())
        if way.leaving and way.dest.deadlines:
            ref = plan_ref(pathway, plan, owner_roles(st.compiled, plan.subject)[0])
            record_day = (st.data.get("decision") or {}).get("record_published") or (
                (st.data.get("decision") or {}).get("meeting_date")
            )
            dl.enter_stage(
                conn,
                pathway,
                ref,
                st.dest,
                st.timeline,
                now,
                carried=settled.carried_names,
                decision_record=dt.date.fromisoformat(record_day) if record_day else None,
            )
    # one event per plan moved: the deadlines it met are part of it, as the content it set is
    events = [
        {
            "kind": "transition",
            "at": now,
            "plan_id": st.plan.id,
            "trigger": trigger,
            "from_state": st.plan.state,
            "to_state": st.dest,
            "actor": actor,
            "body": st.body,
            "meeting_id": st.meeting_id,
            "note": note,
            "data": {
                **st.data,
                "plan_version": st.plan.version + 1,
                **({"fields": st.values} if st.values else {}),
                **closed,
                **({"acting": acting} if acting else {}),
            },
        }
        for st, closed in zip(steps, met, strict=True)
    ]
    return append_events(conn, events)  # last: the chain head is locked for the shortest time


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


def plan_ref(pathway: Pathway, plan: PlanRow, owner_role: str | None = None) -> dl.PlanRef:
    """What deadline writing needs: the plan's owner, owner role (worked out from PATHWAY unless
    the caller has it) and the owner's manager."""
    own = owner_role or roles.owner_role(pathway, plan.subject)
    return dl.PlanRef(plan.id, plan.owner, own, plan.owner_manager)


def record_refusal(
    conn: Any,
    plan: PlanRow,
    trigger: str,
    actor: str,
    raw: dict[str, str],
    note: str | None,
    reason: str,
    now: dt.datetime,
    acting: dict[str, Any] | None = None,
) -> None:
    """The refusal as a trail event in its own transaction; Conflict if the plan moved meanwhile."""
    with conn.begin():
        found = stmts()["plan_version"].rows(conn, {"id": plan.id})
        current = found[0][0] if found else None
        if current != plan.version:
            raise Conflict(
                f"plan {plan.id} was changed by someone else while you were advancing it; nothing "
                "was written. Look at `govpath plan status` and try again."
            )
        append_event(
            conn,
            kind="refusal",
            at=now,
            plan_id=plan.id,
            trigger=trigger,
            from_state=plan.state,
            actor=actor,
            note=note,
            data={
                "reason": reason,
                "fields": dict(raw),
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
    step moved — more than one for a join). Raises Refused (recorded), Conflict or NotFound.
    """
    now = now or utcnow()
    actor = actor.strip().lower()
    if not actor:
        raise BadInput("an act needs the e-mail address of the person acting (it was empty).")
    who_acted = acting_json(acting, actor)
    raw = dict(fields or {})
    plan: PlanRow | None = None
    with HotConnection(engine) as conn:  # one pooled connection, one transaction
        try:
            # Read, decide and write in one transaction: a BEGIN/COMMIT pair fewer. The plan's
            # UPDATE still names the version read (PostgreSQL: another writer first → Conflict);
            # SQLite's BEGIN IMMEDIATE serialises writers, so what was read cannot move.
            with translate_lock_errors(), hot_transaction(conn):
                plan, who = load_plan_actor(conn, plan_id, actor)
                steps = decide(conn, plan, trigger, actor, who, raw, now)
                if expected_version is not None and plan.version != expected_version:
                    raise Conflict(
                        f"plan {plan.id} is at version {plan.version}, not {expected_version}; "
                        "nothing was written."
                    )
                seqs = write(conn, steps, trigger, actor, note, now, who_acted)
        except Refused as refusal:  # rolled back: nothing of the step was written
            if plan is None:
                raise
            record_refusal(conn, plan, trigger, actor, raw, note, str(refusal), now, who_acted)
            raise
    first = steps[0]
    return {
        "id": plan.id,
        "trigger": trigger,
        "from": plan.state,
        "to": first.dest,
        "state": first.dest,
        "plan_version": plan.version + 1,
        "seq": seqs[0],
        "plans": [st.plan.id for st in steps],
        "closed": first.route.dest.terminal,
    }
