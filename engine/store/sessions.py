"""Sessions' rows: the web's (``web_sessions``), the command line's (``sign_ins``), the cookie key.

Only a token's hash is ever stored; the raw token lives in a cookie or a 0600 credential file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from govpath.store.tables import sign_ins, web_keys, web_sessions


@dataclass(frozen=True, slots=True, kw_only=True)
class WebSessionRow:
    """A web session as stored: whose, how it began, and its times."""

    id: int
    email: str
    method: str  # link | oidc
    created_at: dt.datetime
    last_seen: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SignInRow:
    """A command line's sign-in that has not been ended (it may have expired)."""

    person: str
    method: str  # email-code | oidc
    issuer: str | None
    subject: str | None
    expires_at: dt.datetime


# --- the web's sessions ---


def drop_expired_web_sessions(conn: Connection, now: dt.datetime) -> None:
    """Delete the sessions that expired before NOW."""
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))


def add_web_session(
    conn: Connection,
    *,
    token_hash: str,
    email: str,
    method: str,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """Store a new session, begun and last seen at NOW."""
    conn.execute(
        web_sessions.insert().values(
            token_hash=token_hash,
            email=email,
            method=method,
            created_at=now,
            last_seen=now,
            expires_at=expires_at,
        )
    )


def find_web_session(conn: Connection, token_hash: str) -> WebSessionRow | None:
    """The session with TOKEN_HASH, live or not, or None."""
    ws = web_sessions
    row = conn.execute(
        select(
            ws.c.id, ws.c.email, ws.c.method, ws.c.created_at, ws.c.last_seen, ws.c.expires_at
        ).where(ws.c.token_hash == token_hash)
    ).first()
    return None if row is None else WebSessionRow(**row._mapping)


def touch_web_session(
    conn: Connection, session_id: int, *, last_seen: dt.datetime, expires_at: dt.datetime
) -> None:
    """Record activity on a session: when it was last seen and its new expiry."""
    conn.execute(
        update(web_sessions)
        .where(web_sessions.c.id == session_id)
        .values(last_seen=last_seen, expires_at=expires_at)
    )


def delete_web_session(conn: Connection, token_hash: str) -> None:
    """Delete the session with TOKEN_HASH (sign-out)."""
    conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))


# --- the command line's sign-ins ---


def add_sign_in(
    conn: Connection,
    *,
    token_hash: str,
    person: str,
    method: str,
    issuer: str | None,
    subject: str | None,
    os_user: str | None,
    host: str | None,
    created_at: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """Store a new command-line sign-in."""
    conn.execute(
        sign_ins.insert().values(
            token_hash=token_hash,
            person=person,
            method=method,
            issuer=issuer,
            subject=subject,
            os_user=os_user,
            host=host,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


def open_sign_in(conn: Connection, token_hash: str) -> SignInRow | None:
    """The sign-in with TOKEN_HASH that nobody has ended (perhaps expired), or None."""
    s = sign_ins
    row = conn.execute(
        select(s.c.person, s.c.method, s.c.issuer, s.c.subject, s.c.expires_at).where(
            s.c.token_hash == token_hash, s.c.ended_at.is_(None)
        )
    ).first()
    return None if row is None else SignInRow(**row._mapping)


def end_sign_in(conn: Connection, token_hash: str, now: dt.datetime) -> str | None:
    """End the open sign-in with TOKEN_HASH at NOW; whose it was, or None when none was open."""
    s = sign_ins
    person: str | None = conn.execute(
        update(s)
        .where(s.c.token_hash == token_hash, s.c.ended_at.is_(None))
        .values(ended_at=now)
        .returning(s.c.person)
    ).scalar()
    return person


# --- the key that signs cookies ---


def stored_key(conn: Connection, name: str) -> str | None:
    """The secret kept under NAME (``cookie``), or None."""
    secret: str | None = conn.execute(
        select(web_keys.c.secret).where(web_keys.c.name == name)
    ).scalar()
    return secret


def add_key(conn: Connection, name: str, secret: str, now: dt.datetime) -> None:
    """Keep SECRET under NAME (IntegrityError when another process kept one first)."""
    conn.execute(web_keys.insert().values(name=name, secret=secret, created_at=now))
