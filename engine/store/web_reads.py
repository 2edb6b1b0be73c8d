"""What the web's pages read directly: the pathways offered in their filters, plans' owners, health."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select, text

from govpath.store.tables import pathway_versions, plans


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionRef:
    """A published pathway version, by its pathway and content hash."""

    pathway_id: str
    content_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PathwaySummary:
    """A pathway as a page lists it: its id, and its (newest-sorting) title and year."""

    id: str
    title: str
    year: str


def ping(conn: Connection) -> None:
    """One round trip: raises when the database does not answer."""
    conn.execute(text("SELECT 1"))


def published_versions(conn: Connection) -> list[VersionRef]:
    """Every published version, by pathway and then version (so each pathway's newest is last)."""
    pv = pathway_versions
    rows = conn.execute(
        select(pv.c.pathway_id, pv.c.content_hash).order_by(pv.c.pathway_id, pv.c.version)
    ).all()
    return [VersionRef(**r._mapping) for r in rows]


def newest_version_hash(conn: Connection, pathway_id: str) -> str | None:
    """The content hash of PATHWAY_ID's newest published version, or None."""
    pv = pathway_versions
    found: str | None = conn.execute(
        select(pv.c.content_hash)
        .where(pv.c.pathway_id == pathway_id)
        .order_by(pv.c.version.desc())
        .limit(1)
    ).scalar()
    return found


def plan_owners(conn: Connection) -> list[str]:
    """Everyone who owns a plan, sorted."""
    return list(conn.execute(select(plans.c.owner).distinct().order_by(plans.c.owner)).scalars())


def pathway_summaries(conn: Connection) -> list[PathwaySummary]:
    """Each pathway once, sorted by id, with the greatest title and year of its versions."""
    pv = pathway_versions
    rows = conn.execute(
        select(
            pv.c.pathway_id.label("id"),
            func.max(pv.c.title).label("title"),
            func.max(pv.c.year).label("year"),
        )
        .group_by(pv.c.pathway_id)
        .order_by(pv.c.pathway_id)
    ).all()
    return [PathwaySummary(**r._mapping) for r in rows]
