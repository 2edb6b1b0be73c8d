"""Meetings of the bodies whose meetings are gates, and an index to find them by body and date.

>>> import datetime as dt
>>> idx = MeetingIndex([
...     Meeting("pr_cc", dt.date(2013, 1, 8), dt.time(10)),
...     Meeting("pr_cc", dt.date(2013, 1, 22), status="cancelled"),
...     Meeting("pr_cc", dt.date(2013, 3, 5)),
... ])
>>> idx.first_in("pr_cc", 2013, 1).date
datetime.date(2013, 1, 8)
>>> idx.after("pr_cc", dt.date(2013, 1, 8)).date  # the cancelled meeting is skipped
datetime.date(2013, 3, 5)
>>> idx.cancelled_on("pr_cc", dt.date(2013, 1, 22)).status
'cancelled'
>>> moved = MeetingIndex(move_meeting(idx.meetings("pr_cc"), "pr_cc", dt.date(2013, 1, 8),
...                                   dt.date(2013, 1, 15)))
>>> moved.moved_from("pr_cc", dt.date(2013, 1, 8)).date
datetime.date(2013, 1, 15)
>>> parse_move("pr_cc 2013-01-08->2013-01-15")
('pr_cc', datetime.date(2013, 1, 8), datetime.date(2013, 1, 15))
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from govpath.errors import BadInput, NotFound

STATUSES = ("scheduled", "moved", "cancelled")


@dataclass(frozen=True)
class Meeting:
    """A meeting of a body: local date and start time (Europe/London), and where it came from."""

    body: str
    date: dt.date
    time: dt.time | None = None
    title: str = ""
    place: str = ""
    status: str = "scheduled"  # scheduled | moved | cancelled
    source: str = "yaml"  # yaml | ics | moderngov | cli
    source_id: str = ""
    original_date: dt.date | None = None
    id: int | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def key(self) -> str:
        """The identity a re-import matches on: the source's own id, else body and date."""
        return self.source_id or f"{self.body}@{self.date.isoformat()}"

    def starts_at(self, tz: str | None = None) -> dt.datetime:
        """The start as an aware datetime in ``tz`` (default the council's zone; midnight when
        the time is not known)."""
        from zoneinfo import ZoneInfo

        from govpath.zone import council_zone

        zone = ZoneInfo(tz) if tz else council_zone()
        return dt.datetime.combine(self.date, self.time or dt.time(0), tzinfo=zone)

    def describe(self, body_name: str | None = None) -> str:
        """'P&R CC 2013-01-08 10:00' — the meeting in a few words."""
        when = self.date.isoformat() + (f" {self.time:%H:%M}" if self.time else "")
        status = "" if self.status == "scheduled" else f" ({self.status})"
        return f"{body_name or self.body} {when}{status}"

    def to_json(self) -> dict[str, Any]:
        """The meeting as ``calendar list --json`` prints it."""
        return {
            "body": self.body,
            "title": self.title,
            "date": self.date.isoformat(),
            "time": self.time.strftime("%H:%M") if self.time else None,
            "status": self.status,
            "place": self.place,
            "source": self.source,
            "source_id": self.source_id,
            "original_date": self.original_date.isoformat() if self.original_date else None,
            "id": self.id,
        }


def _sort_key(m: Meeting) -> tuple[dt.date, dt.time]:
    return (m.date, m.time or dt.time(0))


