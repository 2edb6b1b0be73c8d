"""Whether a reminder or escalation is still owed: its deadline's act not done, its plan still there.

A message about a deadline is owed only while the work it asks for is still outstanding where
the plan is: a reminder while the deadline is open, an escalation while it is missed; and in
either case while the plan is in the stage holding the deadline (a deadline carried on with the
plan moves with it). Met (on time or late), superseded, cancelled, or left behind: not owed, and
the reason is a sentence ``govpath outbox list`` shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from govpath.store.notices import standings

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.store.outbox import OutboxMessage

_ABOUT_DEADLINES = frozenset({"reminder", "escalation", "papers_due"})


def _day(at: Any) -> str:
    if at is None:
        return ""
    day = at.date() if isinstance(at, dt.datetime) else at
    return f" on {day.day} {day:%B %Y}"


def reason_not_owed(
    kind: str, deadline: Mapping[str, Any], plan_state: str | None, plan_closed: bool
) -> str | None:
    """Why a message of KIND about DEADLINE is no longer owed, or None while it is.

    >>> d = {"status": "met", "stage": "drafting", "met_at": dt.date(2013, 2, 5)}
    >>> reason_not_owed("escalation", d, "drafting", False)
    'its deadline was met on 5 February 2013'
    >>> reason_not_owed("reminder", {**d, "status": "open"}, "refining", False)
    "the plan has left stage 'drafting' (it is now in 'refining')"
    >>> reason_not_owed("escalation", {**d, "status": "missed"}, "drafting", False) is None
    True
    """
    status = deadline["status"]
    if status == "met":
        return f"its deadline was met{_day(deadline.get('met_at'))}"
    if status == "superseded":
        return "its deadline was superseded when the plan took another route"
    if status == "cancelled":
        return "its deadline was cancelled"
    if kind == "escalation":
        if status != "missed":
            return "its deadline is not missed"
    elif status != "open":
        return "its deadline has passed; an escalation follows instead of a reminder"
    elif plan_closed:
        return "the plan is closed"
    if plan_state is not None and deadline["stage"] != plan_state:
        return f"the plan has left stage '{deadline['stage']}' (it is now in '{plan_state}')"
    return None


def not_owed(
    conn: Connection, messages: Iterable[OutboxMessage], *, lock: bool = False
) -> dict[int, str]:
    """{message id: reason} for the MESSAGES (outbox rows) no longer owed, read in CONN's
    transaction. LOCK (where the backend has row locks) holds the deadline and plan rows read
    until it ends, so a transition meeting the deadline or moving the plan waits for it;
    SQLite's writer already holds the database (``BEGIN IMMEDIATE``)."""
    rows = [m for m in messages if m.deadline_id is not None and m.kind in _ABOUT_DEADLINES]
    if not rows:
        return {}
    found = standings(conn, (m.deadline_id for m in rows if m.deadline_id is not None), lock=lock)
    out: dict[int, str] = {}
    for m in rows:
        r = found.get(m.deadline_id) if m.deadline_id is not None else None
        if r is None:
            out[m.id] = "its deadline no longer exists"
            continue
        deadline = {"status": r.status, "stage": r.stage, "met_at": r.met_at}
        why = reason_not_owed(m.kind, deadline, r.plan_state, r.plan_closed_at is not None)
        if why:
            out[m.id] = why
    return out
