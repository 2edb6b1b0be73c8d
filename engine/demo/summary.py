"""The demo's closing summary: plans, deadlines, messages, decisions, and where to look next."""

from __future__ import annotations

from govpath.demo.run import DemoResult


def print_summary(result: DemoResult) -> None:
    """Print the summary tables and the next commands to try, on stdout."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)  # a command or link is never broken
    plans = Table(title=f"Plans, {result.year} ({result.first_day} to {result.last_day})")
    plans.add_column("Plan", justify="right")
    plans.add_column("Subject")
    plans.add_column("Stage reached")
    for p in result.plans:
        plans.add_row(str(p["id"]), p["subject"], p["state"])
    console.print(plans)

    totals = Table(title="The year in figures", show_header=False)
    totals.add_column("What")
    totals.add_column("How many", justify="right")
    for status, n in sorted(result.deadlines.items()):
        totals.add_row(f"deadlines {status}", str(n))
    for kind, n in sorted(result.messages.items()):
        totals.add_row(f"messages {kind}", str(n))
    totals.add_row("e-mails received by the SMTP server", str(result.mail_received))
    totals.add_row("decisions recorded", str(len(result.decisions)))
    totals.add_row("refusals recorded in the trail", str(result.refusals))
    totals.add_row("events in the decision trail", str(result.events))
    console.print(totals)

    if result.moved:
        console.print(f"Meeting moved: {result.moved}; the deadlines tied to it followed.")
    if result.general_exception:
        console.print(
            f"Key Decision notice published late for: {result.general_exception} "
            "(Cabinet used the general exception route)."
        )
    if result.joined:
        console.print(f"Collective step: {result.joined}.")
    db = f"--db {result.db_url}"
    console.print("\nWhere to look:")
    console.print(f"  mail received:        {result.mail_dir}/ (.eml files with .ics attachments)")
    console.print(f"  the decision trail:   govpath {db} audit query --format table")
    console.print(f"  verify the trail:     govpath {db} audit verify")
    console.print(f"  missed deadlines:     govpath {db} audit query --missed")
    console.print(f"  pathway lines:        govpath {db} report pathway 1")
    if result.report:
        console.print(f"  year report (HTML):   {result.report}")
    if result.web:
        web = result.web
        console.print(
            f"\nIn a browser: govpath {db} serve   (then open http://127.0.0.1:8000/)\n"
            f"  plan {web['plan']} ({web['pathway']}) is open for {web['people']['director']}.\n"
            "  One-time sign-in links (each works once, for 15 minutes; "
            "`govpath signin-link EMAIL` makes more):"
        )
        for who, link in web["links"].items():
            console.print(f"  {who + ':':16} {web['people'][who]}\n    {link}", soft_wrap=True)
    console.print(f"Finished in {result.seconds:.1f} s.")
