"""Command-line sessions: a random token kept 0600 in the user's config folder, its hash in the
database; who is signed in, and signing out.

The credential file maps a database's identity to its session, so one person can be signed in to
several databases. The token alone proves nothing without its row in ``sign_ins``: ending the
session there (``govpath logout``, or an administrator) ends it everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govpath.audit.acting import Acting

if TYPE_CHECKING:
    from sqlalchemy import Engine


def credentials_path() -> Path:
    """``GOVPATH_CREDENTIALS``, else ``$XDG_CONFIG_HOME/govpath/credentials.json``
    (``~/.config/govpath/credentials.json``)."""
    given = os.environ.get("GOVPATH_CREDENTIALS")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "govpath" / "credentials.json"


def _read() -> dict[str, Any]:
    try:
        doc = json.loads(credentials_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _write(doc: dict[str, Any]) -> None:
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(doc, out, indent=2, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@dataclass(frozen=True)
class SignedIn:
    """The person this command line is signed in as, on this database."""

    person: str
    method: str
    issuer: str | None
    subject: str | None
    expires_at: dt.datetime

    def acting(self, on_behalf_of: str | None = None) -> Acting:
        base = Acting.cli(person=self.person, on_behalf_of=on_behalf_of)
        from dataclasses import replace

        return replace(base, issuer=self.issuer, subject=self.subject)


def start_session(
    engine: Engine,
    database: str,
    person: str,
    *,
    method: str,
    now: dt.datetime,
    hours: int,
    issuer: str | None = None,
    subject: str | None = None,
) -> SignedIn:
    """Record a new session for PERSON and keep its token in the credential file (0600)."""
    from govpath.audit.chain import append_event
    from govpath.store.sessions import begin_sign_in

    expires = now + dt.timedelta(hours=hours)
    acting = Acting.cli(person=person)
    with engine.begin() as conn:
        token = begin_sign_in(
            conn,
            person=person,
            method=method,
            issuer=issuer,
            subject=subject,
            os_user=acting.os_user,
            host=acting.host,
            now=now,
            expires_at=expires,
        )
        append_event(
            conn,
            kind="signed_in",
            at=now,
            actor=person,
            data={
                "acting": {**acting.to_json(), "issuer": issuer, "subject": subject},
                "method": method,
                "expires": expires.isoformat(),
            },
        )
    doc = _read()
    doc[database] = {"token": token, "person": person, "expires": expires.isoformat()}
    _write(doc)
    return SignedIn(person, method, issuer, subject, expires)


def signed_in(engine: Engine, database: str, now: dt.datetime) -> SignedIn | None:
    """The live session of this user's credential on DATABASE, or None."""
    from govpath.store.sessions import live_sign_in

    entry = _read().get(database)
    if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
        return None
    with engine.connect() as conn:
        row = live_sign_in(conn, entry["token"], now)
    if row is None:
        return None
    return SignedIn(row.person, row.method, row.issuer, row.subject, row.expires_at)


def end_session(engine: Engine, database: str, now: dt.datetime) -> str | None:
    """Sign out: end the session in the database and forget the token; who it was, or None."""
    from govpath.audit.chain import append_event
    from govpath.store.sessions import end_sign_in

    doc = _read()
    entry = doc.pop(database, None)
    if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
        return None
    with engine.begin() as conn:
        ended = end_sign_in(conn, entry["token"], now)
        if ended:
            append_event(
                conn,
                kind="signed_out",
                at=now,
                actor=ended,
                data={"acting": Acting.cli(person=ended).to_json()},
            )
    _write(doc)
    return ended
