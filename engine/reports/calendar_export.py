"""A plan's or a person's deadlines and gate meetings, from the database, as an iCalendar file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govpath.calendars.ics_export import IcsEvent, export_ics, uid_for
from govpath.store import reports

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.store.reports import CalendarDeadline, MeetingRecord


def plan_calendar(
    conn: Connection, *, plan_id: int | None = None, owner: str | None = None
) -> bytes:
    """The .ics for one plan (``plan_id``) or for everything ``owner`` owns.

    Deadlines that were cancelled are left out; met and missed ones stay (with their status in
    the description), so a re-import shows the year as it went.
    """
    from govpath.errors import NotFound

    if plan_id is not None:
        if not reports.plan_exists(conn, plan_id):
            raise NotFound(f"there is no plan {plan_id}; `govpath plan list` shows the plans.")
        rows = reports.calendar_deadlines(conn, plan_id=plan_id)
        name = f"govpath plan {plan_id}"
    else:
        email = (owner or "").strip().lower()
        rows = reports.calendar_deadlines(conn, owner=email)
        name = f"govpath deadlines for {email}"
    if owner is not None and not rows:
        raise NotFound(f"{owner} owns no deadlines; `govpath plan list` shows who owns which plan.")
    found = {
        m.id: m
        for m in reports.meetings_by_id(
            conn, (r.meeting_id for r in rows if r.meeting_id is not None)
        )
    }
    events = [
        _deadline_event(r, None if r.meeting_id is None else found.get(r.meeting_id)) for r in rows
    ]
    events.extend(_meeting_event(m) for m in found.values())
    return export_ics(events, name)


def _deadline_event(row: CalendarDeadline, meeting: MeetingRecord | None) -> IcsEvent:
    where = f" for {meeting.title or meeting.body} on {meeting.date:%d %B %Y}" if meeting else ""
    lines = [
        f"{row.title}{where}.",
        f"Plan {row.plan_id}: {row.subject} ({row.pathway_id}), stage {row.stage}.",
        f"Rule: {row.rule}. Status: {row.status}.",
    ]
    return IcsEvent(
        uid=uid_for("deadline", row.id),  # the same UID as the e-mail attachment
        summary=f"Due: {row.title} (plan {row.plan_id}, {row.subject})",
        description="\n".join(lines),
        start=row.due,
    )


def _meeting_event(m: MeetingRecord) -> IcsEvent:
    import datetime as dt

    from govpath.zone import council_zone

    start: dt.date | dt.datetime = m.date
    end = None
    if m.time is not None:
        start = dt.datetime.combine(m.date, m.time, tzinfo=council_zone())
        end = start + dt.timedelta(hours=2)
    return IcsEvent(
        uid=uid_for("meeting", m.source, m.source_id),
        summary=m.title or m.body,
        description=f"Meeting of {m.body} ({m.status}).",
        start=start,
        end=end,
        location=m.place or "",
        status="CANCELLED" if m.status == "cancelled" else "CONFIRMED",
    )
