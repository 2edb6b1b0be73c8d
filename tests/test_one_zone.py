"""The council's zone is one setting, read in one place (govpath.zone), by every page and report.

Each module that shows or reads a time on the council's clock asks ``govpath.zone``; none names a
zone of its own. Set to another zone, the web's dates, the trail's day boundaries and the
lateness of a deadline all follow it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from govpath import zone

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "engine", ROOT / "calendars", ROOT / "notifications"]
A_ZONE_OF_ITS_OWN = re.compile(r"""ZoneInfo\(\s*["']""")


@pytest.fixture
def auckland() -> Iterator[None]:
    zone.use_zone("Pacific/Auckland")  # 13 hours ahead of UTC in January
    try:
        yield
    finally:
        zone.use_zone(None)


def test_no_module_but_govpath_zone_names_a_zone() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in SOURCES
        for path in sorted(folder.rglob("*.py"))
        if path.name != "zone.py" or path.parent.name != "engine"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if A_ZONE_OF_ITS_OWN.search(line)
    ]
    assert found == [], f"a zone named outside govpath.zone: {found}"


def test_the_web_shows_times_on_the_council_clock(auckland: None) -> None:
    from govpath.web.filters import longdate, longtime

    at = dt.datetime(2013, 1, 8, 14, 5, tzinfo=dt.UTC)
    assert longtime(at) == "9 January 2013 at 03:05"
    assert longdate(at) == "9 January 2013"


def test_the_trail_reads_a_day_as_the_council_day(auckland: None) -> None:
    from govpath.audit.query import local, moment

    start = moment("2013-01-09")
    assert start == dt.datetime(2013, 1, 8, 11, tzinfo=dt.UTC)  # midnight in Auckland
    assert local(start).hour == 0


def test_lateness_counts_the_council_day_a_deadline_was_met(auckland: None) -> None:
    from govpath.audit.lateness import met_day

    # 20:00 UTC on the 8th is already the 9th in Auckland
    assert met_day(dt.datetime(2013, 1, 8, 20, tzinfo=dt.UTC)) == dt.date(2013, 1, 9)
