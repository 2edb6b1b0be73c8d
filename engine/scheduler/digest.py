"""Messages made from the calendar itself: papers due for a gate meeting, and the weekly digest.

Papers due: an open deadline whose rule is a papers rule (``agenda-publication`` by default,
``Settings.papers_due_rules``) is the last day a gate meeting's papers can be published. Its owner
gets one ``papers_due`` message at ``reminder_hour`` on the working day ``papers_due_lead`` working
days before it (or at once, if the deadline is created inside that lead): one per deadline and
due date, so a meeting that moves brings a fresh one for the new date.

Weekly digest: on ``digest_day`` from ``digest_hour``, each owner of an open or overdue deadline
gets what is due in the next 14 days, what is overdue and which of their meetings moved in the
last week; every holder of a ``digest_roles`` role gets the same for all plans. One per person
per day; nothing is sent to someone with nothing due, overdue or moved.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, and_, select

from govpath.audit.lateness import standing
from govpath.config import Settings
from govpath.notifications.links import dashboard_link
from govpath.notifications.message import deadline_ics, message_key
from govpath.scheduler.clock import at_local, local, local_date
from govpath.scheduler.compose import deadline_item, deadline_message, row_values
from govpath.scheduler.context import Context, load_deadlines
from govpath.scheduler.outbox import insert_messages
from govpath.store import tables as t

HORIZON_DAYS = 14


def _policy(settings: Settings):
    from govpath.calendars.workdays import get_policy

    return get_policy(settings.working_days)


def papers_due(conn: Connection, now: dt.datetime, settings: Settings, renderer: Any) -> int:
    """Create the papers-due messages whose day has come; returns how many were created."""
    if not settings.papers_due_rules:
        return 0
    today = local_date(now, settings.timezone)
    policy = _policy(settings)
    horizon = policy.add_working_days(today, settings.papers_due_lead)
    d = t.deadlines
    rows = conn.execute(
        select(d.c.id, d.c.plan_id, d.c.owner, d.c.due).where(
            d.c.status == "open",
            d.c.due >= today,
            d.c.due <= horizon,
            d.c.rule.in_(settings.papers_due_rules),
        )
    ).all()
    hour = local(now, settings.timezone).hour
    keys = {}
    for deadline_id, plan_id, owner, due in rows:
        send_day = policy.add_working_days(due, -settings.papers_due_lead)
        if send_day < today or (send_day == today and hour >= settings.reminder_hour):
            keys[message_key(plan_id, deadline_id, "papers_due", owner, due)] = deadline_id
    if keys:  # already made (through the outbox's unique key index, never a scan)
        made = conn.execute(
            select(t.outbox.c.key).where(t.outbox.c.key.in_(sorted(keys)))
        ).scalars()
        for key in made:
            keys.pop(key, None)
    due_ids = sorted(keys.values())
    if not due_ids:
        return 0
    ctx = Context(conn)
    rows: dict[str, dict[str, Any]] = {}
    for _deadline_id, dc in sorted(load_deadlines(conn, ctx, due_ids).items()):
        if dc.plan["closed"]:
            continue
        for person in ctx.resolve(
            "owner", dc
        ):  # the deadline's owner: a person, or a role's holders
            values = deadline_message(
                ctx,
                renderer,
                settings,
                dc,
                kind="papers_due",
                recipient=person,
                day=dc.deadline["due"],
                due_at=now,
                now=now,
                today=today,
            )
            rows[values["key"]] = values
    return insert_messages(conn, list(rows.values()))


def weekly_digest(conn: Connection, now: dt.datetime, settings: Settings, renderer: Any) -> int:
    """Create today's digests (one per Director, one per policy-team member); returns how many."""
    today = local_date(now, settings.timezone)
    d, p, m = t.deadlines, t.plans, t.meetings
    live = and_(p.c.closed_at.is_(None), p.c.state == d.c.stage)
    rows = conn.execute(
        select(d.c.id, d.c.status, d.c.due, d.c.owner, d.c.meeting_id)
        .join(p, p.c.id == d.c.plan_id)
        .where(
            ((d.c.status == "open") & (d.c.due <= today + dt.timedelta(days=HORIZON_DAYS)))
            | ((d.c.status == "missed") & live)
        )
    ).all()
    week_ago = at_local(today - dt.timedelta(days=7), 0, settings.timezone)  # since last digest day
    moved = (
        conn.execute(
            select(m).where(m.c.status == "moved", m.c.updated_at >= week_ago).order_by(m.c.date)
        )
        .mappings()
        .all()
    )
    ctx = Context(conn)
    unheld = _unheld_escalations(conn, ctx, week_ago)
    policy = _policy(settings)
    met_late = _met_late(conn, week_ago, policy)
    contexts = load_deadlines(conn, ctx, [r.id for r in rows])
    items: dict[str, dict[str, list]] = defaultdict(lambda: {"due": [], "overdue": [], "ids": []})
    everyone: dict[str, list] = {"due": [], "overdue": [], "ids": []}
    for r in sorted(rows, key=lambda r: (r.due, r.id)):
        dc = contexts[r.id]
        item = {
            "due": r.due,
            "title": dc.deadline["title"],
            "plan_id": dc.plan["id"],
            "subject": dc.plan["subject"],
            "owner": r.owner,
            "owner_name": dc.deadline["owner_name"],
            "meeting": f"{dc.meeting['title']} on {dc.meeting['date']}" if dc.meeting else "",
        }
        bucket = "overdue" if r.status == "missed" or r.due < today else "due"
        if bucket == "overdue":
            item["standing"] = standing("missed", r.due, None, policy, today).text
        for target in [*(items[p] for p in ctx.resolve("owner", dc)), everyone]:
            target[bucket].append(item)
            target["ids"].append(r.id)
    moved_items = [
        {
            "id": x["id"],
            "title": x["title"] or x["body"],
            "date": x["date"],
            "original_date": x["original_date"],
        }
        for x in moved
    ]
    recipients: list[tuple[str, str, dict[str, list]]] = [
        (o, "own", v) for o, v in sorted(items.items())
    ]
    for role in settings.digest_roles:
        for email in ctx.members(role):
            recipients.append((email, "all", everyone))
    undelivered = _undelivered(conn, week_ago) if settings.digest_roles else []
    rows: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str]] = set()
    for email, scope, data in recipients:
        if (email, scope) in seen:
            continue
        seen.add((email, scope))
        ids = set(data["ids"])
        mine = [
            x
            for x in moved_items
            if scope == "all" or any(contexts[i].deadline["meeting_id"] == x["id"] for i in ids)
        ]
        context = {
            "recipient": {"email": email, "name": ctx.name(email)},
            "today": today,
            "scope": scope,
            "due": data["due"],
            "overdue": data["overdue"],
            "moved": mine,
            "horizon_days": HORIZON_DAYS,
            "unheld": unheld if scope == "all" else [],
            "council": settings.council_name,
            "met_late": [x for x in met_late if scope == "all" or x["owner"] == email],
            "link": dashboard_link(settings.base_url),
            "undelivered": undelivered if scope == "all" else [],
        }
        if not (
            data["due"]
            or data["overdue"]
            or mine
            or context["unheld"]
            or context["met_late"]
            or context["undelivered"]
        ):
            continue  # nothing to say this week
        subject, text, html = renderer.render_kind("digest", context)
        due_ids = [i for i in sorted(ids) if contexts[i].deadline["status"] == "open"]
        ics = (
            deadline_ics([deadline_item(contexts[i]) for i in due_ids], name="govpath deadlines")
            if due_ids
            else ""
        )
        key = message_key(None, None, f"digest-{scope}", email, today)
        values = row_values(
            key=key,
            kind="digest",
            plan_id=None,
            deadline_id=None,
            recipient=email,
            subject=subject,
            text=text,
            html=html,
            ics=ics,
            due_at=at_local(today, settings.digest_hour, settings.timezone),
            late=False,
            now=now,
        )
        rows[values["key"]] = values
    return insert_messages(conn, list(rows.values()))


