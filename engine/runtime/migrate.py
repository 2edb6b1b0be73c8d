"""Move running plans to another version of their pathway with an explicit state mapping."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from govpath.audit.acting import Acting, acting_json
from govpath.audit.chain import append_event
from govpath.errors import BadInput, Conflict, NotFound, Refused
from govpath.runtime import deadlines as dl
from govpath.runtime.transition import plan_ref, translate_lock_errors
from govpath.store import pathways
from govpath.store.plans import PlanRow, load_plan, pathway_for, repin_plan
from govpath.zone import local_date

if TYPE_CHECKING:
    from sqlalchemy import Engine


def migrate_plans(
    engine: Engine,
    plan_ids: list[int],
    to_version: int,
    mapping: dict[str, str],
    actor: str | None = None,
    now: dt.datetime | None = None,
    acting: Acting | None = None,
) -> dict[str, Any]:
    """Pin PLAN_IDS to version TO_VERSION of their pathway, each plan's state renamed by MAPPING.

    All or nothing: a plan whose state has no mapping (or that is closed) refuses the whole
    migration, and the refusal is recorded on each such plan. Open deadlines of the old stage are
    cancelled and the new stage's deadlines created. Returns ``{version, plans: [{id, from, to}]}``.
    """
    from govpath.store.db import utcnow

    now = now or utcnow()
    actor = actor.strip().lower() if actor else None
    if not plan_ids:
        raise BadInput("name at least one plan to migrate.")
    refusals: list[tuple[PlanRow, str]] = []
    moved: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    try:
        with translate_lock_errors(), engine.begin() as conn:
            for pid in plan_ids:
                plan = load_plan(conn, pid)
                target = pathways.numbered(conn, plan.pathway_id, to_version)
                if target is None:
                    raise NotFound(
                        f"pathway '{plan.pathway_id}' has no published version {to_version}."
                    )
                new_pathway, _c = pathway_for(conn, target.content_hash)
                stage_ids = {s.id for s in new_pathway.stages}
                bad = sorted({v for v in mapping.values() if v not in stage_ids})
                if bad:
                    raise BadInput(
                        f"version {to_version} of '{plan.pathway_id}' has no stage "
                        f"{', '.join(bad)}; "
                        f"its stages: {', '.join(s.id for s in new_pathway.stages)}."
                    )
                if plan.closed_at is not None:
                    refusals.append(
                        (
                            plan,
                            f"plan {pid} is closed (in '{plan.state}'); "
                            "only running plans migrate.",
                        )
                    )
                    continue
                if plan.state not in mapping:
                    refusals.append(
                        (
                            plan,
                            (
                                f"plan {pid} is in '{plan.state}', which has no mapping to version "
                                f"{to_version}; add --map {plan.state}=STAGE (one of: "
                                f"{', '.join(s.id for s in new_pathway.stages)})."
                            ),
                        )
                    )
                    continue
                if refusals:
                    continue
                dest = mapping[plan.state]
                old_state = plan.state
                if not repin_plan(conn, plan, pathway_version_id=target.id, state=dest, now=now):
                    raise Conflict(
                        f"plan {pid} was changed by someone else meanwhile; nothing was migrated."
                    )
                dl.close_deadlines(
                    conn,
                    plan_id=pid,
                    stage_id=plan.state,
                    met_by_names=set(),
                    now=now,
                    status="cancelled",
                )
                events.append(
                    dict(
                        kind="migration",
                        at=now,
                        plan_id=pid,
                        from_state=plan.state,
                        to_state=dest,
                        actor=actor,
                        data={
                            "pathway": plan.pathway_id,
                            "from_version": plan.pathway_version,
                            "to_version": to_version,
                            "mapping": dict(mapping),
                            "plan_version": plan.version + 1,
                            "acting": acting_json(acting, actor),
                        },
                    )
                )
                if dl.needs_timeline(new_pathway, dest):
                    tl = dl.timeline(conn, new_pathway, target.content_hash, local_date(now))
                    dl.enter_stage(conn, new_pathway, plan_ref(new_pathway, plan), dest, tl, now)
                moved.append(
                    {"id": pid, "from": old_state, "to": dest, "from_version": plan.pathway_version}
                )
            if refusals:
                raise Refused("; ".join(reason for _plan, reason in refusals))
            for event in events:  # events last: the chain head is locked for the shortest time
                append_event(conn, **event)
    except Refused as exc:
        with engine.begin() as conn:
            for plan, reason in refusals:
                append_event(
                    conn,
                    kind="refusal",
                    at=now,
                    plan_id=plan.id,
                    trigger="migrate",
                    from_state=plan.state,
                    actor=actor,
                    data={"reason": reason, "to_version": to_version, "mapping": dict(mapping)},
                )
        raise exc from None
    return {"version": to_version, "plans": moved}
