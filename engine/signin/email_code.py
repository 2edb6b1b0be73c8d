"""Signing in without an identity provider: a one-time code sent by e-mail and typed back.

The code is eight digits, kept only as a hash, valid for ten minutes and for five attempts; it
goes straight to the person's registered address (not through the outbox, which would keep it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from govpath.errors import BadInput, Refused

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from govpath.config import Settings

CODE_MINUTES = 10
MAX_ATTEMPTS = 5


def _hash(person: str, code: str) -> str:
    return hashlib.sha256(f"{person}\n{code}".encode()).hexdigest()


def send_code(engine: Engine, settings: Settings, person: str, now: dt.datetime) -> None:
    """Make a code for PERSON (a registered person) and e-mail it to them."""
    from govpath.notifications.delivery import Outcome, Outgoing, transport_for
    from govpath.notifications.message import build_email, message_id
    from govpath.store.sign_in import add_code, is_registered

    with engine.connect() as conn:
        known = is_registered(conn, person)
    if not known:
        raise BadInput(f"{person} is not a registered person; an administrator adds them first.")
    code = f"{secrets.randbelow(10**8):08d}"
    with engine.begin() as conn:
        add_code(
            conn,
            person=person,
            code_hash=_hash(person, code),
            now=now,
            expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        )
    key = f"||signin|{person}|{secrets.token_hex(8)}"
    msg = build_email(
        sender=settings.mail_from,
        recipient=person,
        subject="Your govpath sign-in code",
        text=(
            f"Your code to sign govpath's command line in is {code}.\n\n"
            f"It works once, for {CODE_MINUTES} minutes. If you did not ask for it, tell your "
            "govpath administrator.\n"
        ),
        html="",
        ics="",
        msg_id=message_id(key),
        date=now,
        kind="signin",
    )
    outcomes: list[Outcome] = []
    transport_for(settings).send_batch([Outgoing(0, key, msg)], outcomes.append)
    if not outcomes or not outcomes[0].ok:
        why = outcomes[0].error if outcomes else "no answer from the mail transport"
        raise BadInput(f"the sign-in code could not be sent to {person}: {why}")


def redeem_code(engine: Engine, person: str, code: str, now: dt.datetime) -> None:
    """Use PERSON's newest live code; Refused (exit 3) when it is wrong, used or expired."""
    from govpath.store.sign_in import newest_unused_code, set_code_attempts, use_code

    code = code.strip()
    with engine.begin() as conn:
        row = newest_unused_code(conn, person)
        if row is None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
            raise Refused(
                f"no live sign-in code for {person}: run `govpath login --email {person}` "
                "for a new one."
            )
        right = hmac.compare_digest(row.code_hash, _hash(person, code))
        if right:
            use_code(conn, row.id, now)
        else:  # the attempt is counted (committed) before the refusal
            set_code_attempts(conn, row.id, row.attempts + 1)
    if not right:
        left = MAX_ATTEMPTS - row.attempts - 1
        raise Refused(f"that sign-in code is not right; {left} attempt(s) left.")
