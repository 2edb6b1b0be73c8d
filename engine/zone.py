"""The council's time zone and its "today": the one place the ``timezone`` setting is read.

The zone is the ``timezone`` setting (``GOVPATH_TIMEZONE``, ``[scheduler] timezone`` in the
settings file, default Europe/London). Every "today" in govpath is the council's local date at an
instant, never the UTC date: between midnight and 1 a.m. in summer the two differ.

>>> use_zone("Europe/London")
>>> at = dt.datetime(2013, 6, 30, 23, 30, tzinfo=dt.UTC)  # 00:30 BST on 1 July
>>> local_date(at), at.date()
(datetime.date(2013, 7, 1), datetime.date(2013, 6, 30))
>>> at_local(dt.date(2013, 3, 31), 8).isoformat()  # the spring change: 08:00 BST
'2013-03-31T07:00:00+00:00'
>>> at_local(dt.date(2013, 10, 27), 8).isoformat()  # the autumn change: 08:00 GMT
'2013-10-27T08:00:00+00:00'
>>> use_zone(None)
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/London"
_zone: list[ZoneInfo] = []  # the zone in use in this process, once read


def use_zone(name: str | None) -> None:
    """Use the zone NAME in this process (the CLI sets it from the settings); None: read again."""
    _zone.clear()
    if name is not None:
        _zone.append(ZoneInfo(name))


def council_zone() -> ZoneInfo:
    """The council's time zone, from the settings (read once per process)."""
    if not _zone:
        from govpath.config import load_settings

        _zone.append(ZoneInfo(load_settings().timezone or DEFAULT_ZONE))
    return _zone[0]


def zone_name() -> str:
    """The IANA name of the council's zone, e.g. ``Europe/London``."""
    return council_zone().key


def local(now: dt.datetime) -> dt.datetime:
    """The aware instant NOW on the council's wall clock."""
    if now.tzinfo is None:
        raise ValueError("a clock instant must be timezone-aware")
    return now.astimezone(council_zone())


def local_date(now: dt.datetime) -> dt.date:
    """The council's date at the aware instant NOW."""
    return local(now).date()


def today() -> dt.date:
    """The council's date now."""
    return dt.datetime.now(council_zone()).date()


def at_local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """HOUR:MINUTE on DAY on the council's wall clock, as aware UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=council_zone()).astimezone(dt.UTC)
