"""A resolved timeline as JSON, a what-if comparison of two timelines, and its calendar events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from govpath.calendars.ics_export import IcsEvent, uid_for
from govpath.calendars.meetings import Meeting
from govpath.calendars.timeline import ResolvedDeadline, Timeline


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


def meeting_json(m: Meeting | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {
        "body": m.body,
        "date": m.date.isoformat(),
        "time": m.time.strftime("%H:%M") if m.time else None,
        "title": m.title,
        "status": m.status,
        "place": m.place,
    }


def deadline_json(d: ResolvedDeadline) -> dict[str, Any]:
    return {
        "id": d.id,
        "title": d.title,
        "rule": d.rule,
        "anchor": d.anchor,
        "anchor_date": _iso(d.anchor_date),
        "due": _iso(d.due),
        "owner": d.owner,
        "met_by": d.met_by,
        "reminders": [r.on.isoformat() for r in d.reminders],
        "reminders_detail": [
            {"date": r.on.isoformat(), "at": r.at.isoformat(), "to": list(r.to)}
            for r in d.reminders
        ],
        "escalations": [e.on.isoformat() for e in d.escalations],
        "escalations_detail": [
            {"date": e.on.isoformat(), "at": e.at.isoformat(), "to": e.to, "level": e.level}
            for e in d.escalations
        ],
        "infeasible": d.infeasible,
        "problems": list(d.problems),
    }


def timeline_json(t: Timeline) -> dict[str, Any]:
    """The timeline as ``govpath timeline --json`` prints it."""
    return {
        "pathway": t.pathway_id,
        "today": _iso(t.today),
        "stages": [
            {
                "id": s.stage,
                "title": s.title,
                "gate": meeting_json(s.gate),
                "gate_text": s.gate_text,
                "window": {"start": s.window[0].isoformat(), "end": s.window[1].isoformat()}
                if s.window
                else None,
                "deadlines": [deadline_json(d) for d in s.deadlines],
                "problems": list(s.problems),
            }
            for s in t.stages
        ],
        "problems": [
            {"stage": p.stage, "deadline": p.deadline, "kind": p.kind, "message": p.message}
            for p in t.problems
        ],
    }


def compare(before: Timeline, after: Timeline) -> list[dict[str, Any]]:
    """Deadlines whose due date or feasibility differs between two timelines of one pathway.

    Each item: ``deadline``, ``stage``, ``before``, ``after`` (ISO dates or null), ``moved_days``
    (calendar days, null when either date is unknown) and ``infeasible_now``.
    """
    out: list[dict[str, Any]] = []
    for s in before.stages:
        for d in s.deadlines:
            try:
                a = after.deadline(s.stage, d.id)
            except StopIteration:
                continue
            if a.due == d.due and a.infeasible == d.infeasible:
                continue
            moved = (a.due - d.due).days if a.due is not None and d.due is not None else None
            out.append(
                {
                    "deadline": d.id,
                    "stage": s.stage,
                    "before": _iso(d.due),
                    "after": _iso(a.due),
                    "moved_days": moved,
                    "infeasible_now": a.infeasible or a.due is None,
                    "problems": list(a.problems),
                }
            )
    return out


def timeline_events(t: Timeline, body_names: dict[str, str] | None = None) -> list[IcsEvent]:
    """Gate meetings (timed, or all-day when the time is unknown) and deadlines (all-day)."""
    names = body_names or {}
    events: list[IcsEvent] = []
    seen: set[str] = set()
    for s in t.stages:
        m = s.gate
        if m is not None:
            uid = uid_for("meeting", m.body, m.date.isoformat())
            if uid not in seen:
                seen.add(uid)
                start: dt.date | dt.datetime = (
                    dt.datetime.combine(m.date, m.time) if m.time else m.date
                )
                events.append(
                    IcsEvent(
                        uid,
                        m.title or names.get(m.body, m.body),
                        f"Gate of '{s.title}' ({t.pathway_id}).",
                        start,
                        location=m.place,
                        status="CANCELLED" if m.cancelled else "CONFIRMED",
                    )
                )
        for d in s.deadlines:
            if d.due is None:
                continue
            note = f"{d.rule} ({d.anchor} {_iso(d.anchor_date)}). Stage: {s.title}."
            if d.infeasible:
                note += " INFEASIBLE: " + "; ".join(d.problems)
            events.append(
                IcsEvent(
                    uid_for("deadline", t.pathway_id, s.stage, d.id),
                    d.title,
                    note,
                    d.due,
                )
            )
    return events