def _unheld_escalations(conn: Connection, ctx: Context, since: dt.datetime) -> list[dict]:
    """Escalations of the last week that went to nobody: their role is held by no one."""
    from govpath.store.tables import audit_events as ev

    found = []
    for r in conn.execute(
        select(ev.c.plan_id, ev.c.data, ev.c.at, t.plans.c.subject)
        .join(t.plans, t.plans.c.id == ev.c.plan_id)
        .where(ev.c.kind == "escalation_unheld", ev.c.at >= since)
        .order_by(ev.c.seq)
    ).all():
        data = r.data
        while isinstance(data, str):
            data = json.loads(data)
        role = str(data.get("to", "")).removeprefix("role:")
        found.append(
            {
                "title": data.get("title") or data.get("deadline"),
                "due": data.get("due"),
                "plan_id": r.plan_id,
                "subject": r.subject,
                "role": role.replace("_", " "),
            }
        )
    return found


def _met_late(conn: Connection, since: dt.datetime, policy: Any) -> list[dict]:
    """Deadlines met in the last week after their day: "met late", by how much."""
    from govpath.audit.lateness import standing
    from govpath.store.db import as_utc

    d, p = t.deadlines, t.plans
    out = []
    for r in conn.execute(
        select(d.c.title, d.c.due, d.c.met_at, d.c.owner, p.c.id, p.c.subject, p.c.owner)
        .join(p, p.c.id == d.c.plan_id)
        .where(d.c.status == "met", d.c.met_at >= since)
        .order_by(d.c.due, d.c.id)
    ).all():
        s = standing("met", r[1], as_utc(r[2]), policy)
        if s.label == "met late":
            out.append(
                {
                    "title": r[0],
                    "due": r[1],
                    "plan_id": r[4],
                    "subject": r[5],
                    "owner": r[6],
                    "standing": s.text,
                    "met_on": s.met_on,
                }
            )
    return out


def _undelivered(conn: Connection, since: dt.datetime, limit: int = 50) -> list[dict[str, Any]]:
    """Messages due since SINCE that could not be delivered, with the mail server's words."""
    o = t.outbox
    rows = conn.execute(
        select(o.c.id, o.c.recipient, o.c.subject, o.c.last_error)
        .where(o.c.status == "failed", o.c.kind != "digest", o.c.due_at >= since)
        .order_by(o.c.id)
        .limit(limit)
    ).all()
    return [
        {"id": r.id, "to": r.recipient, "subject": r.subject, "error": r.last_error or ""}
        for r in rows
    ]
