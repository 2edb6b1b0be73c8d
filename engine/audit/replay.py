"""Replay the trail and compare what it says with the plans, deadlines and roles in the database.

Everything the trail records is replayed in ``seq`` order: a plan's stage, version and fields
(``plan_started``, ``transition``, ``migration``), the deadlines met (a transition's
``deadlines_met``) and missed (``deadline_missed``), and each person's roles (``actor_added``,
whose last event holds them all). ``check_state`` lists every disagreement as one sentence; an
empty list means the database says what its trail says.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govpath.store.trail_reads import deadlines_now, plans_now, replay_events, roles_held

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass
class PlanState:
    """A plan as the trail tells it."""

    state: str | None = None
    version: int = 1
    fields: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None
    subject: str | None = None


@dataclass
class Replayed:
    """Everything the trail says about the current state."""

    plans: dict[int, PlanState] = field(default_factory=dict)
    met: dict[int, dt.datetime] = field(default_factory=dict)  # deadline id -> met at
    missed: set[int] = field(default_factory=set)  # deadline ids
    roles: dict[str, set[str]] = field(default_factory=dict)  # e-mail -> roles


def replay(conn: Connection) -> Replayed:
    """Read the trail's state-bearing events in ``seq`` order and apply them."""
    out = Replayed()
    for event in replay_events(conn):
        kind, plan_id, to_state = event.kind, event.plan_id, event.to_state
        data = json.loads(event.data or "{}")
        if kind == "actor_added":
            out.roles[data["email"]] = set(data.get("roles", []))
        elif kind == "deadline_missed":
            if data.get("deadline_id") is not None:
                out.missed.add(int(data["deadline_id"]))
        elif plan_id is None:  # a plan's event always names its plan
            continue
        elif kind == "plan_started":
            out.plans[plan_id] = PlanState(to_state, 1, {}, data.get("owner"), data.get("subject"))
        else:  # transition | migration
            plan = out.plans.setdefault(plan_id, PlanState())
            plan.state = to_state
            plan.version = int(data.get("plan_version", plan.version + 1))
            plan.fields.update(data.get("fields", {}))
            for d in data.get("deadlines_met", []):
                out.met[int(d["deadline_id"])] = event.at  # aware UTC, as every timestamp is read
    return out


def _plan_findings(conn: Connection, said: Replayed) -> list[str]:
    found: list[str] = []
    seen: set[int] = set()
    for p in plans_now(conn):
        seen.add(p.id)
        trail = said.plans.get(p.id)
        if trail is None:
            found.append(f"plan {p.id} is in the database but the trail never started it")
            continue
        if p.state != trail.state:
            found.append(f"plan {p.id} is in stage '{p.state}', the trail says '{trail.state}'")
        if p.version != trail.version:
            found.append(f"plan {p.id} is at version {p.version}, the trail says {trail.version}")
        fields = json.loads(p.fields or "{}")
        for name in sorted(set(fields) | set(trail.fields)):
            if fields.get(name) != trail.fields.get(name):
                found.append(
                    f"plan {p.id} field '{name}' is {fields.get(name)!r}, the trail says "
                    f"{trail.fields.get(name)!r}"
                )
        if trail.owner is not None and p.owner != trail.owner:
            found.append(f"plan {p.id} is owned by {p.owner}, the trail says {trail.owner}")
    for pid in sorted(set(said.plans) - seen):
        found.append(f"plan {pid} is in the trail but missing from the database")
    return found


def _deadline_findings(conn: Connection, said: Replayed) -> list[str]:
    """Met and missed deadlines against the trail (the rules for other statuses live here)."""
    found: list[str] = []
    for r in deadlines_now(conn):
        name = f"deadline {r.id} ('{r.name}' of plan {r.plan_id})"
        if r.id in said.met:
            when = said.met[r.id]
            if r.status != "met":
                found.append(f"{name} is {r.status}, the trail says it was met")
            elif r.met_at is None or r.met_at != when:
                found.append(f"{name} was met at {r.met_at}, the trail says {when.isoformat()}")
        elif r.id in said.missed:
            if r.status != "missed":
                found.append(f"{name} is {r.status}, the trail says it was missed")
        elif r.status in ("met", "missed"):
            found.append(f"{name} is {r.status}, but the trail never recorded it so")
    return found


def _role_findings(conn: Connection, said: Replayed) -> list[str]:
    held = roles_held(conn)
    found: list[str] = []
    for email in sorted(held):
        if email not in said.roles:
            found.append(f"{email} is a registered person, but the trail never added them")
            continue
        extra, lost = held[email] - said.roles[email], said.roles[email] - held[email]
        if extra:
            found.append(
                f"{email} holds role(s) {', '.join(sorted(extra))} the trail never granted"
            )
        if lost:
            found.append(f"{email} lacks role(s) {', '.join(sorted(lost))} the trail granted")
    for email in sorted(set(said.roles) - set(held)):
        found.append(f"{email} is in the trail but missing from the database")
    return found


def check_state(conn: Connection) -> list[str]:
    """Every disagreement between the database's plans, deadlines and roles and the trail."""
    said = replay(conn)
    return _plan_findings(conn, said) + _deadline_findings(conn, said) + _role_findings(conn, said)
