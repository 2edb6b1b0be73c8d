"""Compose an outbox row for one message: render templates, check headers, attach the deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from govpath.calendars.ics_export import IcsEvent, uid_for
from govpath.config import Settings
from govpath.notifications.links import plan_link
from govpath.notifications.message import (
    HeaderInjection,
    check_address,
    check_header,
    deadline_ics,
    message_id,
    message_key,
)
from govpath.notifications.render import Renderer
from govpath.scheduler.context import Context, DeadlineContext


def deadline_item(dc: DeadlineContext) -> IcsEvent:
    """The deadline as a calendar entry: all day on its due date, with the UID `calendar export`
    gives the same deadline row, so importing both never shows it twice."""
    d, p, m = dc.deadline, dc.plan, dc.meeting
    where = f" for {m['title']} on {m['date']}" if m else ""
    what = d["action"] or d["title"]
    return IcsEvent(
        uid=uid_for("deadline", d["id"]),
        summary=f"Due: {d['title']} (plan {p['id']}, {p['subject']})",
        description=f"{what}{where}. Plan {p['id']} ({p['pathway']}), owner {p['owner']}.",
        start=d["due"],
        location=(m or {}).get("place", "") or "",
    )


def row_values(
    *,
    key: str,
    kind: str,
    plan_id: int | None,
    deadline_id: int | None,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    ics: str,
    due_at: dt.datetime,
    late: bool,
    now: dt.datetime,
) -> dict[str, Any]:
    """The outbox row; refused headers become a failed row that says why (nothing is sent)."""
    values: dict[str, Any] = {
        "key": key,
        "message_id": message_id(key),
        "plan_id": plan_id,
        "deadline_id": deadline_id,
        "kind": kind,
        "recipient": recipient,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "ics": ics,
        "due_at": due_at,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "late": late,
        "created_at": now,
    }
    try:
        check_address("recipient", recipient)
        check_header("subject", subject)
    except HeaderInjection as exc:
        values.update(
            status="failed",
            last_error=str(exc),
            next_attempt_at=None,
            recipient=recipient.replace("\r", "\\r").replace("\n", "\\n")[:320],
            subject=subject.replace("\r", "\\r").replace("\n", "\\n"),
        )
    return values


def _role_name(definition: dict[str, Any], role: str) -> str:
    for r in definition.get("roles", []) or []:
        if r.get("id") == role:
            return str(r.get("name") or role.replace("_", " "))
    return role.replace("_", " ")


def _their(action: str) -> str:
    """An instruction to the owner, as said about them: 'Send your plan.' -> 'send their plan'."""
    text = action.strip().rstrip(".")
    if not text:
        return ""
    words = [{"your": "their", "you": "they", "Your": "Their"}.get(w, w) for w in text.split(" ")]
    first = words[0]
    words[0] = first[:1].lower() + first[1:] if not first[1:2].isupper() else first
    return " ".join(words)


def wording(
    ctx: Context, settings: Settings, dc: DeadlineContext, recipient: str
) -> dict[str, Any]:
    """What the templates need to speak to RECIPIENT in plain English, by name and title.

    ``responsible``: who must do the work (a person's name, or the role's name, e.g. "the
    Policy and Strategic Relationships team"); ``to_responsible``: whether the message is to
    them (else it is to their manager or another role, about their deadline); ``instruction``:
    the deadline's action as an imperative sentence; ``outstanding``: the same said about them
    ("Fiona Hollis still has to send their division's…"). ``pathway_title`` and ``council``
    name the plan's pathway and the council without ids.
    """
    definition = ctx.definition(dc.plan["version_id"]) or {}
    owner = dc.deadline["owner"]
    if owner.startswith("role:"):
        responsible = "the " + _role_name(definition, owner[5:])
        to_responsible = recipient in ctx.members(owner[5:])
    else:
        responsible = ctx.name(owner)
        to_responsible = recipient == owner
    owner_roles = [] if owner.startswith("role:") else ctx.roles(owner)
    responsible_title = _role_name(definition, owner_roles[0]) if owner_roles else ""
    action = (dc.deadline.get("action") or "").strip().rstrip(".")
    instruction = f"{action}." if action else f'Complete "{dc.deadline["title"]}" and record it.'
    doing = _their(action) or f'complete "{dc.deadline["title"]}"'
    return {
        "council": settings.council_name,
        "pathway_title": definition.get("title") or "",
        "responsible": responsible,
        "Responsible": responsible[:1].upper() + responsible[1:],  # to begin a sentence
        "responsible_title": responsible_title,
        "to_responsible": to_responsible,
        "instruction": instruction,
        "outstanding": f"{responsible[:1].upper() + responsible[1:]} still has to {doing}.",
    }


def deadline_message(
    ctx: Context,
    renderer: Renderer,
    settings: Settings,
    dc: DeadlineContext,
    *,
    kind: str,
    recipient: str,
    day: dt.date,
    due_at: dt.datetime,
    now: dt.datetime,
    today: dt.date,
    late: bool = False,
    collapsed: int = 1,
    level: int = 0,
) -> dict[str, Any]:
    """A reminder, escalation or papers-due message about DC for RECIPIENT, keyed by DAY."""
    key = message_key(dc.plan["id"], dc.deadline["id"], kind, recipient, day)
    context = {
        "recipient": {"email": recipient, "name": ctx.name(recipient)},
        "plan": dc.plan,
        "deadline": dc.deadline,
        "meeting": dc.meeting,
        "late": late,
        "collapsed": collapsed,
        "level": level,
        "today": today,
        "days_left": (dc.deadline["due"] - today).days,
        **wording(ctx, settings, dc, recipient),
        "link": plan_link(settings.base_url, dc.plan["id"]),
    }
    subject, text, html = renderer.render_kind(kind, context)
    ics = deadline_ics([deadline_item(dc)], name=f"govpath plan {dc.plan['id']}")
    return row_values(
        key=key,
        kind=kind,
        plan_id=dc.plan["id"],
        deadline_id=dc.deadline["id"],
        recipient=recipient,
        subject=subject,
        text=text,
        html=html,
        ics=ics,
        due_at=due_at,
        late=late,
        now=now,
    )
