"""The outbox table: insert once by key, claim under a lease, record outcomes, list and requeue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, Insert, and_, or_, select, update

from govpath.store.backend import backend_of
from govpath.store.tables import outbox

STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxMessage:
    """One outbox row, as read."""

    id: int
    key: str
    message_id: str
    plan_id: int | None
    deadline_id: int | None
    kind: str
    recipient: str
    subject: str
    body_text: str
    body_html: str
    ics: str
    due_at: dt.datetime
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    lease_until: dt.datetime | None
    lease_owner: str | None
    last_error: str | None
    late: bool
    created_at: dt.datetime
    sent_at: dt.datetime | None
    cancel_reason: str | None

    def __getitem__(self, column: str) -> object:
        """The value of COLUMN, for callers that read a row by column name."""
        if column not in _COLUMNS:
            raise KeyError(column)
        return getattr(self, column)


_COLUMNS = frozenset(f.name for f in fields(OutboxMessage))


def _messages(conn: Connection, query: Any) -> list[OutboxMessage]:
    return [OutboxMessage(**row) for row in conn.execute(query).mappings()]


def insert_messages(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert messages (column values by name) in one statement, skipping keys that exist;
    returns how many were created."""
    if not rows:
        return 0
    blank: dict[str, Any] = {c.name: None for c in outbox.columns if c.name != "id"}
    blank.update(body_html="", ics="", attempts=0, late=False, status="pending")
    full = [{**blank, **r} for r in rows]
    stmt = _INSERT_NEW_KEYS[backend_of(conn).name]().returning(outbox.c.id)
    return len(conn.execute(stmt, full).all())


def _sqlite_insert_new_keys() -> Insert:
    from sqlalchemy.dialects.sqlite import insert

    return insert(outbox).on_conflict_do_nothing(index_elements=["key"])


def _postgresql_insert_new_keys() -> Insert:
    from sqlalchemy.dialects.postgresql import insert

    return insert(outbox).on_conflict_do_nothing(index_elements=["key"])


# INSERT … ON CONFLICT (key) DO NOTHING: the same SQL on both backends, but each dialect has its
# own construct for it, so one builder per backend.
_INSERT_NEW_KEYS = {"sqlite": _sqlite_insert_new_keys, "postgresql": _postgresql_insert_new_keys}


def existing_keys(conn: Connection, keys: Iterable[str]) -> set[str]:
    """Those of KEYS that messages already have (through the unique key index, never a scan)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    return set(conn.execute(select(outbox.c.key).where(outbox.c.key.in_(wanted))).scalars())


def due_for_delivery(conn: Connection, now: dt.datetime, limit: int) -> list[OutboxMessage]:
    """Due pending messages and 'sending' ones whose lease ran out, oldest first; locked (rows
    other workers hold skipped) where the backend can."""
    o = outbox
    due = or_(
        and_(
            o.c.status == "pending", or_(o.c.next_attempt_at.is_(None), o.c.next_attempt_at <= now)
        ),
        and_(o.c.status == "sending", o.c.lease_until < now),
    )
    query = select(o).where(due).order_by(o.c.id).limit(limit)
    if backend_of(conn).skip_locked:
        query = query.with_for_update(skip_locked=True, of=o)
    return _messages(conn, query)


def cancel_unowned(conn: Connection, reasons: Mapping[int, str]) -> None:
    """Cancel the messages by id (claimed in this transaction), each with its reason."""
    o = outbox
    for msg_id, why in sorted(reasons.items()):
        conn.execute(
            update(o)
            .where(o.c.id == msg_id)
            .values(status="cancelled", lease_until=None, lease_owner=None, cancel_reason=why)
        )


def take(conn: Connection, ids: Sequence[int], owner: str, lease_until: dt.datetime) -> None:
    """Mark the messages IDS as being sent by OWNER until LEASE_UNTIL, one more attempt each."""
    o = outbox
    conn.execute(
        update(o)
        .where(o.c.id.in_(ids))
        .values(
            status="sending",
            lease_owner=owner,
            attempts=o.c.attempts + 1,
            lease_until=lease_until,
        )
    )


def renew(conn: Connection, ids: Iterable[int], owner: str, until: dt.datetime) -> int:
    """Push the lease of OWNER's messages among IDS that are still being sent on to UNTIL;
    returns how many were renewed."""
    o = outbox
    wanted = sorted(ids)
    if not wanted:
        return 0
    res = conn.execute(
        update(o)
        .where(o.c.id.in_(wanted), o.c.lease_owner == owner, o.c.status == "sending")
        .values(lease_until=until)
    )
    return res.rowcount


def cancel(conn: Connection, msg_id: int, owner: str, why: str) -> None:
    """A claimed message no longer owed: cancelled (while we hold its lease), saying WHY."""
    o = outbox
    conn.execute(
        update(o)
        .where(o.c.id == msg_id, o.c.lease_owner == owner, o.c.status == "sending")
        .values(status="cancelled", lease_until=None, lease_owner=None, cancel_reason=why)
    )


def mark_sent(conn: Connection, msg_id: int, owner: str, now: dt.datetime) -> bool:
    """Record a delivered message (only while we still hold its lease)."""
    o = outbox
    res = conn.execute(
        update(o)
        .where(o.c.id == msg_id, o.c.lease_owner == owner, o.c.status == "sending")
        .values(status="sent", sent_at=now, lease_until=None, last_error=None)
    )
    return res.rowcount == 1


def mark_attempt_failed(
    conn: Connection,
    msg_id: int,
    owner: str,
    *,
    status: str,
    next_attempt_at: dt.datetime | None,
    error: str,
) -> None:
    """Record a failed attempt (while we hold the lease): STATUS 'pending' again at
    NEXT_ATTEMPT_AT, or 'failed' (NEXT_ATTEMPT_AT None leaves it as it was)."""
    o = outbox
    values: dict[str, Any] = {"status": status, "lease_until": None, "last_error": error}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    conn.execute(
        update(o)
        .where(o.c.id == msg_id, o.c.lease_owner == owner, o.c.status == "sending")
        .values(**values)
    )


def list_messages(
    conn: Connection,
    status: str | None = None,
    plan_id: int | None = None,
    limit: int | None = None,
) -> list[OutboxMessage]:
    """Messages in id order, of STATUS and PLAN_ID when given, at most LIMIT."""
    o = outbox
    query = select(o).order_by(o.c.id)
    if status:
        query = query.where(o.c.status == status)
    if plan_id is not None:
        query = query.where(o.c.plan_id == plan_id)
    if limit:
        query = query.limit(limit)
    return _messages(conn, query)


def get_message(conn: Connection, msg_id: int) -> OutboxMessage | None:
    """The message MSG_ID, or None."""
    found = _messages(conn, select(outbox).where(outbox.c.id == msg_id))
    return found[0] if found else None


def requeue(conn: Connection, msg_id: int, now: dt.datetime) -> None:
    """Put a message back in the queue, due NOW, with a fresh attempt count and no lease."""
    o = outbox
    conn.execute(
        update(o)
        .where(o.c.id == msg_id)
        .values(
            status="pending", attempts=0, next_attempt_at=now, lease_until=None, lease_owner=None
        )
    )


def undelivered(conn: Connection, since: dt.datetime, limit: int) -> list[OutboxMessage]:
    """Messages (not digests) due since SINCE that could not be delivered, in id order."""
    o = outbox
    return _messages(
        conn,
        select(o)
        .where(o.c.status == "failed", o.c.kind != "digest", o.c.due_at >= since)
        .order_by(o.c.id)
        .limit(limit),
    )
