"""Signed checkpoints of the trail's head: storing one, counting those since a time, their witnesses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from govpath.store.tables import actor_roles, actors, audit_checkpoints

if TYPE_CHECKING:
    from sqlalchemy import Connection


def insert_checkpoint(
    conn: Connection,
    *,
    seq: int,
    hash: str,
    at: dt.datetime,
    database_id: str,
    key_id: str,
    statement: str,
    signature: str,
) -> int:
    """Store one signed checkpoint; returns its id."""
    result = conn.execute(
        audit_checkpoints.insert().values(
            seq=seq,
            hash=hash,
            at=at,
            database_id=database_id,
            key_id=key_id,
            statement=statement,
            signature=signature,
        )
    )
    key = result.inserted_primary_key
    if key is None:  # every backend govpath supports reports the new row's key
        raise LookupError("the database did not report the new checkpoint's id")
    return int(key[0])


def checkpoints_since(conn: Connection, at: dt.datetime) -> int:
    """How many checkpoints were signed at or after AT."""
    t = audit_checkpoints
    return int(conn.execute(select(func.count()).where(t.c.at >= at)).scalar() or 0)


def people_with_roles(conn: Connection, roles: Iterable[str]) -> list[str]:
    """The e-mail of everyone holding one of ROLES, each once, in order."""
    return list(
        conn.execute(
            select(actors.c.email)
            .join(actor_roles, actor_roles.c.actor_id == actors.c.id)
            .where(actor_roles.c.role.in_(list(roles)))
            .distinct()
            .order_by(actors.c.email)
        ).scalars()
    )
