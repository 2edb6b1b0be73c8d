"""The year report: every plan of a pathway through the year, its gates, deadlines and decisions.

:func:`collect_year` reads the trail, the deadlines and the calendar into a :class:`YearReport`;
:func:`render_year` writes it as self-contained HTML (inline CSS and SVG, see
:mod:`govpath.reports.chart`) or Markdown through the Jinja2 templates in ``templates/``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.audit.decisions import DecisionRecord
    from govpath.definition.model import Pathway
    from govpath.reports.context import PlanInfo
    from govpath.reports.pathway_lines import GateStop
    from govpath.store.reports import StageEntry
    from govpath.store.trail_reads import DeadlineRecord

TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class Segment:
    """A stretch of time a plan spent in one stage."""

    stage: str
    title: str
    start: dt.date
    end: dt.date
    current: bool = False


@dataclass
class DeadlineMark:
    name: str
    title: str
    stage: str
    due: dt.date
    status: str  # met | missed | open | cancelled
    met_on: dt.date | None
    late_days: int = 0
    late_working_days: int = 0
    owner: str = ""

    @property
    def missed(self) -> bool:
        """Late: missed and outstanding, or met after its day (drawn red on the chart)."""
        return self.status == "missed" or (self.met_on is not None and self.met_on > self.due)

    @property
    def standing(self) -> str:
        """'met late (11 days, 7 working days late), met 2018-06-19', 'missed (…), still
        outstanding', 'met 2018-05-01': the words every report uses (govpath.audit.lateness)."""
        from govpath.audit.lateness import Standing

        if self.met_on is not None and self.met_on > self.due:
            late = Standing("met late", self.late_days, self.late_working_days)
            return f"{late.text}, met {self.met_on.isoformat()}"
        if self.status == "missed":
            late = Standing("missed", self.late_days, self.late_working_days)
            return f"{late.text}, still outstanding"
        if self.status == "met":
            return f"met {self.met_on.isoformat()}" if self.met_on else "met"
        return self.status


@dataclass
class PlanRoute:
    id: int
    subject: str
    owner: str
    state: str
    state_title: str
    version: int
    segments: list[Segment]
    past: list[GateStop]
    future: list[GateStop]
    deadlines: list[DeadlineMark]
    decisions: list[DecisionRecord]
    past_line: str = ""
    future_line: str = ""


@dataclass
class BodyRow:
    id: str
    short: str
    name: str
    meetings: list[dt.date]
    gates: list[dt.date]  # the meetings that are gates of this pathway


@dataclass
class YearReport:
    pathway: str
    title: str
    year: str
    today: dt.date
    start: dt.date
    end: dt.date
    bodies: list[BodyRow]
    plans: list[PlanRoute]
    stages: list[tuple[str, str]]  # (id, title) in definition order
    generated_at: str = ""
    totals: dict[str, int] = field(default_factory=dict)


def _segments(
    events: list[StageEntry], pathway: Pathway, today: dt.date, end_of_report: dt.date
) -> list[Segment]:
    from govpath.audit.query import local

    titles = {s.id: s.title for s in pathway.stages}
    terminal = {s.id for s in pathway.stages if s.terminal}
    out: list[Segment] = []
    for i, e in enumerate(events):
        start = local(e.at).date()
        if i + 1 < len(events):
            end, current = local(events[i + 1].at).date(), False
        else:
            current = e.to_state not in terminal
            end = max(start, min(today, end_of_report)) if current else start
        out.append(Segment(e.to_state, titles.get(e.to_state, e.to_state), start, end, current))
    return out


