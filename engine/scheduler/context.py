"""What a message needs to say, read in batched queries: deadlines, plans, meetings, people."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govpath.store import scheduler_context as store

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.store.scheduler_context import Meeting


@dataclass
class DeadlineContext:
    """One deadline with its plan, meeting and the action text from the pathway definition."""

    deadline: dict[str, Any]
    plan: dict[str, Any]
    meeting: dict[str, Any] | None


@dataclass
class Context:
    """Caches for one sweep: definitions by pathway version, people by e-mail and role."""

    conn: Connection
    definitions: dict[int, dict[str, Any]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    role_members: dict[str, list[str]] = field(default_factory=dict)
    managers: dict[str, str | None] = field(default_factory=dict)
    roles_of: dict[str, list[str]] = field(default_factory=dict)

    def definition(self, version_id: int) -> dict[str, Any]:
        if version_id not in self.definitions:
            text = store.definition_text(self.conn, version_id)
            try:
                self.definitions[version_id] = json.loads(text) if text else {}
            except ValueError:
                self.definitions[version_id] = {}
        return self.definitions[version_id]

    def load_people(self, emails: Iterable[str]) -> None:
        wanted = {e for e in emails if e and e not in self.names and not e.startswith("role:")}
        if not wanted:
            return
        found = store.people(self.conn, sorted(wanted))
        for person in found:
            self.names[person.email] = person.name
            self.managers[person.email] = person.reports_to
        for email in wanted - {person.email for person in found}:
            self.names[email] = email.split("@")[0]
            self.managers[email] = None

    def name(self, email: str) -> str:
        """A person's name; for a role ('role:ROLE'), the holders of the role."""
        if email.startswith("role:"):
            return f"{email[5:].replace('_', ' ')} (role)"
        self.load_people([email])
        return self.names[email]

    def members(self, role: str) -> list[str]:
        """E-mails of everyone holding ROLE, sorted."""
        if role not in self.role_members:
            self.role_members[role] = store.role_members(self.conn, role)
        return self.role_members[role]

    def roles(self, email: str) -> list[str]:
        if email not in self.roles_of:
            self.roles_of[email] = sorted(store.roles_of(self.conn, email))
        return self.roles_of[email]

    def resolve(self, recipient: str, dc: DeadlineContext) -> list[str]:
        """The e-mails a notice's recipient names: an address, 'owner', 'role:ROLE', 'manager',
        or 'escalates_to' (the manager of the owner, else holders of the role above the owner's)."""
        owner = dc.plan["owner"]
        if recipient.startswith("role:"):
            return self.members(recipient[5:])
        if recipient == "owner":
            named = dc.deadline["owner"]
            return self.resolve(named, dc) if named and named != "owner" else [owner]
        if recipient in ("manager", "reports_to", "escalates_to"):
            self.load_people([owner])
            manager = self.managers.get(owner)
            if manager:
                return [manager]
            if recipient == "escalates_to":
                roles = {
                    r.get("id"): r for r in self.definition(dc.plan["version_id"]).get("roles", [])
                }
                for role in self.roles(owner):
                    above = (roles.get(role) or {}).get("escalates_to")
                    if above:
                        return self.members(above)
            return []
        return [recipient]


def load_deadlines(
    conn: Connection, ctx: Context, ids: Iterable[int]
) -> dict[int, DeadlineContext]:
    """Deadline contexts by id, in three queries however many deadlines there are."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    drows = store.deadline_rows(conn, wanted)
    prows = store.plan_summaries(conn, sorted({r.plan_id for r in drows}))
    meeting_ids = sorted({r.meeting_id for r in drows if r.meeting_id is not None})
    mrows = store.meetings_by_id(conn, meeting_ids) if meeting_ids else {}
    ctx.load_people({r.owner for r in drows} | {r.owner for r in prows.values()})
    out: dict[int, DeadlineContext] = {}
    for r in drows:
        plan = prows[r.plan_id]
        definition = ctx.definition(plan.pathway_version_id)
        stage, action = _stage_and_action(definition, r.stage, r.name)
        if not action and r.carried_from:  # carried on: its own stage says what to do
            action = _stage_and_action(definition, r.carried_from, r.name)[1]
        meeting = mrows.get(r.meeting_id) if r.meeting_id is not None else None
        out[r.id] = DeadlineContext(
            deadline={
                "id": r.id,
                "name": r.name,
                "title": r.title,
                "due": r.due,
                "rule": r.rule,
                "stage": r.stage,
                "stage_title": stage or r.stage,
                "status": r.status,
                "action": action,
                "owner": r.owner,
                "owner_name": ctx.name(r.owner),
                "escalation_level": r.escalation_level,
                "meeting_id": r.meeting_id,
            },
            plan={
                "id": plan.id,
                "subject": plan.subject,
                "pathway": plan.pathway_id,
                "owner": plan.owner,
                "owner_name": ctx.name(plan.owner),
                "state": plan.state,
                "version_id": plan.pathway_version_id,
                "closed": plan.closed_at is not None,
            },
            meeting=_meeting(meeting) if meeting is not None else None,
        )
    return out


def _meeting(row: Meeting) -> dict[str, Any]:
    """A meeting as the templates show it: its title (or body), start time as HH:MM, place."""
    time = row.time
    return {
        "id": row.id,
        "body": row.body,
        "title": row.title or row.body,
        "date": row.date,
        "time": time.strftime("%H:%M") if isinstance(time, dt.time) else (time or ""),
        "place": row.place or "",
        "status": row.status,
        "original_date": row.original_date,
    }


def _stage_and_action(
    definition: dict[str, Any], stage_id: str, deadline_id: str
) -> tuple[str, str]:
    for stage in definition.get("stages", []) or []:
        if stage.get("id") == stage_id:
            for d in stage.get("deadlines", []) or []:
                if d.get("id") == deadline_id:
                    return stage.get("title", ""), (d.get("action") or "").rstrip(". ")
            return stage.get("title", ""), ""
    return "", ""
