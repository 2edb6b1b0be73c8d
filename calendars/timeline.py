"""Resolve a pathway against the calendar: gate meetings, deadlines, reminders and problems.

Problems are listed, never raised: a gate meeting missing or cancelled, a deadline already past
at ``today``, a window that ends after the gate it feeds, a rule that cannot be read, and two
gates too close for a key decision's notice.

Notice check (transitions with ``notice: key_decision``): the decision is taken at the source
stage's gate meeting. The earliest day the notice of it could be published is taken to be the
later of ``today`` (the plan's start) and the previous gate's date (the draft is settled at the
previous gate, so the notice can name the decision from then on). Here "the previous gate" is
the latest gate meeting of an earlier stage that is before the decision day: several stages
may lead to the same meeting, and a meeting is not its own previous gate. When neither date is
known the check is skipped. When that earliest day does not leave 28 clear days, the gate gets a
problem naming the route that would be needed (`govpath.calendars.rules.route_needed`), and the stage's
key decision notice deadlines (rule ``key-decision-notice`` or the same counting) that fall
before that earliest day are marked ``infeasible``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govpath.calendars.meetings import Meeting, MeetingIndex
from govpath.errors import GovpathError

if TYPE_CHECKING:
    from govpath.calendars.workdays import WorkingDayPolicy

# problem(stage, kind, text, deadline=None): records one problem of the timeline
Problem = Callable[..., None]

ROUTE_WORDS = {
    "general_exception": "the general exception route (notice 5 clear working days before)",
    "special_urgency": "the special urgency route (the agreement of the scrutiny chair)",
    "key_decision": "the ordinary key decision notice",
}


@dataclass
class ResolvedReminder:
    on: dt.date
    at: dt.datetime  # aware, local reminder_hour
    to: tuple[str, ...]
    kind: str = "reminder"


@dataclass
class ResolvedEscalation:
    on: dt.date
    at: dt.datetime
    to: str
    level: int


@dataclass
class ResolvedDeadline:
    stage: str
    id: str
    title: str
    rule: str
    anchor: str
    anchor_date: dt.date | None
    due: dt.date | None
    owner: str
    action: str
    met_by: str | None
    meeting: Meeting | None
    reminders: list[ResolvedReminder] = field(default_factory=list)
    escalations: list[ResolvedEscalation] = field(default_factory=list)
    infeasible: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass
class ResolvedStage:
    stage: str
    title: str
    gate: Meeting | None
    gate_text: str
    window: tuple[dt.date, dt.date] | None
    deadlines: list[ResolvedDeadline] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class TimelineProblem:
    """One problem of a timeline: which stage (and deadline), what kind, in a sentence."""

    stage: str | None
    deadline: str | None
    kind: str  # gate_missing | gate_cancelled | past | window_after_gate | rule | notice
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Timeline:
    pathway_id: str
    stages: list[ResolvedStage]
    problems: list[TimelineProblem] = field(default_factory=list)
    today: dt.date | None = None

    def stage(self, stage_id: str) -> ResolvedStage:
        return next(s for s in self.stages if s.stage == stage_id)

    def deadlines(self) -> list[ResolvedDeadline]:
        return [d for s in self.stages for d in s.deadlines]

    def deadline(self, stage_id: str, deadline_id: str) -> ResolvedDeadline:
        return next(d for d in self.stage(stage_id).deadlines if d.id == deadline_id)


def _policy_for(pathway: Any, closures: Iterable[dt.date] = ()) -> WorkingDayPolicy:
    from govpath.calendars.workdays import get_policy

    return get_policy(pathway.settings.working_days, closures=tuple(closures))


def resolve_gate(
    gate: Any,
    index: MeetingIndex,
    previous_gate_date: dt.date | None,
    *,
    policy: Any = None,
) -> Meeting | None:
    """The meeting a gate names, or None when the calendar has no such (uncancelled) meeting.

    A ``GateDate`` gate follows its meeting when it moves (``original_date`` is the gate's day).

    ``GateAfterPrevious`` needs ``previous_gate_date``; its ``min_gap`` phrase (e.g. '28 clear
    days after') is applied to that date with ``policy`` (default: England and Wales).
    """
    from govpath.definition.model import GateAfterPrevious, GateDate, GateFirstIn, GateOnOrAfter

    if isinstance(gate, GateDate):  # the meeting set for that day, wherever it has moved to
        return index.moved_from(gate.body, gate.on) or index.on(gate.body, gate.on)
    if isinstance(gate, GateFirstIn):
        year, month = (int(x) for x in gate.first_in.split("-"))
        return index.first_in(gate.body, year, month)
    if isinstance(gate, GateOnOrAfter):
        return index.on_or_after(gate.body, gate.on_or_after)
    if isinstance(gate, GateAfterPrevious):
        if previous_gate_date is None:
            return None
        if gate.min_gap:
            from govpath.calendars.rules import parse_rule
            from govpath.calendars.workdays import get_policy

            earliest = parse_rule(gate.min_gap).apply(previous_gate_date, policy or get_policy())
            if earliest > previous_gate_date:
                return index.on_or_after(gate.body, earliest)
        return index.after(gate.body, previous_gate_date)
    raise TypeError(f"not a gate: {gate!r}")


def _body_name(pathway: Any, body_id: str) -> str:
    for body in pathway.bodies:
        if body.id == body_id:
            return str(body.short or body.name)
    return body_id


def _missing_gate(
    gate: Any, index: MeetingIndex, name: str, prev: dt.date | None
) -> tuple[str, str]:
    """(kind, sentence) explaining why a gate has no meeting."""
    from govpath.definition.model import GateAfterPrevious, GateDate, GateFirstIn, GateOnOrAfter

    if isinstance(gate, GateDate):
        if index.cancelled_on(gate.body, gate.on):
            return "gate_cancelled", f"the {name} meeting on {gate.on.isoformat()} is cancelled"
        return "gate_missing", f"the calendar has no {name} meeting on {gate.on.isoformat()}"
    if isinstance(gate, GateFirstIn):
        year, month = (int(x) for x in gate.first_in.split("-"))
        label = dt.date(year, month, 1).strftime("%B %Y")
        cancelled = index.cancelled_in(gate.body, year, month)
        if cancelled:
            days = ", ".join(m.date.isoformat() for m in cancelled)
            return "gate_cancelled", f"the only {name} meeting in {label} ({days}) is cancelled"
        return "gate_missing", f"the calendar has no {name} meeting in {label}"
    if isinstance(gate, GateOnOrAfter):
        return (
            "gate_missing",
            f"the calendar has no {name} meeting on or after {gate.on_or_after.isoformat()}",
        )
    if isinstance(gate, GateAfterPrevious):
        if prev is None:
            return (
                "gate_missing",
                f"the {name} gate follows the previous gate, which has no meeting",
            )
        gap = f" at least '{gate.min_gap}'" if gate.min_gap else ""
        return (
            "gate_missing",
            f"the calendar has no {name} meeting{gap} after the previous gate "
            f"on {prev.isoformat()}",
        )
    return "gate_missing", f"no meeting for the {name} gate"


def build_timeline(
    pathway: Any,
    meetings: Iterable[Meeting],
    *,
    today: dt.date | None = None,
    policy: Any = None,
    closures: Iterable[dt.date] = (),
) -> Timeline:
    """Resolve every stage of ``pathway`` (in definition order) against ``meetings``.

    ``policy`` defaults to the pathway's ``settings.working_days`` policy plus ``closures``
    (a calendar's closure days). ``today`` enables the 'already past' check and is the
    earliest day a key decision notice could be published.
    """
    from govpath.definition.model import describe_gate
    from govpath.zone import council_zone

    if policy is None:
        policy = _policy_for(pathway, closures)
    elif closures:
        policy = policy.with_closures(tuple(closures))
    index = meetings if isinstance(meetings, MeetingIndex) else MeetingIndex(meetings)
    tz = council_zone()
    hour = dt.time(pathway.settings.reminder_hour)
    overrides = _overrides(pathway)
    timeline = Timeline(pathway.id, [], [], today)

    def problem(
        rs: ResolvedStage, kind: str, text: str, deadline: ResolvedDeadline | None = None
    ) -> None:
        if deadline is not None:
            deadline.problems.append(text)
            msg = f"{rs.stage}.{deadline.id}: {text}"
        else:
            rs.problems.append(text)
            msg = f"{rs.stage}: {text}"
        timeline.problems.append(
            TimelineProblem(rs.stage, deadline.id if deadline else None, kind, msg)
        )

    previous: Meeting | None = None  # gate meeting of the nearest earlier stage with a gate
    earlier_gates: dict[str, list[Meeting]] = {}  # gate meetings of the stages before each one
    gates_so_far: list[Meeting] = []
    for stage in pathway.stages:
        earlier_gates[stage.id] = list(gates_so_far)
        prev_date = previous.date if previous else None
        gate_meeting: Meeting | None = None
        gate_text = ""
        rs = ResolvedStage(stage.id, stage.title, None, "", None)
        if stage.window is not None:
            rs.window = (stage.window.start, stage.window.end)
        timeline.stages.append(rs)
        if stage.gate is not None:
            name = _body_name(pathway, stage.gate.body)
            gate_text = describe_gate(stage.gate, name)
            try:
                gate_meeting = resolve_gate(stage.gate, index, prev_date, policy=policy)
            except GovpathError as exc:
                problem(rs, "rule", f"the gate's min_gap cannot be read: {exc}")
            if gate_meeting is None:
                kind, text = _missing_gate(stage.gate, index, name, prev_date)
                problem(rs, kind, text)
        rs.gate, rs.gate_text = gate_meeting, gate_text

        anchors: dict[str, tuple[dt.date | None, Meeting | None, str]] = {
            "gate": (
                gate_meeting.date if gate_meeting else None,
                gate_meeting,
                "the stage has no gate" if stage.gate is None else "the gate has no meeting",
            ),
            "window_start": (
                stage.window.start if stage.window else None,
                None,
                "the stage has no window",
            ),
            "window_end": (
                stage.window.end if stage.window else None,
                None,
                "the stage has no window",
            ),
            "previous_gate": (prev_date, previous, "there is no earlier gate with a meeting"),
            # planned from the decision's meeting; the runtime counts from the record's publication
            "decision_record": (prev_date, previous, "there is no earlier gate with a meeting"),
        }
        for d in stage.deadlines:
            anchor_date, meeting, why = anchors[d.anchor]
            rd = ResolvedDeadline(
                stage=stage.id,
                id=d.id,
                title=d.title,
                rule=d.rule,
                anchor=d.anchor,
                anchor_date=anchor_date,
                due=None,
                owner=d.owner,
                action=d.action,
                met_by=d.met_by,
                meeting=meeting,
            )
            rs.deadlines.append(rd)
            if anchor_date is None:
                problem(rs, "gate_missing", f"no due date: {why}", rd)
                continue
            _resolve_dates(
                rd,
                d,
                anchor_date,
                policy,
                overrides,
                tz,
                hour,
                functools.partial(problem, rs, deadline=rd),
            )
            if today is not None and rd.due is not None and rd.due < today:
                rd.infeasible = True
                problem(
                    rs, "past", f"due {rd.due.isoformat()}, already past on {today.isoformat()}", rd
                )
        previous = gate_meeting if stage.gate is not None else previous
        if gate_meeting is not None:
            gates_so_far.append(gate_meeting)

    _check_windows(pathway, timeline, problem)
    _check_notice(pathway, timeline, earlier_gates, today, policy, overrides, problem)
    return timeline


def re_anchor(pathway: Any, rd: ResolvedDeadline, anchor_date: dt.date) -> ResolvedDeadline:
    """RD counted from ANCHOR_DATE instead (e.g. the day a decision record was published)."""
    import dataclasses

    from govpath.zone import council_zone

    spec = next(d for d in pathway.stage(rd.stage).deadlines if d.id == rd.id)
    out = dataclasses.replace(
        rd, anchor_date=anchor_date, due=None, reminders=[], escalations=[], problems=[]
    )
    _resolve_dates(
        out,
        spec,
        anchor_date,
        _policy_for(pathway, ()),
        _overrides(pathway),
        council_zone(),
        dt.time(pathway.settings.reminder_hour),
        lambda _kind, text: out.problems.append(text),
    )
    return out


def _overrides(pathway: Any) -> Mapping[str, str] | None:
    rules = getattr(pathway, "rules", None)
    return dict(rules) if isinstance(rules, Mapping) and rules else None


def _resolve_dates(
    rd: ResolvedDeadline,
    d: Any,
    anchor_date: dt.date,
    policy: WorkingDayPolicy,
    overrides: Mapping[str, str] | None,
    tz: dt.tzinfo,
    hour: dt.time,
    report: Callable[[str, str], None],
) -> None:
    """Fill in the due date, reminders and escalations of one deadline."""
    from govpath.calendars.rules import parse_offset, parse_rule

    try:
        rd.due = parse_rule(d.rule, overrides).apply(anchor_date, policy)
    except GovpathError as exc:
        report("rule", f"the rule cannot be applied: {exc}")
        return
    for r in d.reminders:
        try:
            on = parse_offset(r.before, "before").apply(rd.due, policy)
        except GovpathError as exc:
            report("rule", f"reminder '{r.before}' cannot be applied: {exc}")
            continue
        rd.reminders.append(
            ResolvedReminder(on, dt.datetime.combine(on, hour, tzinfo=tz), tuple(r.to))
        )
    for level, e in enumerate(d.escalations, start=1):
        try:
            on = parse_offset(e.after, "after").apply(rd.due, policy)
        except GovpathError as exc:
            report("rule", f"escalation '{e.after}' cannot be applied: {exc}")
            continue
        rd.escalations.append(
            ResolvedEscalation(on, dt.datetime.combine(on, hour, tzinfo=tz), e.to, level)
        )
    rd.reminders.sort(key=lambda r: r.on)


def _check_windows(pathway: Any, timeline: Timeline, problem: Problem) -> None:
    """A window must end on or before the gate it feeds: its own stage's, else the next stage's."""
    stages = timeline.stages
    for i, rs in enumerate(stages):
        if rs.window is None:
            continue
        fed: ResolvedStage | None = rs if rs.gate is not None else None
        if fed is None and pathway.stages[i].gate is None:
            j = next((j for j in range(i + 1, len(stages)) if pathway.stages[j].gate), None)
            fed = stages[j] if j is not None else None
        if fed is not None and fed.gate is not None and rs.window[1] > fed.gate.date:
            name = _body_name(pathway, fed.gate.body)
            problem(
                rs,
                "window_after_gate",
                f"the window ends {rs.window[1].isoformat()}, after the {name} meeting on "
                f"{fed.gate.date.isoformat()} it feeds",
            )


def _is_notice_rule(rule: str, overrides: Mapping[str, str] | None) -> bool:
    """Is this the key decision notice rule (by name, or the same counting)?"""
    from govpath.calendars.rules import parse_rule

    try:
        parsed = parse_rule(rule, overrides)
        notice = parse_rule("key-decision-notice", overrides)
    except GovpathError:
        return False
    counting = ("amount", "unit", "clear", "direction", "kind")
    return (notice.name is not None and parsed.name == notice.name) or all(
        getattr(parsed, k) == getattr(notice, k) for k in counting
    )


def _check_notice(
    pathway: Any,
    timeline: Timeline,
    earlier_gates: dict[str, list[Meeting]],
    today: dt.date | None,
    policy: WorkingDayPolicy,
    overrides: Mapping[str, str] | None,
    problem: Problem,
) -> None:
    """Key decisions need 28 clear days' notice between the earliest notice day and the gate."""
    from govpath.calendars.rules import route_needed

    seen: set[str] = set()
    for t in pathway.transitions:
        if t.notice != "key_decision":
            continue
        for source in t.source:
            if source in seen:
                continue
            try:
                rs = timeline.stage(source)
            except StopIteration:
                continue
            if rs.gate is None:
                continue
            decision = rs.gate.date
            if today is not None and decision < today:
                continue  # the gate is past: its deadlines are reported as past
            before = [m.date for m in earlier_gates.get(source, []) if m.date < decision]
            prev = max(before) if before else None
            candidates = [d for d in (today, prev) if d is not None]
            if not candidates:
                continue
            earliest = max(candidates)
            route = route_needed(earliest, decision, policy, overrides)
            if route == "key_decision":
                continue
            seen.add(source)
            clear = max(0, (decision - earliest).days - 1)
            since = "the previous gate" if earliest == prev else "today"
            name = _body_name(pathway, rs.gate.body)
            problem(
                rs,
                "notice",
                f"the key decision at the {name} meeting on {decision.isoformat()} ('{t.trigger}') "
                f"is only {clear} clear days after {earliest.isoformat()} ({since}), the earliest "
                f"the notice could be published; 28 clear days are needed, so it would need "
                f"{ROUTE_WORDS[route]} [{route}]",
            )
            for rd in rs.deadlines:
                if not _is_notice_rule(rd.rule, overrides):
                    continue
                if rd.due is not None and rd.due < earliest and not rd.infeasible:
                    rd.infeasible = True
                    problem(
                        rs,
                        "notice",
                        f"due {rd.due.isoformat()}, before the notice could be published "
                        f"({earliest.isoformat()}): infeasible",
                        rd,
                    )
