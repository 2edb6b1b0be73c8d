"""Plans, their pathway versions and actors: the statements, the records, reading and advancing."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govpath.audit.chain import compact_json_encoder
from govpath.errors import NotFound
from govpath.store.cache import CACHE
from govpath.store.deadline_rows import statements as deadline_statements
from govpath.store.deadlines import Owed

if TYPE_CHECKING:
    from sqlalchemy import Connection, Select

    from govpath.definition.compiler import CompiledPathway
    from govpath.definition.model import Pathway
    from govpath.store.prepared import Prepared, Sent, StoreConnection


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanStatements:
    """The statements, by name: those of the hot path run prepared on the driver's cursor."""

    plan: Prepared
    plan_actor: Prepared
    advance: Prepared
    plan_version: Prepared
    definition: Select[tuple[str]]
    reports_to: Select[tuple[str | None]]


@functools.cache  # constant statements, built on first use (SQLAlchemy is imported lazily)
def stmts() -> PlanStatements:
    """The runtime's statements, built once; each compiled once per dialect."""
    from sqlalchemy import bindparam, exists, select, update

    from govpath.store.prepared import Prepared
    from govpath.store.tables import (
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
    return PlanStatements(
        plan=Prepared(
            select(*plan_columns).select_from(plan_from).where(p.c.id == bindparam("id"))
        ),
        # the plan and the acting person with their roles in one round trip: one row per role
        plan_actor=Prepared(
            select(*plan_columns, who.c.email, who.c.name, who.c.reports_to, actor_roles.c.role)
            .select_from(
                plan_from.outerjoin(who, who.c.email == bindparam("actor")).outerjoin(
                    actor_roles, actor_roles.c.actor_id == who.c.id
                )
            )
            .where(p.c.id == bindparam("id"))
        ),
        definition=select(pv.c.definition).where(pv.c.content_hash == bindparam("hash")),
        advance=Prepared(
            update(p)
            .where(p.c.id == bindparam("pid"), p.c.version == bindparam("expected"))
            .values(
                state=bindparam("new_state"),
                fields=bindparam("new_fields"),
                version=bindparam("new_version"),
                updated_at=bindparam("now"),
                closed_at=bindparam("closed"),
            )
        ),
        plan_version=Prepared(select(p.c.version).where(p.c.id == bindparam("id"))),
        reports_to=select(actors.c.reports_to).where(actors.c.email == bindparam("email")),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
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
    closed_at: dt.datetime | None
    pathway_version: int
    content_hash: str
    year: str
    owner_manager: str | None = None  # the owner's reports_to
    calendar_revision: int | None = None  # as read with the plan (None: not kept in this database)
    pending_messages: bool = True  # whether it has messages waiting in the outbox


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """A person and the roles they hold."""

    email: str
    name: str
    reports_to: str | None
    roles: frozenset[str] = frozenset()


def _not_found(plan_id: int) -> NotFound:
    return NotFound(f"There is no plan {plan_id}; `govpath plan list` shows the plans there are.")


def _plan(row: Mapping[str, Any]) -> PlanRow:
    """A PlanRow from a ``plan`` / ``plan_actor`` record, by column name."""
    return PlanRow(
        id=row["id"],
        pathway_version_id=row["pathway_version_id"],
        pathway_id=row["pathway_id"],
        subject=row["subject"],
        owner=row["owner"],
        state=row["state"],
        fields=json.loads(row["fields"] or "{}"),
        version=row["version"],
        closed_at=row["closed_at"],
        pathway_version=row["pathway_version"],
        content_hash=row["content_hash"],
        year=row["year"],
        owner_manager=row["owner_manager"],
        calendar_revision=row["calendar_revision"],
        pending_messages=bool(row["pending_messages"]),
    )


def load_plan(conn: StoreConnection, plan_id: int) -> PlanRow:
    """The plan, or NotFound."""
    found = stmts().plan.first(conn, {"id": plan_id})
    if found is None:
        raise _not_found(plan_id)
    return _plan(found)


def load_plan_actor(
    conn: StoreConnection, plan_id: int, email: str
) -> tuple[PlanRow, Actor | None]:
    """The plan (or NotFound) and the actor with that e-mail and their roles (None if unknown)."""
    sent = stmts().plan_actor.send(conn, {"id": plan_id, "actor": email.strip().lower()})
    return _plan_actor(plan_id, sent.records())


def load_plan_actor_owed(
    conn: StoreConnection, plan_id: int, email: str
) -> tuple[PlanRow, Actor | None, tuple[Owed, ...]]:
    """What a transition reads first: :func:`load_plan_actor` and the deadlines the plan owes.

    Both statements are sent before either answer is read: on a pipelining backend (PostgreSQL,
    inside :class:`~govpath.store.hot.hot_transaction`) one round trip, BEGIN included."""
    plan_sent = stmts().plan_actor.send(conn, {"id": plan_id, "actor": email.strip().lower()})
    owed_sent = deadline_statements().owed_of_plan.send(conn, {"pid": plan_id})
    plan, who = _plan_actor(plan_id, plan_sent.records())
    return plan, who, tuple(Owed(**row) for row in owed_sent.records())


def _plan_actor(plan_id: int, rows: list[dict[str, Any]]) -> tuple[PlanRow, Actor | None]:
    if not rows:
        raise _not_found(plan_id)
    first = rows[0]
    who = None
    if first["email"] is not None:
        who = Actor(
            email=first["email"],
            name=first["name"],
            reports_to=first["reports_to"],
            roles=frozenset(r["role"] for r in rows if r["role"]),
        )
    return _plan(first), who


def advance_plan(
    conn: StoreConnection,
    plan: PlanRow,
    *,
    state: str,
    fields: dict[str, Any],
    now: dt.datetime,
    closed: dt.datetime | None,
) -> Sent:
    """Move PLAN to STATE with FIELDS if it is still at the version read.

    Its ``rowcount()`` is 0 if the plan moved meanwhile (the caller must then roll back). On a
    pipelining backend the UPDATE is only queued: the caller asks after queueing the rest of
    the transition's writes, so that they all go in one round trip."""
    return stmts().advance.send(
        conn,
        {
            "pid": plan.id,
            "expected": plan.version,
            "new_state": state,
            "new_fields": dump_fields(fields),
            "new_version": plan.version + 1,
            "now": now,
            "closed": closed,
        },
    )


def repin_plan(
    conn: Connection, plan: PlanRow, *, pathway_version_id: int, state: str, now: dt.datetime
) -> bool:
    """Pin PLAN to another version of its pathway in STATE, if it is still at the version read
    (False: it moved). The migration's write; the plan's content goes with it unchanged."""
    from sqlalchemy import update

    from govpath.store.tables import plans

    result = conn.execute(
        update(plans)
        .where(plans.c.id == plan.id, plans.c.version == plan.version)
        .values(
            pathway_version_id=pathway_version_id,
            state=state,
            version=plan.version + 1,
            updated_at=now,
            fields=dump_fields(plan.fields),
        )
    )
    return bool(result.rowcount == 1)


def plan_version(conn: StoreConnection, plan_id: int) -> int | None:
    """The plan's version now (None: no such plan)."""
    found = stmts().plan_version.first(conn, {"id": plan_id})
    return None if found is None else int(found["version"])


def pathway_for(conn: StoreConnection, content_hash: str) -> tuple[Pathway, CompiledPathway]:
    """The published definition with that content hash and its compiled machine (cached)."""
    found = CACHE.definitions.get(content_hash)
    if found is not None:
        return found
    from govpath.definition.compiler import compile_pathway
    from govpath.definition.model import Pathway

    text = conn.execute(stmts().definition, {"hash": content_hash}).scalar_one()
    pathway = Pathway.model_validate(json.loads(text))
    compiled = compile_pathway(pathway)
    with CACHE.lock:
        return CACHE.definitions.setdefault(content_hash, (pathway, compiled))


def reports_chain(conn: StoreConnection, email: str, limit: int = 12) -> list[str]:
    """The people EMAIL reports to, nearest first (following ``reports_to``)."""
    chain: list[str] = []
    current = email
    for _ in range(limit):
        nxt: str | None = conn.execute(stmts().reports_to, {"email": current}).scalar()
        if not nxt or nxt in chain or nxt == email:
            break
        chain.append(nxt)
        current = nxt
    return chain


_fields_json = compact_json_encoder(str)


def dump_fields(fields: dict[str, Any]) -> str:
    """Plan fields as stored: canonical JSON."""
    return _fields_json(fields)


def cycle(conn: StoreConnection, plan: PlanRow, trigger: str) -> list[int]:
    """The open plans of PLAN's pathway and year that have not fired TRIGGER yet, by id."""
    from sqlalchemy import select

    from govpath.store.tables import audit_events, pathway_versions, plans

    rows: list[int] = list(
        conn.execute(
            select(plans.c.id)
            .select_from(
                plans.join(pathway_versions, plans.c.pathway_version_id == pathway_versions.c.id)
            )
            .where(
                plans.c.pathway_id == plan.pathway_id,
                pathway_versions.c.year == plan.year,
                plans.c.closed_at.is_(None),
            )
            .order_by(plans.c.id)
        ).scalars()
    )
    if not rows:
        return []
    done = set(
        conn.execute(
            select(audit_events.c.plan_id).where(
                audit_events.c.kind == "transition",
                audit_events.c.trigger == trigger,
                audit_events.c.plan_id.in_(rows),
            )
        ).scalars()
    )
    return [pid for pid in rows if pid not in done]


def insert_plan(
    conn: Connection,
    *,
    pathway_version_id: int,
    pathway_id: str,
    subject: str,
    owner: str,
    state: str,
    now: dt.datetime,
) -> int:
    """A new plan, at version 1 with no content, in STATE; returns its id."""
    from govpath.store.tables import plans

    key = conn.execute(
        plans.insert().values(
            pathway_version_id=pathway_version_id,
            pathway_id=pathway_id,
            subject=subject,
            owner=owner,
            state=state,
            fields="{}",
            version=1,
            created_at=now,
            updated_at=now,
            closed_at=None,
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])
