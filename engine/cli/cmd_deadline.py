"""Command: ``govpath deadline RULE DATE`` applies one deadline rule to a date."""

from __future__ import annotations

import typer

from . import groups


@groups.app.command("deadline")
def deadline(
    rule: str = typer.Argument(
        ...,
        metavar="RULE",
        help="A named rule (agenda-publication, key-decision-notice, general-exception-notice, "
        "call-in-end, effective-from) or a quoted phrase such as '5 clear working days before'.",
    ),
    date: str = typer.Argument(
        ...,
        metavar="DATE",
        help="The anchor date, YYYY-MM-DD (the meeting, decision or publication day).",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object instead of the date."
    ),
    policy: str = typer.Option(
        "england-and-wales", "--policy", metavar="NAME", help="Working-day policy to count with."
    ),
    closure: list[str] = typer.Option(
        [],
        "--closure",
        metavar="DATE",
        help="An extra closure day (not a working day); repeatable.",
    ),
) -> None:
    """Apply one deadline rule to a date and print the resulting date (YYYY-MM-DD).

    "Clear" days leave out the day of the act and the day of the meeting or decision; "working"
    days leave out weekends, England and Wales bank holidays and closure days. A result that
    lands on a non-working day moves to the working day before (a "before" rule) or after.

    Example: govpath deadline agenda-publication 2013-01-08   (prints 2012-12-28)

    Example: govpath deadline "28 clear days before" 2013-03-18 --json
    """
    from .fast import apply_rule

    parsed, anchor, days, closures, result = apply_rule(rule, date, policy, closure)
    if not as_json:
        typer.echo(result.isoformat())
        return

    from .output import emit_json

    emit_json(
        {
            "rule": parsed.label,
            "name": parsed.name,
            "phrase": parsed.phrase,
            "amount": parsed.amount,
            "unit": parsed.unit,
            "clear": parsed.clear,
            "direction": parsed.direction,
            "date": anchor.isoformat(),
            "result": result.isoformat(),
            "weekday": result.strftime("%A"),
            "policy": days.name,
            "closures": sorted(d.isoformat() for d in closures),
            "clear_days": days.clear_days_between(anchor, result, working=False),
            "clear_working_days": days.clear_days_between(anchor, result, working=True),
            "description": parsed.description,
            "source": parsed.source,
        }
    )
