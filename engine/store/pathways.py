"""Published pathway versions: publishing one, and finding a version by hash, number or newest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection, Select


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionRef:
    """One published version of a pathway: its row id, number and content hash."""

    id: int
    pathway_id: str
    version: int
    content_hash: str


def _ref_query() -> Select[tuple[int, str, int, str]]:
    """The columns of a VersionRef."""
    from sqlalchemy import select

    from govpath.store.tables import pathway_versions as pv

    return select(pv.c.id, pv.c.pathway_id, pv.c.version, pv.c.content_hash)


def with_hash(conn: Connection, content_hash: str) -> VersionRef | None:
    """The version published with that content hash, or None."""
    from govpath.store.tables import pathway_versions as pv

    row = conn.execute(_ref_query().where(pv.c.content_hash == content_hash)).first()
    return VersionRef(**row._mapping) if row is not None else None


def numbered(conn: Connection, pathway_id: str, version: int) -> VersionRef | None:
    """Version number VERSION of PATHWAY_ID, or None."""
    from govpath.store.tables import pathway_versions as pv

    row = conn.execute(
        _ref_query().where(pv.c.pathway_id == pathway_id, pv.c.version == version)
    ).first()
    return VersionRef(**row._mapping) if row is not None else None


def newest(conn: Connection, pathway_id: str) -> VersionRef | None:
    """The newest published version of PATHWAY_ID, or None."""
    from govpath.store.tables import pathway_versions as pv

    row = conn.execute(
        _ref_query().where(pv.c.pathway_id == pathway_id).order_by(pv.c.version.desc()).limit(1)
    ).first()
    return VersionRef(**row._mapping) if row is not None else None


def pathway_ids(conn: Connection) -> list[str]:
    """The ids of the pathways published, sorted."""
    from sqlalchemy import select

    from govpath.store.tables import pathway_versions as pv

    return sorted(set(conn.execute(select(pv.c.pathway_id)).scalars()))


def definitions(conn: Connection) -> list[str]:
    """The definition (normalised JSON text) of every published version."""
    from sqlalchemy import select

    from govpath.store.tables import pathway_versions as pv

    return list(conn.execute(select(pv.c.definition)).scalars())


def publish(
    conn: Connection,
    *,
    pathway_id: str,
    content_hash: str,
    title: str,
    year: str,
    source_path: str,
    source_text: str,
    definition: str,
    now: dt.datetime,
) -> int:
    """Insert the next version of PATHWAY_ID with this content; returns its number.

    Two publications at the same moment: one of them fails on the unique (pathway, version) or
    content hash (IntegrityError), and its caller looks again.
    """
    from sqlalchemy import func, select

    from govpath.store.tables import pathway_versions as pv

    top = conn.execute(select(func.max(pv.c.version)).where(pv.c.pathway_id == pathway_id)).scalar()
    version = int(top or 0) + 1
    conn.execute(
        pv.insert().values(
            pathway_id=pathway_id,
            version=version,
            content_hash=content_hash,
            title=title,
            year=year,
            source_path=source_path,
            source_text=source_text,
            definition=definition,
            published_at=now,
        )
    )
    return version
