"""Personal access tokens for the JSON API: create (shown once), list, revoke, and check.

A token is ``gpat_`` followed by 43 random URL-safe characters (256 bits). Only its SHA-256 is
stored, so a copy of the database gives no working token. Each token has a scope, ``read`` or
``act`` (read and act), an expiry, and can be revoked by the person it belongs to. Creating and
revoking are recorded in the trail (never the token itself).

>>> token_hash("gpat_example") == token_hash("gpat_example") != token_hash("gpat_other")
True
>>> looks_like_token("gpat_" + "a" * 43), looks_like_token("Bearer x")
(True, False)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govpath.audit.chain import append_event
from govpath.audit.trail_query import acting
from govpath.errors import BadInput, NotFound, Refused
from govpath.store import access_tokens as store
from govpath.store.visibility import person_registered

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

PREFIX = "gpat_"
SCOPES = {"read": "read", "act": "read and act"}
MAX_DAYS = 366
USE_GRAIN = dt.timedelta(minutes=1)  # how finely last_used_at is kept
_SHAPE = re.compile(r"^gpat_[A-Za-z0-9_-]{20,100}$")


class InvalidToken(Refused):
    """The token is unknown, expired or revoked (HTTP 401): nothing was done."""


class OutOfScope(Refused):
    """The token is valid but its scope does not allow this (HTTP 403): nothing was done."""


@dataclass(frozen=True, slots=True)
class TokenIdentity:
    """Who a valid token acts for, and how far."""

    id: int
    actor: str
    scope: str

    def can_act(self) -> bool:
        return self.scope == "act"


@dataclass(frozen=True, slots=True)
class CreatedToken:
    """A new token: ``secret`` is shown to the person once and never again."""

    id: int
    name: str
    scope: str
    prefix: str
    expires_at: dt.datetime
    secret: str


def token_hash(token: str) -> str:
    """The stored form of a token: its SHA-256 in hex (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(text: str) -> bool:
    """Whether TEXT has the shape of a govpath token (checked before any database look-up)."""
    return bool(_SHAPE.match(text or ""))


def _now(now: dt.datetime | None) -> dt.datetime:
    from govpath.store.db import utcnow

    return now or utcnow()


def _known_actor(conn: Connection, email: str) -> None:
    if not person_registered(conn, email):
        raise NotFound(f"no person with the e-mail {email} is registered.")


def create_token(
    engine: Engine,
    actor: str,
    name: str,
    scope: str,
    days: int = 90,
    now: dt.datetime | None = None,
    channel: str = "web",
) -> CreatedToken:
    """A new token for ACTOR valid for DAYS days; the trail records it (not its secret)."""
    now = _now(now)
    actor = actor.strip().lower()
    name = " ".join((name or "").split())
    if not name:
        raise BadInput("give the token a name, so you can tell your tokens apart.")
    if len(name) > 100:
        raise BadInput("a token's name must be 100 characters or fewer.")
    if scope not in SCOPES:
        raise BadInput(f"a token's scope must be read or act (not {scope!r}).")
    if not 1 <= int(days) <= MAX_DAYS:
        raise BadInput(f"a token must expire in 1 to {MAX_DAYS} days (not {days}).")
    secret = PREFIX + secrets.token_urlsafe(32)
    expires = now + dt.timedelta(days=int(days))
    with engine.begin() as conn:
        _known_actor(conn, actor)
        token_id = store.insert_token(
            conn,
            actor=actor,
            name=name,
            token_hash=token_hash(secret),
            prefix=secret[:12],
            scope=scope,
            created_at=now,
            expires_at=expires,
        )
        append_event(
            conn,
            kind="token_created",
            at=now,
            actor=actor,
            data={
                "token": token_id,
                "name": name,
                "scope": scope,
                "expires_at": expires.astimezone(dt.UTC).isoformat(),
                "acting": acting(channel, actor),
            },
        )
    return CreatedToken(token_id, name, scope, secret[:12], expires, secret)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def list_tokens(engine: Engine, actor: str, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """ACTOR's tokens, newest first, each with its ``status``: active, expired or revoked."""
    now = _now(now)
    with engine.connect() as conn:
        rows = store.tokens_of(conn, actor.strip().lower())
    out = []
    for r in rows:
        status = "revoked" if r.revoked_at else ("expired" if r.expires_at <= now else "active")
        out.append(
            {
                "id": r.id,
                "name": r.name,
                "prefix": r.prefix,
                "scope": r.scope,
                "created_at": r.created_at.isoformat(),
                "expires_at": r.expires_at.isoformat(),
                "revoked_at": _iso(r.revoked_at),
                "last_used_at": _iso(r.last_used_at),
                "status": status,
            }
        )
    return out


def revoke_token(
    engine: Engine, actor: str, token_id: int, now: dt.datetime | None = None, channel: str = "web"
) -> bool:
    """Revoke one of ACTOR's own tokens; False when it was already revoked. Recorded in the trail."""
    now = _now(now)
    actor = actor.strip().lower()
    with engine.begin() as conn:
        row = store.token_of(conn, token_id, actor)
        if row is None:
            raise NotFound(f"you have no token {token_id}.")
        if row.revoked_at is not None:
            return False
        store.revoke(conn, token_id, now)
        append_event(
            conn,
            kind="token_revoked",
            at=now,
            actor=actor,
            data={"token": int(token_id), "acting": acting(channel, actor)},
        )
    return True


def check_token(
    engine: Engine, token: str, need: str = "read", now: dt.datetime | None = None
) -> TokenIdentity:
    """Who TOKEN acts for; InvalidToken when unknown, expired or revoked, OutOfScope when NEED
    (``read`` or ``act``) is beyond its scope. The person must still be registered."""
    now = _now(now)
    refused = InvalidToken("the access token is not valid: it is unknown, expired or revoked.")
    if not looks_like_token(token):
        raise refused
    with engine.connect() as conn:
        row = store.token_by_hash(conn, token_hash(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise refused
    used = row.last_used_at
    if used is None or now - used >= USE_GRAIN:  # a read costs no write more than once a minute
        with engine.begin() as conn:
            store.mark_used(conn, row.id, now)
    identity = TokenIdentity(row.id, row.actor, row.scope)
    if need == "act" and not identity.can_act():
        raise OutOfScope(
            "this access token can only read: create a token with the scope 'read and act' "
            "to change plans."
        )
    return identity
