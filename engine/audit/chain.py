"""The hash chain of the decision trail: append an event under the head lock, and verify the chain.

Each event's ``hash`` is ``sha256(prev_hash + canonical JSON of its content)``, where the content
is its ``seq``, time (UTC, microseconds), plan, kind, trigger, states, actor, body, meeting, note
and ``data`` (the canonical JSON text stored with the event, byte for byte). ``audit_head`` (one
row) holds the last ``seq`` and ``hash``; appenders lock it (by updating it, or ``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), so the chain
has one order. Nothing in govpath updates or deletes an event; the database refuses it too.

>>> canonical_event(1, dt.datetime(2013, 3, 18, 10, tzinfo=dt.UTC), kind="plan_started", plan_id=3)
'{"actor":null,"at":"2013-03-18T10:00:00.000000+00:00","body":null,"data":{},"from":null,"kind":"plan_started","meeting":null,"note":null,"plan":3,"seq":1,"to":null,"trigger":null}'
>>> chain_hash("0" * 64, "{}")[:12]
'5508d2b710e6'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govpath.store import trail
from govpath.store.cache import CACHE

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.store.prepared import StoreConnection
    from govpath.store.trail import TrailEvent

GENESIS = "0" * 64


def _json_default(obj: Any) -> Any:
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, set | frozenset | tuple):
        return sorted(obj) if isinstance(obj, set | frozenset) else list(obj)
    return str(obj)


def compact_json_encoder(
    default: Callable[[Any], Any] | None, *, sort_keys: bool = True
) -> Callable[[Any], str]:
    """A function writing compact JSON (no spaces, UTF-8 text, keys sorted), built once.

    ``json.dumps`` with options builds a new encoder at every call, and ``JSONEncoder.encode``
    builds its C encoder at every call too; the hot path encodes several times a transition.
    This keeps the C encoder (as ``JSONEncoder.encode`` makes it, without the circularity check:
    what is encoded here is built by govpath, never circular).

    >>> compact_json_encoder(None)({"b": [1, 2.5, None], "a": "é"})
    '{"a":"é","b":[1,2.5,null]}'
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return json.JSONEncoder(
            sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False, default=default
        ).encode

    def fail(obj: Any) -> Any:
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    chunks = make(
        None,
        default or fail,
        json.encoder.encode_basestring,
        None,
        ":",
        ",",
        sort_keys,
        False,
        True,
    )
    join = "".join
    return lambda obj: join(chunks(obj, 0))


_canonical = compact_json_encoder(_json_default)


def canonical_json(data: Any) -> str:
    """JSON with sorted keys, no spaces, UTF-8 text: the same content always gives the same text."""
    return _canonical(data)


def _utc(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        return at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC)


def canonical_event(
    seq: int,
    at: dt.datetime,
    *,
    kind: str,
    plan_id: int | None = None,
    trigger: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    actor: str | None = None,
    body: str | None = None,
    meeting_id: int | None = None,
    note: str | None = None,
    data: Mapping[str, Any] | str | None = None,
) -> str:
    """The canonical text of one event's content: what its hash covers.

    DATA given as text is taken as stored, byte for byte (govpath stores canonical JSON, so the
    text is the same as for the mapping it was made from; any later edit of it shows).
    """
    row = {
        "at": at,
        "actor": actor,
        "body": body,
        "from_state": from_state,
        "kind": kind,
        "meeting_id": meeting_id,
        "note": note,
        "plan_id": plan_id,
        "to_state": to_state,
        "trigger": trigger,
        "data": data if isinstance(data, str) else canonical_json(data or {}),
    }
    return canonical_row(seq, row)


def canonical_row(seq: int, row: Mapping[str, Any]) -> str:
    """:func:`canonical_event` of a stored row (its column names as keys; ``data`` as stored)."""
    before, after = _frame(
        row, _utc(row["at"]).isoformat(timespec="microseconds"), row["data"] or "{}"
    )
    return f"{before}{int(seq)}{after}"


