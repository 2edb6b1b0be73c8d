"""Commands: audit query, decision record / list, report pathway / year (the trail, read back)."""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from . import groups
from .parse import open_engine, parse_date


class QueryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class RecordFormat(StrEnum):
    markdown = "markdown"
    json = "json"


class YearFormat(StrEnum):
    markdown = "markdown"
    html = "html"


def _day(text: str | None, what: str) -> dt.date | None:
    """A date, or the date part of a date-time (``--since 2013-03-01T12:00`` means that day)."""
    return parse_date(text.strip()[:10] if text else None, what)


def _today(text: str | None) -> dt.date:

    from govpath.zone import today

    return _day(text, "--today") or today()


def _write_rows(
    rows: list[dict[str, Any]], fmt: QueryFormat, columns: list[str], title: str
) -> None:
    """Rows as JSON, CSV or a table (tables on stdout; JSON and CSV are the only stdout content)."""
    from govpath.audit.export import csv_text, json_text

    if fmt is QueryFormat.json:
        sys.stdout.write(json_text(rows))
        return
    if fmt is QueryFormat.csv:
        sys.stdout.write(csv_text(rows, columns))
        return
    if not rows:
        sys.stdout.write(f"{title}: nothing matches.\n")
        return
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    from rich.console import Console

    wide = None if sys.stdout.isatty() else 180  # pipes and files get room for every column
    Console(highlight=False, width=wide).print(table)


TABLE_COLUMNS = [
    "seq", "at", "plan", "kind", "trigger", "from", "to", "actor", "by", "channel", "body", "note",
]  # fmt: skip
MISSED_TABLE = [
    "plan",
    "subject",
    "name",
    "due",
    "owner",
    "standing",
    "met_on",
    "days_late",
    "working_days_late",
]


@groups.audit.command("query")
def audit_query(
    ctx: typer.Context,
    plan: int = typer.Option(None, "--plan", metavar="ID", help="Only events of this plan."),
    actor: str = typer.Option(
        None,
        "--actor",
        metavar="EMAIL",
        help="Only events by this person (e-mail); with --missed, deadlines they own.",
    ),
    body: str = typer.Option(
        None, "--body", metavar="BODY", help="Only events at this body's meetings (body id)."
    ),
    since: str = typer.Option(
        None,
        "--since",
        metavar="DATE",
        help="From this date (YYYY-MM-DD, whole London day) or date-time.",
    ),
    until: str = typer.Option(
        None,
        "--until",
        metavar="DATE",
        help="Up to and including this date, or up to this date-time.",
    ),
    decisions: bool = typer.Option(False, "--decisions", help="Only decisions taken at gates."),
    kind: list[str] = typer.Option(
        None,
        "--kind",
        metavar="KIND",
        help="Only events of this kind (repeatable), e.g. transition, refusal; deadline_met "
        "finds the transitions that met a deadline.",
    ),
    stage: str = typer.Option(
        None, "--stage", metavar="STAGE", help="Only events entering or leaving this stage."
    ),
    missed: bool = typer.Option(
        False, "--missed", help="List missed deadlines: how late (days, working days) and whose."
    ),
    as_of: str = typer.Option(
        None,
        "--as-of",
        metavar="DATETIME",
        help="Rebuild every plan's state at this moment from the trail.",
    ),
    limit: int = typer.Option(
        1000, "--limit", metavar="N", help="At most this many rows (0: no limit)."
    ),
    offset: int = typer.Option(0, "--offset", metavar="N", help="Skip this many rows first."),
    after: int = typer.Option(
        None,
        "--after",
        metavar="SEQ",
        help="Only events after this seq (fast paging: the last seq seen).",
    ),
    fmt: QueryFormat = typer.Option(QueryFormat.table, "--format", help="table, json or csv."),
    today: str = typer.Option(
        None,
        "--today",
        metavar="DATE",
        help="With --missed: count outstanding lateness up to this day (default today).",
    ),
) -> None:
    """Ask the decision trail; every filter is optional and they combine (AND).

    JSON is a list of events with id, at, plan, kind, trigger, from, to, actor (and body,
    meeting, note, data, seq, hash). --missed lists missed deadlines instead; --as-of lists each
    plan's state at that moment.

    Example: govpath audit query --plan 3 --since 2013-01-01 --decisions --format json
    """
    from govpath.audit.trail_query import TrailQuery, run_query
    from govpath.errors import BadInput

    from .output import err_console

    if missed and as_of:
        raise BadInput("--missed and --as-of answer different questions; use one of them.")
    if limit < 0 or offset < 0:
        raise BadInput("--limit and --offset must be 0 or more.")
    query = TrailQuery(
        plan=plan,
        actor=actor,
        body=body,
        since=since,
        until=until,
        decisions=decisions,
        kinds=tuple(kind or ()),
        stage=stage,
        missed=missed,
        as_of=as_of,
        limit=limit,
        offset=offset,
        after=after,
        today=_today(today) if missed else None,
    )
    with open_engine(ctx).connect() as conn:
        result = run_query(conn, query)
    rows, columns = result.rows, result.columns
    if fmt is QueryFormat.table and result.mode == "events":
        import datetime as dt

        from govpath.audit.query import local

        rows = [
            {**e, "at": local(dt.datetime.fromisoformat(e["at"])).strftime("%Y-%m-%d %H:%M")}
            for e in rows
        ]
        columns = TABLE_COLUMNS
    elif fmt is QueryFormat.table and result.mode == "missed":
        columns = MISSED_TABLE
    _write_rows(rows, fmt, columns, result.title)
    if result.more and result.mode == "missed":
        err_console().print(
            f"Showing {len(rows)} missed deadlines from offset {offset}; more match: "
            f"use --offset {offset + len(rows)}."
        )
    elif result.more:
        err_console().print(
            f"Showing {len(rows)} events from offset {offset}; more match: use --offset "
            f"{offset + len(rows)} or --after {rows[-1]['seq']} "
            "(or --limit 0 for all)."
        )


