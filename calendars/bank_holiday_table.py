"""A stored table of bank holidays (England and Wales, 1990-2040), written from ``holidays``.

Building a year's holidays with the ``holidays`` package costs tens of milliseconds on first use
(it imports every country); a short command such as ``govpath deadline`` spends most of its time
there. The table is that package's answer written down once; years or countries outside it are
still asked of the package. ``tests/test_bank_holiday_table.py`` checks the table against the
installed (pinned) ``holidays``; rewrite it after upgrading that package::

    python -m govpath.calendars.bank_holiday_table > calendars/data/bank-holidays-GB-ENG.csv

>>> table("GB", "ENG")[2013][dt.date(2013, 4, 1)]
'Easter Monday'
>>> table("GB", "SCT") is None
True
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

FIRST_YEAR, LAST_YEAR = 1990, 2040
_FILES = {("GB", "ENG"): Path(__file__).with_name("data") / "bank-holidays-GB-ENG.csv"}


@functools.cache
def table(country: str, subdiv: str | None) -> dict[int, dict[dt.date, str]] | None:
    """Year -> {date: name} for a stored country/subdivision, else None (ask ``holidays``)."""
    path = _FILES.get((country, subdiv or ""))
    if path is None or not path.is_file():
        return None
    years: dict[int, dict[dt.date, str]] = {y: {} for y in range(FIRST_YEAR, LAST_YEAR + 1)}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        day, name = line.split(",", 1)
        d = dt.date.fromisoformat(day)
        years[d.year][d] = name
    return years


def generate(country: str = "GB", subdiv: str = "ENG") -> str:
    """The table's text, from the installed ``holidays`` package."""
    import holidays

    lines = [
        f"# Bank holidays {country}-{subdiv} {FIRST_YEAR}-{LAST_YEAR}, "
        f"from holidays {getattr(holidays, '__version__', '?')}; see calendars/bank_holiday_table.py",
    ]
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        found = holidays.country_holidays(country, subdiv=subdiv, years=year)
        lines += [f"{d.isoformat()},{found[d]}" for d in sorted(found) if d.year == year]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(generate(), end="")
