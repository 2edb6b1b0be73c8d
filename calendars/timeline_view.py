"""Print a resolved timeline (and a what-if comparison) as a readable table."""

from __future__ import annotations

import sys
from typing import Any

from govpath.calendars.timeline import ResolvedDeadline, Timeline


def _gate(stage: Any, names: dict[str, str]) -> str:
    m = stage.gate
    if m is None:
        return f"[red]none[/red] ({stage.gate_text})" if stage.gate_text else ""
    when = m.date.strftime("%a %d %b %Y") + (f" {m.time:%H:%M}" if m.time else "")
    moved = f" (moved from {m.original_date})" if m.original_date else ""
    return f"{names.get(m.body, m.body)} {when}{moved}"


def print_timeline(
    pathway: Any,
    before: Timeline,
    after: Timeline | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> None:
    """The timeline on stdout; with ``after``, due dates before and after side by side."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    names = {b.id: b.short or b.name for b in pathway.bodies}
    shown = after or before
    title = f"{pathway.title} ({pathway.year}) — checked on {shown.today}"
    table = Table(title=escape(title), show_lines=True)
    for col in ("stage", "gate meeting", "deadline", "rule"):
        table.add_column(col)
    if after is not None:
        table.add_column("due before")
        table.add_column("due after")
    else:
        table.add_column("due")
    table.add_column("reminders")
    table.add_column("problems", style="red")
    for s in shown.stages:
        old = before.stage(s.stage)
        rows: list[ResolvedDeadline | None] = [*s.deadlines] or [None]
        for i, d in enumerate(rows):
            cells = [escape(s.stage) if i == 0 else "", _gate(s, names) if i == 0 else ""]
            if d is None:
                cells += [""] * (len(table.columns) - 2)
                cells[-1] = escape("; ".join(s.problems))
                table.add_row(*cells)
                continue
            due = d.due.strftime("%a %d %b %Y") if d.due else "—"
            if d.infeasible:
                due = f"[red]{due} (infeasible)[/red]"
            cells += [escape(d.title), escape(d.rule)]
            if after is not None:
                od = next((x for x in old.deadlines if x.id == d.id), None)
                old_due = od.due.strftime("%a %d %b %Y") if od and od.due else "—"
                changed = od is None or od.due != d.due
                cells += [old_due, f"[bold]{due}[/bold]" if changed else due]
            else:
                cells.append(due)
            cells.append(", ".join(r.on.strftime("%d %b") for r in d.reminders))
            problems = (s.problems if i == 0 else []) + d.problems
            cells.append(escape("; ".join(problems)))
            table.add_row(*cells)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    console.print(table)
    if changes is not None:
        console.print(f"{len(changes)} deadlines move.")
    if shown.problems:
        console.print(f"[red]{len(shown.problems)} problems[/red]")
    else:
        console.print("No problems.")
