"""Rebuild every plan's state at a past moment from the trail (start, transition, migration)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

STATE_KINDS = ("plan_started", "transition", "migration")


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
    from sqlalchemy import func, select

    from govpath.store.db import as_utc
    from govpath.store.tables import audit_events as ev
    from govpath.store.tables import plans

    # The newest state event per plan, read off the covering index (kind, at, plan_id, seq,
    # to_state): DISTINCT ON in PostgreSQL; in SQLite the bare columns of a max() aggregate come
    # from the row holding the maximum.
    where = [ev.c.kind.in_(STATE_KINDS), ev.c.at <= at, ev.c.plan_id.is_not(None)]
    if plan is not None:
        where.append(ev.c.plan_id == plan)
    if conn.dialect.name == "postgresql":
        stmt = (
            select(ev.c.plan_id, ev.c.seq, ev.c.at, ev.c.to_state)
            .where(*where)
            .distinct(ev.c.plan_id)
            .order_by(ev.c.plan_id, ev.c.seq.desc())
        )
    else:
        stmt = (
            select(ev.c.plan_id, func.max(ev.c.seq).label("seq"), ev.c.at, ev.c.to_state)
            .where(*where)
            .group_by(ev.c.plan_id)
        )
    last = {row.plan_id: row for row in conn.execute(stmt).all()}
    info_stmt = select(plans.c.id, plans.c.pathway_id, plans.c.subject)
    if plan is not None:
        info_stmt = info_stmt.where(plans.c.id == plan)
    info = {r.id: r for r in conn.execute(info_stmt).all()}
    out = []
    for plan_id in sorted(last):
        row = last[plan_id]
        meta = info.get(plan_id)
        if pathway and (meta is None or meta.pathway_id != pathway):
            continue
        since = as_utc(row.at)
        out.append(
            {
                "plan": plan_id,
                "pathway": meta.pathway_id if meta else None,
                "subject": meta.subject if meta else None,
                "state": row.to_state,
                "since": since.isoformat() if since else None,
                "seq": row.seq,
            }
        )
    return out
