"""Write gate meetings and deadlines as an iCalendar file (METHOD:PUBLISH, VTIMEZONE Europe/London).

>>> import datetime as dt
>>> data = export_ics(
...     [IcsEvent("deadline-7-agenda@govpath", "Papers due", "", dt.date(2012, 12, 28))],
...     "govpath", stamp=dt.datetime(2012, 12, 1, tzinfo=dt.UTC),
... )
>>> b"DTSTART;VALUE=DATE:20121228" in data, b"METHOD:PUBLISH" in data
(True, True)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

PRODID = "-//govpath//Governance pathway calendar//EN"


@dataclass(frozen=True)
class IcsEvent:
    """One calendar entry: an all-day deadline (``start`` a date) or a timed meeting (a datetime).

    Naive datetimes are Europe/London local times; aware ones are shown in Europe/London.
    """

    uid: str
    summary: str
    description: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime | None = None
    location: str = ""
    url: str = ""
    status: str = ""  # "", "CONFIRMED", "TENTATIVE" or "CANCELLED"


def uid_for(kind: str, *parts: object) -> str:
    """A stable UID built from a kind and parts, e.g. ``deadline-12-agenda_publication@govpath``.

    >>> uid_for("meeting", "pr_cc", "2013-01-08")
    'meeting-pr_cc-2013-01-08@govpath'
    """
    text = "-".join([kind, *(str(p) for p in parts)])
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", text) + "@govpath"


def _local(value: dt.datetime) -> dt.datetime:
    from govpath.zone import council_zone

    tz = council_zone()
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)


def export_ics(events: Iterable[IcsEvent], name: str, *, stamp: dt.datetime | None = None) -> bytes:
    """The events as one iCalendar document (UTF-8, CRLF lines), with the VTIMEZONE it needs."""
    import icalendar

    from govpath.zone import zone_name

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone_name())
    stamp = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    years: list[int] = []
    for e in events:
        ev = icalendar.Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", stamp)
        ev.add("summary", e.summary)
        if isinstance(e.start, dt.datetime):
            start = _local(e.start)
            ev.add("dtstart", start)
            if e.end is not None:
                end = (
                    e.end
                    if isinstance(e.end, dt.datetime)
                    else dt.datetime.combine(e.end, dt.time())
                )
                ev.add("dtend", _local(end))
            years.append(start.year)
        else:
            ev.add("dtstart", e.start)
            end_day = e.end if e.end is not None and not isinstance(e.end, dt.datetime) else None
            ev.add("dtend", end_day or e.start + dt.timedelta(days=1))
            ev.add("transp", "TRANSPARENT")
            years.append(e.start.year)
        if e.description:
            ev.add("description", e.description)
        if e.location:
            ev.add("location", e.location)
        if e.url:
            ev.add("url", e.url)
        if e.status:
            ev.add("status", e.status.upper())
        cal.add_component(ev)
    if years:
        cal.add_missing_timezones(
            first_date=dt.date(min(years) - 1, 1, 1), last_date=dt.date(max(years) + 1, 12, 31)
        )
    return bytes(cal.to_ical())
