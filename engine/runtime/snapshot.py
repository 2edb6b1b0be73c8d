"""What a transition decides on, read in one place: a frozen snapshot of the plan and its world.

:func:`load_snapshot` reads, inside the transition's transaction, everything
:func:`govpath.runtime.decide.decide` needs and nothing it does not: the plan (with its
pathway version, owner's manager, calendar revision and whether messages wait in the outbox),
the acting person and their roles, the owner's reporting chain (only when the actor holds the
owner role's manager role), the definition and its compiled machine, the meetings' timeline
(only when the route needs one), the plan's owed deadlines, and for a collective step every
other plan of the cycle with the same. After it, deciding is pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govpath.runtime import deadlines as dl
from govpath.runtime import roles
from govpath.store.plans import (
    Actor,
    PlanRow,
    cycle,
    load_plan,
    load_plan_actor_owed,
    pathway_for,
    reports_chain,
)

if TYPE_CHECKING:
    from govpath.calendars.timeline import Timeline
    from govpath.definition.compiler import CompiledPathway
    from govpath.definition.model import Pathway
    from govpath.store.prepared import StoreConnection


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanView:
    """One plan with its definition, compiled machine, timeline (None: not needed) and debts."""

    plan: PlanRow
    pathway: Pathway
    compiled: CompiledPathway
    timeline: Timeline | None
    owed: tuple[dl.Owed, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """A request to fire TRIGGER on plan PLAN_ID as ACTOR, with typed VALUES for its content.

    ``values`` are the ``--set`` values that are the pathway's content, typed; ``record`` those
    that belong to a decision's record (reg. 12 text, reg. 10 dates); ``unknown`` the keys that
    are neither, as given (the decision refuses them).
    """

    plan_id: int
    trigger: str
    actor: str
    now: dt.datetime
    values: Mapping[str, Any] = field(default_factory=dict)
    record: Mapping[str, Any] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()
    raw: Mapping[str, str] = field(default_factory=dict)  # as typed, for a refusal's event


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """Everything :func:`~govpath.runtime.decide.decide` reads, frozen."""

    view: PlanView
    actor: Actor | None  # None: no such person
    chain: tuple[str, ...]  # the owner's reports_to chain, nearest first (when it matters)
    members: tuple[PlanView, ...] | None  # a collective step's cycle (None: not one)
    today: dt.date  # the council's date of the request

    @property
    def plan(self) -> PlanRow:
        return self.view.plan

    @property
    def pathway(self) -> Pathway:
        return self.view.pathway


def owner_scope(compiled: CompiledPathway, subject: str) -> tuple[str | None, str | None]:
    """The owner role of a plan about SUBJECT and that role's manager role (memoised per version)."""
    found = compiled.owner_scopes.get(subject)
    if found is None:
        own = roles.owner_role(compiled.pathway, subject)
        found = compiled.owner_scopes.setdefault(
            subject, (own, roles.manager_role(compiled.pathway, own))
        )
    return found


def needs_timeline(compiled: CompiledPathway, state: str, trigger: str) -> bool:
    """Whether deciding TRIGGER from STATE needs the meetings' timeline (gate, deadlines, notice).

    Memoised on the compiled version (never stale: a version's definition does not change)."""
    found = compiled.timeline_needed.get((state, trigger))
    if found is None:
        t = compiled.transition(state, trigger)
        found = t is not None and bool(
            t.notice or t.decision or dl.needs_timeline(compiled.pathway, state, t.dest)
        )
        compiled.timeline_needed[(state, trigger)] = found
    return found


def _view(
    conn: StoreConnection,
    plan: PlanRow,
    trigger: str,
    today: dt.date,
    owed: tuple[dl.Owed, ...] | None = None,
) -> PlanView:
    """PLAN's view; OWED as read with it (None: read them now)."""
    if owed is None:
        owed = dl.owed(conn, plan.id)
    pathway, compiled = pathway_for(conn, plan.content_hash)
    tl = None
    if needs_timeline(compiled, plan.state, trigger):
        tl = dl.timeline(conn, pathway, plan.content_hash, today, plan.calendar_revision)
    return PlanView(plan=plan, pathway=pathway, compiled=compiled, timeline=tl, owed=owed)


def load_snapshot(
    conn: StoreConnection, *, plan_id: int, trigger: str, actor: str, now: dt.datetime
) -> Snapshot:
    """Read what deciding TRIGGER on PLAN_ID as ACTOR at NOW needs, in CONN's transaction
    (NotFound for an unknown plan)."""
    from govpath.zone import local_date

    today = local_date(now)
    plan, who, owed = load_plan_actor_owed(conn, plan_id, actor)  # one round trip
    view = _view(conn, plan, trigger, today, owed)
    chain: tuple[str, ...] = ()
    if who is not None:
        manager = owner_scope(view.compiled, plan.subject)[1]
        if manager is not None and manager in who.roles and who.email != plan.owner:
            chain = tuple(reports_chain(conn, plan.owner))
    members = None
    t = view.compiled.transition(plan.state, trigger)
    if t is not None and t.join is not None:
        members = tuple(
            view if pid == plan.id else _view(conn, load_plan(conn, pid), trigger, today)
            for pid in cycle(conn, plan, trigger)
        )
    return Snapshot(view=view, actor=who, chain=chain, members=members, today=today)
