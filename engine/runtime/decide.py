"""Deciding a transition: a pure function of a snapshot and a request, no I/O.

:func:`decide` finds the route (the compiled machine's transition for the trigger from the
plan's stage) and fires the trigger on the machine with a :class:`Checks` for the plan: the
machine's conditions ask, in order, roles, content, guard, notice and deadlines, and the first
that fails is the :class:`Refusal` (structured as python-statemachine's ``TransitionNotAllowed``:
a reason code, the trigger, the state, the content missing, the roles that would allow it, and the
sentence). A collective step decides for every plan of the cycle. What comes out is a
:class:`Decision` (the steps to write) or a :class:`Refusal`; nothing is read or written here.

Bad input is not a decision: an unknown trigger (:func:`check_trigger`) and a value not of its
content's type (:func:`read_values`) are :class:`~govpath.errors.BadInput` before deciding.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govpath.errors import BadInput, NotPermitted, Refused
from govpath.runtime import deadlines as dl
from govpath.runtime import guards, roles
from govpath.runtime.snapshot import PlanView, Request, Snapshot, owner_scope

if TYPE_CHECKING:
    from govpath.calendars.meetings import Meeting
    from govpath.definition.compiler import CompiledPathway
    from govpath.definition.model import Pathway, Stage, Transition


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """What firing a trigger from a stage involves: worked out once per pathway version."""

    transition: Transition
    source: Stage
    dest: Stage
    leaving: bool  # the destination is another stage
    required: tuple[str, ...]  # the transition's content, and the stage's when leaving it


def route(compiled: CompiledPathway, state: str, trigger: str) -> Route | None:
    """The route for TRIGGER from STATE in this compiled version, or None (memoised on it)."""
    key = (state, trigger)
    try:
        return compiled.routes[key]  # type: ignore[no-any-return]
    except KeyError:
        pass
    pathway = compiled.pathway
    t = compiled.transition(state, trigger)
    found = None
    if t is not None and compiled.can_fire(state, trigger):
        source = pathway.stage(state)
        found = Route(
            transition=t,
            source=source,
            dest=pathway.stage(t.dest),
            leaving=t.dest != state,
            required=tuple(guards.required_content(pathway, t, source)),
        )
    return compiled.routes.setdefault(key, found)


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """Why a transition may not fire (python-statemachine's TransitionNotAllowed, with more).

    ``code``: ``wrong_state``, ``unknown_actor``, ``role``, ``unknown_content``, ``content``,
    ``guard``, ``notice``, ``deadline_owed``, ``join_waiting`` or ``join_member``.
    """

    code: str
    trigger: str
    state: str
    plan_id: int
    message: str
    missing: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()  # the roles that would allow it

    def as_data(self) -> dict[str, Any]:
        """What the refusal event keeps of it (beside the sentence, kept as ``reason``)."""
        return {
            "code": self.code,
            "trigger": self.trigger,
            "state": self.state,
            "missing": list(self.missing),
            "roles": list(self.roles),
        }

    def error(self) -> Refused:
        """The exception ``advance`` raises: NotPermitted (HTTP 403) for a missing role."""
        denied = self.code in ("role", "unknown_actor")
        refused = (NotPermitted if denied else Refused)(self.message)
        refused.refusal = self  # type: ignore[attr-defined]
        return refused


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One plan's part of a transition, decided and ready to write."""

    view: PlanView
    route: Route
    dest: str
    values: Mapping[str, Any]
    data: Mapping[str, Any]
    body: str | None = None
    meeting_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """The steps a transition writes: one, or one per plan of a collective step's cycle."""

    steps: tuple[Step, ...]


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


def options(pathway: Pathway, state: str) -> str:
    """'From 'x' you can: a (policy_team), b (director).' — the way on from a stage."""
    ways = pathway.transitions_from(state)
    if not ways:
        return f"'{state}' is a final stage: nothing fires from it."
    listed = ", ".join(f"{t.trigger} ({', '.join(t.roles)})" for t in ways)
    return f"From '{state}' you can: {listed}."


def check_trigger(compiled: CompiledPathway, trigger: str, state: str) -> None:
    """BadInput (not a refusal for the trail) when TRIGGER is no event of the compiled machine."""
    if trigger in compiled.machine.events:
        return
    pathway = compiled.pathway
    known = {t.trigger for t in pathway.transitions}
    close = difflib.get_close_matches(trigger, sorted(known), n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise BadInput(
        f"'{trigger}' is not a trigger of pathway '{pathway.id}'.{hint} " + options(pathway, state)
    )


def read_values(
    pathway: Pathway, raw: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]:
    """``--set`` values as (content values, decision record values, unknown keys), typed.

    BadInput for a value not of its type. The reg. 12 keys and reg. 10 dates go to the record
    unless the pathway has content of that name (only a decision transition takes them).
    """
    items = {c.id: c for c in pathway.content}
    values: dict[str, Any] = {}
    record: dict[str, Any] = {}
    unknown: list[str] = []
    for key, text in raw.items():
        name = key.strip()
        if name in items:
            item = items[name]
            values[name] = guards.coerce_value(item.type, text, f"{name} ({item.title})")
        elif name in DECISION_DATES:
            day = guards.coerce_value("date", text, f"{name} ({DECISION_DATES[name]})")
            record[name] = str(day)
        elif name in DECISION_TEXT:
            record[name] = text.strip()
        else:
            unknown.append(name)
    return values, record, tuple(unknown)


class Checks:
    """The machine's conditions for one plan of a request, on the snapshot (see the compiler).

    The first condition that fails leaves its :class:`Refusal` in ``refusal``; those that pass
    leave what the step needs (the gate meeting, the notice route).
    """

    def __init__(
        self,
        snapshot: Snapshot,
        request: Request,
        view: PlanView,
        way: Route,
        values: Mapping[str, Any],
        *,
        member: bool = False,
    ) -> None:
        self.snapshot, self.request, self.view, self.way = snapshot, request, view, way
        self.values = values
        self.member = member  # another plan of a collective step: the actor's roles were checked
        self.prefix = f"plan {view.plan.id} ({view.plan.subject}): " if member else ""
        self.fields = {**view.plan.fields, **values} if values else view.plan.fields
        self.refusal: Refusal | None = None
        self.notice_info: dict[str, Any] = {}
        self.gate: Meeting | None = None

    def _fail(self, code: str, message: str, **more: Any) -> bool:
        plan = self.view.plan
        self.refusal = Refusal(
            code=code,
            trigger=self.request.trigger,
            state=plan.state,
            plan_id=plan.id,
            message=message,
            **more,
        )
        return False

    def roles(self) -> bool:
        if self.member:
            return True
        t, plan, who = self.way.transition, self.view.plan, self.snapshot.actor
        needed = tuple(t.roles)
        if who is None:
            actor = self.request.actor
            return self._fail(
                "unknown_actor",
                f"{actor} is not a known actor, so holds no roles; '{t.trigger}' needs "
                f"{' or '.join(needed)}. Add them with "
                f"`govpath actor add {actor} --name NAME --role ROLE`.",
                roles=needed,
            )
        chain = list(self.snapshot.chain)
        acting = roles.acting_roles(
            self.view.pathway,
            plan.subject,
            plan.owner,
            who.email,
            who.roles,
            lambda: chain,
            scope=owner_scope(self.view.compiled, plan.subject),
        )
        if acting & set(needed):
            return True
        why = roles.refusal_reason(
            self.view.pathway, plan.id, plan.subject, plan.owner, who.roles, t.trigger, needed
        )
        return self._fail("role", why, roles=needed)

    def content(self) -> bool:
        pathway, t = self.view.pathway, self.way.transition
        unknown = list(self.request.unknown)
        if not t.decision and not self.member:
            unknown += list(self.request.record)
        if unknown:
            items = [c.id for c in pathway.content]
            key = unknown[0]
            close = difflib.get_close_matches(key, items, n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            known = ", ".join(sorted(items)) or "none"
            return self._fail(
                "unknown_content",
                f"'{key}' is not content of pathway '{pathway.id}'.{hint} "
                f"Content it knows: {known}.",
                missing=tuple(unknown),
            )
        missing = guards.missing_content(pathway, list(self.way.required), self.fields)
        if not missing:
            return True
        sets = " ".join(f"--set {m}=…" for m in missing)
        return self._fail(
            "content",
            f"{self.prefix}missing required content: "
            f"{guards.describe_missing(pathway, missing)}. "
            f"'{t.trigger}' fires once it is set ({sets}).",
            missing=tuple(missing),
        )

    def guard(self) -> bool:
        try:
            guards.check_condition(self.view.pathway, self.way.transition, self.fields)
        except Refused as why:
            return self._fail("guard", str(why))
        return True

    def notice(self) -> bool:
        self.gate = dl.gate_meeting(self.view.timeline, self.view.plan.state)
        day = self.gate.date if self.gate is not None else self.snapshot.today
        try:
            self.notice_info = guards.notice_check(
                self.view.pathway, self.way.transition, self.fields, day
            )
        except Refused as why:
            return self._fail("notice", str(why))
        return True

    def deadlines(self) -> bool:
        plan = self.view.plan
        why = dl.owed_refusal(
            self.view.pathway,
            self.view.owed,
            plan_id=plan.id,
            source=plan.state,
            dest=self.way.transition.dest,
            trigger=self.request.trigger,
        )
        return True if why is None else self._fail("deadline_owed", why)

    def step(self, dest: str, join: list[int] | None = None) -> Step:
        """The step, once every condition held."""
        t, gate = self.way.transition, self.gate
        data: dict[str, Any] = {}
        if t.decision:
            record = {} if self.member else dict(self.request.record)
            day = gate.date if gate is not None else self.snapshot.today
            data["decision"] = decision_record(
                self.view.pathway, t, {**self.fields, **record}, gate, day, self.notice_info
            )
        if join is not None:
            data["join"] = join
        body = meeting_id = None
        if self.way.source.gate is not None:
            body = self.way.source.gate.body
            meeting_id = gate.id if gate is not None else None
        return Step(
            view=self.view,
            route=self.way,
            dest=dest,
            values=self.values,
            data=data,
            body=body,
            meeting_id=meeting_id,
        )


def _wrong_state(view: PlanView, trigger: str) -> Refusal:
    pathway, plan = view.pathway, view.plan
    sources = sorted({s for t in pathway.transitions if t.trigger == trigger for s in t.source})
    where = " or ".join(f"'{s}'" for s in sources)
    roles_ = sorted({r for t in pathway.transitions if t.trigger == trigger for r in t.roles})
    return Refusal(
        code="wrong_state",
        trigger=trigger,
        state=plan.state,
        plan_id=plan.id,
        roles=tuple(roles_),
        message=f"plan {plan.id} is in '{plan.state}'; '{trigger}' fires only from {where}. "
        + options(pathway, plan.state),
    )


def _fire(checks: Checks) -> str | None:
    """Ask the compiled machine: the new state, or None (``checks.refusal`` says why)."""
    view = checks.view
    return view.compiled.fire(view.plan.state, checks.request.trigger, checks)


def decide(snapshot: Snapshot, request: Request) -> Decision | Refusal:
    """What firing REQUEST's trigger on SNAPSHOT's plan does, or why it may not. No I/O."""
    view, trigger = snapshot.view, request.trigger
    way = route(view.compiled, view.plan.state, trigger)
    if way is None:
        return _wrong_state(view, trigger)
    checks = Checks(snapshot, request, view, way, request.values)
    dest = _fire(checks)
    if dest is None:
        assert checks.refusal is not None
        return checks.refusal
    if way.transition.join is None or snapshot.members is None:
        return Decision(steps=(checks.step(dest),))
    return _join(snapshot, request, checks, dest)


def _join(snapshot: Snapshot, request: Request, first: Checks, dest: str) -> Decision | Refusal:
    plan, trigger = snapshot.plan, request.trigger
    stage = first.way.transition.join.stage  # type: ignore[union-attr]
    members = snapshot.members or ()
    waiting = [m.plan for m in members if m.plan.state != stage]
    if waiting:
        listed = ", ".join(f"plan {p.id} ({p.subject}) in '{p.state}'" for p in waiting)
        return Refusal(
            code="join_waiting",
            trigger=trigger,
            state=plan.state,
            plan_id=plan.id,
            message=f"'{trigger}' is a collective step: it fires for every plan of the "
            f"{plan.year} cycle once all have reached '{stage}'. Not there yet: {listed}.",
        )
    ids = [m.plan.id for m in members]
    steps = []
    for member in members:
        if member.plan.id == plan.id:
            steps.append(first.step(dest, ids))
            continue
        way = route(member.compiled, member.plan.state, trigger)
        if way is None:
            return Refusal(
                code="join_member",
                trigger=trigger,
                state=plan.state,
                plan_id=plan.id,
                message=f"plan {member.plan.id} ({member.plan.subject}) cannot take "
                f"'{trigger}' from '{member.plan.state}'.",
            )
        checks = Checks(
            snapshot, request, member, way, shared(request.values, member.plan.fields), member=True
        )
        moved = _fire(checks)
        if moved is None:
            assert checks.refusal is not None
            return checks.refusal
        steps.append(checks.step(moved, ids))
    return Decision(steps=tuple(steps))


def shared(values: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The ``--set`` values of a collective step that another plan of the cycle does not have yet.

    Whoever fires a collective step records the collective facts (the meeting's decision
    reference, the publication page) for every plan; a plan's own values are never overwritten.

    >>> shared({"published_url": "https://x", "note_ref": "A"}, {"note_ref": "B"})
    {'published_url': 'https://x'}
    """
    return {k: v for k, v in values.items() if k not in fields}


def decision_record(
    pathway: Pathway,
    t: Transition,
    fields: Mapping[str, Any],
    gate: Meeting | None,
    decision_date: dt.date,
    notice: Mapping[str, Any],
) -> dict[str, Any]:
    """A decision's record for its trail event: meeting, notice route, call-in, reg. 12 text."""
    from govpath.calendars.rules import parse_rule
    from govpath.calendars.workdays import get_policy

    policy = get_policy(pathway.settings.working_days)
    published = fields.get("decision_record_published")
    # call-in runs from publication of the decision record (the decision day until recorded)
    record_day = dt.date.fromisoformat(str(published)[:10]) if published else decision_date
    out = {
        "body": gate.body if gate is not None else None,
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
