"""The hash chain of the decision trail: append an event under the head lock, and verify the chain.

Each event's ``hash`` is ``sha256(prev_hash + canonical JSON of its content)``, where the content is
its ``seq``, time (UTC, microseconds), plan, kind, trigger, states, actor, body, meeting, note and
``data``. ``audit_head`` (one row) holds the last ``seq`` and ``hash``; appenders lock it (``SELECT
… FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), so the chain
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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
_stmts: dict[str, Any] = {}


def _json_default(obj: Any) -> Any:
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, set | frozenset | tuple):
        return sorted(obj) if isinstance(obj, set | frozenset) else list(obj)
    return str(obj)


def canonical_json(data: Any) -> str:
    """JSON with sorted keys, no spaces, UTF-8 text: the same content always gives the same text."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


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
    """The canonical text of one event's content: what its hash covers."""
    if isinstance(data, str):
        data = json.loads(data or "{}")
    return canonical_json(
        {
            "seq": int(seq),
            "at": _utc(at).isoformat(timespec="microseconds"),
            "plan": plan_id,
            "kind": kind,
            "trigger": trigger,
            "from": from_state,
            "to": to_state,
            "actor": actor,
            "body": body,
            "meeting": meeting_id,
            "note": note,
            "data": data or {},
        }
    )


def chain_hash(prev_hash: str, canonical: str) -> str:
    """sha256 over the previous event's hash followed by this event's canonical content."""
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _statements() -> dict[str, Any]:
    """The chain's Core statements, built once (SQLAlchemy caches their compiled form)."""
    if not _stmts:
        from sqlalchemy import bindparam, insert, select, update

        from engine.runtime.prepared import Prepared
        from engine.store.tables import audit_events, audit_head

        # compiled once per dialect, run on the driver's cursor: the chain append is on the hot path
        _stmts["head"] = Prepared(
            select(audit_head.c.seq, audit_head.c.hash)
            .where(audit_head.c.id == 1)
            .with_for_update()
        )
        columns = ("seq", *_FIELDS, "prev_hash", "hash")
        _stmts["insert"] = Prepared(
            insert(audit_events).values({name: bindparam(name) for name in columns})
        )
        _stmts["bump"] = Prepared(
            update(audit_head)
            .where(audit_head.c.id == 1)
            .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
        )
    return _stmts


def append_event(
    conn: Any,
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


_FIELDS = (
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


def append_events(conn: Any, events: list[Mapping[str, Any]]) -> list[int]:
    """Append several events (dicts of :func:`append_event`'s keywords) in order: one head lock,
    one multi-row INSERT, one head update. Returns their ``seq`` numbers."""
    if not events:
        return []
    s = _statements()
    head = s["head"].first(conn)
    seq, prev = int(head["seq"]), head["hash"]
    rows = []
    for event in events:
        unknown = set(event) - set(_FIELDS)
        if unknown:
            raise TypeError(f"unknown event fields: {', '.join(sorted(unknown))}")
        seq += 1
        at = _utc(event["at"])
        data_text = canonical_json(dict(event.get("data") or {}))
        row = {name: event.get(name) for name in _FIELDS}
        row.update(seq=seq, at=at, data=data_text, prev_hash=prev)
        text = canonical_event(
            seq,
            at,
            kind=row["kind"],
            plan_id=row["plan_id"],
            trigger=row["trigger"],
            from_state=row["from_state"],
            to_state=row["to_state"],
            actor=row["actor"],
            body=row["body"],
            meeting_id=row["meeting_id"],
            note=row["note"],
            data=json.loads(data_text),
        )
        prev = row["hash"] = chain_hash(prev, text)
        rows.append(row)
    s["insert"].executemany(conn, rows)
    s["bump"].rowcount(conn, {"new_seq": seq, "new_hash": prev})
    return [r["seq"] for r in rows]


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


def _name(row: Any) -> str:
    plan = f", plan {row.plan_id}" if row.plan_id is not None else ""
    return f"event seq {row.seq} (id {row.id}, {row.kind}{plan})"


def verify(conn: Any) -> VerifyResult:
    """Recompute the chain in ``seq`` order; the first event altered, removed or reordered."""
    from sqlalchemy import select

    from engine.store.tables import audit_events, audit_head

    t = audit_events
    query = select(t).order_by(t.c.seq, t.c.id)
    prev_hash = GENESIS
    expected = 1
    count = 0
    seen_hashes: dict[str, int] = {}
    result = conn.execution_options(yield_per=2000).execute(query)

    def bad(row: Any, problem: str, reason: str) -> VerifyResult:
        return VerifyResult(
            False, count, int(row.seq), reason, int(row.id), row.kind, row.plan_id, problem
        )

    for row in result:
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
        text = canonical_event(
            row.seq,
            row.at,
            kind=row.kind,
            plan_id=row.plan_id,
            trigger=row.trigger,
            from_state=row.from_state,
            to_state=row.to_state,
            actor=row.actor,
            body=row.body,
            meeting_id=row.meeting_id,
            note=row.note,
            data=row.data,
        )
        if chain_hash(row.prev_hash, text) != row.hash:
            return bad(
                row, "altered", f"{_name(row)} was altered: its content no longer matches its hash."
            )
        seen_hashes[row.hash] = int(row.seq)
        prev_hash = row.hash
        expected += 1
        count += 1
    head = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
    ).first()
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
