"""The command groups of ``govpath``; command modules attach their commands to these."""

from __future__ import annotations

import typer


def _group(name: str, help_text: str) -> typer.Typer:
    return typer.Typer(name=name, help=help_text, no_args_is_help=True, add_completion=False)


app = typer.Typer(
    name="govpath",
    help="Run a council's governance pathway: definitions, calendar, deadlines, plans and the decision trail.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
pathway = _group("pathway", "Show, compare and publish pathway definitions.")
calendar = _group("calendar", "The committee calendar: import, list and move meetings.")
actor = _group("actor", "People and their roles.")
plan = _group("plan", "Start, advance and follow plans.")
scheduler = _group("scheduler", "The deadline scheduler: reminders and escalations.")
outbox = _group("outbox", "The e-mail outbox.")
audit = _group("audit", "Query and verify the decision trail.")
decision = _group("decision", "Decision records for decisions taken at gates.")
report = _group("report", "Reports written from the trail and the timeline.")
forward_plan = _group("forward-plan", "Check a forward plan of key decisions for notice.")
config = _group("config", "Effective configuration.")

for _sub in (
    pathway,
    calendar,
    actor,
    plan,
    scheduler,
    outbox,
    audit,
    decision,
    report,
    forward_plan,
    config,
):
    app.add_typer(_sub)
