"""People: actors, the roles they hold and whom they report to, saved and listed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass(frozen=True, slots=True, kw_only=True)
class ActorRole:
    """A person with one role they hold (``role`` None: they hold none)."""

    email: str
    name: str
    reports_to: str | None
    role: str | None


def actor_id(conn: Connection, email: str) -> int | None:
    """The id of the actor with that e-mail, or None."""
    from sqlalchemy import select

    from govpath.store.tables import actors

    found = conn.execute(select(actors.c.id).where(actors.c.email == email)).scalar()
    return None if found is None else int(found)


def actor_names(conn: Connection, emails: Iterable[str]) -> dict[str, str]:
    """The names of the people with these e-mails, by e-mail (those unknown are left out)."""
    from sqlalchemy import select

    from govpath.store.tables import actors

    wanted = sorted({e for e in emails if e})
    if not wanted:
        return {}
    rows = conn.execute(select(actors.c.email, actors.c.name).where(actors.c.email.in_(wanted)))
    return {row.email: row.name for row in rows if row.name}


def save_actor(
    conn: Connection,
    *,
    email: str,
    name: str,
    reports_to: str | None,
    roles: Iterable[str],
    now: dt.datetime,
) -> bool:
    """Add the person, or update them (their roles replaced) when the e-mail is known; whether
    they are new."""
    from sqlalchemy import delete

    from govpath.store.tables import actor_roles, actors

    aid = actor_id(conn, email)
    new = aid is None
    if aid is None:
        key = conn.execute(
            actors.insert().values(
                email=email, name=name, reports_to=reports_to, created_at=now, updated_at=now
            )
        ).inserted_primary_key
        assert key is not None
        aid = int(key[0])
    else:
        conn.execute(
            actors.update()
            .where(actors.c.id == aid)
            .values(name=name, reports_to=reports_to, updated_at=now)
        )
        conn.execute(delete(actor_roles).where(actor_roles.c.actor_id == aid))
    for role in roles:
        conn.execute(actor_roles.insert().values(actor_id=aid, role=role))
    return new


def actor_roles(conn: Connection) -> list[ActorRole]:
    """Every actor with each role they hold (one row each; one with no role if none), by e-mail
    and role."""
    from sqlalchemy import select

    from govpath.store.tables import actor_roles as ar
    from govpath.store.tables import actors

    rows = conn.execute(
        select(actors.c.email, actors.c.name, actors.c.reports_to, ar.c.role)
        .select_from(actors.outerjoin(ar, ar.c.actor_id == actors.c.id))
        .order_by(actors.c.email, ar.c.role)
    )
    return [ActorRole(**row._mapping) for row in rows]
