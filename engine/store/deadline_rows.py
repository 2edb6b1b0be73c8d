"""The deadline, notice and outbox statements of a transition, built once from the Core tables."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Select

    from govpath.store.prepared import Prepared

_DEADLINE_COLUMNS = (
    "plan_id",
    "stage",
    "name",
    "title",
    "rule",
    "anchor_date",
    "meeting_id",
    "due",
    "owner",
    "status",
    "met_at",
    "escalation_level",
    "infeasible",
    "updated_at",
    "schedule",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineStatements:
    """The statements, by name: all but ``revision`` run prepared on the driver's cursor."""

    revision: Select[tuple[int]]
    insert_deadline: Prepared
    owed_of_plan: Prepared
    meet_owed: Prepared
    supersede: Prepared
    carry: Prepared
    cancel_outbox_why: Prepared
    open_of_plan: Prepared
    meet: Prepared
    meet_stage: Prepared
    cancel_outbox_stage: Prepared
    cancel_notices: Prepared
    cancel_outbox: Prepared


@functools.cache  # constant statements, built on first use (SQLAlchemy is imported lazily)
def statements() -> DeadlineStatements:
    """The statements, built once; those of the transition path run prepared on the raw cursor."""
    from sqlalchemy import bindparam, insert, null, select, update

    from govpath.store.prepared import Prepared
    from govpath.store.tables import calendar_revision, deadlines, notices, outbox

    d = deadlines
    # One row per statement, by key (``deadline_id = ?``), run with executemany: an ``IN (…)`` list
    # beside ``status = ?`` made SQLite (no ANALYZE statistics) pick the status index and scan
    # every scheduled notice / open deadline of every plan, slower as the tables grow.
    built = DeadlineStatements(
        revision=select(calendar_revision.c.revision).where(calendar_revision.c.id == 1),
        insert_deadline=Prepared(insert(d).values({c: bindparam(c) for c in _DEADLINE_COLUMNS})),
        owed_of_plan=Prepared(
            select(d.c.id, d.c.name, d.c.stage, d.c.status, d.c.carried_from, d.c.due)
            .where(
                d.c.plan_id == bindparam("pid"),
                d.c.status.in_([bindparam("s_open", "open"), bindparam("s_missed", "missed")]),
            )
            .order_by(d.c.id)
        ),
        # met by its own act: an open deadline met on time or early, a missed one met late
        meet_owed=Prepared(
            update(d)
            .where(
                d.c.id == bindparam("did"),
                d.c.status.in_([bindparam("s_open", "open"), bindparam("s_missed", "missed")]),
            )
            .values(
                status="met", met_at=bindparam("now"), updated_at=bindparam("now"), schedule=null()
            )
        ),
        supersede=Prepared(
            update(d)
            .where(d.c.id == bindparam("did"), d.c.status == "open")
            .values(status="superseded", updated_at=bindparam("now"), schedule=null())
        ),
        # the same row goes on with the plan: its schedule and messages stay
        carry=Prepared(
            update(d)
            .where(d.c.id == bindparam("did"))
            .values(
                stage=bindparam("dest"),
                carried_from=bindparam("origin"),
                updated_at=bindparam("now"),
            )
        ),
        cancel_outbox_why=Prepared(
            update(outbox)
            .where(outbox.c.deadline_id == bindparam("did"), outbox.c.status == "pending")
            .values(status="cancelled", cancel_reason=bindparam("why"))
        ),
        open_of_plan=Prepared(
            select(d.c.id, d.c.name, d.c.stage, d.c.status).where(
                d.c.plan_id == bindparam("pid"),
                # constants as bound values: a plain tuple would be a post-compile list
                d.c.status.in_([bindparam("s_open", "open"), bindparam("s_missed", "missed")]),
            )
        ),
        meet=Prepared(
            update(d)
            .where(d.c.id == bindparam("did"), d.c.status == "open")
            .values(
                status=bindparam("new_status"),
                met_at=bindparam("now"),
                updated_at=bindparam("now"),
                schedule=null(),  # its reminders are no longer wanted
            )
        ),
        # leaving a stage (the common case): its open deadlines met in one statement, and the
        # pending messages of its deadlines (open or missed) cancelled in another
        meet_stage=Prepared(
            update(d)
            .where(
                d.c.plan_id == bindparam("pid"),
                d.c.stage == bindparam("stage"),
                d.c.status == bindparam("s_open", "open"),
            )
            .values(
                status=bindparam("new_status"),
                met_at=bindparam("now"),
                updated_at=bindparam("now"),
                schedule=null(),
            )
            .returning(d.c.id, d.c.name)
        ),
        cancel_outbox_stage=Prepared(
            update(outbox)
            .where(
                outbox.c.plan_id == bindparam("pid"),
                outbox.c.status == bindparam("s_pending", "pending"),
                outbox.c.deadline_id.in_(
                    select(d.c.id).where(
                        d.c.plan_id == bindparam("pid"), d.c.stage == bindparam("stage")
                    )
                ),
            )
            .values(status="cancelled", cancel_reason="the plan left the deadline's stage")
        ),
        cancel_notices=Prepared(
            update(notices)
            .where(notices.c.deadline_id == bindparam("did"), notices.c.status == "scheduled")
            .values(status="cancelled")
        ),
        cancel_outbox=Prepared(
            update(outbox)
            .where(outbox.c.deadline_id == bindparam("did"), outbox.c.status == "pending")
            .values(status="cancelled", cancel_reason=bindparam("why"))
        ),
    )
    return built
