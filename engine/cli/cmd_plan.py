"""Commands: init, pathway publish, actor add/list, plan …, calendar move."""

from __future__ import annotations

import typer

from . import groups
from .parse import open_engine, parse_clock, require_date
from .state import state


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    from govpath.errors import BadInput

    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(
                f"{flag} takes KEY=VALUE, not {item!r} (e.g. {flag} qa_letter_ref=QA/2013/04)."
            )
        out[key.strip()] = value
    return out


@groups.app.command("init")
def init(
    ctx: typer.Context,
    simulation: bool = typer.Option(
        False,
        "--simulation",
        help="Mark the database as a simulation: acting commands accept any --now (replays).",
    ),
    owner_role: str = typer.Option(
        None, "--owner-role", metavar="ROLE", help="PostgreSQL: the role that owns the schema."
    ),
    app_role: str = typer.Option(
        None,
        "--app-role",
        metavar="ROLE",
        help="PostgreSQL: the role govpath runs as; it may append to the trail, never alter it.",
    ),
) -> None:
    """Create or upgrade the database schema explicitly (other commands do it on first use).

    On PostgreSQL, run it as an administrator with --owner-role and --app-role to create both
    roles, give the schema to the owner and grant the application role only what it needs.

    Example: govpath --db postgresql+psycopg://postgres@db/govpath init --owner-role govpath_owner --app-role govpath_app
    """
    from govpath.errors import BadInput

    if (owner_role is None) != (app_role is None):
        raise BadInput("give both --owner-role and --app-role, or neither.")
    from govpath.store.db import create_db_engine, head_revision, upgrade

    url = state(ctx).db_url
    engine = create_db_engine(url)
    try:
        applied = upgrade(engine)
    finally:
        engine.dispose()
    what = "upgraded to" if applied else "already at"
    print(f"Database {url} {what} schema revision {head_revision()}.")
    if owner_role and app_role:
        from govpath.store.pg_roles import set_up_roles

        for line in set_up_roles(open_engine(ctx), owner_role, app_role):
            print(line[0].upper() + line[1:] + ".")
    if simulation:
        from govpath.store.facts import mark_simulation

        mark_simulation(open_engine(ctx))
        print("Marked as a simulation: acting commands accept any --now.")


