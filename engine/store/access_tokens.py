"""The API's personal access tokens: their rows read and written (only each token's hash is stored)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from govpath.store.tables import access_tokens as t
from govpath.store.tables import actors


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRow:
    """One access token as stored (timestamps aware UTC)."""

    id: int
    actor: str
    name: str
    token_hash: str
    prefix: str
    scope: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


def insert_token(
    conn: Connection,
    *,
    actor: str,
    name: str,
    token_hash: str,
    prefix: str,
    scope: str,
    created_at: dt.datetime,
    expires_at: dt.datetime,
) -> int:
    """Store a new token; its id."""
    result = conn.execute(
        t.insert().values(
            actor=actor,
            name=name,
            token_hash=token_hash,
            prefix=prefix,
            scope=scope,
            created_at=created_at,
            expires_at=expires_at,
        )
    )
    key = result.inserted_primary_key
    if key is None:  # only for an executemany or a table without a primary key
        raise RuntimeError("the new access token's id was not returned")
    return int(key[0])


def tokens_of(conn: Connection, actor: str) -> list[TokenRow]:
    """ACTOR's tokens, newest first."""
    rows = conn.execute(select(t).where(t.c.actor == actor).order_by(t.c.id.desc())).all()
    return [TokenRow(**r._mapping) for r in rows]


def token_of(conn: Connection, token_id: int, actor: str) -> TokenRow | None:
    """ACTOR's token TOKEN_ID (None: they have no such token)."""
    row = conn.execute(select(t).where(t.c.id == token_id, t.c.actor == actor)).first()
    return None if row is None else TokenRow(**row._mapping)


def token_by_hash(conn: Connection, token_hash: str) -> TokenRow | None:
    """The token with that hash, if the person it acts for is still registered."""
    row = conn.execute(
        select(t).join(actors, actors.c.email == t.c.actor).where(t.c.token_hash == token_hash)
    ).first()
    return None if row is None else TokenRow(**row._mapping)


def revoke(conn: Connection, token_id: int, now: dt.datetime) -> None:
    """Mark the token revoked at NOW."""
    conn.execute(update(t).where(t.c.id == token_id).values(revoked_at=now))


def mark_used(conn: Connection, token_id: int, now: dt.datetime) -> None:
    """Record that the token was used at NOW."""
    conn.execute(update(t).where(t.c.id == token_id).values(last_used_at=now))