def chain_hash(prev_hash: str, canonical: str) -> str:
    """sha256 over the previous event's hash followed by this event's canonical content."""
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def append_event(
    conn: StoreConnection,
    *,
    kind: str,
    at: dt.datetime,
    plan_id: int | None = None,
    trigger: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    actor: str | None = None,
    body: str | None = None,
    meeting_id: int | None = None,
    note: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> int:
    """Append one event to the trail inside CONN's transaction; returns its ``seq``.

    Locks the chain head, so call it late in a transaction (keep the lock short).
    """
    event = {
        "kind": kind,
        "at": at,
        "plan_id": plan_id,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "actor": actor,
        "body": body,
        "meeting_id": meeting_id,
        "note": note,
        "data": data,
    }
    return append_events(conn, [event])[0]


_FIELDS = trail.EVENT_FIELDS
_FIELD_SET = frozenset(_FIELDS)


_encode_str = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses for str


def _value(value: Any) -> str:
    """JSON text of one named field (text, a number or None) exactly as canonical_json writes it."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is int:
        return int.__repr__(value)
    return canonical_json(value)


_NAMED = (
    "actor",
    "body",
    "from_state",
    "kind",
    "meeting_id",
    "note",
    "plan_id",
    "to_state",
    "trigger",
)


def _frame(row: Mapping[str, Any], at: str, data: str) -> tuple[str, str]:
    """An event's canonical text before and after its seq number: canonical JSON of its content,
    key by key in sorted order, with DATA (canonical JSON text) as it is. Laid out once per
    event, so the chain can be numbered and hashed from any head without redoing it."""
    return _layout(*[_value(row[n]) for n in _NAMED], at=at, data=data)


def _stored_text(event: TrailEvent) -> str:
    """:func:`canonical_row` of a stored event: what its hash covers."""
    before, after = _layout(
        _value(event.actor),
        _value(event.body),
        _value(event.from_state),
        _value(event.kind),
        _value(event.meeting_id),
        _value(event.note),
        _value(event.plan_id),
        _value(event.to_state),
        _value(event.trigger),
        at=event.at.isoformat(timespec="microseconds"),  # read back aware UTC
        data=event.data or "{}",
    )
    return f"{before}{int(event.seq)}{after}"


def _layout(
    actor: str,
    body: str,
    from_: str,
    kind: str,
    meeting: str,
    note: str,
    plan: str,
    to: str,
    trigger: str,
    *,
    at: str,
    data: str,
) -> tuple[str, str]:
    """The canonical text around the seq number, from each named field's JSON text."""
    return (
        f'{{"actor":{actor},"at":"{at}","body":{body},"data":{data},"from":{from_},'
        f'"kind":{kind},"meeting":{meeting},"note":{note},"plan":{plan},"seq":',
        f',"to":{to},"trigger":{trigger}}}',
    )


def _chain(
    rows: list[dict[str, Any]], frames: list[tuple[str, str]], seq: int, prev: str
) -> list[dict[str, Any]]:
    """ROWS numbered and hashed after the head (SEQ, PREV), each onto the one before (in place)."""
    sha256 = hashlib.sha256
    for row, (before, after) in zip(rows, frames, strict=True):
        seq += 1
        row["seq"] = seq
        row["prev_hash"] = prev
        prev = row["hash"] = sha256(f"{prev}{before}{seq}{after}".encode()).hexdigest()
    return rows


def append_events(conn: StoreConnection, events: Sequence[Mapping[str, Any]]) -> list[int]:
    """Append several events (dicts of :func:`append_event`'s keywords) in order: one head
    update (locking it), one INSERT. Returns their ``seq`` numbers."""
    if not events:
        return []
    rows: list[dict[str, Any]] = []
    frames: list[tuple[str, str]] = []
    # the events of a step share their time, usually the same object (an aware datetime's hash
    # works out its UTC offset, so they are told apart by identity)
    stamps: dict[int, tuple[dt.datetime, str]] = {}
    for event in events:
        if not _FIELD_SET.issuperset(event):
            unknown = sorted(event.keys() - _FIELD_SET)
            raise TypeError(f"unknown event fields: {', '.join(unknown)}")
        row: dict[str, Any] = dict.fromkeys(_FIELDS)  # every column, None unless given
        row.update(event)
        when = row["at"]
        at = stamps.get(id(when))
        if at is None:
            utc = _utc(when)
            at = stamps[id(when)] = (utc, utc.isoformat(timespec="microseconds"))
        row["at"] = at[0]
        row["data"] = text = canonical_json(event.get("data") or {})
        rows.append(row)
        frames.append(_frame(row, at[1], text))
    # The head this process's last append left in this database (CACHE.chain_heads) is only a
    # hint: the events are hashed from it and the head moved with one conditional UPDATE instead
    # of a locking read plus an update. If anyone else appended meanwhile (or that transaction
    # rolled back) the head is not there, and the append reads it under lock. The database
    # decides; the hint only saves a trip.
    where = conn.engine  # by identity: hashing its URL renders the whole URL each time
    hint = CACHE.chain_heads.get(where)
    chained = False
    if hint is not None:
        _chain(rows, frames, hint.seq, hint.hash)
        last = _last(rows)
        chained = trail.move_head_from(conn, hint, last)
    if not chained:  # no hint, or a stale one: read the head under lock
        head = trail.lock_head(conn)
        _chain(rows, frames, head.seq, head.hash)
        last = _last(rows)
        trail.move_head(conn, last)
    trail.insert_events(conn, rows)
    CACHE.chain_heads[where] = last
    return [r["seq"] for r in rows]


def _last(rows: list[dict[str, Any]]) -> trail.ChainHead:
    return trail.ChainHead(seq=rows[-1]["seq"], hash=rows[-1]["hash"])


@dataclass
class VerifyResult:
    """The outcome of :func:`verify`: ok and the count, or the first event that fails and why."""

    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: str = ""
    event_id: int | None = None
    kind: str | None = None
    plan_id: int | None = None
    problem: str | None = None  # altered | removed | reordered

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.count,
            "first_bad_seq": self.first_bad_seq,
            "event_id": self.event_id,
            "kind": self.kind,
            "plan": self.plan_id,
            "problem": self.problem,
            "reason": self.reason,
        }


