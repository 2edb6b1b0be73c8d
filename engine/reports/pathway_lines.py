"""The "Past Pathway of Paper" and "Future Pathway of Paper" lines of a committee report.

A paper's route is its pathway's stages (those of the same ``paper``), in definition order. Each
step prints once: a stage with a ``pathway_label`` prints the label ("Cabinet Members Meeting",
"For approval by relevant Cabinet Members and Corporate Director"); a gated stage prints its
meeting, "<short> (dd.mm.yy)", or "<short> Key Decision (dd.mm.yy)" where it takes a Key
Decision. A meeting is past only once held; contingent stages (a call-in, a reconsideration) are
left out until the plan is in them. The label wording and the empty values are the pathway's
``settings.pathway_lines``.

>>> import datetime as dt
>>> past = [GateStop("cmt", "CMT", dt.date(2018, 5, 22)),
...         GateStop("cmm", "CMM", dt.date(2018, 6, 18))]
>>> format_line("Past", past)
'Past Pathway of Paper: CMT (22.05.18), CMM (18.06.18)'
>>> format_line("Future", [GateStop("cabinet", "Cabinet", dt.date(2013, 3, 18), key_decision=True)])
'Future Pathway of Paper: Cabinet Key Decision (18.03.13)'
>>> format_line("Past", []), format_line("Future", [])
('Past Pathway of Paper: None', 'Future Pathway of Paper: N/A')
>>> from govpath.definition.model import PathwayLines
>>> format_line("Future", [], PathwayLines(future_label="Future Pathway"))
'Future Pathway: N/A'
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.calendars.meetings import Meeting
    from govpath.definition.model import Pathway, PathwayLines, Stage
    from govpath.reports.context import PlanInfo


@dataclass(frozen=True)
class GateStop:
    """One step on a paper's route: a gate meeting, or a stage's pathway label."""

    body: str
    short: str
    date: dt.date | None
    key_decision: bool = False
    stage: str = ""
    pathway_label: str = ""

    @property
    def label(self) -> str:
        if self.pathway_label:
            return self.pathway_label
        return f"{self.short} Key Decision" if self.key_decision else self.short

    @property
    def key(self) -> tuple[str, Any]:
        """What makes two steps the same step: the label, else the meeting."""
        return ("label", self.pathway_label) if self.pathway_label else (self.body, self.date)

    def text(self) -> str:
        if self.pathway_label or self.date is None:
            return self.label
        return f"{self.label} ({self.date:%d.%m.%y})"

    def to_json(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "short": self.short,
            "label": self.label,
            "text": self.text(),
            "date": self.date.isoformat() if self.date else None,
            "key_decision": self.key_decision,
            "stage": self.stage,
        }


def format_line(which: str, stops: list[GateStop], wording: PathwayLines | None = None) -> str:
    """'Past Pathway of Paper: CMT (22.05.18), CMM (18.06.18)' (or the empty value)."""
    from govpath.definition.model import PathwayLines

    w = wording or PathwayLines()
    label, empty = (
        (w.past_label, w.past_empty) if which == "Past" else (w.future_label, w.future_empty)
    )
    body = ", ".join(s.text() for s in stops) if stops else empty
    return f"{label}: {body}"


def stage_stop(
    pathway: Pathway, stage: Stage, meeting: tuple[str, dt.date] | None, key_stages: set[str]
) -> GateStop | None:
    """The step ``stage`` adds to a route (its gate meeting or label), or None when it adds none."""
    from govpath.reports.context import body_short

    body, when = meeting if meeting else ("", None)
    if stage.pathway_label:
        return GateStop(body, "", when, False, stage.id, stage.pathway_label)
    if meeting is None:
        return None
    return GateStop(body, body_short(pathway, body), when, stage.id in key_stages, stage.id)


def _unique(stops: Iterable[GateStop], seen: set[tuple[str, Any]]) -> list[GateStop]:
    """Each step once (keys in SEEN are left out); a meeting any of whose stages takes a Key
    Decision is printed as the Key Decision, whichever stage came first."""
    out: list[GateStop] = []
    where: dict[tuple[str, Any], int] = {}
    for s in stops:
        if s.key in where:
            i = where[s.key]
            if s.key_decision and not out[i].key_decision:
                out[i] = replace(out[i], key_decision=True, stage=s.stage)
            continue
        if s.key in seen:
            continue
        seen.add(s.key)
        where[s.key] = len(out)
        out.append(s)
    return out


# --------------------------------------------------------------------------- a paper, before any plan


def paper_stops(
    pathway: Pathway, meetings: Iterable[Meeting], body: str, date: dt.date, **timeline_kw: Any
) -> tuple[list[GateStop], list[GateStop]]:
    """Past and future steps of the paper ``pathway`` takes to the meeting of BODY on DATE.

    The paper is that of the first stage whose gate is that meeting. Past: the steps of its
    route before that stage whose meetings are held before DATE (labels: the steps before it).
    Future: the rest, after it. Contingent stages are left out. BadInput when no stage of the
    pathway goes to that meeting (the sentence lists the meetings it does go to).
    """
    from govpath.calendars.timeline import build_timeline
    from govpath.errors import BadInput
    from govpath.reports.context import body_short, key_decision_stages

    timeline = build_timeline(pathway, meetings, **timeline_kw)
    gates = {
        rs.stage: (rs.gate.body, rs.gate.date) for rs in timeline.stages if rs.gate is not None
    }
    target = next(
        (i for i, s in enumerate(pathway.stages) if gates.get(s.id) == (body, date)), None
    )
    if target is None:
        held = sorted(set(gates.values()), key=lambda g: (g[1], g[0]))
        known = ", ".join(f"{body_short(pathway, b)} {d.isoformat()}" for b, d in held)
        raise BadInput(
            f"no stage of pathway {pathway.id} goes to the {body_short(pathway, body)} meeting "
            f"on {date.isoformat()} with this calendar; its meetings are: {known or 'none'}."
        )
    paper = pathway.stages[target].paper
    key_stages = key_decision_stages(pathway)
    seen: set[tuple[str, Any]] = {(body, date)}
    past: list[GateStop] = []
    future: list[GateStop] = []
    for i, stage in enumerate(pathway.stages):
        if stage.paper != paper or stage.contingent:
            continue
        if gates.get(stage.id) == (body, date):
            if stage.pathway_label:
                seen.add(("label", stage.pathway_label))
            continue
        stop = stage_stop(pathway, stage, gates.get(stage.id), key_stages)
        if stop is None:
            continue
        before = i < target and (stop.date is None or stop.date < date)
        (past if before else future).append(stop)
    return _unique(past, seen), _unique(future, seen)


def paper_lines(
    pathway: Pathway, meetings: Iterable[Meeting], body: str, date: dt.date, **timeline_kw: Any
) -> dict[str, Any]:
    """Both lines of the paper a pathway takes to a meeting (``report pathway --meeting``)."""
    past, future = paper_stops(pathway, meetings, body, date, **timeline_kw)
    wording = pathway.settings.pathway_lines
    return {
        "pathway": pathway.id,
        "meeting": {"body": body, "date": date.isoformat()},
        "past": [s.to_json() for s in past],
        "future": [s.to_json() for s in future],
        "past_line": format_line("Past", past, wording),
        "future_line": format_line("Future", future, wording),
    }


# --------------------------------------------------------------------------- a plan, from its trail


def _paper_of(pathway: Pathway, stage_id: str | None) -> str | None:
    try:
        return pathway.stage(stage_id or "").paper
    except StopIteration:
        return None


def past_stops(
    conn: Connection, plan: PlanInfo, *, as_of: dt.datetime | None = None
) -> list[GateStop]:
    """Steps of the plan's current paper it has passed, in the order it passed them.

    A gate meeting counts once it is held: the plan left the stage on or after the meeting day.
    A label counts once the plan has left every stage carrying it.
    """
    from govpath.reports.context import as_date, body_short, key_decision_stages, meeting_dates
    from govpath.store.reports import plan_steps

    pathway = plan.pathway
    rows = plan_steps(conn, plan.id, as_of=as_of)
    dates = meeting_dates(conn, {r.meeting_id for r in rows if r.meeting_id is not None})
    key_stages = key_decision_stages(pathway)
    paper = _paper_of(pathway, plan.state)
    stages = {s.id: s for s in pathway.stages}
    current = stages.get(plan.state)
    out: list[GateStop] = []
    for r in rows:
        stage = stages.get(r.from_state or "")
        if stage is not None and (stage.paper != paper or stage is current):
            continue
        when: dt.date | None = None
        if r.meeting_id in dates:
            when = dates[r.meeting_id][1]
        elif r.body is not None:
            data = json.loads(r.data or "{}")
            decision = data.get("decision") if isinstance(data.get("decision"), dict) else {}
            when = as_date(data.get("meeting_date") or decision.get("meeting_date"))
        left_on = as_date(r.at)
        if stage is not None and stage.pathway_label:
            if current is not None and current.pathway_label == stage.pathway_label:
                continue
            if when is not None and left_on is not None and left_on < when:
                continue  # left before its meeting: not held yet
            out.append(GateStop(r.body or "", "", when, False, stage.id, stage.pathway_label))
            continue
        if r.body is None or when is None or (left_on is not None and left_on < when):
            continue
        out.append(
            GateStop(
                r.body,
                body_short(pathway, r.body),
                when,
                r.from_state in key_stages,
                r.from_state or "",
            )
        )
    return _unique(out, set())


def future_stops(
    conn: Connection, plan: PlanInfo, past: list[GateStop], *, today: dt.date
) -> list[GateStop]:
    """Steps still ahead on the plan's current paper: from its stage on, each once.

    Contingent stages other than the current one are left out. A meeting the plan has not yet
    been through stays ahead, even when its day has gone (the plan is late for it).
    """
    from govpath.calendars.timeline import build_timeline
    from govpath.reports.context import key_decision_stages, load_meetings

    pathway = plan.pathway
    stage_ids = [s.id for s in pathway.stages]
    if plan.state not in stage_ids or pathway.stage(plan.state).terminal:
        return []
    timeline = build_timeline(pathway, load_meetings(conn), today=today)
    key_stages = key_decision_stages(pathway)
    paper = pathway.stage(plan.state).paper
    out: list[GateStop] = []
    start = stage_ids.index(plan.state)
    for stage, rs in zip(pathway.stages[start:], timeline.stages[start:], strict=True):
        if stage.paper != paper or (stage.contingent and stage.id != plan.state):
            continue
        meeting = (rs.gate.body, rs.gate.date) if rs.gate is not None else None
        stop = stage_stop(pathway, stage, meeting, key_stages)
        if stop is not None:
            out.append(stop)
    return _unique(out, {s.key for s in past})


def pathway_lines(conn: Connection, plan_id: int, *, today: dt.date) -> dict[str, Any]:
    """Both lines for a plan and the steps they are made of (``report pathway ID --json``)."""
    from govpath.reports.context import load_plan

    plan = load_plan(conn, plan_id)
    past = past_stops(conn, plan)
    future = future_stops(conn, plan, past, today=today)
    wording = plan.pathway.settings.pathway_lines
    return {
        "plan": plan.id,
        "pathway": plan.pathway_id,
        "subject": plan.subject,
        "state": plan.state,
        "past": [s.to_json() for s in past],
        "future": [s.to_json() for s in future],
        "past_line": format_line("Past", past, wording),
        "future_line": format_line("Future", future, wording),
    }
