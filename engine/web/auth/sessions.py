"""Server-side sessions: the cookie holds a signed random id, the database only its hash.

A new id is made at every sign-in (no fixation), a session ends after inactivity or at sign-out,
and every copy of the server sees the same sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govpath.store import sessions as store
from govpath.web.auth.tokens import mac, same

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from govpath.web.settings import WebSettings

COOKIE = "govpath_session"
PRE_COOKIE = "govpath_pre"  # binds a signed-out visitor's forms to their browser (CSRF)
TOUCH_EVERY = dt.timedelta(seconds=60)  # how often activity moves the expiry on (fewer writes)


@dataclass(frozen=True)
class Session:
    """A live session: whose it is and its raw id (from the cookie)."""

    email: str
    token: str
    method: str
    issuer: str | None = None  # oidc: the provider's account the session began with
    subject: str | None = None


def sign(key: str, token: str) -> str:
    """The cookie's value: the token and its MAC."""
    return f"{token}.{mac(key, 'cookie', token)[:32]}"


def unsign(key: str, value: str | None) -> str | None:
    """The token inside a cookie value, or None when it was not signed by KEY."""
    if not value or "." not in value:
        return None
    token, _, tag = value.rpartition(".")
    return token if token and same(tag, mac(key, "cookie", token)[:32]) else None


def start_session(
    engine: Engine,
    settings: WebSettings,
    email: str,
    method: str,
    now: dt.datetime,
    issuer: str | None = None,
    subject: str | None = None,
) -> str:
    """A new session for EMAIL; its raw id (put it in the cookie). Old expired sessions go.

    ISSUER and SUBJECT: the identity provider's account, for a session begun by OpenID Connect."""
    with engine.begin() as conn:
        store.drop_expired_web_sessions(conn, now)
        token = store.begin_web_session(
            conn,
            email=email,
            method=method,
            now=now,
            expires_at=_expiry(settings, now, now),
            issuer=issuer,
            subject=subject,
        )
    return token


def _expiry(settings: WebSettings, created: dt.datetime, now: dt.datetime) -> dt.datetime:
    idle = now + dt.timedelta(minutes=settings.session_idle_minutes)
    return min(idle, created + dt.timedelta(hours=settings.session_max_hours))


def load_session(
    engine: Engine, settings: WebSettings, token: str, now: dt.datetime
) -> Session | None:
    """The live session with id TOKEN, its expiry moved on by this activity; None if none."""
    with engine.connect() as conn:
        row = store.live_web_session(conn, token, now)
    if row is None:
        return None
    if now - row.last_seen >= TOUCH_EVERY:
        with engine.begin() as conn:
            store.touch_web_session(
                conn, row.id, last_seen=now, expires_at=_expiry(settings, row.created_at, now)
            )
    return Session(
        email=row.email, token=token, method=row.method, issuer=row.issuer, subject=row.subject
    )


def end_session(engine: Engine, token: str) -> None:
    """Sign out: the session is gone on every copy of the server."""
    with engine.begin() as conn:
        store.end_web_session(conn, token)