def _name(row: TrailEvent) -> str:
    plan = f", plan {row.plan_id}" if row.plan_id is not None else ""
    return f"event seq {row.seq} (id {row.id}, {row.kind}{plan})"


def verify(conn: Connection, after: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute the chain in ``seq`` order; the first event altered, removed or reordered.

    AFTER, a trusted (seq, hash) such as a witnessed checkpoint, starts the check there: only the
    events after it are read and hashed, chained onto that hash.
    """
    prev_hash = GENESIS
    expected = 1
    count = 0
    if after is not None:
        count, prev_hash = int(after[0]), after[1]
        expected = count + 1
    seen_hashes: dict[str, int] = {}

    def bad(row: TrailEvent, problem: str, reason: str) -> VerifyResult:
        return VerifyResult(
            False, count, int(row.seq), reason, int(row.id), row.kind, row.plan_id, problem
        )

    for row in trail.events_in_order(conn, after_seq=None if after is None else after[0]):
        if row.seq != expected:
            if row.seq < expected:
                return bad(
                    row,
                    "reordered",
                    f"{_name(row)} repeats a seq already used: the trail was reordered or altered.",
                )
            missing = (
                f"seq {expected}" if row.seq == expected + 1 else f"seq {expected} to {row.seq - 1}"
            )
            return bad(
                row, "removed", f"{_name(row)} follows a gap: {missing} was removed from the trail."
            )
        if row.prev_hash != prev_hash:
            if row.prev_hash in seen_hashes:
                return bad(
                    row,
                    "reordered",
                    f"{_name(row)} points back to seq {seen_hashes[row.prev_hash]}, not to the "
                    "event before it: the trail was reordered here.",
                )
            return bad(
                row,
                "reordered",
                f"{_name(row)} does not follow the event before it: an event was removed or "
                "the trail was reordered here.",
            )
        if chain_hash(row.prev_hash, _stored_text(row)) != row.hash:
            return bad(
                row, "altered", f"{_name(row)} was altered: its content no longer matches its hash."
            )
        seen_hashes[row.hash] = int(row.seq)
        prev_hash = row.hash
        expected += 1
        count += 1
    head = trail.read_head(conn)
    if head is not None and (int(head.seq) != count or head.hash != prev_hash):
        if int(head.seq) > count:
            reason = (
                f"the trail ends at seq {count}, but its head records seq {head.seq}: "
                f"the last {int(head.seq) - count} event(s) were removed."
            )
            return VerifyResult(False, count, count + 1, reason, None, None, None, "removed")
        reason = f"the chain head (seq {head.seq}) does not match the last event (seq {count})."
        return VerifyResult(False, count, int(head.seq), reason, None, None, None, "altered")
    return VerifyResult(True, count, None, f"{count} events verified.")
