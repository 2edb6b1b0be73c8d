"""The trail's hash chain in the database: its head, appending events, reading them in chain order.

The statements that append are on the transition's hot path, so they are built once here from
the Core tables and run prepared on the driver (:mod:`govpath.store.prepared`). What an event's
hash is, and whether a chain holds, is decided in :mod:`govpath.audit.chain`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update

from govpath.store.prepared import Prepared
from govpath.store.tables import audit_events, audit_head

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.store.prepared import StoreConnection

# What a caller gives for an event, in the order its hash lays them out.
EVENT_FIELDS = (
    "kind",
    "at",
    "plan_id",
    "trigger",
    "from_state",
    "to_state",
    "actor",
    "body",
    "meeting_id",
    "note",
    "data",
)
# An event's columns as the chain writes them, ``seq`` and the hashes included (not ``id``).
EVENT_COLUMNS = ("seq", *EVENT_FIELDS, "prev_hash", "hash")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainHead:
    """The last event's ``seq`` and ``hash`` (0 and the genesis hash for an empty trail)."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TrailEvent:
    """One stored event, every column (``at`` aware UTC; ``data`` the canonical JSON text)."""

    id: int
    seq: int
    at: dt.datetime
    plan_id: int | None
    kind: str
    trigger: str | None
    from_state: str | None
    to_state: str | None
    actor: str | None
    body: str | None
    meeting_id: int | None
    note: str | None
    data: str
    prev_hash: str
    hash: str


# compiled once per dialect, run on the driver's cursor: the chain append is on the hot path.
# FOR UPDATE is left out by backends without row locks (SQLite: BEGIN IMMEDIATE serialises).
_HEAD_LOCKED = Prepared(
    select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
)
_INSERT = Prepared(insert(audit_events).values({name: bindparam(name) for name in EVENT_COLUMNS}))
_BUMP = Prepared(
    update(audit_head)
    .where(audit_head.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
# the head moves only if it is still where the caller believes it is
_BUMP_IF = Prepared(
    update(audit_head)
    .where(
        audit_head.c.id == 1,
        audit_head.c.seq == bindparam("old_seq"),
        audit_head.c.hash == bindparam("old_hash"),
    )
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def lock_head(conn: StoreConnection) -> ChainHead:
    """The chain head, locked to the end of CONN's transaction."""
    found = _HEAD_LOCKED.first(conn)
    if found is None:
        raise LookupError("the trail has no chain head: the database was not initialised")
    return ChainHead(seq=int(found["seq"]), hash=found["hash"])


def move_head(conn: StoreConnection, to: ChainHead) -> None:
    """Set the (locked) chain head to TO."""
    _BUMP.send(conn, {"new_seq": to.seq, "new_hash": to.hash})


def move_head_from(conn: StoreConnection, old: ChainHead, to: ChainHead) -> bool:
    """Move the chain head from OLD to TO in one statement; False if it was not at OLD (it is then
    left as it was)."""
    moved = _BUMP_IF.rowcount(
        conn,
        {"old_seq": old.seq, "old_hash": old.hash, "new_seq": to.seq, "new_hash": to.hash},
    )
    return bool(moved == 1)


def insert_events(conn: StoreConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write ROWS (each every one of :data:`EVENT_COLUMNS` by name), in order."""
    if len(rows) == 1:
        _INSERT.send(conn, rows[0])
    elif rows:
        _INSERT.executemany(conn, rows)


def read_head(conn: Connection) -> ChainHead | None:
    """The chain head as it stands (not locked); None where there is no head row."""
    found = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
    ).first()
    return None if found is None else ChainHead(seq=int(found.seq), hash=found.hash)


def events_in_order(conn: Connection, *, after_seq: int | None = None) -> Iterator[TrailEvent]:
    """Every event (after AFTER_SEQ, if given) in ``seq`` order, read in batches."""
    t = audit_events
    query = select(t).order_by(t.c.seq, t.c.id)
    if after_seq is not None:
        query = query.where(t.c.seq > after_seq)
    for row in conn.execution_options(yield_per=2000).execute(query):
        yield TrailEvent(**row._mapping)


def hashes_at(conn: Connection, seqs: Sequence[int]) -> dict[int, str]:
    """The hashes of the events with these ``seq`` numbers (absent where there is none)."""
    t = audit_events
    return {
        int(r.seq): r.hash for r in conn.execute(select(t.c.seq, t.c.hash).where(t.c.seq.in_(seqs)))
    }


def last_seq(conn: Connection) -> int:
    """The highest ``seq`` in the trail (0 when it is empty)."""
    t = audit_events
    found = conn.execute(select(t.c.seq).order_by(t.c.seq.desc()).limit(1)).scalar()
    return int(found or 0)
