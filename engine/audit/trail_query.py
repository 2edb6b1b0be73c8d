"""One question to the trail, as `audit query` asks it: events, missed deadlines or states as of.

The CLI, the web pages and the API all build a :class:`TrailQuery` and call :func:`run_query`,
so a filter gives the same rows (and, through :mod:`govpath.audit.export`, the same CSV and JSON)
wherever it is asked. :func:`trail_records` adds what a person reading the trail needs beside
each event: the actor's name, the channel it came through and, for the web or the API, the
identity that signed in.

>>> q = query_from_params({"plan": "3", "kind": ["transition", "refusal"], "decisions": "on"})
>>> q.plan, q.kinds, q.decisions, q.limit
(3, ('transition', 'refusal'), True, 1000)
>>> query_from_params({"plan": "three"})
Traceback (most recent call last):
...
govpath.errors.BadInput: plan must be a whole number (not 'three').
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from govpath.audit.export import ASOF_COLUMNS, EVENT_COLUMNS, MISSED_COLUMNS
from govpath.audit.query import DEFAULT_LIMIT, EventFilter, local, moment, query_events
from govpath.errors import BadInput
from govpath.store.people import actor_names
from govpath.zone import today as zone_today

if TYPE_CHECKING:
    from sqlalchemy import Connection

MODES = ("events", "missed", "as_of")


@dataclass(frozen=True)
class TrailQuery:
    """Every filter of `govpath audit query`; unset ones do not filter."""

    plan: int | None = None
    actor: str | None = None
    body: str | None = None
    since: str | None = None  # a date (whole London day) or a date-time, as typed
    until: str | None = None
    decisions: bool = False
    kinds: tuple[str, ...] = ()
    stage: str | None = None
    missed: bool = False
    as_of: str | None = None
    limit: int = DEFAULT_LIMIT  # 0: no limit
    offset: int = 0
    after: int | None = None
    today: dt.date | None = None  # with missed: count lateness up to this day

    @property
    def mode(self) -> str:
        return "missed" if self.missed else ("as_of" if self.as_of else "events")

    def params(self) -> dict[str, Any]:
        """The query as URL parameters (what :func:`query_from_params` reads back)."""
        out: dict[str, Any] = {}
        for name in ("plan", "actor", "body", "since", "until", "stage", "as_of", "after"):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value
        if self.kinds:
            out["kind"] = list(self.kinds)
        if self.decisions:
            out["decisions"] = "1"
        if self.missed:
            out["missed"] = "1"
        if self.limit != DEFAULT_LIMIT:
            out["limit"] = self.limit
        if self.offset:
            out["offset"] = self.offset
        if self.today:
            out["today"] = self.today.isoformat()
        return out

    def page(self, offset: int) -> TrailQuery:
        return replace(self, offset=max(0, offset), after=None)


@dataclass
class TrailResult:
    """The rows that answer a query, their columns (as the CLI's CSV), and whether more match."""

    mode: str
    rows: list[dict[str, Any]]
    columns: list[str]
    more: bool
    offset: int
    title: str
    notes: list[str] = field(default_factory=list)


def _int(value: Any, name: str, *, low: int = 0) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadInput(f"{name} must be a whole number (not {value!r}).") from None
    if number < low:
        raise BadInput(f"{name} must be {low} or more (not {number}).")
    return number


def _flag(value: Any) -> bool:
    return str(value or "").strip().lower() in ("1", "on", "true", "yes")


def _text(value: Any) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _list(params: Mapping[str, Any], name: str) -> tuple[str, ...]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else params.get(name)
    if raw is None:
        return ()
    values = raw if isinstance(raw, list | tuple) else [raw]
    out: list[str] = []
    for v in values:
        out.extend(part.strip() for part in str(v).split(",") if part.strip())
    return tuple(dict.fromkeys(out))


def query_from_params(params: Mapping[str, Any]) -> TrailQuery:
    """A query from URL parameters named as the CLI's flags (``as_of`` for ``--as-of``); a bad
    value is BadInput with one sentence."""
    since, until = _text(params.get("since")), _text(params.get("until"))
    as_of = _text(params.get("as_of"))
    for value in (since, until, as_of):
        if value:
            moment(value)  # BadInput naming the accepted forms
    today = _text(params.get("today"))
    try:
        today_date = dt.date.fromisoformat(today) if today else None
    except ValueError:
        raise BadInput(f"today must be a date written YYYY-MM-DD (not {today!r}).") from None
    query = TrailQuery(
        plan=_int(params.get("plan"), "plan", low=1),
        actor=(_text(params.get("actor")) or "").lower() or None,
        body=_text(params.get("body")),
        since=since,
        until=until,
        decisions=_flag(params.get("decisions")),
        kinds=_list(params, "kind"),
        stage=_text(params.get("stage")),
        missed=_flag(params.get("missed")),
        as_of=as_of,
        limit=(_int(params.get("limit"), "limit") or 0) if params.get("limit") else DEFAULT_LIMIT,
        offset=_int(params.get("offset"), "offset") or 0,
        after=_int(params.get("after"), "after"),
        today=today_date,
    )
    if query.missed and query.as_of:
        raise BadInput("missed and as of answer different questions; use one of them.")
    return query


def _day(text: str | None) -> dt.date | None:
    """The date part of a date or date-time (``since 2013-03-01T12:00`` means that day)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise BadInput(f"'{text}' is not a date: write YYYY-MM-DD.") from None


def event_filter(q: TrailQuery) -> EventFilter:
    """The events filter of Q (its date-times as instants)."""
    return EventFilter(
        plan=q.plan,
        actor=q.actor,
        body=q.body,
        since=moment(q.since) if q.since else None,
        until=moment(q.until, end=True) if q.until else None,
        decisions=q.decisions,
        kinds=q.kinds,
        stage=q.stage,
        limit=q.limit or None,
        offset=q.offset,
        after_seq=q.after,
    )


def run_query(conn: Connection, q: TrailQuery) -> TrailResult:
    """The rows answering Q, exactly as `govpath audit query` lists them."""
    if q.limit < 0 or q.offset < 0:
        raise BadInput("--limit and --offset must be 0 or more.")
    page_limit = q.limit or None
    if q.as_of:
        from govpath.audit.asof import states_as_of

        at = moment(q.as_of)
        rows = states_as_of(conn, at, plan=q.plan)
        return TrailResult("as_of", rows, ASOF_COLUMNS, False, 0, f"Plans as of {at.isoformat()}")
    if q.missed:
        from govpath.audit.missed import missed_deadlines

        rows = missed_deadlines(
            conn,
            today=q.today or zone_today(),
            plan=q.plan,
            owner=q.actor,
            body=q.body,
            since=_day(q.since),
            until=_day(q.until),
            limit=None if page_limit is None else page_limit + 1,
            offset=q.offset,
        )
        more = page_limit is not None and len(rows) > page_limit
        rows = rows[:page_limit] if more else rows
        return TrailResult("missed", rows, MISSED_COLUMNS, more, q.offset, "Missed deadlines")
    page = query_events(conn, event_filter(q))
    return TrailResult("events", page.events, EVENT_COLUMNS, page.more, q.offset, "Decision trail")


@dataclass(frozen=True)
class TrailRecord:
    """One trail event as a person reads it."""

    seq: int
    id: int
    at: dt.datetime  # Europe/London
    plan: int | None
    kind: str
    trigger: str | None
    from_stage: str | None
    to_stage: str | None
    actor: str | None
    actor_name: str | None
    channel: str  # cli | web | api | scheduler | system
    signed_in: str | None  # for web and API: the identity that signed in
    token: str | None  # for API: the personal access token's id
    body: str | None
    meeting: int | None
    note: str | None
    data: dict[str, Any]
    hash: str

    @property
    def decision(self) -> bool:
        return self.kind == "transition" and isinstance(self.data.get("decision"), dict)


# what the scheduler records on its own (its actor is the person concerned, not one who acted)
SCHEDULER_KINDS = frozenset(
    {"deadline_missed", "reminder_sent", "escalation_sent", "papers_due", "digest", "digest_sent"}
)


def acting(channel: str, person: str | None, **extra: Any) -> dict[str, Any]:
    """What an event's ``data["acting"]`` holds for an act through CHANNEL by PERSON (signed in),
    with EXTRA such as ``token_id``; the same keys as the runtime's own record of who acted."""
    values = {"channel": channel, "person": person, **extra}
    return {k: v for k, v in values.items() if v is not None}


def acting_of(event: Mapping[str, Any]) -> dict[str, Any]:
    """Who acted and how, as the event records it (``data["acting"]``: channel, person,
    token_id…); older events carry none."""
    data = event.get("data") or {}
    acting = data.get("acting")
    return acting if isinstance(acting, dict) else {}


def channel_of(event: Mapping[str, Any]) -> str:
    """Where an event came from: its recorded channel, else the scheduler for what it records on
    its own, the CLI for a person's act, and ``system`` for anything else without an actor."""
    recorded = acting_of(event).get("channel")
    if isinstance(recorded, str) and recorded:
        return recorded
    if event.get("kind") in SCHEDULER_KINDS:
        return "scheduler"
    return "cli" if event.get("actor") else "system"


def trail_records(conn: Connection, events: list[dict[str, Any]]) -> list[TrailRecord]:
    """EVENTS (the dicts :func:`run_query` lists) as records with names and channels."""
    names = actor_names(conn, {e["actor"] for e in events if e.get("actor")})
    out = []
    for e in events:
        data = e.get("data") or {}
        acting = acting_of(e)
        signed_in = acting.get("person")
        token = acting.get("token_id")
        out.append(
            TrailRecord(
                seq=e["seq"],
                id=e["id"],
                at=local(dt.datetime.fromisoformat(e["at"])),
                plan=e["plan"],
                kind=e["kind"],
                trigger=e["trigger"],
                from_stage=e["from"],
                to_stage=e["to"],
                actor=e["actor"],
                actor_name=names.get(e["actor"]) if e.get("actor") else None,
                channel=channel_of(e),
                signed_in=str(signed_in) if signed_in else None,
                token=str(token) if token not in (None, "") else None,
                body=e["body"],
                meeting=e["meeting"],
                note=e["note"],
                data=data,
                hash=e["hash"],
            )
        )
    return out
