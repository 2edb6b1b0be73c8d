"""Sessions, the web's and the command line's, by one code path; and the key that signs cookies.

A session of either kind (``web_sessions``, ``sign_ins``) is a random token whose SHA-256 alone is
stored, live until its ``expires_at``; the raw token lives only in a cookie or a 0600 credential
file. How a token is made, stored, found and judged live is decided here, once; when a session
expires, and how activity moves that on, is the caller's (``govpath.web.auth.sessions``,
``govpath.signin.sessions``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, delete, select, update
from sqlalchemy.sql.elements import ColumnElement

from govpath.store.tables import sign_ins, web_keys, web_sessions


def new_token() -> str:
    """A fresh 256-bit token, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_live(expires_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether a session expiring at EXPIRES_AT is still live at NOW (it ends at that instant)."""
    return expires_at > now


def _begin(conn: Connection, table: Table, **values: Any) -> str:
    """Store a new session in TABLE (only its token's hash); the raw token."""
    token = new_token()
    conn.execute(table.insert().values(token_hash=token_hash(token), **values))
    return token


def _live(
    conn: Connection,
    table: Table,
    columns: Sequence[ColumnElement[Any]],
    token: str,
    now: dt.datetime,
    *where: ColumnElement[bool],
) -> RowMapping | None:
    """COLUMNS of the session in TABLE with TOKEN if it is live at NOW, else None."""
    row = conn.execute(
        select(*columns, table.c.expires_at).where(table.c.token_hash == token_hash(token), *where)
    ).first()
    if row is None or not is_live(row._mapping["expires_at"], now):
        return None
    return row._mapping


@dataclass(frozen=True, slots=True, kw_only=True)
class WebSessionRow:
    """A live web session as stored: whose, how it began, and its times."""

    id: int
    email: str
    method: str  # link | oidc
    issuer: str | None  # oidc: the ID token's iss and sub
    subject: str | None
    created_at: dt.datetime
    last_seen: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SignInRow:
    """A live command-line sign-in: whose, how, and until when."""

    person: str
    method: str  # email-code | oidc
    issuer: str | None
    subject: str | None
    expires_at: dt.datetime


# --- the web's sessions ---


def drop_expired_web_sessions(conn: Connection, now: dt.datetime) -> None:
    """Delete the web sessions that expired before NOW."""
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))


def begin_web_session(
    conn: Connection,
    *,
    email: str,
    method: str,
    now: dt.datetime,
    expires_at: dt.datetime,
    issuer: str | None = None,
    subject: str | None = None,
) -> str:
    """A new web session for EMAIL, begun and last seen at NOW; its raw token (for the cookie).

    ISSUER and SUBJECT: the identity provider's account, for a session begun by OpenID Connect."""
    return _begin(
        conn,
        web_sessions,
        email=email,
        method=method,
        issuer=issuer,
        subject=subject,
        created_at=now,
        last_seen=now,
        expires_at=expires_at,
    )


def live_web_session(conn: Connection, token: str, now: dt.datetime) -> WebSessionRow | None:
    """The web session with TOKEN if it is live at NOW, else None."""
    ws = web_sessions
    columns = (ws.c.id, ws.c.email, ws.c.method, ws.c.issuer, ws.c.subject)
    row = _live(conn, ws, (*columns, ws.c.created_at, ws.c.last_seen), token, now)
    return None if row is None else WebSessionRow(**row)


def touch_web_session(
    conn: Connection, session_id: int, *, last_seen: dt.datetime, expires_at: dt.datetime
) -> None:
    """Record activity on a web session: when it was last seen and its new expiry."""
    conn.execute(
        update(web_sessions)
        .where(web_sessions.c.id == session_id)
        .values(last_seen=last_seen, expires_at=expires_at)
    )


def end_web_session(conn: Connection, token: str) -> None:
    """End the web session with TOKEN (its row goes)."""
    conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash(token)))


# --- the command line's sign-ins ---


def begin_sign_in(
    conn: Connection,
    *,
    person: str,
    method: str,
    issuer: str | None,
    subject: str | None,
    os_user: str | None,
    host: str | None,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> str:
    """A new command-line sign-in for PERSON, begun at NOW; its raw token (for the credential file)."""
    return _begin(
        conn,
        sign_ins,
        person=person,
        method=method,
        issuer=issuer,
        subject=subject,
        os_user=os_user,
        host=host,
        created_at=now,
        expires_at=expires_at,
    )


def live_sign_in(conn: Connection, token: str, now: dt.datetime) -> SignInRow | None:
    """The sign-in with TOKEN if nobody ended it and it is live at NOW, else None."""
    s = sign_ins
    row = _live(
        conn,
        s,
        (s.c.person, s.c.method, s.c.issuer, s.c.subject),
        token,
        now,
        s.c.ended_at.is_(None),
    )
    return None if row is None else SignInRow(**row)


def end_sign_in(conn: Connection, token: str, now: dt.datetime) -> str | None:
    """End the sign-in with TOKEN at NOW (its row is kept); whose it was, or None if none was open."""
    s = sign_ins
    person: str | None = conn.execute(
        update(s)
        .where(s.c.token_hash == token_hash(token), s.c.ended_at.is_(None))
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
