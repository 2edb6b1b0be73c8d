"""Who may see which plans: people, their roles and managers, and the plans open to someone."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, or_, select

from govpath.store.tables import actor_roles, actors
from govpath.store.tables import pathway_versions as pv
from govpath.store.tables import plans as p


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionRef:
    """A published pathway version: its id and the hash its definition is cached by."""

    id: int
    content_hash: str


def person_registered(conn: Connection, email: str) -> bool:
    """Whether a person with that (normalised) e-mail is registered."""
    found = conn.execute(select(actors.c.id).where(actors.c.email == email)).first()
    return found is not None


def roles_held(conn: Connection, email: str) -> set[str]:
    """The roles the person with that (normalised) e-mail holds (empty for anyone unknown)."""
    rows = conn.execute(
        select(actor_roles.c.role)
        .join(actors, actors.c.id == actor_roles.c.actor_id)
        .where(actors.c.email == email)
    ).scalars()
    return set(rows)


def managers(conn: Connection) -> dict[str, str]:
    """Each person who reports to someone, and whom (their ``reports_to``)."""
    rows = conn.execute(select(actors.c.email, actors.c.reports_to)).all()
    return {r.email: r.reports_to for r in rows if r.reports_to}


def published_versions(conn: Connection, ids: Collection[int] | None = None) -> list[VersionRef]:
    """Every published pathway version (or those with IDS), by id."""
    query = select(pv.c.id, pv.c.content_hash).order_by(pv.c.id)
    if ids is not None:
        query = query.where(pv.c.id.in_(ids or {-1}))
    return [VersionRef(**r._mapping) for r in conn.execute(query).all()]


def open_plans_for(
    conn: Connection, owners: Collection[str], states: Mapping[int, Collection[str]], limit: int
) -> list[int]:
    """The open plans owned by one of OWNERS, or of a version named in STATES at one of that
    version's stages there; newest first, at most LIMIT."""
    clauses: list[ColumnElement[bool]] = [p.c.owner.in_(sorted(owners))]
    for vid, names in states.items():
        clauses.append(and_(p.c.pathway_version_id == vid, p.c.state.in_(sorted(names))))
    query = (
        select(p.c.id)
        .where(p.c.closed_at.is_(None), or_(*clauses))
        .order_by(p.c.id.desc())
        .limit(limit)
    )
    return list(conn.execute(query).scalars())
