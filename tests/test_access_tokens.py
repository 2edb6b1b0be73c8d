"""Personal access tokens: shown once, stored hashed, scoped, expiring, revocable; on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from govpath.errors import BadInput, NotFound
from govpath.runtime.api import add_actor
from govpath.runtime.tokens import (
    InvalidToken,
    OutOfScope,
    check_token,
    create_token,
    list_tokens,
    revoke_token,
    token_hash,
)
from govpath.store.db import open_db
from govpath.store.tables import access_tokens, audit_events

T0 = dt.datetime(2013, 1, 7, 9, tzinfo=dt.UTC)
ANN = "ann@kent.example"


def test_a_token_lives_its_life(db_url: str) -> None:
    engine = open_db(db_url)
    add_actor(engine, ANN, "Ann Auditor", ["auditor"], now=T0)
    add_actor(engine, "bob@kent.example", "Bob", ["director"], now=T0)
    read = create_token(engine, ANN, "Power BI", "read", days=30, now=T0)
    act = create_token(engine, ANN, "ModernGov sync", "act", days=1, now=T0)
    assert read.secret.startswith("gpat_") and len(read.secret) > 40
    with engine.connect() as conn:
        stored = conn.execute(select(access_tokens)).all()
        trail = " ".join(conn.execute(select(audit_events.c.data)).scalars())
    assert {r.token_hash for r in stored} == {token_hash(read.secret), token_hash(act.secret)}
    for row in stored:  # the secret is nowhere in the database
        assert read.secret not in repr(tuple(row)) and act.secret not in repr(tuple(row))
    assert read.secret not in trail and '"scope":"read"' in trail

    later = T0 + dt.timedelta(hours=2)
    who = check_token(engine, read.secret, now=later)
    assert (who.id, who.actor, who.scope) == (read.id, ANN, "read")
    with pytest.raises(OutOfScope, match="can only read"):
        check_token(engine, read.secret, need="act", now=later)
    assert check_token(engine, act.secret, need="act", now=later).can_act()

    with pytest.raises(InvalidToken):  # expired after its day
        check_token(engine, act.secret, now=T0 + dt.timedelta(days=1, seconds=1))
    with pytest.raises(InvalidToken):
        check_token(engine, read.secret[:-2] + "xx", now=later)
    with pytest.raises(InvalidToken):
        check_token(engine, "not a token", now=later)

    with pytest.raises(NotFound):  # only its owner revokes it
        revoke_token(engine, "bob@kent.example", read.id, now=later)
    assert revoke_token(engine, ANN, read.id, now=later) is True
    assert revoke_token(engine, ANN, read.id, now=later) is False
    with pytest.raises(InvalidToken):
        check_token(engine, read.secret, now=later)

    mine = {t["id"]: t for t in list_tokens(engine, ANN, now=T0 + dt.timedelta(days=2))}
    assert mine[read.id]["status"] == "revoked" and mine[act.id]["status"] == "expired"
    assert mine[read.id]["last_used_at"] is not None
    assert all("secret" not in t and "token_hash" not in t for t in mine.values())
    with engine.connect() as conn:
        kinds = conn.execute(
            select(audit_events.c.kind).where(audit_events.c.kind.like("token_%"))
        ).scalars()
        assert sorted(kinds) == ["token_created", "token_created", "token_revoked"]


def test_bad_token_requests_are_one_sentence(sqlite_url: str) -> None:
    engine = open_db(sqlite_url)
    add_actor(engine, ANN, "Ann", ["auditor"], now=T0)
    for kwargs, words in [
        ({"name": "", "scope": "read"}, "give the token a name"),
        ({"name": "x", "scope": "write"}, "scope must be read or act"),
        ({"name": "x", "scope": "read", "days": 0}, "expire in 1 to 366 days"),
        ({"name": "x", "scope": "read", "days": 400}, "expire in 1 to 366 days"),
    ]:
        with pytest.raises(BadInput, match=words):
            create_token(engine, ANN, now=T0, **kwargs)
    with pytest.raises(NotFound):
        create_token(engine, "nobody@kent.example", "x", "read", now=T0)
