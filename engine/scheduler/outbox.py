"""The outbox table: insert once by key, claim with a lease, mark sent/retry/failed, list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from govpath.store import tables as t
from govpath.store.db import as_utc

STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


def _insert(conn: Connection):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(t.outbox)


def insert_message(conn: Connection, values: dict[str, Any]) -> bool:
    """Insert a message unless one with the same key exists; True when this call created it."""
    return insert_messages(conn, [values]) == 1


def insert_messages(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert messages in one statement, skipping keys that exist; returns how many were created."""
    if not rows:
        return 0
    blank = {c.name: None for c in t.outbox.columns if c.name != "id"}
    blank.update(body_html="", ics="", attempts=0, late=False, status="pending")
    full = [{**blank, **r} for r in rows]
    stmt = _insert(conn).on_conflict_do_nothing(index_elements=["key"]).returning(t.outbox.c.id)
    return len(conn.execute(stmt, full).all())


def claim_for_delivery(
    conn: Connection,
    now: dt.datetime,
    owner: str,
    lease_seconds: int,
    limit: int,
    stale_out: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Take due pending messages (and 'sending' ones whose lease ran out) for this process."""
    o = t.outbox
    due = or_(
        and_(
            o.c.status == "pending", or_(o.c.next_attempt_at.is_(None), o.c.next_attempt_at <= now)
        ),
        and_(o.c.status == "sending", o.c.lease_until < now),
    )
    query = select(o).where(due).order_by(o.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=o)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    if not rows:
        return []
    stale = _stale(conn, rows)
    if stale_out is not None:
        stale_out.extend(sorted(stale))
    for msg_id, why in sorted(stale.items()):
        conn.execute(
            update(o)
            .where(o.c.id == msg_id)
            .values(status="cancelled", lease_until=None, lease_owner=None, cancel_reason=why)
        )
    rows = [r for r in rows if r["id"] not in stale]
    if rows:
        conn.execute(
            update(o)
            .where(o.c.id.in_([r["id"] for r in rows]))
            .values(
                status="sending",
                lease_owner=owner,
                attempts=o.c.attempts + 1,
                lease_until=now + dt.timedelta(seconds=lease_seconds),
            )
        )
        for r in rows:
            r["attempts"] += 1
    return rows


def _stale(conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[int, str]:
    """Messages no longer owed (:mod:`govpath.scheduler.owed`), with the reason."""
    from govpath.scheduler.owed import not_owed

    return not_owed(conn, rows)


def cancel(conn: Connection, msg_id: int, owner: str, why: str) -> None:
    """A claimed message no longer owed: cancelled (while we hold its lease), saying WHY."""
    o = t.outbox
    conn.execute(
        update(o)
        .where(o.c.id == msg_id, o.c.lease_owner == owner, o.c.status == "sending")
        .values(status="cancelled", lease_until=None, lease_owner=None, cancel_reason=why)
    )


def mark_sent(conn: Connection, msg_id: int, owner: str, now: dt.datetime) -> bool:
    """Record a delivered message (only while we still hold its lease)."""
    o = t.outbox
    res = conn.execute(
        update(o)
        .where(o.c.id == msg_id, o.c.lease_owner == owner, o.c.status == "sending")
        .values(status="sent", sent_at=now, lease_until=None, last_error=None)
    )
    return res.rowcount == 1


def mark_failed_attempt(
    conn: Connection,
    msg_id: int,
    owner: str,
    now: dt.datetime,
    *,
    attempts: int,
    temporary: bool,
    error: str,
    max_attempts: int,
    base_seconds: int,
    max_seconds: int,
) -> str:
    """A temporary failure retries later with exponential backoff; permanent or too many: failed."""
    o = t.outbox
    if temporary and attempts < max_attempts:
        delay = min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds)
        values = {"status": "pending", "next_attempt_at": now + dt.timedelta(seconds=delay)}
    else:
        values = {"status": "failed"}
        if temporary:
            error = f"gave up after {attempts} attempts: {error}"
    conn.execute(
        update(o)
        .where(o.c.id == msg_id, o.c.lease_owner == owner, o.c.status == "sending")
        .values(**values, lease_until=None, last_error=error[:2000])
    )
    return values["status"]


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    """A message as ``govpath outbox list --json`` shows it."""
    due = as_utc(row["due_at"])
    sent = as_utc(row["sent_at"])
    nxt = as_utc(row["next_attempt_at"])
    return {
        "id": row["id"],
        "status": row["status"],
        "kind": row["kind"],
        "plan": row["plan_id"],
        "deadline": row["deadline_id"],
        "to": row["recipient"],
        "subject": row["subject"],
        "due": due.isoformat() if due else None,
        "attempts": row["attempts"],
        "next_attempt_at": nxt.isoformat() if nxt else None,
        "last_error": row["last_error"],
        "sent_at": sent.isoformat() if sent else None,
        "late": bool(row["late"]),
        "cancel_reason": row.get("cancel_reason"),
        "message_id": row["message_id"],
        "key": row["key"],
    }


def list_messages(
    conn: Connection,
    status: str | None = None,
    plan_id: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    o = t.outbox
    query = select(o).order_by(o.c.id)
    if status:
        query = query.where(o.c.status == status)
    if plan_id is not None:
        query = query.where(o.c.plan_id == plan_id)
    if limit:
        query = query.limit(limit)
    return [as_json(dict(r)) for r in conn.execute(query).mappings()]


def retry(conn: Connection, msg_id: int, now: dt.datetime) -> dict[str, Any]:
    """Put a failed or cancelled message back in the queue, due now, with a fresh attempt count."""
    from govpath.errors import NotFound, Refused

    o = t.outbox
    row = conn.execute(select(o).where(o.c.id == msg_id)).mappings().one_or_none()
    if row is None:
        raise NotFound(f"there is no message {msg_id} in the outbox; see `govpath outbox list`.")
    if row["status"] == "sent":
        raise Refused(
            f"message {msg_id} was already sent at {as_utc(row['sent_at'])}; it is not sent twice."
        )
    if row["status"] in ("pending", "sending"):
        raise Refused(f"message {msg_id} is already {row['status']}; the scheduler will send it.")
    conn.execute(
        update(o)
        .where(o.c.id == msg_id)
        .values(
            status="pending", attempts=0, next_attempt_at=now, lease_until=None, lease_owner=None
        )
    )
    fresh = conn.execute(select(o).where(o.c.id == msg_id)).mappings().one()
    return as_json(dict(fresh))
