"""A meeting moved: update it, and re-resolve the deadlines and notices of open plans tied to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from govpath.audit.acting import Acting, acting_json, process_default
from govpath.audit.chain import append_events
from govpath.errors import NotFound
from govpath.runtime import deadlines as dl
from govpath.runtime.transition import plan_ref, translate_lock_errors
from govpath.store import meetings as meetings_store
from govpath.store.plans import load_plan, pathway_for
from govpath.zone import local_date

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from govpath.calendars.timeline import Timeline


def _not_found(conn: Connection, body: str, date: dt.date) -> NotFound:
    near = meetings_store.dates_near(conn, body, date, 90)
    if near:
        listed = ", ".join(
            r.date.isoformat() + ("" if r.status == "scheduled" else f" ({r.status})") for r in near
        )
        return NotFound(
            f"There is no {body} meeting on {date.isoformat()} to move. "
            f"{body}'s meetings near that "
            f"date: {listed}."
        )
    bodies = meetings_store.bodies(conn)
    known = (
        f" Bodies with meetings: {', '.join(bodies)}."
        if bodies
        else (" No meetings are known yet: import a calendar with `govpath calendar import FILE`.")
    )
    return NotFound(f"There is no {body} meeting within 90 days of {date.isoformat()}.{known}")


def move_meeting(
    engine: Engine,
    body: str,
    date: dt.date,
    new_date: dt.date,
    actor: str | None = None,
    now: dt.datetime | None = None,
    acting: Acting | None = None,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Move BODY's meeting on DATE to NEW_DATE; open deadlines tied to it follow (one transaction).

    Returns ``{meeting, plans_updated, deadlines, infeasible}``; ``infeasible`` lists the plans'
    deadlines that can no longer be met (already past, or impossible by their rule). With
    ``dry_run`` the same work is done and rolled back: a preview of exactly what would move.
    """
    try:
        return _move(engine, body, date, new_date, actor, now, acting, dry_run)
    except _Preview as preview:
        return preview.result


class _Preview(Exception):
    """Raised inside the transaction of a dry run, so that everything it did rolls back."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__("preview")
        self.result = result


def _move(
    engine: Engine,
    body: str,
    date: dt.date,
    new_date: dt.date,
    actor: str | None,
    now: dt.datetime | None,
    acting: Acting | None,
    dry_run: bool,
) -> dict[str, Any]:
    from govpath.calendars.timeline import build_timeline
    from govpath.store.db import utcnow

    now = now or utcnow()
    actor = actor.strip().lower() if actor else None
    with translate_lock_errors(), engine.begin() as conn:
        row = meetings_store.live_meeting_on(conn, body, date)
        if row is None or row.id is None:
            raise _not_found(conn, body, date)
        original = row.original_date or date
        meetings_store.move(conn, row.id, new_date=new_date, original=original, now=now)
        pairs = meetings_store.tied_stages(conn, row.id)
        meetings = meetings_store.load_meetings(conn)
        timelines: dict[str, Timeline] = {}
        updated: list[int] = []
        changed_all: list[dict[str, Any]] = []
        infeasible: list[dict[str, Any]] = []
        events: list[Mapping[str, Any]] = []
        # each plan's event, then the meeting's own: the same kind, people and dates
        moved = {
            "kind": "meeting_moved",
            "at": now,
            "actor": actor or (acting or process_default()).who,
            "body": body,
            "meeting_id": row.id,
        }
        span = {
            "from": date.isoformat(),
            "to": new_date.isoformat(),
            "acting": acting_json(acting, actor),
        }
        for pair in pairs:
            pid, stage = pair.plan_id, pair.stage
            plan = load_plan(conn, pid)
            if plan.closed_at is not None:
                continue
            pathway, _c = pathway_for(conn, plan.content_hash)
            if plan.content_hash not in timelines:  # built here, not from the shared cache: this
                # transaction changed the meetings and may still roll back (see dl.timeline)
                timelines[plan.content_hash] = build_timeline(
                    pathway, meetings, today=local_date(now)
                )
            changed = dl.refresh_plan(
                conn,
                pathway,
                plan_ref(pathway, plan),
                stage,
                timelines[plan.content_hash],
                now,
            )
            for c in changed:
                c = {"plan": pid, "subject": plan.subject, **c}
                changed_all.append(c)
                if c["infeasible"]:
                    infeasible.append(c)
            events.append({**moved, "plan_id": pid, "data": {**span, "deadlines": changed}})
            if pid not in updated:
                updated.append(pid)
        # events last, in one batch: the chain head is locked once and for the shortest time
        events.append(
            {**moved, "data": {**span, "original_date": original.isoformat(), "plans": updated}}
        )
        result = {
            "meeting": {
                "id": row.id,
                "body": body,
                "title": row.title,
                "date": new_date.isoformat(),
                "original_date": original.isoformat(),
                "status": "moved",
            },
            "plans_updated": updated,
            "deadlines": changed_all,
            "infeasible": infeasible,
        }
        if dry_run:
            raise _Preview(result)
        append_events(conn, events)
    return result
