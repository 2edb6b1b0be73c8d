"""Command: ``govpath demo``, a whole planning year end to end on SQLite with a loopback mail server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from . import groups


@groups.app.command("demo")
def demo(
    year: str = typer.Option(
        "2013-14", "--year", help="Seed year: 2013-14, 2014-15, 2015-16, 2016-17 or 2019-20."
    ),
    out: Path = typer.Option(
        Path("govpath-demo"), "--out", help="Folder for the database, mail and report."
    ),
    seed: int = typer.Option(
        2013, "--seed", help="Random seed: the same seed gives the same year."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
) -> None:
    """Run a whole planning year end to end, on a fresh SQLite database, in well under a minute.

    Loads the seed year's pathway and committee calendar, registers the people it names, starts one
    plan per directorate or division, starts a real SMTP server on loopback that files what it
    receives in OUT/mail/, and steps the clock through the year day by day with the real scheduler:
    reminders go out, people act (most on time, some late), escalations fire, a January meeting
    moves, one Key Decision goes through the general-exception route, and the collective step joins.

    Example: govpath demo --year 2013-14 --out ./govpath-demo
    """
    from govpath.demo.run import check_demo_folder, run_demo
    from govpath.demo.summary import print_summary

    check_demo_folder(out)  # before anything is shown or written

    from .output import emit_json, err_console

    console = err_console()
    if json_out:
        result = run_demo(year=year, out=out, seed=seed)
        emit_json(result.summary())
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(f"{year}: starting", total=None)

        def on_day(day: dt.date, index: int, total: int) -> None:
            progress.update(
                task, description=f"{year}: {day:%a %d %b %Y}", completed=index, total=total
            )

        result = run_demo(year=year, out=out, seed=seed, on_day=on_day)
    print_summary(result)
