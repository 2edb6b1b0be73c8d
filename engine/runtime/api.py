"""The runtime's public functions: publish pathways, add actors, start, advance and follow plans.

Each function takes a SQLAlchemy Engine and does its work in one transaction. ``now`` (an aware
datetime, default the current UTC time) is how the scheduler and the demo inject the clock.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govpath.audit.acting import Acting, acting_json
from govpath.audit.chain import append_event
from govpath.errors import BadInput, NotFound
from govpath.runtime import deadlines as dl
from govpath.runtime import guards
from govpath.runtime.meetings import move_meeting
from govpath.runtime.migrate import migrate_plans
from govpath.runtime.transition import advance, plan_ref
from govpath.store import pathways, people
from govpath.store import plan_status as status_rows
from govpath.store.plans import insert_plan, load_plan, pathway_for, reports_chain
from govpath.zone import local_date

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from govpath.audit.lateness import Standing
    from govpath.definition.model import Pathway

__all__ = [
    "add_actor",
    "advance",
    "list_actors",
    "list_plans",
    "migrate_plans",
    "move_meeting",
    "plan_status",
    "publish_pathway",
    "start_plan",
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# roles govpath itself gives meaning to, whatever the pathways define: who may act for others and
# administer people, and who witnesses the trail's checkpoints
SYSTEM_ROLES = frozenset({"administrator", "auditor", "monitoring_officer"})


def _now(now: dt.datetime | None) -> dt.datetime:
    from govpath.store.db import utcnow

    return now or utcnow()


def publish_pathway(
    engine: Engine,
    path: str | Path,
    actor: str | None = None,
    now: dt.datetime | None = None,
    acting: Acting | None = None,
) -> dict[str, Any]:
    """Publish PATH: ``{pathway, version, hash, new}``; same content, same version."""
    from sqlalchemy.exc import IntegrityError

    from govpath.definition.loader import content_hash, load_pathway, normalised_json

    now = _now(now)
    pathway = load_pathway(path)
    digest = content_hash(pathway)
    source_text = Path(path).read_text(encoding="utf-8")
    for _attempt in range(3):
        try:
            with engine.begin() as conn:
                row = pathways.with_hash(conn, digest)
                if row is not None:
                    return {
                        "pathway": row.pathway_id,
                        "version": row.version,
                        "hash": digest,
                        "new": False,
                    }
                version = pathways.publish(
                    conn,
                    pathway_id=pathway.id,
                    content_hash=digest,
                    title=pathway.title,
                    year=pathway.year,
                    source_path=str(path),
                    source_text=source_text,
                    definition=json.dumps(
                        normalised_json(pathway), sort_keys=True, ensure_ascii=False
                    ),
                    now=now,
                )
                append_event(
                    conn,
                    kind="pathway_published",
                    at=now,
                    actor=actor or _operator(acting),
                    data={
                        "acting": acting_json(acting, actor),
                        "pathway": pathway.id,
                        "version": version,
                        "hash": digest,
                        "title": pathway.title,
                        "year": pathway.year,
                        "source": str(path),
                    },
                )
            return {"pathway": pathway.id, "version": version, "hash": digest, "new": True}
        except IntegrityError:  # someone published the same pathway at the same moment: look again
            continue
    raise BadInput(f"could not publish {path}: it kept colliding with concurrent publications.")


def _operator(acting: Acting | None) -> str | None:
    """Who the trail names as having done an administrative act: the signed-in person, else the
    operator's account on its host."""
    from govpath.audit.acting import process_default

    return (acting or process_default()).who


def _known_roles(conn: Connection) -> set[str]:
    """The roles the published pathways define."""
    known: set[str] = set()
    for text in pathways.definitions(conn):
        known.update(r["id"] for r in json.loads(text).get("roles", []))
    return known


