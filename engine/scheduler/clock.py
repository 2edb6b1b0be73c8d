"""The scheduler's clock: parse ``--now``, local dates, and a clock that can start at a given time.

>>> parse_now("2013-01-02T08:30").isoformat()
'2013-01-02T08:30:00+00:00'
>>> parse_now("2013-07-02T08:30").isoformat()  # naive times are Europe/London (BST in July)
'2013-07-02T07:30:00+00:00'
>>> local_date(parse_now("2013-07-01T23:30"))
datetime.date(2013, 7, 1)
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from govpath.errors import BadInput


def _zone(tz: str | None) -> ZoneInfo:
    from govpath.zone import council_zone

    return ZoneInfo(tz) if tz else council_zone()


def parse_now(text: str, tz: str | None = None) -> dt.datetime:
    """An ISO date-time (a bare date means its midnight) as aware UTC; naive times are in TZ
    (default: the council's zone)."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"--now {text!r} is not an ISO date-time; write it like 2013-01-02T08:30 "
            "(the council's time) or 2013-01-02T08:30+00:00."
        ) from None
    if value.tzinfo is None:
        zone = _zone(tz)
        value = value.replace(tzinfo=zone)
        back = value.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
        if back != value.replace(tzinfo=None):
            raise BadInput(
                f"--now {text!r} does not exist in {zone.key}: the clocks go forward then; give a "
                "time outside the skipped hour, or an offset such as +00:00."
            )
        # A time that happens twice (clocks going back) is the first of the two, summer time.
    return value.astimezone(dt.UTC)


def local(now: dt.datetime, tz: str | None = None) -> dt.datetime:
    """NOW in the council's time zone."""
    if now.tzinfo is None:
        raise ValueError("the scheduler's clock must be timezone-aware")
    return now.astimezone(_zone(tz))


def local_date(now: dt.datetime, tz: str | None = None) -> dt.date:
    """The council's calendar date at NOW."""
    return local(now, tz).date()


def at_local(day: dt.date, hour: int, tz: str | None = None) -> dt.datetime:
    """HOUR o'clock on DAY in TZ, as aware UTC."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=_zone(tz)).astimezone(dt.UTC)


def make_clock(start: dt.datetime | None = None) -> Callable[[], dt.datetime]:
    """The real clock, or one that starts at START and runs at real speed from there."""
    if start is None:
        return lambda: dt.datetime.now(dt.UTC)
    origin = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - origin)