@groups.decision.command("record")
def decision_record(
    ctx: typer.Context,
    plan: int = typer.Argument(..., help="Plan id.", metavar="ID"),
    fmt: RecordFormat = typer.Option(RecordFormat.markdown, "--format", help="markdown or json."),
) -> None:
    """The decision record of a plan: every decision taken at a gate, by whom, why, and its notice.

    Example: govpath decision record 3 --format markdown
    """
    from govpath.audit.decisions import decision_records, record_markdown
    from govpath.reports.context import load_plan

    from .output import emit_json

    with open_engine(ctx).connect() as conn:
        load_plan(conn, plan)  # NotFound for an unknown plan
        records = decision_records(conn, plan=plan)
    if fmt is RecordFormat.json:
        emit_json([r.to_json() for r in records])
    else:
        sys.stdout.write(record_markdown(records))


@groups.decision.command("list")
def decision_list(
    ctx: typer.Context,
    key: bool = typer.Option(False, "--key", help="Only Key Decisions."),
    body: str = typer.Option(
        None, "--body", metavar="BODY", help="Only decisions of this body (body id)."
    ),
    since: str = typer.Option(
        None, "--since", metavar="DATE", help="Decisions taken on or after this date."
    ),
    until: str = typer.Option(
        None, "--until", metavar="DATE", help="Decisions taken on or before this date."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Decisions taken at gates across all plans; flagged Key Decisions had too little notice.

    Example: govpath decision list --key --since 2013-01-01 --json
    """
    from govpath.audit.decisions import decision_records

    from .output import emit_json

    with open_engine(ctx).connect() as conn:
        records = decision_records(
            conn,
            key_only=key,
            body=body,
            since=_day(since, "--since"),
            until=_day(until, "--until"),
        )
    if as_json:
        emit_json([r.to_json() for r in records])
        return
    rows = [
        {
            "date": r.date,
            "plan": r.plan,
            "decision": r.decision,
            "body": r.body_name,
            "by": r.decision_maker,
            "key": "yes" if r.key_decision else "",
            "notice": r.notice_published or "",
            "clear days": r.clear_days,
            "effective": r.effective_from or "",
            "flags": "; ".join(r.flags),
        }
        for r in records
    ]
    _write_rows(rows, QueryFormat.table, list(rows[0]) if rows else ["date"], "Decisions")
    flagged = sum(1 for r in records if r.flagged)
    if flagged:
        from .output import err_console

        err_console().print(f"{flagged} Key Decision(s) flagged: notice short or route missing.")


@groups.report.command("pathway")
def report_pathway(
    ctx: typer.Context,
    plan: int = typer.Argument(None, help="Plan id.", metavar="[ID]"),
    pathway_path: str = typer.Option(
        None, "--pathway", help="A pathway definition file (with --meeting).", metavar="FILE"
    ),
    calendars: list[str] = typer.Option(
        [],
        "--calendar",
        help="Calendar files to resolve its meetings (default: the database's meetings).",
        metavar="FILE",
    ),
    meeting: str = typer.Option(
        None,
        "--meeting",
        help="The meeting the paper goes to: BODY@DATE, e.g. pr_cc@2016-03-14.",
        metavar="BODY@DATE",
    ),
    maps: list[str] = typer.Option(
        [], "--map", help="Map meeting titles to a body: REGEX=BODY.", metavar="REGEX=BODY"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    today: str = typer.Option(
        None, "--today", metavar="DATE", help="Resolve future gates as of this day (default today)."
    ),
) -> None:
    """The "Past Pathway of Paper" and "Future Pathway of Paper" lines for a plan or a paper.

    With ID: the lines of that plan's paper now, from its trail and the calendar. With
    --pathway FILE --meeting BODY@DATE: the lines of the paper that pathway takes to that
    meeting, before any plan exists (with --calendar, no database is needed).

    Examples: govpath report pathway 3;
    govpath report pathway --pathway workflows/kcc/2016-17.yaml
    --calendar calendars/data/kcc/2015-16.yaml --meeting pr_cc@2016-03-14
    """
    from .output import emit_json

    if (plan is None) == (meeting is None):
        raise typer.BadParameter(
            "give a plan ID, or --pathway FILE and --meeting BODY@DATE (not both)."
        )
    if plan is not None and (pathway_path or calendars):
        raise typer.BadParameter("--pathway and --calendar go with --meeting, not with a plan ID.")
    if meeting is not None:
        doc = _paper_lines(ctx, pathway_path, calendars, meeting, maps)
    else:
        from govpath.reports.pathway_lines import pathway_lines

        with open_engine(ctx).connect() as conn:
            doc = pathway_lines(conn, plan, today=_today(today))
    if as_json:
        emit_json(doc)
    else:
        sys.stdout.write(f"{doc['past_line']}\n{doc['future_line']}\n")


def _paper_lines(
    ctx: typer.Context,
    pathway_path: str | None,
    calendars: list[str],
    meeting: str,
    maps: list[str],
) -> dict[str, Any]:
    """``report pathway --pathway FILE --meeting BODY@DATE``: the lines of a paper, no plan."""
    from govpath.errors import BadInput
    from govpath.reports.pathway_lines import paper_lines

    from .cmd_calendar import _timeline_inputs
    from .parse import parse_date

    if not pathway_path:
        raise typer.BadParameter("--meeting needs --pathway FILE.")
    body, sep, day = meeting.partition("@")
    if not sep or not body.strip():
        raise BadInput(f"--meeting {meeting!r} is not BODY@DATE, e.g. pr_cc@2016-03-14.")
    when = parse_date(day, "--meeting's date")
    pathway, meetings, closures = _timeline_inputs(ctx, pathway_path, calendars, maps)
    body = body.strip()
    if body not in {b.id for b in pathway.bodies}:
        from govpath.definition.schema_errors import did_you_mean

        known = [b.id for b in pathway.bodies]
        raise BadInput(
            f"--meeting: pathway {pathway.id} has no body '{body}'"
            f"{did_you_mean(body, known)} (its bodies: {', '.join(known)})."
        )
    return paper_lines(pathway, meetings, body, when, closures=closures)  # type: ignore[arg-type]


@groups.report.command("year")
def report_year(
    ctx: typer.Context,
    pathway: str = typer.Argument(..., help="Pathway id.", metavar="PATHWAY"),
    fmt: YearFormat = typer.Option(YearFormat.html, "--format", help="html or markdown."),
    output: Path = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write to this file instead of stdout."
    ),
    today: str = typer.Option(
        None, "--today", metavar="DATE", help="The report's date (default today)."
    ),
) -> None:
    """Every plan's route through the year on one timeline against the committee calendar.

    Deadlines met and missed and decisions taken; self-contained HTML (inline CSS and SVG) or
    Markdown, for Corporate Board.

    Example: govpath report year business_planning_2013_14 -o year.html
    """
    from govpath.errors import BadInput
    from govpath.reports.year import collect_year, render_year

    with open_engine(ctx).connect() as conn:
        year = collect_year(conn, pathway, today=_today(today))
    text = render_year(year, fmt.value)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write {output}: {exc.strerror or exc}.") from None
    from .output import err_console

    err_console().print(f"Wrote the {fmt.value} year report for {pathway} to {output}.")
