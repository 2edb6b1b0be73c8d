"""What one person may see and do: a plan's status for them, and the plans that are theirs to act on.

The same rule ``plan advance`` enforces (:mod:`govpath.runtime.roles`): a Director acts on the
plans they own, a Corporate Director on those of people who report to them, a council-wide role
(policy team, Democratic Services, auditor…) on every plan. The web pages ask here and nowhere
else, so a form is offered exactly when the runtime would let it fire.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from govpath.errors import NotFound
from govpath.runtime import roles
from govpath.runtime.api import plan_status
from govpath.runtime.snapshot import owner_scope
from govpath.store import visibility as store
from govpath.store.plans import Actor, PlanRow, load_plan_actor, pathway_for, reports_chain

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from govpath.definition.compiler import CompiledPathway
    from govpath.definition.model import Pathway, PlanUnit


def plan_status_for(
    engine: Engine, plan_id: int, email: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """``plan_status`` as EMAIL sees it, or NotFound when they may not see the plan.

    Adds ``acting_roles`` (the roles they act in for this plan) and, on each of ``available``,
    ``allowed``: whether they may fire it now as far as roles go (content and guards are the
    runtime's to check when it fires). ``mine`` lists just the allowed ones.
    """
    email = email.strip().lower()
    with engine.connect() as conn:
        plan, who = load_plan_actor(conn, plan_id, email)
        pathway, compiled = pathway_for(conn, plan.content_hash)
        acting = _acting(conn, compiled, plan, who)
    if not acting:
        raise NotFound(f"There is no plan {plan_id} that you can see.")
    status = plan_status(engine, plan_id, now=now)
    for way in status["available"]:
        way["allowed"] = bool(acting & set(way["roles"])) and not status["closed"]
    status["acting_roles"] = sorted(acting)
    status["content_titles"] = {c.id: c.title for c in pathway.content}
    status["mine"] = [w for w in status["available"] if w["allowed"]]
    return status


def _acting(
    conn: Connection, compiled: CompiledPathway, plan: PlanRow, who: Actor | None
) -> set[str]:
    if who is None:
        return set()
    return roles.acting_roles(
        compiled.pathway,
        plan.subject,
        plan.owner,
        who.email,
        who.roles,
        lambda: reports_chain(conn, plan.owner),
        scope=owner_scope(compiled, plan.subject),
    )


def scoped_roles(engine: Engine) -> set[str]:
    """Roles that act only on some plans (every pathway's owner roles and their managers)."""
    out: set[str] = set()
    with engine.connect() as conn:
        for version in store.published_versions(conn):
            pathway, _compiled = pathway_for(conn, version.content_hash)
            owners = {roles.owner_role(pathway, u.subject) for u in _units(pathway)}
            owners.add(roles.owner_role(pathway, ""))
            for own in owners:
                if own is None:
                    continue
                out.add(own)
                manager = roles.manager_role(pathway, own)
                if manager:
                    out.add(manager)
    return out


def _units(pathway: Pathway) -> list[PlanUnit]:
    fan = pathway.fan_out
    return list(fan.units) if fan is not None and fan.units else []


def reports_under(engine: Engine, email: str) -> set[str]:
    """Everyone who reports to EMAIL, directly or through others."""
    with engine.connect() as conn:
        manager_of = store.managers(conn)
    under: dict[str, list[str]] = {}
    for person, manager in manager_of.items():
        under.setdefault(manager, []).append(person)
    found: set[str] = set()
    todo = [email]
    while todo:
        for person in under.get(todo.pop(), []):
            if person not in found:
                found.add(person)
                todo.append(person)
    return found


def task_plans(engine: Engine, email: str, held: set[str], limit: int = 500) -> list[int]:
    """The open plans EMAIL owns or acts for: their own, their reports', and those waiting on a
    council-wide role they hold (plans whose stage has a transition needing it). Newest first."""
    email = email.strip().lower()
    owners = {email} | reports_under(engine, email)
    wide = set(held) - scoped_roles(engine)
    waiting: dict[int, set[str]] = {}  # version id -> the stages waiting on a wide role
    if wide:
        with engine.connect() as conn:
            for version in store.published_versions(conn):
                pathway, _c = pathway_for(conn, version.content_hash)
                states = {s for t in pathway.transitions if wide & set(t.roles) for s in t.source}
                if states:
                    waiting[version.id] = states
    with engine.connect() as conn:
        return store.open_plans_for(conn, owners, waiting, limit)


def fields_for(engine: Engine, plan_id: int, email: str, trigger: str) -> list[str]:
    """The content ids TRIGGER takes on the plan now (empty for an unknown trigger), for a person
    who may see the plan; NotFound for one who may not (nothing is read on their behalf)."""
    from govpath.runtime import guards
    from govpath.runtime.decide import route

    with engine.connect() as conn:
        plan, who = load_plan_actor(conn, plan_id, email.strip().lower())
        pathway, compiled = pathway_for(conn, plan.content_hash)
        if not _acting(conn, compiled, plan, who):
            raise NotFound(f"There is no plan {plan_id} that you can see.")
    way = route(compiled, plan.state, trigger)
    if way is None:
        return []
    return guards.required_content(pathway, way.transition, pathway.stage(plan.state))
