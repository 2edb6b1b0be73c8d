"""Commands: audit query, decision record / list, report pathway / year (the trail, read back)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

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


def _day(text: str | None, what: str):
    """A date, or the date part of a date-time (``--since 2013-03-01T12:00`` means that day)."""
    return parse_date(text.strip()[:10] if text else None, what)


def _today(text: str | None):
    import datetime as dt

    from engine.audit.query import LONDON

    return _day(text, "--today") or dt.datetime.now(LONDON).date()


def _write_rows(rows: list[dict], fmt: QueryFormat, columns: list[str], title: str) -> None:
    """Rows as JSON, CSV or a table (tables on stdout; JSON and CSV are the only stdout content)."""
    import json

    from .output import emit_json

    if fmt is QueryFormat.json:
        emit_json(rows)
        return
    if fmt is QueryFormat.csv:
        import csv

        from engine.safe_output import csv_cell

        writer = csv.DictWriter(
            sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {  # a cell a spreadsheet would run as a formula is neutralised (OWASP)
                    k: csv_cell(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v)
                    for k, v in row.items()
                }
            )
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


EVENT_COLUMNS = [
    "id",
    "seq",
    "at",
    "plan",
    "kind",
    "trigger",
    "from",
    "to",
    "actor",
    "body",
    "meeting",
    "note",
    "data",
    "hash",
]
TABLE_COLUMNS = ["seq", "at", "plan", "kind", "trigger", "from", "to", "actor", "body", "note"]
MISSED_COLUMNS = [
    "plan", "subject", "stage", "name", "due", "owner", "status", "met_on", "days_late",
    "working_days_late", "outstanding", "body", "meeting_date", "deadline", "title",
]  # fmt: skip
MISSED_TABLE = [
    "plan",
    "subject",
    "name",
    "due",
    "owner",
    "met_on",
    "days_late",
    "working_days_late",
]
ASOF_COLUMNS = ["plan", "pathway", "subject", "state", "since", "seq"]


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
    from engine.audit.query import EventFilter, moment, query_events
    from engine.errors import BadInput

    from .output import err_console

    if missed and as_of:
        raise BadInput("--missed and --as-of answer different questions; use one of them.")
    if limit < 0 or offset < 0:
        raise BadInput("--limit and --offset must be 0 or more.")
    engine = open_engine(ctx)
    page_limit = limit or None
    if as_of:
        from engine.audit.asof import states_as_of

        at = moment(as_of)
        with engine.connect() as conn:
            rows = states_as_of(conn, at, plan=plan)
        _write_rows(rows, fmt, ASOF_COLUMNS, f"Plans as of {at.isoformat()}")
        return
    if missed:
        from engine.audit.missed import missed_deadlines

        with engine.connect() as conn:
            rows = missed_deadlines(
                conn,
                today=_today(today),
                plan=plan,
                owner=actor,
                body=body,
                since=_day(since, "--since"),
                until=_day(until, "--until"),
                limit=None if page_limit is None else page_limit + 1,
                offset=offset,
            )
        more = page_limit is not None and len(rows) > page_limit
        rows = rows[:page_limit] if more else rows
        cols = MISSED_TABLE if fmt is QueryFormat.table else MISSED_COLUMNS
        _write_rows(rows, fmt, cols, "Missed deadlines")
        if more:
            err_console().print(
                f"Showing {len(rows)} missed deadlines from offset {offset}; more match: "
                f"use --offset {offset + len(rows)}."
            )
        return
    f = EventFilter(
        plan=plan,
        actor=actor,
        body=body,
        since=moment(since) if since else None,
        until=moment(until, end=True) if until else None,
        decisions=decisions,
        kinds=tuple(kind or ()),
        stage=stage,
        limit=page_limit,
        offset=offset,
        after_seq=after,
    )
    with engine.connect() as conn:
        page = query_events(conn, f)
    if fmt is QueryFormat.table:
        import datetime as dt

        from engine.audit.query import local

        shown = [
            {**e, "at": local(dt.datetime.fromisoformat(e["at"])).strftime("%Y-%m-%d %H:%M")}
            for e in page.events
        ]
        _write_rows(shown, fmt, TABLE_COLUMNS, "Decision trail")
    else:
        _write_rows(page.events, fmt, EVENT_COLUMNS, "Decision trail")
    if page.more:
        err_console().print(
            f"Showing {len(page.events)} events from offset {offset}; more match: use --offset "
            f"{offset + len(page.events)} or --after {page.events[-1]['seq']} "
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
    from engine.audit.decisions import decision_records, record_markdown
    from engine.reports.context import load_plan

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
    from engine.audit.decisions import decision_records

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
    plan: int = typer.Argument(..., help="Plan id.", metavar="ID"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    today: str = typer.Option(
        None, "--today", metavar="DATE", help="Resolve future gates as of this day (default today)."
    ),
) -> None:
    """The "Past Pathway of Paper" and "Future Pathway of Paper" lines for a plan.

    Example: govpath report pathway 3
    """
    from engine.reports.pathway_lines import pathway_lines

    from .output import emit_json

    with open_engine(ctx).connect() as conn:
        doc = pathway_lines(conn, plan, today=_today(today))
    if as_json:
        emit_json(doc)
    else:
        sys.stdout.write(f"{doc['past_line']}\n{doc['future_line']}\n")


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
    from engine.errors import BadInput
    from engine.reports.year import collect_year, render_year

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
