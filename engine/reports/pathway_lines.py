"""The "Past Pathway of Paper" and "Future Pathway of Paper" lines of a committee report.

Past: the gate meetings the plan has passed, from the trail (transition events carry the body
and meeting of the gate they leave). Future: the remaining gate meetings, from the timeline.
A Key Decision gate is written "<body> Key Decision". Empty lines read "None" (past) and
"N/A" (future), as the seed papers print them.

>>> import datetime as dt
>>> past = [GateStop("cmt", "CMT", dt.date(2018, 5, 22)),
...         GateStop("cmm", "CMM", dt.date(2018, 6, 18))]
>>> format_line("Past", past)
'Past Pathway of Paper: CMT (22.05.18), CMM (18.06.18)'
>>> format_line("Future", [GateStop("cabinet", "Cabinet", dt.date(2013, 3, 18), key_decision=True)])
'Future Pathway of Paper: Cabinet Key Decision (18.03.13)'
>>> format_line("Past", []), format_line("Future", [])
('Past Pathway of Paper: None', 'Future Pathway of Paper: N/A')
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from engine.reports.context import PlanInfo

EMPTY = {"Past": "None", "Future": "N/A"}


@dataclass(frozen=True)
class GateStop:
    """One gate meeting on a plan's route."""

    body: str
    short: str
    date: dt.date
    key_decision: bool = False
    stage: str = ""

    @property
    def label(self) -> str:
        return f"{self.short} Key Decision" if self.key_decision else self.short

    def text(self) -> str:
        return f"{self.label} ({self.date:%d.%m.%y})"

    def to_json(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "short": self.short,
            "label": self.label,
            "date": self.date.isoformat(),
            "key_decision": self.key_decision,
            "stage": self.stage,
        }


def format_line(which: str, stops: list[GateStop]) -> str:
    """'Past Pathway of Paper: CMT (22.05.18), CMM (18.06.18)' (or None / N/A when empty)."""
    body = ", ".join(s.text() for s in stops) if stops else EMPTY[which]
    return f"{which} Pathway of Paper: {body}"


def past_stops(
    conn: Connection, plan: PlanInfo, *, as_of: dt.datetime | None = None
) -> list[GateStop]:
    """Gate meetings the plan has passed, in the order it passed them (each meeting once)."""
    from sqlalchemy import select

    from engine.reports.context import as_date, body_short, key_decision_stages, meeting_dates
    from engine.store.tables import audit_events as ev

    stmt = (
        select(ev.c.from_state, ev.c.body, ev.c.meeting_id, ev.c.data)
        .where(ev.c.plan_id == plan.id, ev.c.kind == "transition", ev.c.body.is_not(None))
        .order_by(ev.c.seq)
    )
    if as_of is not None:
        stmt = stmt.where(ev.c.at <= as_of)
    rows = conn.execute(stmt).all()
    dates = meeting_dates(conn, {r.meeting_id for r in rows if r.meeting_id is not None})
    key_stages = key_decision_stages(plan.pathway)
    seen: set[tuple[str, dt.date]] = set()
    out: list[GateStop] = []
    for r in rows:
        when: dt.date | None = None
        if r.meeting_id in dates:
            when = dates[r.meeting_id][1]
        else:
            data = json.loads(r.data or "{}")
            decision = data.get("decision") if isinstance(data.get("decision"), dict) else {}
            when = as_date(data.get("meeting_date") or decision.get("meeting_date"))
        if when is None or (r.body, when) in seen:
            continue
        seen.add((r.body, when))
        out.append(
            GateStop(
                r.body,
                body_short(plan.pathway, r.body),
                when,
                r.from_state in key_stages,
                r.from_state or "",
            )
        )
    return out


def future_stops(
    conn: Connection, plan: PlanInfo, past: list[GateStop], *, today: dt.date
) -> list[GateStop]:
    """The gate meetings still ahead: gated stages from the current one on (definition order)."""
    from calendars.timeline import build_timeline
    from engine.reports.context import body_short, key_decision_stages, load_meetings

    pathway = plan.pathway
    stage_ids = [s.id for s in pathway.stages]
    if plan.state not in stage_ids or pathway.stage(plan.state).terminal:
        return []
    timeline = build_timeline(pathway, load_meetings(conn), today=today)
    key_stages = key_decision_stages(pathway)
    passed = {(s.body, s.date) for s in past}
    out: list[GateStop] = []
    for rs in timeline.stages[stage_ids.index(plan.state) :]:
        if rs.gate is None or (rs.gate.body, rs.gate.date) in passed:
            continue
        out.append(
            GateStop(
                rs.gate.body,
                body_short(pathway, rs.gate.body),
                rs.gate.date,
                rs.stage in key_stages,
                rs.stage,
            )
        )
    return out


def pathway_lines(conn: Connection, plan_id: int, *, today: dt.date) -> dict[str, Any]:
    """Both lines for a plan and the stops they are made of (``report pathway --json``)."""
    from engine.reports.context import load_plan

    plan = load_plan(conn, plan_id)
    past = past_stops(conn, plan)
    future = future_stops(conn, plan, past, today=today)
    return {
        "plan": plan.id,
        "pathway": plan.pathway_id,
        "subject": plan.subject,
        "state": plan.state,
        "past": [s.to_json() for s in past],
        "future": [s.to_json() for s in future],
        "past_line": format_line("Past", past),
        "future_line": format_line("Future", future),
    }
