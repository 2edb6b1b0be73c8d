"""A plan's or a person's deadlines and gate meetings, from the database, as an iCalendar file."""

from __future__ import annotations

from typing import Any

from govpath.calendars.ics_export import IcsEvent, export_ics, uid_for


def plan_calendar(conn: Any, *, plan_id: int | None = None, owner: str | None = None) -> bytes:
    """The .ics for one plan (``plan_id``) or for everything ``owner`` owns.

    Deadlines that were cancelled are left out; met and missed ones stay (with their status in
    the description), so a re-import shows the year as it went.
    """
    from sqlalchemy import or_, select

    from govpath.errors import NotFound
    from govpath.store.tables import deadlines, meetings, plans

    query = (
        select(deadlines, plans.c.subject, plans.c.pathway_id, plans.c.owner.label("plan_owner"))
        .select_from(deadlines.join(plans, deadlines.c.plan_id == plans.c.id))
        .where(deadlines.c.status != "cancelled")
        .order_by(deadlines.c.due, deadlines.c.id)
    )
    if plan_id is not None:
        if conn.execute(select(plans.c.id).where(plans.c.id == plan_id)).first() is None:
            raise NotFound(f"there is no plan {plan_id}; `govpath plan list` shows the plans.")
        query = query.where(deadlines.c.plan_id == plan_id)
        name = f"govpath plan {plan_id}"
    else:
        email = (owner or "").strip().lower()
        query = query.where(or_(deadlines.c.owner == email, plans.c.owner == email))
        name = f"govpath deadlines for {email}"
    rows = conn.execute(query).mappings().all()
    if owner is not None and not rows:
        raise NotFound(f"{owner} owns no deadlines; `govpath plan list` shows who owns which plan.")
    meeting_ids = sorted({r["meeting_id"] for r in rows if r["meeting_id"] is not None})
    found = (
        {
            m["id"]: m
            for m in conn.execute(select(meetings).where(meetings.c.id.in_(meeting_ids))).mappings()
        }
        if meeting_ids
        else {}
    )
    events = [_deadline_event(r, found.get(r["meeting_id"])) for r in rows]
    events.extend(_meeting_event(m) for m in found.values())
    return export_ics(events, name)


def _deadline_event(row: Any, meeting: Any) -> IcsEvent:
    where = (
        f" for {meeting['title'] or meeting['body']} on {meeting['date']:%d %B %Y}"
        if meeting
        else ""
    )
    lines = [
        f"{row['title']}{where}.",
        f"Plan {row['plan_id']}: {row['subject']} ({row['pathway_id']}), stage {row['stage']}.",
        f"Rule: {row['rule']}. Status: {row['status']}.",
    ]
    return IcsEvent(
        uid=uid_for("deadline", row["id"]),  # the same UID as the e-mail attachment
        summary=f"Due: {row['title']} (plan {row['plan_id']}, {row['subject']})",
        description="\n".join(lines),
        start=row["due"],
    )


def _meeting_event(m: Any) -> IcsEvent:
    import datetime as dt

    from govpath.zone import council_zone

    start: dt.date | dt.datetime = m["date"]
    end = None
    if m["time"] is not None:
        start = dt.datetime.combine(m["date"], m["time"], tzinfo=council_zone())
        end = start + dt.timedelta(hours=2)
    return IcsEvent(
        uid=uid_for("meeting", m["source"], m["source_id"]),
        summary=m["title"] or m["body"],
        description=f"Meeting of {m['body']} ({m['status']}).",
        start=start,
        end=end,
        location=m["place"] or "",
        status="CANCELLED" if m["status"] == "cancelled" else "CONFIRMED",
    )