def collect_year(conn: Connection, pathway_id: str, *, today: dt.date) -> YearReport:
    """Everything the year report shows for PATHWAY_ID (every plan, on any of its versions)."""
    from govpath.audit.decisions import decision_records
    from govpath.audit.missed import done_on, lateness, met_by_map, transitions_of
    from govpath.audit.query import local
    from govpath.calendars.timeline import build_timeline
    from govpath.reports.context import body_short, latest_pathway, load_meetings, load_plan
    from govpath.reports.pathway_lines import format_line, future_stops, past_stops
    from govpath.store import reports
    from govpath.zone import council_zone

    _, pathway = latest_pathway(conn, pathway_id)
    from govpath.calendars.workdays import get_policy

    policy = get_policy(pathway.settings.working_days)
    meetings = load_meetings(conn)
    timeline = build_timeline(pathway, meetings, today=today)
    plan_ids = reports.plan_ids_of_pathway(conn, pathway_id)
    decisions_by_plan: dict[int, list[DecisionRecord]] = {}
    for rec in decision_records(conn, pathway=pathway_id):
        decisions_by_plan.setdefault(rec.plan, []).append(rec)

    dates: list[dt.date] = [today]
    dates += [rs.gate.date for rs in timeline.stages if rs.gate is not None]
    dates += [d for rs in timeline.stages for d in (rs.window or ())]
    raw_plans: list[tuple[PlanInfo, list[StageEntry], list[DeadlineRecord]]] = []
    for pid in plan_ids:
        info = load_plan(conn, pid)
        events = reports.stage_entries(conn, pid)
        drows = reports.deadlines_of_plan(conn, pid)
        dates += [local(e.at).date() for e in events] + [d.due for d in drows]
        raw_plans.append((info, events, drows))
    start = min(dates).replace(day=1)
    last = max(dates)
    end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)

    routes: list[PlanRoute] = []
    totals = {
        "plans": len(plan_ids),
        "met": 0,
        "met_late": 0,
        "missed": 0,
        "open": 0,
        "decisions": 0,
        "flagged": 0,
    }
    for info, events, drows in raw_plans:
        marks = []
        for d in drows:
            met_on = local(d.met_at).date() if d.met_at is not None else None
            if met_on is None and d.status == "missed":
                trigger = met_by_map(info.pathway).get((d.stage, d.name))
                met_on = done_on(d, transitions_of(conn, {info.id})[info.id], trigger)
            late = (
                lateness(d.due, met_on or today, policy)
                if d.status == "missed" or (met_on and met_on > d.due)
                else (0, 0)
            )
            mark = DeadlineMark(
                d.name, d.title, d.stage, d.due, d.status, met_on, late[0], late[1], d.owner
            )
            marks.append(mark)
            if mark.missed and mark.met_on is not None:
                totals["met_late"] += 1
            elif mark.missed:
                totals["missed"] += 1
            elif d.status == "met":
                totals["met"] += 1
            elif d.status == "open":
                totals["open"] += 1
        past = past_stops(conn, info)
        future = future_stops(conn, info, past, today=today)
        decs = decisions_by_plan.get(info.id, [])
        totals["decisions"] += len(decs)
        totals["flagged"] += sum(1 for r in decs if r.flagged)
        titles = {s.id: s.title for s in info.pathway.stages}
        routes.append(
            PlanRoute(
                id=info.id,
                subject=info.subject,
                owner=info.owner,
                state=info.state,
                state_title=titles.get(info.state, info.state),
                version=info.version,
                segments=_segments(events, info.pathway, today, end),
                past=past,
                future=future,
                deadlines=marks,
                decisions=decs,
                past_line=format_line("Past", past, info.pathway.settings.pathway_lines),
                future_line=format_line("Future", future, info.pathway.settings.pathway_lines),
            )
        )

    gate_dates: dict[str, set[dt.date]] = {}
    for rs in timeline.stages:
        if rs.gate is not None:
            gate_dates.setdefault(rs.gate.body, set()).add(rs.gate.date)
    for r in routes:
        for s in r.past:
            if s.body and s.date is not None:
                gate_dates.setdefault(s.body, set()).add(s.date)
    bodies = []
    for b in pathway.bodies:
        held = sorted(
            {
                m.date
                for m in meetings
                if m.body == b.id and not m.cancelled and start <= m.date <= end
            }
        )
        if not held and b.id not in gate_dates:
            continue
        bodies.append(
            BodyRow(b.id, body_short(pathway, b.id), b.name, held, sorted(gate_dates.get(b.id, ())))
        )
    return YearReport(
        pathway=pathway.id,
        title=pathway.title,
        year=pathway.year,
        today=today,
        start=start,
        end=end,
        bodies=bodies,
        plans=routes,
        stages=[(s.id, s.title) for s in pathway.stages],
        generated_at=dt.datetime.now(council_zone()).strftime("%Y-%m-%d %H:%M"),
        totals=totals,
    )


def render_year_body(report: YearReport) -> str:
    """The HTML report's content without its document and styles (the web page embeds it)."""
    return render_year(report, "body")


def render_year(report: YearReport, fmt: str = "html") -> str:
    """The report as self-contained HTML (``html``) or Markdown (``markdown``); ``body`` is the
    HTML's content alone."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from govpath.reports.chart import stage_colours, year_chart

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=fmt in ("html", "body"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    if fmt not in ("html", "body"):  # Markdown: every value one line, HTML and ``|`` escaped
        from govpath.safe_output import markdown_cell

        env.finalize = lambda v: markdown_cell(v) if isinstance(v, str) else v
    env.filters["dmy"] = lambda d: d.strftime("%d.%m.%y") if d else ""
    env.filters["long"] = lambda d: f"{d.day} {d:%B %Y}" if d else ""
    if fmt in ("html", "body"):
        name = "year.html.j2" if fmt == "html" else "year_body.html.j2"
        return env.get_template(name).render(
            r=report, chart=year_chart(report), colours=stage_colours(report)
        )
    return env.get_template("year.md.j2").render(r=report)
