"""One sweep: make notices from new schedules, mark missed deadlines, turn due notices into
outbox messages once, then deliver.

The claim/create part runs in one transaction per batch: PostgreSQL claims rows with
``FOR UPDATE SKIP LOCKED`` so concurrent schedulers never take the same row; SQLite has one
writer at a time (``BEGIN IMMEDIATE``). The outbox's unique ``key`` makes each message exist
once however many sweeps or processes see the same notice.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from govpath.config import WEEKDAYS, Settings, load_settings
from govpath.scheduler.clock import local, local_date
from govpath.scheduler.compose import deadline_message
from govpath.scheduler.context import Context, load_deadlines
from govpath.scheduler.owed import reason_not_owed
from govpath.store import notices as store
from govpath.store.cache import CACHE
from govpath.store.outbox import insert_messages

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from govpath.notifications.delivery import FileTransport, SmtpTransport
    from govpath.notifications.render import Renderer
    from govpath.store.notices import DueNotice

PROCESS_OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class SweepResult:
    """What one sweep did (counts)."""

    deadlines_missed: int = 0
    notices_made: int = 0  # from the schedules of deadlines entered since the last sweep
    notices_claimed: int = 0
    messages_created: int = 0
    notices_collapsed: int = 0
    notices_cancelled: int = 0
    no_recipient: int = 0
    papers_due: int = 0
    digests: int = 0
    delivered: int = 0
    retry_later: int = 0
    failed: int = 0
    cancelled_at_delivery: int = 0
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def append_audit(conn: Connection, **event: Any) -> None:
    """Append to the decision trail (govpath.audit.chain), as the scheduler process."""
    from govpath.audit.acting import scheduler_json
    from govpath.audit.chain import append_event

    append_event(
        conn, **{**event, "data": {**(event.get("data") or {}), "acting": scheduler_json()}}
    )


def run_sweep(
    engine: Engine,
    now: dt.datetime,
    *,
    deliver: bool = True,
    settings: Settings | None = None,
    config: Settings | None = None,
    transport: FileTransport | SmtpTransport | None = None,
    digest: bool | None = None,
) -> SweepResult:
    """Do everything due at NOW (aware): missed deadlines, reminders, escalations, papers due,
    the weekly digest on its day (DIGEST None: decide from the clock), then delivery."""
    from govpath.notifications.render import renderer_for

    if now.tzinfo is None:
        raise ValueError("run_sweep needs an aware datetime (the clock is injected, never guessed)")
    now = now.astimezone(dt.UTC)
    settings = settings or config or load_settings()
    renderer = renderer_for(settings.templates_dir or None)
    result = SweepResult()
    while True:
        with engine.begin() as conn:
            claimed = _sweep_batch(conn, now, settings, renderer, result)
        if claimed < settings.batch_size:
            break
    from govpath.scheduler.digest import papers_due, weekly_digest

    with engine.begin() as conn:
        result.papers_due += papers_due(conn, now, settings, renderer)
    here = local(now, settings.timezone)
    if (
        digest is None
    ):  # the digest day, from its hour; once per process and day (the key does the rest)
        digest = (
            WEEKDAYS[here.weekday()] == settings.digest_day
            and here.hour >= settings.digest_hour
            and CACHE.digested.get(str(engine.url)) != here.date()
        )
    if digest:
        with engine.begin() as conn:
            result.digests += weekly_digest(conn, now, settings, renderer)
        CACHE.digested[str(engine.url)] = here.date()
    if deliver:
        from govpath.scheduler.deliver import deliver_due

        deliver_due(engine, now, settings, result, transport=transport)
    return result


def _sweep_batch(
    conn: Connection,
    now: dt.datetime,
    settings: Settings,
    renderer: Renderer,
    result: SweepResult,
) -> int:
    from govpath.runtime.deadlines import make_notices

    today = local_date(now, settings.timezone)
    # first, while they are still open: a deadline missed below still gets its escalations
    while True:
        deadlines, made = make_notices(conn, settings.batch_size)
        result.notices_made += made
        if deadlines < settings.batch_size:
            break
    result.deadlines_missed += _mark_missed(conn, now, today, settings.batch_size)
    notices = store.claim_due_notices(conn, now, settings.batch_size)
    result.notices_claimed += len(notices)
    if notices:
        _queue(conn, now, today, settings, renderer, notices, result)
    return len(notices)


def _mark_missed(conn: Connection, now: dt.datetime, today: dt.date, limit: int) -> int:
    """Open deadlines whose day has passed become missed (audited), a batch at a time."""
    total = 0
    while True:
        rows = store.open_past_due(conn, today, limit)
        if not rows:
            return total
        store.mark_missed(conn, [r.id for r in rows], now)
        for r in rows:
            append_audit(
                conn,
                kind="deadline_missed",
                at=now,
                plan_id=r.plan_id,
                meeting_id=r.meeting_id,
                actor=r.owner,
                data={
                    "deadline": r.name,
                    "stage": r.stage,
                    "due": r.due.isoformat(),
                    "deadline_id": r.id,
                },
            )
        total += len(rows)
        if len(rows) < limit:
            return total


def _queue(
    conn: Connection,
    now: dt.datetime,
    today: dt.date,
    settings: Settings,
    renderer: Renderer,
    notices: list[DueNotice],
    result: SweepResult,
) -> None:
    ctx = Context(conn)
    contexts = load_deadlines(conn, ctx, (r.deadline_id for r in notices))
    groups: dict[tuple[int, str, str], list[DueNotice]] = defaultdict(list)
    cancelled: list[int] = []
    for r in notices:
        dc = contexts.get(r.deadline_id)
        if dc is None or reason_not_owed(
            r.kind, dc.deadline, dc.plan["state"], bool(dc.plan["closed"])
        ):
            cancelled.append(r.id)  # met, superseded, left behind, or (a reminder) missed
            continue
        groups[(r.deadline_id, r.kind, r.recipient)].append(r)
    handled: list[int] = []
    levels: dict[int, int] = {}
    rows: dict[str, dict[str, Any]] = {}
    for (deadline_id, kind, recipient), group in sorted(
        groups.items(), key=lambda kv: (max(n.due_at for n in kv[1]), kv[0])
    ):
        group.sort(key=lambda n: (n.due_at, n.id))
        latest = group[-1]
        dc = contexts[deadline_id]
        day = local_date(latest.due_at, settings.timezone)
        late = len(group) > 1 or day < today
        result.notices_collapsed += len(group) - 1
        handled.extend(n.id for n in group)
        level = 0
        if kind == "escalation":
            level = levels.get(deadline_id, dc.deadline["escalation_level"]) + 1
            levels[deadline_id] = level
        people = ctx.resolve(recipient, dc)
        if not people:
            result.no_recipient += 1
            if kind == "escalation":  # not dropped silently: the trail and the policy team's digest
                append_audit(
                    conn,
                    kind="escalation_unheld",
                    at=now,
                    plan_id=dc.plan["id"],
                    meeting_id=dc.deadline["meeting_id"],
                    actor=recipient,
                    data={
                        "deadline": dc.deadline["name"],
                        "deadline_id": deadline_id,
                        "title": dc.deadline["title"],
                        "due": dc.deadline["due"].isoformat(),
                        "to": recipient,
                        "level": level,
                        "reason": f"nobody holds {recipient.removeprefix('role:')}",
                    },
                )
            continue
        for person in people:
            values = deadline_message(
                ctx,
                renderer,
                settings,
                dc,
                kind=kind,
                recipient=person,
                day=day,
                due_at=latest.due_at,
                now=now,
                today=today,
                late=late,
                collapsed=len(group),
                level=level,
            )
            rows.setdefault(values["key"], values)
    result.messages_created += insert_messages(conn, list(rows.values()))
    if cancelled:
        store.settle_notices(conn, cancelled, "cancelled", PROCESS_OWNER)
        result.notices_cancelled += len(cancelled)
    if handled:
        store.settle_notices(conn, handled, "queued", PROCESS_OWNER)
    store.set_escalation_levels(conn, levels)
