"""Signing in's rows: who may sign in, one-time e-mail links and their rate counts, e-mailed codes.

Only hashes of links and codes are stored. What is refused, and when, is decided by the callers
(``govpath.web.auth.links``, ``govpath.signin.email_code``, ``govpath.cli.identity``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, select, update

from govpath.store.tables import (
    actor_roles,
    actors,
    sign_in_codes,
    web_signin_links,
    web_signin_requests,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonRow:
    """A registered person and the roles they hold."""

    email: str
    name: str
    reports_to: str | None
    roles: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkRow:
    """A one-time sign-in link as stored (its hash is how it was found)."""

    email: str
    used_at: dt.datetime | None
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestCounts:
    """How many sign-in links were asked for lately, for one address and from one client."""

    by_address: int
    by_client: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeRow:
    """An e-mailed one-time code not yet used."""

    id: int
    code_hash: str
    expires_at: dt.datetime
    attempts: int


# --- who may sign in ---


def is_registered(conn: Connection, email: str) -> bool:
    """Whether EMAIL is a registered person (exactly as given)."""
    return (
        conn.execute(select(actors.c.id).where(actors.c.email == email).limit(1)).first()
        is not None
    )


def person_with_roles(conn: Connection, email: str) -> PersonRow | None:
    """The registered person EMAIL with their roles, or None."""
    rows = conn.execute(
        select(actors.c.email, actors.c.name, actors.c.reports_to, actor_roles.c.role)
        .select_from(actors.outerjoin(actor_roles, actor_roles.c.actor_id == actors.c.id))
        .where(actors.c.email == email)
    ).all()
    if not rows:
        return None
    first = rows[0]._mapping
    return PersonRow(
        email=first["email"],
        name=first["name"],
        reports_to=first["reports_to"],
        roles=frozenset(r._mapping["role"] for r in rows if r._mapping["role"]),
    )


def roles_of(conn: Connection, email: str) -> frozenset[str]:
    """The roles EMAIL holds (none when they are not registered)."""
    return frozenset(
        conn.execute(
            select(actor_roles.c.role)
            .join(actors, actors.c.id == actor_roles.c.actor_id)
            .where(actors.c.email == email)
        ).scalars()
    )


def anyone_holds(conn: Connection, role: str) -> bool:
    """Whether anybody holds ROLE."""
    return (
        conn.execute(select(actor_roles.c.role).where(actor_roles.c.role == role).limit(1)).first()
        is not None
    )


# --- one-time e-mail links (the web) ---


def add_link(
    conn: Connection, *, token_hash: str, email: str, now: dt.datetime, expires_at: dt.datetime
) -> None:
    """Store a new link's hash for EMAIL."""
    conn.execute(
        web_signin_links.insert().values(
            token_hash=token_hash, email=email, created_at=now, expires_at=expires_at
        )
    )


def use_link(conn: Connection, token_hash: str, now: dt.datetime) -> bool:
    """Mark the link used at NOW if it is unused and unexpired; whether it was."""
    wl = web_signin_links
    done = conn.execute(
        update(wl)
        .where(wl.c.token_hash == token_hash, wl.c.used_at.is_(None), wl.c.expires_at > now)
        .values(used_at=now)
    )
    return done.rowcount == 1


def find_link(conn: Connection, token_hash: str) -> LinkRow | None:
    """The link with TOKEN_HASH, used or not, or None."""
    wl = web_signin_links
    row = conn.execute(
        select(wl.c.email, wl.c.used_at, wl.c.expires_at).where(wl.c.token_hash == token_hash)
    ).first()
    return None if row is None else LinkRow(**row._mapping)


def forget_requests_before(conn: Connection, before: dt.datetime) -> None:
    """Delete the counted link requests older than BEFORE."""
    wr = web_signin_requests
    conn.execute(delete(wr).where(wr.c.at < before))


def requests_since(
    conn: Connection, *, email: str, client: str, since: dt.datetime
) -> RequestCounts:
    """How many link requests were counted since SINCE for EMAIL and from CLIENT."""
    wr = web_signin_requests
    by_address: int = conn.execute(
        select(func.count()).where(wr.c.email == email, wr.c.at >= since)
    ).scalar_one()
    by_client: int = conn.execute(
        select(func.count()).where(wr.c.client == client, wr.c.at >= since)
    ).scalar_one()
    return RequestCounts(by_address=by_address, by_client=by_client)


def count_request(conn: Connection, *, email: str, client: str, at: dt.datetime) -> None:
    """Count one link request (the client's address cut to the column's 100 characters)."""
    conn.execute(web_signin_requests.insert().values(email=email, client=client[:100], at=at))


# --- one-time codes by e-mail (the command line) ---


def add_code(
    conn: Connection, *, person: str, code_hash: str, now: dt.datetime, expires_at: dt.datetime
) -> None:
    """Store a new code's hash for PERSON, with no attempts yet."""
    conn.execute(
        sign_in_codes.insert().values(
            person=person, code_hash=code_hash, created_at=now, expires_at=expires_at, attempts=0
        )
    )


def newest_unused_code(conn: Connection, person: str) -> CodeRow | None:
    """PERSON's newest code not yet used (perhaps expired or out of attempts), or None."""
    c = sign_in_codes
    row = conn.execute(
        select(c.c.id, c.c.code_hash, c.c.expires_at, c.c.attempts)
        .where(c.c.person == person, c.c.used_at.is_(None))
        .order_by(c.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else CodeRow(**row._mapping)


def use_code(conn: Connection, code_id: int, now: dt.datetime) -> None:
    """Mark the code used at NOW."""
    c = sign_in_codes
    conn.execute(update(c).where(c.c.id == code_id).values(used_at=now))


def set_code_attempts(conn: Connection, code_id: int, attempts: int) -> None:
    """Record how many wrong attempts the code has had."""
    c = sign_in_codes
    conn.execute(update(c).where(c.c.id == code_id).values(attempts=attempts))
