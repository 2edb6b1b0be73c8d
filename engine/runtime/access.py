"""Who may read the trail, the decision register and the year report; a refusal is recorded.

Auditors, Democratic Services and the policy team read the whole trail; anyone else asking is
refused, and the refusal goes into the trail as an ``access_refused`` event (who, what, through
which channel), so an auditor can see who tried.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from govpath.audit.chain import append_event
from govpath.audit.trail_query import acting
from govpath.errors import Refused
from govpath.store.visibility import roles_held

if TYPE_CHECKING:
    from sqlalchemy import Engine

TRAIL_READERS = ("auditor", "democratic_services", "policy_team")


def roles_of(engine: Engine, email: str) -> set[str]:
    """The roles a registered person holds (empty for anyone unknown)."""
    with engine.connect() as conn:
        return roles_held(conn, email.strip().lower())


def can_read_trail(engine: Engine, email: str) -> bool:
    """Whether EMAIL holds a role that reads the trail."""
    return bool(roles_of(engine, email) & set(TRAIL_READERS))


def require_trail_reader(
    engine: Engine,
    email: str,
    what: str,
    *,
    channel: str,
    now: dt.datetime | None = None,
    context: dict[str, Any] | None = None,
) -> None:
    """Return if EMAIL may read WHAT (e.g. ``/audit``); otherwise record the refusal in the trail
    and raise Refused with the sentence to show."""
    if can_read_trail(engine, email):
        return
    from govpath.store.db import utcnow

    reason = (
        f"{what} is open to auditors, Democratic Services and the policy team only; "
        "ask the policy team if you need it."
    )
    with engine.begin() as conn:
        append_event(
            conn,
            kind="access_refused",
            at=now or utcnow(),
            actor=email.strip().lower(),
            note=what,
            data={"reason": reason, "acting": acting(channel, email, **(context or {}))},
        )
    raise Refused(reason)
