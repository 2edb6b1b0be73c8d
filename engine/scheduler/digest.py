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
from typing import TYPE_CHECKING, Any

from govpath.audit.lateness import standing
from govpath.config import Settings
from govpath.notifications.links import dashboard_link
from govpath.notifications.message import deadline_ics, message_key
from govpath.scheduler.clock import at_local, local, local_date
from govpath.scheduler.compose import deadline_item, deadline_message, row_values
from govpath.scheduler.context import Context, load_deadlines
from govpath.store import digest as store
from govpath.store.outbox import existing_keys, insert_messages, undelivered

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.calendars.workdays import WorkingDayPolicy
    from govpath.notifications.render import Renderer

HORIZON_DAYS = 14


def _policy(settings: Settings) -> WorkingDayPolicy:
    from govpath.calendars.workdays import get_policy

    return get_policy(settings.working_days)


def papers_due(conn: Connection, now: dt.datetime, settings: Settings, renderer: Renderer) -> int:
    """Create the papers-due messages whose day has come; returns how many were created."""
    if not settings.papers_due_rules:
        return 0
    today = local_date(now, settings.timezone)
    policy = _policy(settings)
    horizon = policy.add_working_days(today, settings.papers_due_lead)
    candidates = store.papers_deadlines(conn, list(settings.papers_due_rules), today, horizon)
    hour = local(now, settings.timezone).hour
    keys: dict[str, int] = {}
    for c in candidates:
        send_day = policy.add_working_days(c.due, -settings.papers_due_lead)
        if send_day < today or (send_day == today and hour >= settings.reminder_hour):
            keys[message_key(c.plan_id, c.id, "papers_due", c.owner, c.due)] = c.id
    for key in existing_keys(conn, keys):  # already made
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


def weekly_digest(
    conn: Connection, now: dt.datetime, settings: Settings, renderer: Renderer
) -> int:
    """Create today's digests (one per Director, one per policy-team member); returns how many."""
    today = local_date(now, settings.timezone)
    listed = store.digest_deadlines(conn, today + dt.timedelta(days=HORIZON_DAYS))
    week_ago = at_local(today - dt.timedelta(days=7), 0, settings.timezone)  # since last digest day
    moved = store.moved_meetings(conn, week_ago)
    ctx = Context(conn)
    unheld = _unheld_escalations(conn, week_ago)
    policy = _policy(settings)
    met_late = _met_late(conn, week_ago, policy)
    contexts = load_deadlines(conn, ctx, [r.id for r in listed])
    items: dict[str, dict[str, list[Any]]] = defaultdict(
        lambda: {"due": [], "overdue": [], "ids": []}
    )
    everyone: dict[str, list[Any]] = {"due": [], "overdue": [], "ids": []}
    for r in sorted(listed, key=lambda r: (r.due, r.id)):
        dc = contexts[r.id]
        item: dict[str, Any] = {
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
            "id": x.id,
            "title": x.title or x.body,
            "date": x.date,
            "original_date": x.original_date,
        }
        for x in moved
    ]
    recipients: list[tuple[str, str, dict[str, list[Any]]]] = [
        (o, "own", v) for o, v in sorted(items.items())
    ]
    for role in settings.digest_roles:
        for email in ctx.members(role):
            recipients.append((email, "all", everyone))
    failed = _undelivered(conn, week_ago) if settings.digest_roles else []
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
            "undelivered": failed if scope == "all" else [],
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


def _unheld_escalations(conn: Connection, since: dt.datetime) -> list[dict[str, Any]]:
    """Escalations of the last week that went to nobody: their role is held by no one."""
    found = []
    for r in store.unheld_escalations(conn, since):
        data: Any = r.data
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


def _met_late(
    conn: Connection, since: dt.datetime, policy: WorkingDayPolicy
) -> list[dict[str, Any]]:
    """Deadlines met in the last week after their day: "met late", by how much."""
    out = []
    for r in store.met_since(conn, since):
        s = standing("met", r.due, r.met_at, policy)
        if s.label == "met late":
            out.append(
                {
                    "title": r.title,
                    "due": r.due,
                    "plan_id": r.plan_id,
                    "subject": r.subject,
                    "owner": r.plan_owner,
                    "standing": s.text,
                    "met_on": s.met_on,
                }
            )
    return out


def _undelivered(conn: Connection, since: dt.datetime, limit: int = 50) -> list[dict[str, Any]]:
    """Messages due since SINCE that could not be delivered, with the mail server's words."""
    return [
        {"id": r.id, "to": r.recipient, "subject": r.subject, "error": r.last_error or ""}
        for r in undelivered(conn, since, limit)
    ]
