"""How a deadline stands, said the same way everywhere: met, met late, missed, open, superseded.

A deadline met after its due day (Europe/London) is "met late", with the calendar days and the
working days (on the pathway's working-day policy) from its due day to the day it was met; one
still outstanding after its day is "missed", counted to today. Plan status, audit queries,
decision records, the digest and the year report all use :func:`standing`.

>>> from govpath.calendars.workdays import get_policy
>>> s = standing("met", dt.date(2012, 12, 21), dt.datetime(2012, 12, 28, 10, tzinfo=dt.UTC),
...              get_policy())
>>> s.label, s.days_late, s.working_days_late, s.text
('met late', 7, 3, 'met late (7 days, 3 working days late)')
>>> standing("open", dt.date(2013, 1, 8), None, get_policy(), dt.date(2013, 1, 2)).text
'open'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from govpath.zone import local_date


def _days(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Standing:
    """A deadline's standing: its label and, when late, by how much."""

    label: str  # met | met late | missed | open | superseded | cancelled
    days_late: int = 0
    working_days_late: int = 0
    met_on: dt.date | None = None

    @property
    def late(self) -> bool:
        return self.label in ("met late", "missed")

    @property
    def text(self) -> str:
        """'met late (7 days, 3 working days late)', 'missed (2 days, 2 working days late)', 'met'."""
        if not self.late:
            return self.label
        days = _days(self.days_late, "day")
        return f"{self.label} ({days}, {_days(self.working_days_late, 'working day')} late)"

    def as_json(self) -> dict[str, Any]:
        return {
            "standing": self.label,
            "days_late": self.days_late,
            "working_days_late": self.working_days_late,
        }


def met_day(met_at: dt.datetime | None) -> dt.date | None:
    """The council's day of a ``met_at`` stamp (naive stamps are UTC)."""
    if met_at is None:
        return None
    if met_at.tzinfo is None:
        met_at = met_at.replace(tzinfo=dt.UTC)
    return local_date(met_at)


def standing(
    status: str,
    due: dt.date,
    met_at: dt.datetime | None,
    policy: Any,
    today: dt.date | None = None,
) -> Standing:
    """How a deadline with STATUS, due DUE and met at MET_AT stands (missed: counted to TODAY)."""
    from govpath.audit.missed import lateness

    if status == "met":
        on = met_day(met_at)
        if on is not None and on > due:
            days, working = lateness(due, on, policy)
            return Standing("met late", days, working, on)
        return Standing("met", met_on=on)
    if status == "missed" or (status == "open" and today is not None and today > due):
        if today is None:
            return Standing("missed")
        days, working = lateness(due, today, policy)
        return Standing("missed", days, working)
    return Standing(status)
