"""Reading plans, pathway versions and actors: prepared Core statements and per-process caches."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.audit.chain import compact_json_encoder
from engine.errors import NotFound

if TYPE_CHECKING:
    from engine.definition.compiler import CompiledPathway
    from engine.definition.model import Pathway

_stmts: dict[str, Any] = {}
_defs: dict[str, tuple[Pathway, CompiledPathway]] = {}
_lock = threading.Lock()


def stmts() -> dict[str, Any]:
    """The runtime's statements, built once; SQLAlchemy compiles each once and caches it."""
    if _stmts:
        return _stmts
    from sqlalchemy import bindparam, exists, select, update

    from engine.store.tables import (
        actor_roles,
        actors,
        calendar_revision,
        outbox,
        pathway_versions,
        plans,
    )

    p, pv = plans, pathway_versions
    plan_columns = (
        p.c.id,
        p.c.pathway_version_id,
        p.c.pathway_id,
        p.c.subject,
        p.c.owner,
        p.c.state,
        p.c.fields,
        p.c.version,
        p.c.closed_at,
        pv.c.version.label("pathway_version"),
        pv.c.content_hash,
        pv.c.year,
        actors.c.reports_to.label("owner_manager"),
        # the calendar's revision, for the timeline cache, without another round trip
        select(calendar_revision.c.revision)
        .where(calendar_revision.c.id == 1)
        .scalar_subquery()
        .label("calendar_revision"),
        # whether messages of the plan wait in the outbox (if none, none needs cancelling)
        exists()
        .where(outbox.c.plan_id == p.c.id, outbox.c.status == "pending")
        .label("pending_messages"),
    )
    plan_from = p.join(pv, p.c.pathway_version_id == pv.c.id).outerjoin(
        actors, actors.c.email == p.c.owner
    )
    who = actors.alias("who")
    built = {
        "plan": select(*plan_columns).select_from(plan_from).where(p.c.id == bindparam("id")),
        # the plan and the acting person with their roles in one round trip: one row per role
        "plan_actor": select(
            *plan_columns, who.c.email, who.c.name, who.c.reports_to, actor_roles.c.role
        )
        .select_from(
            plan_from.outerjoin(who, who.c.email == bindparam("actor")).outerjoin(
                actor_roles, actor_roles.c.actor_id == who.c.id
            )
        )
        .where(p.c.id == bindparam("id")),
        "definition": select(pv.c.definition).where(pv.c.content_hash == bindparam("hash")),
        "advance": update(p)
        .where(p.c.id == bindparam("pid"), p.c.version == bindparam("expected"))
        .values(
            state=bindparam("new_state"),
            fields=bindparam("new_fields"),
            version=bindparam("new_version"),
            updated_at=bindparam("now"),
            closed_at=bindparam("closed"),
        ),
        "plan_version": select(p.c.version).where(p.c.id == bindparam("id")),
        "reports_to": select(actors.c.reports_to).where(actors.c.email == bindparam("email")),
    }
    from engine.runtime.prepared import Prepared

    for name in ("plan", "plan_actor", "advance", "plan_version"):  # the hot path: compiled once
        built[name] = Prepared(built[name])
    _stmts.update(built)
    return _stmts


@dataclass
class PlanRow:
    """One plan as the runtime reads it (fields decoded)."""

    id: int
    pathway_version_id: int
    pathway_id: str
    subject: str
    owner: str
    state: str
    fields: dict[str, Any]
    version: int
    closed_at: Any
    pathway_version: int
    content_hash: str
    year: str
    owner_manager: str | None = None  # the owner's reports_to
    calendar_revision: int | None = None  # as read with the plan (None: not kept in this database)
    pending_messages: bool = True  # whether it has messages waiting in the outbox


@dataclass
class Actor:
    """A person and the roles they hold."""

    email: str
    name: str
    reports_to: str | None
    roles: frozenset[str] = field(default_factory=frozenset)


def _not_found(plan_id: int) -> NotFound:
    return NotFound(f"There is no plan {plan_id}; `govpath plan list` shows the plans there are.")


def _plan(row: tuple) -> PlanRow:
    """A PlanRow from the first 15 columns of the ``plan`` / ``plan_actor`` statements."""
    closed = row[8]
    if isinstance(closed, str):  # SQLite keeps UTC text
        closed = dt.datetime.fromisoformat(closed).replace(tzinfo=dt.UTC)
    return PlanRow(
        id=row[0],
        pathway_version_id=row[1],
        pathway_id=row[2],
        subject=row[3],
        owner=row[4],
        state=row[5],
        fields=json.loads(row[6] or "{}"),
        version=row[7],
        closed_at=closed,
        pathway_version=row[9],
        content_hash=row[10],
        year=row[11],
        owner_manager=row[12],
        calendar_revision=row[13],
        pending_messages=bool(row[14]),
    )


def load_plan(conn: Any, plan_id: int) -> PlanRow:
    """The plan, or NotFound."""
    rows = stmts()["plan"].rows(conn, {"id": plan_id})
    if not rows:
        raise _not_found(plan_id)
    return _plan(rows[0])


def load_plan_actor(conn: Any, plan_id: int, email: str) -> tuple[PlanRow, Actor | None]:
    """The plan (or NotFound) and the actor with that e-mail and their roles (None if unknown)."""
    rows = stmts()["plan_actor"].rows(conn, {"id": plan_id, "actor": email.strip().lower()})
    if not rows:
        raise _not_found(plan_id)
    first = rows[0]
    who = None
    if first[15] is not None:
        roles = frozenset(r[18] for r in rows if r[18])
        who = Actor(first[15], first[16], first[17], roles)
    return _plan(first), who


def pathway_for(conn: Any, content_hash: str) -> tuple[Pathway, CompiledPathway]:
    """The published definition with that content hash and its compiled machine (cached)."""
    found = _defs.get(content_hash)
    if found is not None:
        return found
    from engine.definition.compiler import compile_pathway
    from engine.definition.model import Pathway

    text = conn.execute(stmts()["definition"], {"hash": content_hash}).scalar_one()
    pathway = Pathway.model_validate(json.loads(text))
    compiled = compile_pathway(pathway)
    with _lock:
        return _defs.setdefault(content_hash, (pathway, compiled))


def reports_chain(conn: Any, email: str, limit: int = 12) -> list[str]:
    """The people EMAIL reports to, nearest first (following ``reports_to``)."""
    chain: list[str] = []
    current = email
    for _ in range(limit):
        nxt = conn.execute(stmts()["reports_to"], {"email": current}).scalar()
        if not nxt or nxt in chain or nxt == email:
            break
        chain.append(nxt)
        current = nxt
    return chain


_fields_json = compact_json_encoder(str)


def dump_fields(fields: dict[str, Any]) -> str:
    """Plan fields as stored: canonical JSON."""
    return _fields_json(fields)
