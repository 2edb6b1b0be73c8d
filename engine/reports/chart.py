"""Draw the year report's timeline as inline SVG: months, committee meetings, and each plan's route.

>>> import datetime as dt
>>> scale = Scale(dt.date(2013, 1, 1), dt.date(2013, 1, 31), left=100, width=300)
>>> scale.x(dt.date(2013, 1, 1)), scale.x(dt.date(2013, 2, 1))
(100.0, 400.0)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:
    from govpath.reports.year import PlanRoute, YearReport

# Colour-blind-safe palette (Okabe–Ito and Tol), one per stage in definition order.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#332288",
    "#117733", "#882255", "#44AA99", "#999933", "#AA4499",
)  # fmt: skip
WIDTH = 1400
LABEL_W = 300
HEADER_H = 40
BODY_H = 24
PLAN_H = 58
GAP = 16
MET, MISSED, OPEN, GATE, DECISION = "#1b7f3b", "#c62828", "#757575", "#1a237e", "#b8860b"


@dataclass
class Scale:
    """Dates to x positions: START at LEFT, the day after END at LEFT+WIDTH."""

    start: dt.date
    end: dt.date
    left: float
    width: float

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def x(self, d: dt.date) -> float:
        return round(self.left + (d - self.start).days * self.width / self.days, 1)

    def mid(self, d: dt.date) -> float:
        return round(self.x(d) + self.width / self.days / 2, 1)


def _text(x: float, y: float, s: str, cls: str = "", anchor: str = "start") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}"{c}>{escape(s)}</text>'


def _cut(s: str, n: int) -> str:
    """S shortened to N characters with an ellipsis (the full text is in the tooltip)."""
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _tip(s: str) -> str:
    return f"<title>{escape(s)}</title>"


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, d = [], start.replace(day=1)
    while d <= end:
        out.append(d)
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def stage_colours(report: YearReport) -> dict[str, str]:
    return {sid: PALETTE[i % len(PALETTE)] for i, (sid, _t) in enumerate(report.stages)}


def _diamond(x: float, y: float, r: float, fill: str, stroke: str, tip: str) -> str:
    pts = f"{x},{y - r} {x + r},{y} {x},{y + r} {x - r},{y}"
    return (
        f'<polygon points="{pts}" fill="{fill}" stroke="{stroke}" stroke-width="1.5">'
        f"{_tip(tip)}</polygon>"
    )


def _star(x: float, y: float, r: float, stroke: str, tip: str) -> str:
    import math

    pts = []
    for i in range(10):
        rad = r if i % 2 == 0 else r * 0.45
        a = math.pi / 2 + i * math.pi / 5
        pts.append(f"{x + rad * math.cos(a):.1f},{y - rad * math.sin(a):.1f}")
    return (
        f'<polygon points="{" ".join(pts)}" fill="{DECISION}" stroke="{stroke}" stroke-width="1.2">'
        f"{_tip(tip)}</polygon>"
    )


def _plan_row(p: PlanRoute, y: float, sc: Scale, colours: dict[str, str]) -> list[str]:
    out = [
        f'<g class="plan" data-plan="{p.id}">',
        f'<rect x="0" y="{y}" width="{WIDTH}" height="{PLAN_H}" class="band"/>',
        _text(8, y + 20, _cut(f"{p.id}. {p.subject}", 40), "label"),
        _text(8, y + 38, _cut(f"now: {p.state_title}", 48), "sub"),
    ]
    bar_y = y + 10
    for seg in p.segments:
        x0, x1 = sc.x(seg.start), sc.x(seg.end + dt.timedelta(days=1))
        colour = colours.get(seg.stage, "#607d8b")
        tip = f"{seg.title}: {seg.start.isoformat()} to {seg.end.isoformat()}" + (
            " (now)" if seg.current else ""
        )
        extra = ' stroke-dasharray="4 2" stroke="#333"' if seg.current else ""
        out.append(
            f'<rect x="{x0}" y="{bar_y}" width="{max(x1 - x0, 2):.1f}" height="16" rx="3" '
            f'fill="{colour}" fill-opacity="0.85"{extra}>{_tip(tip)}</rect>'
        )
    gy = y + 38
    for g in p.past:
        if g.date is None:  # a labelled step with no meeting has no place on the time axis
            continue
        x = sc.mid(g.date)
        out.append(_diamond(x, gy, 6, GATE, GATE, f"Passed {g.text()}"))
        out.append(_text(x, gy + 17, g.short or g.label, "tiny", "middle"))
    for g in p.future:
        if g.date is None:
            continue
        x = sc.mid(g.date)
        out.append(_diamond(x, gy, 6, "#ffffff", GATE, f"Next: {g.text()}"))
        out.append(_text(x, gy + 17, g.label, "tiny", "middle"))
    for d in p.deadlines:
        x = sc.mid(d.due)
        dy = y + 30
        if d.missed:
            how = d.standing
            tip = f"{d.title} due {d.due.isoformat()}: {how}; owner {d.owner}"
            out.append(
                f'<g class="missed"><circle cx="{x}" cy="{dy}" r="5" fill="{MISSED}">'
                f"{_tip(tip)}</circle>"
                f'<path d="M{x - 3},{dy - 3} L{x + 3},{dy + 3} '
                f'M{x + 3},{dy - 3} L{x - 3},{dy + 3}" '
                f'stroke="#fff" stroke-width="1.6"/></g>'
            )
        elif d.status == "met":
            tip = f"{d.title} due {d.due.isoformat()}: met" + (
                f" on {d.met_on.isoformat()}" if d.met_on else ""
            )
            out.append(f'<circle cx="{x}" cy="{dy}" r="5" fill="{MET}">{_tip(tip)}</circle>')
        elif d.status == "open":
            tip = f"{d.title} due {d.due.isoformat()}: open; owner {d.owner}"
            out.append(
                f'<circle cx="{x}" cy="{dy}" r="4.5" fill="#fff" stroke="{OPEN}" '
                f'stroke-width="1.5">{_tip(tip)}</circle>'
            )
    for rec in p.decisions:
        x = sc.mid(dt.date.fromisoformat(rec.date))
        who = rec.decision_maker or "?"
        tip = f"Decision {rec.date}: {rec.decision} ({rec.body_name or ''}) by {who}"
        if rec.flags:
            tip += " — FLAG: " + "; ".join(rec.flags)
        out.append(_star(x, y + 8, 7, MISSED if rec.flags else "#5d4037", tip))
    out.append("</g>")
    return out


def year_chart(report: YearReport) -> str:
    """The whole timeline as one ``<svg>`` element (self-contained, no external references)."""
    sc = Scale(report.start, report.end, LABEL_W, WIDTH - LABEL_W - 16)
    colours = stage_colours(report)
    height = HEADER_H + len(report.bodies) * BODY_H + GAP + max(1, len(report.plans)) * PLAN_H + 12
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="year-timeline" class="timeline" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f"aria-label={quoteattr(f'Timeline of {report.title}')}>",
        _tip(f"{report.title}: every plan's route through the year"),
    ]
    for i, m in enumerate(_months(report.start, report.end)):
        x0 = sc.x(m)
        nxt = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        x1 = sc.x(min(nxt, report.end + dt.timedelta(days=1)))
        if i % 2 == 0:
            parts.append(
                f'<rect x="{x0}" y="{HEADER_H - 6}" width="{x1 - x0:.1f}" height="{height}" '
                'class="alt"/>'
            )
        parts.append(f'<line x1="{x0}" y1="{HEADER_H - 18}" x2="{x0}" y2="{height}" class="grid"/>')
        parts.append(_text((x0 + x1) / 2, HEADER_H - 14, f"{m:%b %y}", "month", "middle"))
    y = HEADER_H
    for b in report.bodies:
        parts.append(_text(8, y + 16, _cut(f"{b.short} — {b.name}", 46), "body"))
        gates = set(b.gates)
        for d in b.meetings:
            x = sc.mid(d)
            if d in gates:
                parts.append(
                    _diamond(
                        x,
                        y + 12,
                        6,
                        GATE,
                        GATE,
                        f"{b.short} {d.isoformat()} (a gate of this pathway)",
                    )
                )
            else:
                parts.append(
                    f'<circle cx="{x}" cy="{y + 12}" r="3.5" class="meeting">'
                    f"{_tip(f'{b.short} {d.isoformat()}')}</circle>"
                )
        y += BODY_H
    y += GAP
    parts.append(f'<line x1="0" y1="{y - GAP / 2}" x2="{WIDTH}" y2="{y - GAP / 2}" class="rule"/>')
    if not report.plans:
        parts.append(_text(LABEL_W, y + 30, "No plans have been started on this pathway.", "sub"))
    for p in report.plans:
        parts += _plan_row(p, y, sc, colours)
        y += PLAN_H
    if report.start <= report.today <= report.end:
        x = sc.mid(report.today)
        parts.append(f'<line x1="{x}" y1="{HEADER_H - 20}" x2="{x}" y2="{height}" class="today"/>')
        parts.append(_text(x + 3, 12, f"today {report.today:%d.%m.%y}", "todaylabel"))
    parts.append("</svg>")
    return "\n".join(parts)
