"""The decision register: every decision with its notice, route and dates, and the recorded check.

Built on :func:`govpath.audit.decisions.decision_records`; the web's ``/decisions``, its CSV and the
API's decisions all come from :func:`register_rows`. :func:`verify_and_record` runs the same
check as `govpath audit verify` and appends who ran it to the trail.

>>> route_label(None), route_label("key_decision"), route_label("general_exception")
('ordinary', 'ordinary', 'general exception')
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from govpath.audit.chain import VerifyResult, append_event, verify
from govpath.audit.decisions import DecisionRecord, decision_records
from govpath.audit.trail_query import acting
from govpath.errors import NotFound
from govpath.store.trail_reads import event_plan, last_event

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

REGISTER_COLUMNS = [
    "event",
    "plan",
    "subject",
    "decision",
    "body",
    "meeting_date",
    "date",
    "decision_maker",
    "key_decision",
    "route",
    "notice_published",
    "clear_days",
    "call_in_end",
    "effective_from",
    "short_notice",
    "flags",
    "reasons",
    "alternatives",
]


def route_label(route: str | None) -> str:
    """The route a decision took, as the register names it: ordinary (a Key Decision with its 28
    clear days' notice, or not a Key Decision), general exception, or special urgency."""
    if route in (None, "", "key_decision"):
        return "ordinary"
    return route.replace("_", " ")


def short_notice(rec: DecisionRecord) -> bool:
    """Whether a Key Decision was taken with less than the 28 clear days' notice."""
    return rec.key_decision and (
        rec.route in ("general_exception", "special_urgency")
        or any(f.startswith(("short notice", "no notice")) for f in rec.flags)
    )


def register_row(rec: DecisionRecord) -> dict[str, Any]:
    """One decision as a register row (the CSV's and the API's keys)."""
    return {
        "event": rec.event,
        "plan": rec.plan,
        "subject": rec.subject,
        "decision": rec.decision,
        "body": rec.body_name or rec.body or "",
        "meeting_date": rec.meeting_date,
        "date": rec.date,
        "decision_maker": rec.decision_maker,
        "key_decision": rec.key_decision,
        "route": route_label(rec.route),
        "notice_published": rec.notice_published,
        "clear_days": rec.clear_days,
        "call_in_end": rec.call_in_end,
        "effective_from": rec.effective_from,
        "short_notice": short_notice(rec),
        "flags": "; ".join(rec.flags),
        "reasons": rec.reasons,
        "alternatives": rec.alternatives,
    }


def register_rows(conn: Connection, **filters: Any) -> list[dict[str, Any]]:
    """Every decision matching FILTERS (those of :func:`decision_records`), as register rows."""
    return [register_row(r) for r in decision_records(conn, **filters)]


def decision_by_event(conn: Connection, event_id: int) -> DecisionRecord:
    """The decision recorded by trail event EVENT_ID; NotFound when that event is no decision."""
    plan = event_plan(conn, event_id)
    if plan is not None:
        for rec in decision_records(conn, plan=plan):
            if rec.event == event_id:
                return rec
    raise NotFound(f"no decision is recorded by trail event {event_id}.")


def verify_and_record(
    engine: Engine,
    actor: str,
    *,
    channel: str,
    now: dt.datetime | None = None,
    context: dict[str, Any] | None = None,
) -> tuple[VerifyResult, int]:
    """Verify the whole trail (as `govpath audit verify`), then append an ``audit_verified`` event
    saying who ran it, through which channel, and what it found. Returns the result and the
    event's seq. The check reads before the event is written, so it covers the trail as it was."""
    from govpath.store.db import utcnow

    now = now or utcnow()
    with engine.connect() as conn:
        result = verify(conn)
    with engine.begin() as conn:
        seq = append_event(
            conn,
            kind="audit_verified",
            at=now,
            actor=actor.strip().lower(),
            data={**result.to_json(), "acting": acting(channel, actor, **(context or {}))},
        )
    return result, seq


def last_verified(conn: Connection, upto_seq: int | None = None) -> dict[str, Any] | None:
    """The event a successful check ended on: seq, kind, time and hash of the trail's last event
    at or below UPTO_SEQ (the whole trail when None)."""
    row = last_event(conn, upto_seq=upto_seq)
    if row is None:
        return None
    return {
        "seq": row.seq,
        "id": row.id,
        "kind": row.kind,
        "at": row.at.isoformat(),  # aware UTC, as every timestamp is read
        "plan": row.plan_id,
        "hash": row.hash,
    }
