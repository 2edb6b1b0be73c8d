"""Answers given without building the option parser: ``deadline RULE DATE`` and ``--version``.

Building the typer application and converting its options costs about 0.1 s before any work is
done, most of a one-line answer. The common form of ``govpath deadline`` (a rule and a date,
no options) is answered here by the same code as the full command; anything else (an option,
``--help``, another command) goes to the full parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt

    from govpath.calendars.rules import Rule
    from govpath.calendars.workdays import WorkingDayPolicy


def apply_rule(
    rule: str, date: str, policy: str = "england-and-wales", closure: Sequence[str] = ()
) -> tuple[Rule, dt.date, WorkingDayPolicy, list[dt.date], dt.date]:
    """The parsed RULE, the anchor DATE, the policy, its closures and the resulting date."""
    from govpath.calendars.rules import parse_rule
    from govpath.calendars.workdays import get_policy

    from .parse import require_date

    anchor = require_date(date, "DATE")
    closures = [require_date(c, "--closure") for c in closure]
    parsed = parse_rule(rule)
    days = get_policy(policy, closures)
    return parsed, anchor, days, closures, parsed.apply(anchor, days)


def answer(argv: Sequence[str]) -> bool:
    """Print the answer and return True when ARGV is ``deadline RULE DATE`` or ``--version``."""
    if list(argv) == ["--version"]:
        from govpath import __version__

        print(f"govpath {__version__}")
        return True
    if len(argv) != 3 or argv[0] != "deadline" or any(a.startswith("-") for a in argv[1:]):
        return False
    *_, result = apply_rule(argv[1], argv[2])
    print(result.isoformat())
    return True
