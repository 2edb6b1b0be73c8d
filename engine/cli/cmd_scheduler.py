"""Commands: ``scheduler run``, ``outbox list`` / ``outbox retry``, ``config show``."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from . import groups
from .parse import open_engine
from .state import state

if TYPE_CHECKING:
    from govpath.config import Settings
    from govpath.scheduler.sweep import SweepResult


class OutboxStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"


def _settings() -> Settings:
    from govpath.config import load_settings

    return load_settings()  # GOVPATH_CONFIG, else govpath.toml


def _now(text: str | None, settings: Settings) -> dt.datetime:
    from govpath.scheduler.clock import parse_now

    return parse_now(text, settings.timezone) if text is not None else dt.datetime.now(dt.UTC)


@groups.scheduler.command("run")
def run_cmd(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Do one sweep and exit."),
    now: str = typer.Option(
        None,
        "--now",
        metavar="DATETIME",
        help="Set the clock (ISO; naive is the council's zone). Looping, the clock runs on from it.",
    ),
    interval: float = typer.Option(
        None,
        "--interval",
        metavar="SECONDS",
        help="Seconds between sweeps (default 60 or the settings).",
    ),
    no_deliver: bool = typer.Option(
        False, "--no-deliver", help="Queue messages but do not send them."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="With --once: print the sweep's counts as JSON."
    ),
) -> None:
    """Raise due deadlines, send due reminders, escalations, papers-due messages and digests.

    Each message is created once (however many schedulers run) and delivered over SMTP, or
    written as an .eml file into the mail folder when no SMTP host is set. Without --once it
    runs until SIGTERM or Ctrl-C, finishing the current sweep before it exits.

    Example: govpath scheduler run --once --now 2012-12-06T09:00
    """
    from govpath.errors import BadInput
    from govpath.scheduler.clock import make_clock
    from govpath.scheduler.sweep import run_sweep

    from .output import emit_json, err_console

    settings = _settings()
    if interval is not None:
        if not 0 < interval < 10**7:  # also refuses nan and inf
            raise BadInput(f"--interval must be a number of seconds above 0 (not {interval}).")
        settings = settings.with_(sweep_interval=interval)
    start = _now(now, settings) if now is not None else None
    engine = open_engine(ctx)
    console = err_console()

    def report(at: dt.datetime, result: SweepResult) -> None:
        counts = {k: v for k, v in result.as_dict().items() if v and k != "files"}
        if counts or not once:
            text = (
                ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()) or "nothing due"
            )
            console.print(f"{at.isoformat(timespec='seconds')}: {text}")

    if once:
        at = start or _now(None, settings)
        result = run_sweep(engine, at, settings=settings, deliver=not no_deliver)
        if as_json:
            emit_json({"now": at.isoformat(), **result.as_dict()})
        else:
            report(at, result)
        return
    from govpath.scheduler.service import run_service

    console.print(
        f"govpath scheduler: sweeping every {settings.sweep_interval:g} s; Ctrl-C/SIGTERM stops."
    )
    code = run_service(engine, settings, make_clock(start), report=report)
    console.print("govpath scheduler: stopped.")
    raise typer.Exit(code)


@groups.outbox.command("list")
def list_cmd(
    ctx: typer.Context,
    status: OutboxStatus = typer.Option(None, "--status", help="Only messages with this status."),
    plan: int = typer.Option(None, "--plan", metavar="ID", help="Only messages about this plan."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list on stdout."),
) -> None:
    """The e-mail outbox: every reminder, escalation, papers-due message and digest, and its status.

    Example: govpath outbox list --status failed --json
    """
    from govpath.scheduler.outbox import list_messages

    from .output import emit_json, out_console

    engine = open_engine(ctx)
    with engine.connect() as conn:
        rows = list_messages(conn, status.value if status else None, plan)
    if as_json:
        emit_json(rows)
        return
    from rich.table import Table

    table = Table("id", "status", "kind", "plan", "to", "due", "subject", "attempts", box=None)
    for r in rows:
        late = " (late)" if r["late"] else ""
        table.add_row(
            str(r["id"]),
            r["status"] + late,
            r["kind"],
            str(r["plan"] or ""),
            r["to"],
            (r["due"] or "")[:16],
            r["subject"],
            str(r["attempts"]),
        )
    out_console().print(table if rows else "The outbox is empty.")
    for r in rows:  # why each cancelled message was not sent, in a sentence of its own
        if r["status"] == "cancelled" and r["cancel_reason"]:
            print(f"Message {r['id']} was not sent: {r['cancel_reason']}.")


@groups.outbox.command("retry")
def retry_cmd(
    ctx: typer.Context,
    message: int = typer.Argument(
        ..., metavar="ID", help="The message id (see `govpath outbox list`)."
    ),
    now: str = typer.Option(
        None, "--now", metavar="DATETIME", help="Set the clock (for tests and demos)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the message as JSON."),
) -> None:
    """Queue a failed or cancelled message again; the next sweep sends it. Sent ones are refused.

    Example: govpath outbox retry 42
    """
    from govpath.scheduler.outbox import retry

    from .output import emit_json, err_console

    settings = _settings()
    engine = open_engine(ctx)
    with engine.begin() as conn:
        row = retry(conn, message, _now(now, settings))
    if as_json:
        emit_json(row)
    else:
        err_console().print(f"Message {message} is queued again; the next sweep sends it.")


@groups.config.command("show")
def show_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the settings as JSON."),
) -> None:
    """The effective settings and the settings file that won, then GOVPATH_* variables; secrets masked.

    The file is the first found of --config, $GOVPATH_CONFIG, ./govpath.toml, the user's config
    folder (~/.config/govpath/govpath.toml) and /etc/govpath/govpath.toml.

    Example: GOVPATH_SMTP_HOST=mail.example govpath config show --json
    """
    from .output import emit_json, out_console

    settings = _settings()
    shown = settings.masked()
    if state(ctx).db:
        shown["db_url"] = settings.with_(db_url=state(ctx).db).masked()["db_url"]
    if as_json:
        emit_json(shown)
        return
    if settings.config_file:
        typer.echo(
            f"Settings file: {settings.config_file} (found by {settings.config_found_by}).",
            err=True,
        )
    else:
        typer.echo(
            "No settings file found (looked for --config, GOVPATH_CONFIG, ./govpath.toml, "
            "the user's config folder and /etc/govpath/govpath.toml); defaults and environment.",
            err=True,
        )
    console = out_console()
    for key, value in shown.items():
        if isinstance(value, list):
            value = ", ".join(value)
        console.print(f"{key} = {value}")
