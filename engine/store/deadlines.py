"""A plan's deadlines and their messages: reading and writing the rows, as typed records."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govpath.audit.chain import compact_json_encoder
from govpath.store.cache import CACHE
from govpath.store.deadline_rows import statements

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.store.prepared import StoreConnection


@dataclass(frozen=True, slots=True, kw_only=True)
class Owed:
    """A deadline a plan still owes (open or missed), as a transition settles it."""

    id: int
    name: str
    stage: str
    status: str
    carried_from: str | None
    due: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class Owing:
    """An open or missed deadline of a plan, as a migration closes it."""

    id: int
    name: str
    stage: str
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenDeadline:
    """An open deadline of a stage, as a moved meeting reworks it."""

    id: int
    name: str
    due: dt.date
    carried_from: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Scheduled:
    """An open deadline whose reminder schedule has not been turned into notices yet."""

    id: int
    plan_id: int
    schedule: str


_schedule_json = compact_json_encoder(None, sort_keys=False)


def encode_schedule(entries: list[tuple[str, str, dt.datetime]]) -> str | None:
    """A schedule as stored in ``deadlines.schedule`` (times in UTC); None when it is empty.

    >>> at = dt.datetime(2012, 12, 17, 8, tzinfo=dt.UTC)
    >>> encode_schedule([("reminder", "d@kent.gov.uk", at)])
    '[["reminder","d@kent.gov.uk","2012-12-17T08:00:00+00:00"]]'
    >>> decode_schedule(_) == [("reminder", "d@kent.gov.uk", at)]
    True
    """
    if not entries:
        return None
    return _schedule_json([[kind, to, _utc_text(at)] for kind, to, at in entries])


def _utc_text(at: dt.datetime) -> str:
    texts = CACHE.reminder_texts  # a timeline's reminder times recur for every plan
    text = texts.get(at)
    if text is None:
        if len(texts) > 1024:
            texts.clear()
        text = texts[at] = at.astimezone(dt.UTC).isoformat()
    return text


def decode_schedule(text: str | None) -> list[tuple[str, str, dt.datetime]]:
    """The (kind, recipient, aware UTC time) entries of a stored schedule."""
    if not text:
        return []
    return [(kind, to, dt.datetime.fromisoformat(at)) for kind, to, at in json.loads(text)]


def calendar_revision(conn: StoreConnection) -> int | None:
    """The calendar's revision (advanced by every change to the meetings); None: not kept."""
    found = conn.execute(statements().revision).scalar()
    return None if found is None else int(found)


def owed(conn: StoreConnection, plan_id: int) -> tuple[Owed, ...]:
    """The deadlines PLAN_ID still owes, by id (read with the plan, settled by its transition)."""
    return tuple(Owed(**row) for row in statements().owed_of_plan.records(conn, {"pid": plan_id}))


def insert_deadlines(conn: StoreConnection, rows: list[dict[str, Any]]) -> None:
    """Insert deadline rows (every column of ``deadlines`` but ``id`` and ``carried_from``)."""
    statements().insert_deadline.executemany(conn, rows)


def cancel_messages(conn: StoreConnection, deadline_ids: Iterable[int], why: str) -> None:
    """Cancel the scheduled notices and pending outbox rows of these deadlines, saying WHY."""
    s = statements()
    ids = list(deadline_ids)
    s.cancel_notices.executemany(conn, [{"did": did} for did in ids])
    s.cancel_outbox.executemany(conn, [{"did": did, "why": why} for did in ids])


def meet_stage(
    conn: StoreConnection,
    *,
    plan_id: int,
    stage: str,
    status: str,
    now: dt.datetime,
    pending_messages: bool,
) -> list[tuple[int, str]]:
    """Close (as STATUS) the open deadlines of the plan's STAGE, cancelling the pending messages
    of the stage's deadlines first (when it has any); the (id, name) of those closed, by id."""
    s = statements()
    if pending_messages:
        s.cancel_outbox_stage.send(conn, {"pid": plan_id, "stage": stage})
    cur = s.meet_stage.execute(
        conn, {"pid": plan_id, "stage": stage, "new_status": status, "now": now}
    )
    met = sorted((int(did), str(name)) for did, name in cur.fetchall())  # RETURNING: no order
    cur.close()
    return met