def add_actor(
    engine: Engine,
    email: str,
    name: str,
    roles: list[str] | tuple[str, ...],
    reports_to: str | None = None,
    now: dt.datetime | None = None,
    acting: Acting | None = None,
) -> dict[str, Any]:
    """Add a person with their roles, or update them (roles replaced) when the e-mail is known.

    The trail event names who did it (ACTING: the signed-in person or the operator), with the
    person added and their roles in its data.
    """
    now = _now(now)
    from govpath.runtime.addresses import address_problem

    email = email.strip().lower()
    reports_to = reports_to.strip().lower() if reports_to is not None else None
    for flag, address in (("EMAIL", email), ("--reports-to", reports_to)):
        why = address_problem(address) if address is not None else None
        if why:
            raise BadInput(f"{flag} {address!r} is not one e-mail address: {why}.")
    if reports_to == email:
        raise BadInput(f"{email} cannot report to themselves.")
    roles = sorted({r.strip() for r in roles if r.strip()})
    with engine.begin() as conn:
        known = _known_roles(conn)
        unknown = [r for r in roles if known and r not in known | SYSTEM_ROLES]
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(known), n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise BadInput(
                f"role '{unknown[0]}' is not defined by any published pathway.{hint} "
                f"Roles they define: {', '.join(sorted(known))}."
            )
        new = people.save_actor(
            conn, email=email, name=name, reports_to=reports_to, roles=roles, now=now
        )
        info = {"email": email, "name": name, "roles": roles, "reports_to": reports_to, "new": new}
        append_event(
            conn,
            kind="actor_added",
            at=now,
            actor=_operator(acting),
            data={**info, "acting": acting_json(acting)},
        )
    return info


def list_actors(engine: Engine) -> list[dict[str, Any]]:
    """Every actor with their roles, by e-mail."""
    with engine.connect() as conn:
        rows = people.actor_roles(conn)
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(
            r.email, {"email": r.email, "name": r.name, "reports_to": r.reports_to, "roles": []}
        )
        if r.role:
            entry["roles"].append(r.role)
    return list(out.values())


