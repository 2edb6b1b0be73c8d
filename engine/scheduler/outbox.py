"""The outbox's rules: what a claim takes, how a failure retries, what a requeue refuses, the JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from govpath.store import outbox as store
from govpath.store.outbox import insert_messages as insert_messages  # the checkpoint's witnesses

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.store.outbox import OutboxMessage


def claim_for_delivery(
    conn: Connection,
    now: dt.datetime,
    owner: str,
    lease_seconds: int,
    limit: int,
    stale_out: list[int] | None = None,
) -> list[OutboxMessage]:
    """Take due pending messages (and 'sending' ones whose lease ran out) for this process;
    those no longer owed (:mod:`govpath.scheduler.owed`) are cancelled, their ids added to
    STALE_OUT. The messages are returned as read, but for their attempts (one more each)."""
    from govpath.scheduler.owed import not_owed

    rows = store.due_for_delivery(conn, now, limit)
    if not rows:
        return []
    stale = not_owed(conn, rows)
    if stale_out is not None:
        stale_out.extend(sorted(stale))
    store.cancel_unowned(conn, stale)
    rows = [r for r in rows if r.id not in stale]
    if rows:
        until = now + dt.timedelta(seconds=lease_seconds)
        store.take(conn, [r.id for r in rows], owner, until)
    return [dataclasses.replace(r, attempts=r.attempts + 1) for r in rows]


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
    """A temporary failure retries later with exponential backoff; permanent or too many: failed.
    Returns the message's new status."""
    if temporary and attempts < max_attempts:
        delay = min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds)
        status, next_attempt_at = "pending", now + dt.timedelta(seconds=delay)
    else:
        status, next_attempt_at = "failed", None
        if temporary:
            error = f"gave up after {attempts} attempts: {error}"
    store.mark_attempt_failed(
        conn, msg_id, owner, status=status, next_attempt_at=next_attempt_at, error=error[:2000]
    )
    return status


def as_json(row: OutboxMessage) -> dict[str, Any]:
    """A message as ``govpath outbox list --json`` shows it."""
    due, sent, nxt = row.due_at, row.sent_at, row.next_attempt_at
    return {
        "id": row.id,
        "status": row.status,
        "kind": row.kind,
        "plan": row.plan_id,
        "deadline": row.deadline_id,
        "to": row.recipient,
        "subject": row.subject,
        "due": due.isoformat() if due else None,
        "attempts": row.attempts,
        "next_attempt_at": nxt.isoformat() if nxt else None,
        "last_error": row.last_error,
        "sent_at": sent.isoformat() if sent else None,
        "late": bool(row.late),
        "cancel_reason": row.cancel_reason,
        "message_id": row.message_id,
        "key": row.key,
    }


def list_messages(
    conn: Connection,
    status: str | None = None,
    plan_id: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The outbox as ``govpath outbox list --json`` shows it, of STATUS and PLAN_ID when given."""
    return [as_json(r) for r in store.list_messages(conn, status, plan_id, limit)]


def retry(conn: Connection, msg_id: int, now: dt.datetime) -> dict[str, Any]:
    """Put a failed or cancelled message back in the queue, due now, with a fresh attempt count."""
    from govpath.errors import NotFound, Refused

    row = store.get_message(conn, msg_id)
    if row is None:
        raise NotFound(f"there is no message {msg_id} in the outbox; see `govpath outbox list`.")
    if row.status == "sent":
        raise Refused(f"message {msg_id} was already sent at {row.sent_at}; it is not sent twice.")
    if row.status in ("pending", "sending"):
        raise Refused(f"message {msg_id} is already {row.status}; the scheduler will send it.")
    store.requeue(conn, msg_id, now)
    fresh = store.get_message(conn, msg_id)
    assert fresh is not None  # requeued in this transaction
    return as_json(fresh)
