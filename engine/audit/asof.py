"""Rebuild every plan's state at a past moment from the trail (start, transition, migration)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from govpath.store.trail_reads import STATE_KINDS as STATE_KINDS
from govpath.store.trail_reads import last_state_events, plan_titles

if TYPE_CHECKING:
    from sqlalchemy import Connection


def states_as_of(
    conn: Connection,
    at: dt.datetime,
    *,
    plan: int | None = None,
    pathway: str | None = None,
) -> list[dict[str, Any]]:
    """Each plan's state at AT (aware): its last state-changing event at or before AT.

    Plans started after AT are absent. Each row: ``plan``, ``pathway``, ``subject``, ``state``,
    ``since`` (ISO instant of the event that put it there), ``seq`` of that event.
    """
    last = {row.plan_id: row for row in last_state_events(conn, at, plan=plan)}
    info = plan_titles(conn, plan=plan)
    out = []
    for plan_id in sorted(last):
        row = last[plan_id]
        meta = info.get(plan_id)
        if pathway and (meta is None or meta.pathway_id != pathway):
            continue
        out.append(
            {
                "plan": plan_id,
                "pathway": meta.pathway_id if meta else None,
                "subject": meta.subject if meta else None,
                "state": row.to_state,
                "since": row.at.isoformat(),  # aware UTC, as every timestamp is read
                "seq": row.seq,
            }
        )
    return out
