"""Random tokens, their hashes, and the key that signs cookies (configured, or kept in the database)."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from govpath.store import sessions

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy import Engine


def new_token() -> str:
    """A fresh 256-bit token, URL-safe, made as a session's is."""
    return sessions.new_token()


def digest(token: str) -> str:
    """What the database keeps of a token (a link's, like a session's): its SHA-256, hex."""
    return sessions.token_hash(token)


def mac(key: str, *parts: str) -> str:
    """An HMAC-SHA256 of PARTS under KEY, hex."""
    return hmac.new(key.encode("utf-8"), "|".join(parts).encode("utf-8"), "sha256").hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def cookie_key(engine: Engine, configured: str, now: dt.datetime) -> str:
    """The configured secret key, else the one kept in the database (made once, shared by all)."""
    if configured:
        return configured
    from sqlalchemy.exc import IntegrityError

    with engine.connect() as conn:
        found = sessions.stored_key(conn, "cookie")
    if found:
        return found
    try:
        with engine.begin() as conn:
            sessions.add_key(conn, "cookie", new_token(), now)
    except IntegrityError:  # another copy of the server made it first: use theirs
        pass
    with engine.connect() as conn:
        found = sessions.stored_key(conn, "cookie")
    if found is None:
        raise LookupError("the cookie key was neither found nor kept in the database")
    return found