@groups.pathway.command("publish")
def publish(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="The pathway definition (YAML)."),
    actor: str | None = typer.Option(
        None, "--actor", help="Who publishes it (recorded in the trail)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Register a definition version in the database (the same content twice is one version).

    Example: govpath pathway publish workflows/kcc/2013-14.yaml
    """
    from govpath.runtime.api import publish_pathway

    from .identity import who_acts
    from .output import emit_json

    engine = open_engine(ctx)
    actor, acting = who_acts(engine, actor, admin=True)
    result = publish_pathway(engine, path, actor=actor, acting=acting)
    if as_json:
        emit_json(result)
        return
    what = "Published" if result["new"] else "Already published:"
    print(f"{what} {result['pathway']} version {result['version']} ({result['hash'][:12]}).")


@groups.actor.command("add")
def actor_add(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The person's e-mail address (their identity)."),
    name: str = typer.Option(..., "--name", help="Their name."),
    role: list[str] = typer.Option(None, "--role", help="A role id (repeat for several)."),
    reports_to: str = typer.Option(None, "--reports-to", help="E-mail of their manager."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Add a person and their roles; adding the same e-mail again updates it.

    Example: govpath actor add jo@kcc.uk --name "Jo Bloggs" --role director --reports-to cd@kcc.uk
    """
    from govpath.runtime.api import add_actor

    from .identity import who_acts
    from .output import emit_json

    engine = open_engine(ctx)
    _who, acting = who_acts(engine, None, admin=True)
    result = add_actor(engine, email, name, role or [], reports_to=reports_to, acting=acting)
    if as_json:
        emit_json(result)
        return
    roles = ", ".join(result["roles"]) or "no roles"
    print(
        f"{'Added' if result['new'] else 'Updated'} {result['email']} ({result['name']}): {roles}."
    )


@groups.actor.command("list")
def actor_list(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """People and their roles.

    Example: govpath actor list --json
    """
    from govpath.runtime.api import list_actors

    from .output import emit_json

    rows = list_actors(open_engine(ctx))
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        boss = f", reports to {r['reports_to']}" if r["reports_to"] else ""
        print(f"{r['email']}  {r['name']}  [{', '.join(r['roles'])}]{boss}")


@groups.plan.command("start")
def plan_start(
    ctx: typer.Context,
    pathway: str = typer.Argument(..., help="Pathway id (its newest published version is used)."),
    subject: str = typer.Option(
        ..., "--subject", help="What the plan is about (directorate, division)."
    ),
    owner: str = typer.Option(..., "--owner", help="E-mail of the person who owns it."),
    actor: str | None = typer.Option(None, "--actor", help="Who starts it (default: the owner)."),
    now: str = typer.Option(
        None,
        "--now",
        metavar="DATETIME",
        help="The clock (default: now), to replay a past day as `scheduler run --now` does.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (has `id`)."),
) -> None:
    """Start a plan on the newest published version of a pathway.

    Example: govpath plan start kcc_2013_14 --subject "Governance and Law" --owner jo@kcc.uk
    """
    from govpath.runtime.api import start_plan

    from .identity import who_acts
    from .output import emit_json

    engine = open_engine(ctx)
    clock = parse_clock(now)
    actor, acting = who_acts(engine, actor, now=clock)
    status = start_plan(engine, pathway, subject, owner, actor=actor, now=clock, acting=acting)
    if as_json:
        emit_json(status)
        return
    print(
        f"Started plan {status['id']} ({status['subject']}) on {status['pathway']} "
        f"version {status['version']}, in '{status['state']}'."
    )


@groups.plan.command("advance")
def plan_advance(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., metavar="ID", help="The plan."),
    trigger: str = typer.Argument(..., help="The transition to fire."),
    actor: str | None = typer.Option(
        None,
        "--actor",
        help="On whose behalf (default: the signed-in person); another person's needs the "
        "administrator role where sign-in is required.",
    ),
    set_: list[str] = typer.Option(
        None,
        "--set",
        help=(
            "KEY=VALUE content to record (repeatable). On a decision also: reasons, alternatives, "
            "interests, dispensations (reg. 12), scrutiny_chair_informed (reg. 10, a date) and "
            "decision_record_published (a date: call-in runs from it)."
        ),
    ),
    note: str = typer.Option(None, "--note", help="A note for the trail."),
    now: str = typer.Option(
        None,
        "--now",
        metavar="DATETIME",
        help="The clock (default: now), to replay a past day as `scheduler run --now` does.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Fire a transition; exit 0, 3 (refused, recorded) or 4 (conflict, nothing written).

    Example: govpath plan advance 3 issue_qa_letter --actor pt@kcc.uk --set qa_letter_ref=QA/4
    """
    from govpath.runtime.api import advance

    from .identity import who_acts
    from .output import emit_json

    engine = open_engine(ctx)
    clock = parse_clock(now)
    values = _pairs(set_, "--set")
    acting_for, acting = who_acts(engine, actor, now=clock, needs_actor=True)
    assert acting_for is not None  # needs_actor: who_acts refuses rather than answer None
    result = advance(
        engine, plan_id, trigger, acting_for, fields=values, note=note, now=clock, acting=acting
    )
    if as_json:
        emit_json(result)
        return
    others = [p for p in result["plans"] if p != plan_id]
    also = f" (with plans {', '.join(map(str, others))})" if others else ""
    print(f"Plan {plan_id}: {result['from']} --{trigger}--> {result['to']}{also}.")


@groups.plan.command("status")
def plan_status(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., metavar="ID", help="The plan."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A plan: its stage, deadlines, history and what can fire next.

    Example: govpath plan status 3 --json
    """
    from govpath.audit.lateness import Standing
    from govpath.runtime.api import plan_status as status_of

    from .output import emit_json

    s = status_of(open_engine(ctx), plan_id)
    if as_json:
        emit_json(s)
        return
    print(f"Plan {s['id']}: {s['subject']} ({s['owner']})")
    print(
        f"  pathway {s['pathway']} version {s['version']}; stage '{s['state']}': {s['stage_title']}"
        + ("  [closed]" if s["closed"] else "")
    )
    for d in s["deadlines"]:
        flag = "  (cannot be met)" if d["infeasible"] and d["status"] == "open" else ""
        state = Standing(d["standing"], d["days_late"], d["working_days_late"]).text
        print(f"  deadline {d['date']}  {state:<7} {d['title']}{flag}")
    for a in s["available"]:
        needs = ", ".join(r["name"] + ("" if r["set"] else " (missing)") for r in a["requires"])
        print(
            f"  can fire: {a['trigger']} -> {a['to']} by {', '.join(a['roles'])}"
            + (f"; needs {needs}" if needs else "")
        )
    print(f"  history: {len(s['history'])} events (govpath audit query --plan {s['id']})")


@groups.plan.command("list")
def plan_list(
    ctx: typer.Context,
    pathway: str = typer.Option(None, "--pathway", help="Only plans of this pathway."),
    state_: str = typer.Option(None, "--state", help="Only plans in this stage."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Plans, with their next deadline.

    Example: govpath plan list --pathway kcc_2013_14 --json
    """
    from govpath.runtime.api import list_plans

    from .output import emit_json

    rows = list_plans(open_engine(ctx), pathway_id=pathway, state=state_)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        print("No plans.")
    for r in rows:
        nxt = r["next_deadline"]
        due = (
            f"next: {nxt['name']} {nxt['date']}"
            if nxt
            else ("closed" if r["closed"] else "no open deadline")
        )
        print(
            f"{r['id']:>4}  {r['pathway']} v{r['version']}  {r['state']:<22} "
            f"{r['subject']}  ({due})"
        )


@groups.plan.command("migrate")
def plan_migrate(
    ctx: typer.Context,
    plan_ids: list[int] = typer.Argument(..., metavar="ID...", help="The plans to migrate."),
    to_version: int = typer.Option(
        ..., "--to-version", help="The pathway version to move them to."
    ),
    map_: list[str] = typer.Option(None, "--map", help="OLD=NEW stage mapping (repeatable)."),
    actor: str | None = typer.Option(None, "--actor", help="Who migrates them (recorded)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Move running plans to another version of their pathway; refused when a state has no mapping.

    Example: govpath plan migrate 3 4 --to-version 2 --map drafting=drafting --map qa=revising
    """
    from govpath.runtime.api import migrate_plans

    from .identity import who_acts
    from .output import emit_json

    engine = open_engine(ctx)
    mapping = _pairs(map_, "--map")
    actor, acting = who_acts(engine, actor, admin=True)
    result = migrate_plans(engine, list(plan_ids), to_version, mapping, actor=actor, acting=acting)
    if as_json:
        emit_json(result)
        return
    for p in result["plans"]:
        print(
            f"Plan {p['id']}: version {p['from_version']} '{p['from']}' -> "
            f"version {to_version} '{p['to']}'."
        )


@groups.calendar.command("move")
def calendar_move(
    ctx: typer.Context,
    body: str = typer.Argument(..., help="The body whose meeting moved (its id, e.g. pr_cc)."),
    date: str = typer.Argument(..., help="The meeting's date (YYYY-MM-DD)."),
    new_date: str = typer.Argument(..., metavar="NEWDATE", help="Its new date (YYYY-MM-DD)."),
    actor: str | None = typer.Option(None, "--actor", help="Who records the move."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Record that a meeting moved; deadlines of open plans follow it.

    Example: govpath calendar move pr_cc 2013-01-08 2013-01-15
    """
    from govpath.runtime.api import move_meeting

    from .identity import who_acts
    from .output import emit_json

    engine = open_engine(ctx)
    day, new_day = require_date(date, "DATE"), require_date(new_date, "NEWDATE")
    actor, acting = who_acts(engine, actor, admin=True)
    result = move_meeting(engine, body, day, new_day, actor=actor, acting=acting)
    if as_json:
        emit_json(result)
        return
    plans = result["plans_updated"]
    print(
        f"Moved the {body} meeting of {date} to {new_date}; "
        + (
            f"deadlines of plans {', '.join(map(str, plans))} follow it."
            if plans
            else "no open plan's deadlines depend on it."
        )
    )
    for c in result["infeasible"]:
        print(
            f"Plan {c['plan']} ({c['subject']}): deadline {c['name']} is now {c['due']}, "
            "which can no longer be met."
        )