def start_plan(
    engine: Engine,
    pathway_id: str,
    subject: str,
    owner: str,
    actor: str | None = None,
    now: dt.datetime | None = None,
    acting: Acting | None = None,
) -> dict[str, Any]:
    """Start a plan on the newest published version of PATHWAY_ID; returns its status."""
    now = _now(now)
    owner = owner.strip().lower()
    actor = (actor or owner).strip().lower()
    if not subject.strip():
        raise BadInput("a plan needs a subject (--subject), e.g. 'Finance and Procurement'.")
    with engine.begin() as conn:
        row = pathways.newest(conn, pathway_id)
        if row is None:
            ids = pathways.pathway_ids(conn)
            close = difflib.get_close_matches(pathway_id, ids, n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            listed = ", ".join(ids) if ids else "none yet (govpath pathway publish PATH)"
            raise NotFound(
                f"no pathway '{pathway_id}' has been published.{hint} Published: {listed}."
            )
        if people.actor_id(conn, owner) is None:
            raise NotFound(
                f"{owner} is not a known actor; add them first with "
                f"`govpath actor add {owner} --name NAME --role director`."
            )
        pathway, _compiled = pathway_for(conn, row.content_hash)
        pid = insert_plan(
            conn,
            pathway_version_id=row.id,
            pathway_id=pathway_id,
            subject=subject.strip(),
            owner=owner,
            state=pathway.initial,
            now=now,
        )
        append_event(
            conn,
            kind="plan_started",
            at=now,
            plan_id=pid,
            to_state=pathway.initial,
            actor=actor,
            data={
                "pathway": pathway_id,
                "version": row.version,
                "subject": subject.strip(),
                "owner": owner,
                "acting": acting_json(acting, actor),
            },
        )
        if dl.needs_timeline(pathway, pathway.initial):
            tl = dl.timeline(conn, pathway, row.content_hash, local_date(now))
            plan = load_plan(conn, pid)
            dl.enter_stage(conn, pathway, plan_ref(pathway, plan), pathway.initial, tl, now)
    return plan_status(engine, pid)


def _standing_json(s: Standing) -> dict[str, Any]:
    return {**s.as_json(), "met_on": _iso(s.met_on)}


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def plan_status(engine: Engine, plan_id: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """The plan as ``plan status --json`` prints it (keys per CLI.md, and a few more)."""
    with engine.connect() as conn:
        plan = load_plan(conn, plan_id)
        pathway, compiled = pathway_for(conn, plan.content_hash)
        drows = status_rows.deadlines_of(conn, plan_id)
        erows = status_rows.events_of(conn, plan_id)
    types = {c.id: c.type for c in pathway.content}
    stage = pathway.stage(plan.state)
    from govpath.audit.lateness import standing
    from govpath.calendars.workdays import get_policy

    policy = get_policy(pathway.settings.working_days)
    today = local_date(_now(now))
    available: list[dict[str, Any]] = []
    for t in compiled.available(plan.state):  # the compiled machine's triggers from here
        needed = guards.required_content(pathway, t, stage)
        available.append(
            {
                "trigger": t.trigger,
                "to": t.dest,
                "roles": list(t.roles),
                "title": t.title,
                "requires": [
                    {
                        "name": n,
                        "type": types.get(n, "text"),
                        "set": guards.is_set(plan.fields.get(n)),
                    }
                    for n in needed
                ],
                "join": t.join.stage if t.join else None,
                "notice": t.notice,
                "decision": t.decision,
            }
        )
    return {
        "id": plan.id,
        "pathway": plan.pathway_id,
        "version": plan.pathway_version,
        "state": plan.state,
        "stage_title": stage.title,
        "subject": plan.subject,
        "owner": plan.owner,
        "year": plan.year,
        "plan_version": plan.version,
        "closed": plan.closed_at is not None,
        "closed_at": _iso(plan.closed_at),
        "fields": plan.fields,
        "deadlines": [
            {
                "name": r.name,
                "date": r.due.isoformat(),
                "status": r.status,
                "title": r.title,
                "stage": r.stage,
                "stage_title": _stage_title(pathway, r.stage),
                "rule": r.rule,
                "infeasible": bool(r.infeasible),
                "meeting_id": r.meeting_id,
                "owner": r.owner,
                "carried_from": r.carried_from,
                **_standing_json(standing(r.status, r.due, r.met_at, policy, today)),
                "met_at": _iso(r.met_at),
            }
            for r in drows
        ],
        "history": [
            {
                "seq": e.seq,
                "at": _iso(e.at),
                "kind": e.kind,
                "trigger": e.trigger,
                "from": e.from_state,
                "to": e.to_state,
                "actor": e.actor,
                "body": e.body,
                "meeting_id": e.meeting_id,
                "note": e.note,
                "data": json.loads(e.data or "{}"),
            }
            for e in erows
        ],
        "available": available,
    }


def list_plans(
    engine: Engine, pathway_id: str | None = None, state: str | None = None
) -> list[dict[str, Any]]:
    """Plans (optionally of one pathway, in one state) with their next open deadline."""
    with engine.connect() as conn:
        rows = status_rows.plan_lines(conn, pathway_id, state)
        names: dict[int, tuple[str, dt.date]] = {}
        if rows:
            for r in status_rows.open_deadlines(conn):
                if r.plan_id not in names or r.due < names[r.plan_id][1]:
                    names[r.plan_id] = (r.name, r.due)
    return [
        {
            "id": r.id,
            "pathway": r.pathway_id,
            "version": r.version,
            "state": r.state,
            "subject": r.subject,
            "owner": r.owner,
            "closed": r.closed_at is not None,
            "next_deadline": (
                {"name": names[r.id][0], "date": r.due.isoformat()}
                if r.due is not None and r.id in names
                else None
            ),
        }
        for r in rows
    ]


def owner_chain(engine: Engine, email: str) -> list[str]:
    """The people EMAIL reports to, nearest first."""
    with engine.connect() as conn:
        return reports_chain(conn, email.strip().lower())


def _stage_title(pathway: Pathway, stage_id: str) -> str:
    """The stage's title in PATHWAY (its id where this version has no such stage)."""
    found = pathway.stages_by_id.get(stage_id)
    return found.title if found is not None else stage_id
