"""Calendar commands: ``calendar import``/``list``/``export``, ``timeline`` and ``forward-plan check``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from . import groups
from .parse import open_engine, parse_date

if TYPE_CHECKING:
    from govpath.calendars.meetings import Meeting
    from govpath.calendars.timeline import Timeline
    from govpath.definition.model import Pathway

_MAP_HELP = "Map meeting titles to a body: a regular expression and a body id, e.g. '^P&R=pr_cc'."


@groups.calendar.command("import")
def import_cmd(
    ctx: typer.Context,
    files: list[str] = typer.Argument(
        ...,
        help="Calendar files: .ics, ModernGov GetMeetings .xml, or govpath YAML.",
        metavar="FILE...",
    ),
    maps: list[str] = typer.Option([], "--map", help=_MAP_HELP, metavar="REGEX=BODY"),
    pathway: str = typer.Option(
        None,
        "--pathway",
        help="Also use the title_patterns of this pathway's bodies.",
        metavar="PATH",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON on stdout."),
) -> None:
    """Load meetings from calendar files; re-importing updates meetings, never duplicates them.

    Every file is checked first: if any is malformed, every problem is printed as
    PATH:LINE:COLUMN and nothing is written (exit 1). Otherwise all meetings are saved in one
    transaction. Events whose title matches no body are skipped with a note.

    Example: govpath calendar import calendars/data/kcc/2012-13.yaml --map '^Leader=cabinet'
    """
    from govpath.calendars.sources import read_calendars
    from govpath.calendars.sources.bodies import parse_maps, patterns_from_pathway
    from govpath.store.meetings import upsert_meetings

    patterns: list[tuple[str, str]] = parse_maps(maps)
    if pathway:
        from govpath.definition.loader import load_pathway

        for body, rxs in patterns_from_pathway(load_pathway(pathway)).items():
            patterns.extend((rx, body) for rx in rxs)
    found = read_calendars(files, patterns)
    meetings = [m for f in found for m in f.meetings]
    from govpath.audit.chain import append_event
    from govpath.store.db import utcnow

    from .identity import who_acts

    engine = open_engine(ctx)
    _who, acting = who_acts(engine, None, admin=True)
    with engine.begin() as conn:
        added, updated = upsert_meetings(conn, meetings)
        if added or updated:
            append_event(
                conn,
                kind="calendar_imported",
                at=utcnow(),
                actor=acting.who,
                data={
                    "acting": acting.to_json(),
                    "files": [f.path for f in found],
                    "added": added,
                    "updated": updated,
                },
            )
    unchanged = len({(m.source, m.key) for m in meetings}) - added - updated
    notes = [n for f in found for n in f.notes]
    if as_json:
        from .output import emit_json

        emit_json(
            {
                "files": [
                    {
                        "path": f.path,
                        "format": f.format,
                        "meetings": len(f.meetings),
                        "notes": f.notes,
                    }
                    for f in found
                ],
                "added": added,
                "updated": updated,
                "unchanged": unchanged,
            }
        )
    else:
        for f in found:
            print(f"{f.path}: {len(f.meetings)} meetings ({f.format})")
        print(f"{added} added, {updated} updated, {unchanged} unchanged.")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


@groups.calendar.command("list")
def list_cmd(
    ctx: typer.Context,
    body: str = typer.Option(None, "--body", help="Only this body's meetings.", metavar="ID"),
    date_from: str = typer.Option(
        None, "--from", help="From this date (inclusive).", metavar="DATE"
    ),
    date_to: str = typer.Option(None, "--to", help="Up to this date (inclusive).", metavar="DATE"),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list on stdout."),
) -> None:
    """Meetings known to the engine, in date order; times are Europe/London local times.

    Example: govpath calendar list --body pr_cc --from 2013-01-01 --json
    """
    from govpath.store.meetings import load_meetings

    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    engine = open_engine(ctx)
    with engine.connect() as conn:
        meetings = load_meetings(conn, body=body, start=start, end=end)
    if as_json:
        from .output import emit_json

        emit_json([m.to_json() for m in meetings])
        return
    from rich.table import Table

    from .output import out_console

    table = Table("date", "time", "body", "title", "status", "place", box=None)
    for m in meetings:
        table.add_row(
            m.date.isoformat(),
            m.time.strftime("%H:%M") if m.time else "",
            m.body,
            m.title,
            m.status + (f" (was {m.original_date})" if m.original_date else ""),
            m.place,
        )
    out_console().print(table)
    if not meetings:
        print("No meetings.", file=sys.stderr)


def _timeline_inputs(
    ctx: typer.Context, pathway_path: str, calendars: list[str], maps: list[str]
) -> tuple[Pathway, list[Meeting], list[dt.date]]:
    from govpath.calendars.sources import read_calendars
    from govpath.calendars.sources.bodies import parse_maps, patterns_from_pathway
    from govpath.definition.loader import load_pathway

    pathway = load_pathway(pathway_path)
    if calendars:
        patterns = parse_maps(maps)
        for body, rxs in patterns_from_pathway(pathway).items():
            patterns.extend((rx, body) for rx in rxs)
        found = read_calendars(calendars, patterns)
        meetings = [m for f in found for m in f.meetings]
        closures: list[dt.date] = [d for f in found for d in f.closures]
    else:
        from govpath.store.meetings import load_meetings

        with open_engine(ctx).connect() as conn:
            meetings = load_meetings(conn)
        closures = []
    return pathway, meetings, closures


@groups.app.command("timeline")
def timeline_cmd(
    ctx: typer.Context,
    pathway_path: str = typer.Argument(..., help="A pathway definition file.", metavar="PATHWAY"),
    calendars: list[str] = typer.Option(
        [],
        "--calendar",
        help="Calendar files to use instead of the database's meetings.",
        metavar="FILE",
    ),
    what_if: list[str] = typer.Option(
        [], "--what-if", help='Move a meeting and compare: "BODY DATE->NEWDATE".', metavar="MOVE"
    ),
    today: str = typer.Option(
        None, "--today", help="The day to check against (default: today).", metavar="DATE"
    ),
    maps: list[str] = typer.Option([], "--map", help=_MAP_HELP, metavar="REGEX=BODY"),
    ics_out: str = typer.Option(
        None,
        "--ics",
        help="Also write the gate meetings and deadlines to this .ics file.",
        metavar="FILE",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the timeline as JSON on stdout."),
) -> None:
    """Resolve a pathway against the calendar: gate meetings, deadlines, reminders and problems.

    Problems (a missing or cancelled meeting, a deadline already past on --today, a window
    ending after its gate, a key decision gate too close for 28 clear days' notice) are reported,
    and the command still exits 0; it exits 1 only for a bad pathway, calendar or option.
    With --what-if, the timeline is worked out again with the meeting moved, and the deadlines
    that move are shown before and after.

    Example: govpath timeline workflows/kcc/2013-14.yaml --calendar calendars/data/kcc/2012-13.yaml
    --today 2012-10-01 --what-if "pr_cc 2013-01-08->2013-01-15"
    """

    from govpath.calendars.meetings import move_meeting, parse_move
    from govpath.calendars.timeline import build_timeline
    from govpath.calendars.timeline_report import compare, timeline_json

    moves = [parse_move(text) for text in what_if]
    from govpath.zone import today as council_today

    on = parse_date(today, "--today") or council_today()
    pathway, meetings, closures = _timeline_inputs(ctx, pathway_path, calendars, maps)
    timeline = build_timeline(pathway, meetings, today=on, closures=closures)
    after = None
    changes: list[dict[str, Any]] = []
    if moves:
        moved = list(meetings)
        for body, old, new in moves:
            moved = move_meeting(moved, body, old, new)
        after = build_timeline(pathway, moved, today=on, closures=closures)
        changes = compare(timeline, after)
    if ics_out:
        _write_ics(ics_out, after or timeline, pathway)
    if as_json:
        from .output import emit_json

        doc = timeline_json(after or timeline)
        if moves:
            doc["what_if"] = changes
            doc["moves"] = [
                {"body": b, "date": o.isoformat(), "new_date": n.isoformat()} for b, o, n in moves
            ]
            doc["before"] = timeline_json(timeline)
        emit_json(doc)
        return
    from govpath.calendars.timeline_view import print_timeline

    print_timeline(pathway, timeline, after, changes)


def _write_ics(path: str, timeline: Timeline, pathway: Pathway) -> None:
    from pathlib import Path

    from govpath.calendars.ics_export import export_ics
    from govpath.calendars.timeline_report import timeline_events
    from govpath.errors import BadInput

    names = {b.id: b.name for b in pathway.bodies}
    data = export_ics(timeline_events(timeline, names), f"{pathway.title} ({pathway.year})")
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror}.") from None
    print(f"Wrote {path}.", file=sys.stderr)


@groups.forward_plan.command("check")
def forward_plan_check_cmd(
    file: str = typer.Argument(..., help="The forward plan: YAML or CSV.", metavar="FILE"),
    policy: str = typer.Option(
        "england-and-wales", "--policy", help="Working-day policy for the general exception check."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the checks as JSON on stdout."),
) -> None:
    """Check each key decision in a forward plan for 28 clear days' notice, and name the route.

    The file lists items with reference, decision date and notice published date (YAML list
    or CSV with a header). Dates may be written as forward plans print them: "Not before 30th
    Sep 2025", "6 Feb 2018", "30/09/2025" or "2025-09-30". Items with fewer than 28 clear days are flagged with the route they
    need (general exception or special urgency). Exit 0 when the file was read, flagged items or
    not; exit 1 when the file cannot be read (every problem located).

    Example: govpath forward-plan check forward-plan.csv --json
    """
    from govpath.calendars.forward_plan import check_items, read_forward_plan
    from govpath.calendars.workdays import get_policy

    checks = check_items(read_forward_plan(file), get_policy(policy))
    if as_json:
        from .output import emit_json

        emit_json(
            {
                "items": [c.to_json() for c in checks],
                "flagged": sum(c.flagged for c in checks),
            }
        )
        return
    for c in checks:
        mark = "FLAG" if c.flagged else "ok"
        print(f"{mark:4}  {c.item.reference}  decision {c.item.decision_date}  {c.message}")
    print(f"{len(checks)} items, {sum(c.flagged for c in checks)} flagged.")


@groups.calendar.command("export")
def calendar_export(
    ctx: typer.Context,
    plan: int = typer.Option(
        None, "--plan", metavar="ID", help="One plan's deadlines and meetings."
    ),
    owner: str = typer.Option(
        None, "--owner", metavar="EMAIL", help="Everything a person owns, across their plans."
    ),
    output: Path = typer.Option(
        None, "-o", "--output", help="Write the .ics here (default: standard output)."
    ),
) -> None:
    """A plan's or a Director's deadlines and gate meetings as an .ics file.

    Opens in Outlook and Google Calendar; UIDs are stable, so importing a newer export updates the
    entries instead of duplicating them. Deadlines are all-day entries; meetings keep their times
    (Europe/London, with its VTIMEZONE).

    Example: govpath calendar export --owner dana.finch@kent.example -o my-deadlines.ics
    """
    from govpath.errors import BadInput
    from govpath.reports.calendar_export import plan_calendar

    if (plan is None) == (owner is None):
        raise BadInput("give exactly one of --plan ID or --owner EMAIL.")
    with open_engine(ctx).connect() as conn:
        data = plan_calendar(conn, plan_id=plan, owner=owner)
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        output.write_bytes(data)
        print(f"Wrote {output}.", file=sys.stderr)
