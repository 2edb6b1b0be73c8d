"""Who is acting on the command line: the signed-in person, ``--actor`` as "on behalf of", the
sign-in a database requires, and the clock only a simulation may move."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from govpath.audit.acting import Acting
from govpath.errors import BadInput, Refused

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from govpath.config import Settings

CLOCK_SLACK = dt.timedelta(minutes=5)  # how far --now may be from the real clock
ADMIN = "administrator"


def auth_required(engine: Engine, settings: Settings) -> bool:
    """``[auth] required``; when unset, on for PostgreSQL and off for a personal SQLite file."""
    if settings.auth_required:
        return settings.auth_required == "true"
    from govpath.store.backend import backend_of

    return backend_of(engine).database_roles


def check_clock(engine: Engine, now: dt.datetime | None) -> None:
    """Refuse a ``--now`` more than a few minutes from the real clock, unless a simulation."""
    if now is None:
        return
    from govpath.store.db import utcnow
    from govpath.store.facts import is_simulation

    real = utcnow()
    if abs(now - real) > CLOCK_SLACK and not is_simulation(engine):
        raise Refused(
            f"--now {now.isoformat(timespec='minutes')} is more than "
            f"{int(CLOCK_SLACK.total_seconds() // 60)} minutes from the real clock; only a "
            "database marked as a simulation (`govpath init --simulation`) accepts another "
            "clock. Nothing was written."
        )


def _roles(engine: Engine, email: str) -> frozenset[str]:
    from govpath.store.sign_in import roles_of

    with engine.connect() as conn:
        return roles_of(conn, email)


def _any_administrator(engine: Engine) -> bool:
    from govpath.store.sign_in import anyone_holds

    with engine.connect() as conn:
        return anyone_holds(conn, ADMIN)


def _how_to_sign_in() -> str:
    return "sign in first with `govpath login` (nothing was written)"


def who_acts(
    engine: Engine,
    actor: str | None,
    *,
    now: dt.datetime | None = None,
    admin: bool = False,
    needs_actor: bool = False,
) -> tuple[str | None, Acting]:
    """(the actor the runtime checks roles for, the identity the trail records), or Refused.

    With sign-in required: no signed-in person is refused; ``--actor`` naming someone else is
    allowed only to an administrator; an ADMIN act needs an administrator (while the database
    has none, the first one can be added and the act is recorded with the OS user). Without it,
    the OS user and host are recorded beside ``--actor``.
    """
    from govpath.config import load_settings
    from govpath.signin.sessions import signed_in
    from govpath.store.db import utcnow
    from govpath.store.facts import database_id

    settings = load_settings()
    actor = actor.strip().lower() if actor is not None else None
    if actor == "":
        raise BadInput("--actor needs an e-mail address (it was empty).")
    with engine.connect() as conn:
        db = database_id(conn)
    me = signed_in(engine, db, utcnow())
    person = me.person if me else None
    required = auth_required(engine, settings)
    if required:
        if admin:
            if _any_administrator(engine):
                if person is None:
                    raise Refused(f"this database requires sign-in: {_how_to_sign_in()}.")
                if ADMIN not in _roles(engine, person):
                    raise Refused(
                        f"{person} is not an administrator; only an administrator may do this. "
                        "Nothing was written."
                    )
        elif person is None:
            raise Refused(f"this database requires sign-in: {_how_to_sign_in()}.")
    behalf = actor if actor and actor != person else None
    if behalf and person and ADMIN not in _roles(engine, person):
        raise Refused(
            f"{person} may act only as themselves: acting on behalf of {behalf} needs the "
            "administrator role. Nothing was written."
        )
    check_clock(engine, now)
    acting = me.acting(behalf) if me else Acting.cli(on_behalf_of=behalf)
    acts_as = actor or person
    if needs_actor and not acts_as:
        raise BadInput("say who is acting: sign in with `govpath login`, or give --actor EMAIL.")
    return acts_as, acting
