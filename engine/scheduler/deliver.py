"""Deliver the outbox: claim due messages under a lease, send them as a batch, record outcomes."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from govpath.config import Settings
from govpath.scheduler.outbox import claim_for_delivery, mark_failed_attempt
from govpath.scheduler.owed import not_owed
from govpath.store.outbox import cancel, mark_sent

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from govpath.notifications.delivery import FileTransport, Outcome, SmtpTransport
    from govpath.scheduler.sweep import SweepResult
    from govpath.store.outbox import OutboxMessage

log = logging.getLogger("govpath.mail")


def _ids(row: OutboxMessage) -> dict[str, Any]:
    """The ids a log line about this outbox row carries (see govpath.logs)."""
    return {"message_id": row.id, "plan_id": row.plan_id, "deadline_id": row.deadline_id}


_AUDITED = {
    "reminder": "reminder_sent",
    "papers_due": "reminder_sent",
    "escalation": "escalation_sent",
}


def deliver_due(
    engine: Engine,
    now: dt.datetime,
    settings: Settings,
    result: SweepResult,
    *,
    transport: FileTransport | SmtpTransport | None = None,
    owner: str | None = None,
) -> None:
    """Send every message due at NOW; a crash between send and mark is retried after the lease
    runs out, and the re-send carries the same Message-ID."""
    from govpath.notifications.delivery import Outgoing, transport_for
    from govpath.notifications.message import HeaderInjection, build_email
    from govpath.scheduler.lease import LeaseKeeper
    from govpath.scheduler.sweep import PROCESS_OWNER, append_audit

    owner = owner or PROCESS_OWNER
    transport = transport or transport_for(settings)
    while True:
        with engine.begin() as conn:
            stale: list[int] = []
            rows = claim_for_delivery(
                conn, now, owner, settings.lease_seconds, settings.batch_size, stale
            )
        result.cancelled_at_delivery += len(stale)
        if not rows:
            if stale:
                continue  # all of this batch was cancelled; there may be more behind it
            return
        by_id = {r.id: r for r in rows}
        batch: list[Outgoing] = []
        for r in rows:
            try:
                msg = build_email(
                    sender=settings.mail_from,
                    recipient=r.recipient,
                    subject=r.subject,
                    text=r.body_text,
                    html=r.body_html,
                    ics=r.ics,
                    msg_id=r.message_id,
                    date=r.due_at or now,
                    kind=r.kind,
                )
            except HeaderInjection as exc:
                with engine.begin() as conn:
                    mark_failed_attempt(
                        conn,
                        r.id,
                        owner,
                        now,
                        attempts=r.attempts,
                        temporary=False,
                        error=str(exc),
                        max_attempts=settings.max_attempts,
                        base_seconds=settings.retry_base_seconds,
                        max_seconds=settings.retry_max_seconds,
                    )
                result.failed += 1
                log.warning("%s message refused: %s", r.kind, exc, extra=_ids(r))
                continue
            batch.append(Outgoing(r.id, r.key, msg))

        def record(outcome: Outcome, conn: Connection | None = None) -> None:
            if conn is None:
                with engine.begin() as own:
                    record(outcome, own)
                return
            row = by_id[outcome.id]  # noqa: B023 - called before the loop moves on
            if outcome.ok:
                if mark_sent(conn, outcome.id, owner, now):
                    log.info("%s message sent", row.kind, extra=_ids(row))
                    result.delivered += 1
                    if outcome.where:
                        result.files.append(outcome.where)
                    kind = _AUDITED.get(row.kind)
                    if kind and row.plan_id is not None:
                        append_audit(
                            conn,
                            kind=kind,
                            at=now,
                            plan_id=row.plan_id,
                            actor=row.recipient,
                            data={
                                "message_id": row.message_id,
                                "kind": row.kind,
                                "deadline_id": row.deadline_id,
                                "late": bool(row.late),
                                "subject": row.subject,
                            },
                        )
                return
            status = mark_failed_attempt(
                conn,
                outcome.id,
                owner,
                now,
                attempts=row.attempts,
                temporary=outcome.temporary,
                error=outcome.error,
                max_attempts=settings.max_attempts,
                base_seconds=settings.retry_base_seconds,
                max_seconds=settings.retry_max_seconds,
            )
            log.warning(
                "%s message not sent (%s): %s",
                row.kind,
                "given up" if status == "failed" else "will retry",
                outcome.error,
                extra=_ids(row),
            )
            if status == "failed":
                result.failed += 1
            else:
                result.retry_later += 1

        # A message about a deadline goes out only while it is still owed: asked just before it
        # is handed over, in the transaction that then marks it sent, which holds the deadline
        # and plan rows until then (a transition meeting the deadline or moving the plan waits
        # for the send, or is seen by the check).
        held: dict[int, Connection] = {}  # each in the transaction begun for its message

        def ready(item: Outgoing) -> bool:
            if not keeper.hold(item.id):  # another scheduler has taken it: not ours to send
                return False
            row = by_id[item.id]  # noqa: B023 - called before the loop moves on
            if row.deadline_id is None:
                return True
            conn = engine.connect()
            conn.begin()
            why = not_owed(conn, [row], lock=True)
            if why:
                cancel(conn, item.id, owner, why[item.id])
                conn.commit()
                conn.close()
                result.cancelled_at_delivery += 1
                return False
            held[item.id] = conn  # noqa: B023 - used before the loop moves on
            return True

        def settle(outcome: Outcome) -> None:
            keeper.done(outcome.id)
            found = held.pop(outcome.id, None)  # noqa: B023 - as above
            if found is None:
                record(outcome)
                return
            conn = found
            try:
                record(outcome, conn)
                conn.commit()
            finally:
                conn.close()

        # The lease is renewed while the batch is sent, and each message is checked to be still
        # ours just before it goes: a second scheduler never takes a message being sent.
        with LeaseKeeper(engine, by_id, owner, now, settings.lease_seconds) as keeper:
            try:
                transport.send_batch(batch, settle, ready)
            finally:
                for conn in held.values():  # handed over, never reported: its lease runs out
                    conn.rollback()
                    conn.close()
        if len(rows) + len(stale) < settings.batch_size:
            return
