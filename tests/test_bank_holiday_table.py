"""The stored bank-holiday table is exactly what the pinned ``holidays`` package says."""

from __future__ import annotations

from pathlib import Path

from govpath.calendars.bank_holiday_table import generate

TABLE = Path(__file__).resolve().parent.parent / "calendars" / "data" / "bank-holidays-GB-ENG.csv"


def test_the_stored_table_matches_the_holidays_package() -> None:
    # Only the header line names the package version; the dates and names must be identical.
    stored = TABLE.read_text(encoding="utf-8").splitlines()[1:]
    fresh = generate().splitlines()[1:]
    assert stored == fresh, (
        "the bank-holiday table is stale: python -m govpath.calendars.bank_holiday_table > "
        + str(TABLE)
    )


def test_the_working_day_policy_reads_the_table_and_falls_back_outside_it() -> None:
    import datetime as dt

    import holidays

    from govpath.calendars.workdays import _bank_holidays

    assert (
        _bank_holidays("GB", "ENG", 2012)[dt.date(2012, 6, 5)] == "Diamond Jubilee of Elizabeth II"
    )
    far = _bank_holidays("GB", "ENG", 2050)  # outside the table: asked of the package
    assert far == {
        d: n for d, n in holidays.country_holidays("GB", subdiv="ENG", years=2050).items()
    }