class MeetingIndex:
    """Meetings by body in date order; lookups other than `cancelled_on` skip cancelled ones."""

    def __init__(self, meetings: Iterable[Meeting]):
        self._live: dict[str, list[Meeting]] = {}
        self._cancelled: dict[tuple[str, dt.date], Meeting] = {}
        self._moved: dict[tuple[str, dt.date], Meeting] = {}
        for m in meetings:
            if m.cancelled:
                self._cancelled.setdefault((m.body, m.date), m)
            else:
                self._live.setdefault(m.body, []).append(m)
                if m.original_date is not None and m.original_date != m.date:
                    self._moved.setdefault((m.body, m.original_date), m)
        self._dates: dict[str, list[dt.date]] = {}
        for body, items in self._live.items():
            items.sort(key=_sort_key)
            self._dates[body] = [m.date for m in items]

    def bodies(self) -> list[str]:
        return sorted(self._live)

    def meetings(self, body: str) -> list[Meeting]:
        """The live meetings of ``body`` in date order."""
        return list(self._live.get(body, ()))

    def on_or_after(self, body: str, d: dt.date) -> Meeting | None:
        """The first meeting of ``body`` on ``d`` or later."""
        dates = self._dates.get(body, [])
        i = bisect.bisect_left(dates, d)
        return self._live[body][i] if i < len(dates) else None

    def after(self, body: str, d: dt.date) -> Meeting | None:
        """The first meeting of ``body`` strictly after ``d``."""
        dates = self._dates.get(body, [])
        i = bisect.bisect_right(dates, d)
        return self._live[body][i] if i < len(dates) else None

    def on(self, body: str, d: dt.date) -> Meeting | None:
        """The meeting of ``body`` on ``d`` (the earliest, if it meets twice that day)."""
        m = self.on_or_after(body, d)
        return m if m is not None and m.date == d else None

    def first_in(self, body: str, year: int, month: int) -> Meeting | None:
        """The first meeting of ``body`` in a month."""
        m = self.on_or_after(body, dt.date(year, month, 1))
        return m if m is not None and (m.date.year, m.date.month) == (year, month) else None

    def moved_from(self, body: str, d: dt.date) -> Meeting | None:
        """The live meeting of ``body`` that was first set for ``d`` and has moved."""
        return self._moved.get((body, d))

    def cancelled_on(self, body: str, d: dt.date) -> Meeting | None:
        """The cancelled meeting of ``body`` on ``d``, if the calendar records one."""
        return self._cancelled.get((body, d))

    def cancelled_in(self, body: str, year: int, month: int) -> list[Meeting]:
        """Cancelled meetings of ``body`` in a month, in date order."""
        found = [
            m
            for (b, d), m in self._cancelled.items()
            if b == body and (d.year, d.month) == (year, month)
        ]
        return sorted(found, key=_sort_key)


_MOVE_RE = re.compile(
    r"^\s*(?P<body>[a-z][a-z0-9_]*)\s+(?P<date>\d{4}-\d{2}-\d{2})\s*->\s*(?P<new>\d{4}-\d{2}-\d{2})\s*$"
)


def parse_move(text: str) -> tuple[str, dt.date, dt.date]:
    """Read a what-if move ``"BODY DATE->NEWDATE"``; BadInput when it is not one."""
    m = _MOVE_RE.match(text)
    if m is None:
        raise BadInput(
            f'cannot read the move {text!r}: write it as "BODY DATE->NEWDATE", '
            'e.g. "pr_cc 2013-01-08->2013-01-15".'
        )
    try:
        return m["body"], dt.date.fromisoformat(m["date"]), dt.date.fromisoformat(m["new"])
    except ValueError as exc:
        raise BadInput(f"cannot read the move {text!r}: {exc}.") from None


def move_meeting(
    meetings: Iterable[Meeting], body: str, date: dt.date, new_date: dt.date
) -> list[Meeting]:
    """The meetings with ``body``'s meeting on ``date`` moved to ``new_date`` (status ``moved``).

    NotFound when ``body`` has no live meeting on ``date``.
    """
    out: list[Meeting] = []
    moved = False
    for m in meetings:
        if not moved and m.body == body and m.date == date and not m.cancelled:
            m = replace(m, date=new_date, status="moved", original_date=m.original_date or date)
            moved = True
        out.append(m)
    if not moved:
        raise NotFound(f"There is no {body} meeting on {date.isoformat()} in the calendar to move.")
    return out