def owing(conn: StoreConnection, plan_id: int) -> list[Owing]:
    """The plan's open and missed deadlines."""
    return [Owing(**row) for row in statements().open_of_plan.records(conn, {"pid": plan_id})]


def cancel_outbox(conn: StoreConnection, deadline_ids: Iterable[int], why: str) -> None:
    """Cancel the pending outbox rows of these deadlines, saying WHY."""
    rows = [{"did": did, "why": why} for did in deadline_ids]
    statements().cancel_outbox.executemany(conn, rows)


def close_open(
    conn: StoreConnection, deadline_ids: Iterable[int], *, status: str, now: dt.datetime
) -> None:
    """Close these deadlines as STATUS if they are still open (their schedules cleared)."""
    rows = [{"did": did, "new_status": status, "now": now} for did in deadline_ids]
    statements().meet.executemany(conn, rows)


def settle(
    conn: StoreConnection,
    *,
    cancel: Sequence[Mapping[str, Any]],
    meet: Sequence[Mapping[str, Any]],
    supersede: Sequence[Mapping[str, Any]],
    carry: Sequence[Mapping[str, Any]],
) -> None:
    """A transition's writes to the deadlines it leaves: pending messages cancelled (``did``,
    ``why``), deadlines met (``did``, ``now``), superseded (``did``, ``now``) and carried on
    (``did``, ``dest``, ``origin``, ``now``); each list run as one batch, if not empty."""
    s = statements()
    if cancel:
        s.cancel_outbox_why.executemany(conn, cancel)
    if meet:
        s.meet_owed.executemany(conn, meet)
    if supersede:
        s.supersede.executemany(conn, supersede)
    if carry:
        s.carry.executemany(conn, carry)


def open_in_stage(conn: Connection, plan_id: int, stage: str) -> list[OpenDeadline]:
    """The plan's open deadlines in STAGE."""
    from sqlalchemy import select

    from govpath.store.tables import deadlines as d

    rows = conn.execute(
        select(d.c.id, d.c.name, d.c.due, d.c.carried_from).where(
            d.c.plan_id == plan_id, d.c.stage == stage, d.c.status == "open"
        )
    )
    return [OpenDeadline(**row._mapping) for row in rows]


def rework(
    conn: Connection,
    deadline_id: int,
    *,
    due: dt.date,
    anchor_date: dt.date | None,
    infeasible: bool,
    meeting_id: int | None,
    schedule: str | None,
    now: dt.datetime,
) -> None:
    """Give a deadline its worked-out-again date, meeting and reminder schedule."""
    from sqlalchemy import update

    from govpath.store.tables import deadlines as d

    conn.execute(
        update(d)
        .where(d.c.id == deadline_id)
        .values(
            due=due,
            anchor_date=anchor_date,
            infeasible=infeasible,
            updated_at=now,
            meeting_id=meeting_id,
            schedule=schedule,
        )
    )


def take_schedules(conn: Connection, limit: int) -> list[Scheduled]:
    """Up to LIMIT open deadlines with a schedule, by id; where the backend has row locks that
    can be skipped, taken ``FOR UPDATE SKIP LOCKED`` (two sweeps never take the same)."""
    from sqlalchemy import select

    from govpath.store.backend import backend_of
    from govpath.store.tables import deadlines as d

    query = (
        select(d.c.id, d.c.plan_id, d.c.schedule)
        .where(d.c.status == "open", d.c.schedule.is_not(None))
        .order_by(d.c.id)
        .limit(limit)
    )
    if backend_of(conn).skip_locked:
        query = query.with_for_update(skip_locked=True)
    return [Scheduled(**row._mapping) for row in conn.execute(query)]


def add_notices(conn: Connection, notices: list[dict[str, Any]], deadline_ids: list[int]) -> None:
    """Insert NOTICES rows (``deadline_id``, ``plan_id``, ``kind``, ``recipient``, ``due_at``,
    ``status``) and clear the schedules of DEADLINE_IDS, which they were made from."""
    from sqlalchemy import insert, update

    from govpath.store.tables import deadlines as d
    from govpath.store.tables import notices as n

    if notices:
        conn.execute(insert(n), notices)
    conn.execute(update(d).where(d.c.id.in_(deadline_ids)).values(schedule=None))
