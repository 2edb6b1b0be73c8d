"""Working days: which days count when a deadline is counted (weekends, bank holidays, closures).

A :class:`WorkingDayPolicy` is loaded by name from ``calendars/policies.yaml``; the default,
``england-and-wales``, leaves out Saturdays, Sundays and the England and Wales bank holidays.

>>> import datetime as dt
>>> ew = get_policy()
>>> ew.is_working_day(dt.date(2012, 12, 25)), ew.holiday_name(dt.date(2012, 12, 25))
(False, 'Christmas Day')
>>> ew.next_working_day(dt.date(2012, 12, 24))
datetime.date(2012, 12, 27)
>>> ew.previous_working_day(dt.date(2013, 4, 2))  # Easter Monday and Good Friday 2013
datetime.date(2013, 3, 28)
>>> ew.add_working_days(dt.date(2013, 1, 8), -6)
datetime.date(2012, 12, 28)
>>> ew.clear_days_between(dt.date(2012, 12, 28), dt.date(2013, 1, 8), working=True)
5
>>> ew.clear_days_between(dt.date(2012, 12, 28), dt.date(2013, 1, 8), working=False)
10
>>> xmas = get_policy("england-and-wales-with-christmas-closure")
>>> xmas.previous_working_day(dt.date(2013, 1, 2))
datetime.date(2012, 12, 24)
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from govpath.errors import BadInput

DEFAULT_POLICY = "england-and-wales"
POLICIES_FILE = Path(__file__).with_name("policies.yaml")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ONE_DAY = dt.timedelta(days=1)
_MAX_SEARCH = 3700  # about ten years: a policy with no working days at all is an error, not a hang

MonthDay = tuple[int, int]


@functools.lru_cache(maxsize=512)
def _bank_holidays(country: str, subdiv: str | None, year: int) -> dict[dt.date, str]:
    """The bank holidays of one year: the stored table, else the ``holidays`` package (cached)."""
    from govpath.calendars.bank_holiday_table import table

    stored = table(country, subdiv)
    if stored is not None and year in stored:
        return stored[year]
    import holidays

    found = holidays.country_holidays(country, subdiv=subdiv, years=year)
    return {d: str(name) for d, name in found.items() if d.year == year}


@dataclass(frozen=True)
class WorkingDayPolicy:
    """A named rule for which days are working days: weekends, bank holidays and closure days."""

    name: str
    description: str = ""
    source: str = ""
    closures: frozenset[dt.date] = frozenset()
    annual_closures: tuple[tuple[MonthDay, MonthDay], ...] = ()  # every-year (from, to) ranges
    weekend: frozenset[int] = frozenset({5, 6})  # date.weekday(): Saturday and Sunday
    country: str = "GB"
    subdiv: str | None = "ENG"
    _years: dict[int, tuple[frozenset[dt.date], list[dt.date]]] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )

    # -- per-year lookups (cached on the instance) -------------------------------------------

    def _year(self, year: int) -> tuple[frozenset[dt.date], list[dt.date]]:
        """Non-working days of a year that are not weekend days: as a set and sorted."""
        cached = self._years.get(year)
        if cached is None:
            days = set(_bank_holidays(self.country, self.subdiv, year))
            days.update(d for d in self.closures if d.year == year)
            for start, end in self.annual_closures:
                days.update(_annual_range(year, start, end))
            days = {d for d in days if d.weekday() not in self.weekend}
            cached = (frozenset(days), sorted(days))
            self._years[year] = cached
        return cached

    def is_working_day(self, d: dt.date) -> bool:
        """True unless ``d`` is a weekend day, a bank holiday or a closure day."""
        return d.weekday() not in self.weekend and d not in self._year(d.year)[0]

    def holiday_name(self, d: dt.date) -> str | None:
        """The bank holiday's name, ``"closure day"`` for a declared closure, else None."""
        name = _bank_holidays(self.country, self.subdiv, d.year).get(d)
        if name is not None:
            return name
        if d in self.closures or any(
            d in _annual_range(d.year, s, e) for s, e in self.annual_closures
        ):
            return "closure day"
        return None

    # -- stepping ----------------------------------------------------------------------------

    def _step(self, d: dt.date, step: dt.timedelta) -> dt.date:
        for _ in range(_MAX_SEARCH):
            d = d + step
            if self.is_working_day(d):
                return d
        raise BadInput(f"Working-day policy {self.name!r} has no working day near {d.isoformat()}.")

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after ``d``."""
        return self._step(d, _ONE_DAY)

    def previous_working_day(self, d: dt.date) -> dt.date:
        """The last working day strictly before ``d``."""
        return self._step(d, -_ONE_DAY)

    def on_or_before(self, d: dt.date) -> dt.date:
        """``d`` if it is a working day, else the working day before it."""
        return d if self.is_working_day(d) else self.previous_working_day(d)

    def on_or_after(self, d: dt.date) -> dt.date:
        """``d`` if it is a working day, else the working day after it."""
        return d if self.is_working_day(d) else self.next_working_day(d)

    def add_working_days(self, d: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``d`` (before it if ``n`` is negative); ``d`` if 0."""
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        for _ in range(abs(n)):
            d = self._step(d, step)
        return d

    # -- counting ----------------------------------------------------------------------------

    def clear_days_between(self, a: dt.date, b: dt.date, working: bool) -> int:
        """Days strictly between ``a`` and ``b`` (any order); only working ones if ``working``."""
        if b < a:
            a, b = b, a
        first, last = a + _ONE_DAY, b - _ONE_DAY
        if last < first:
            return 0
        total = (last - first).days + 1
        if not working:
            return total
        weeks, rest = divmod(total, 7)
        count = weeks * (7 - len(self.weekend))
        start = first + dt.timedelta(days=weeks * 7)
        count += sum(
            1 for i in range(rest) if (start + dt.timedelta(days=i)).weekday() not in self.weekend
        )
        for year in range(first.year, last.year + 1):
            ordered = self._year(year)[1]
            count -= bisect.bisect_right(ordered, last) - bisect.bisect_left(ordered, first)
        return count

    # -- variants ----------------------------------------------------------------------------

    def with_closures(self, dates: Iterable[dt.date | str]) -> WorkingDayPolicy:
        """The same policy with extra closure days (dates or ISO strings)."""
        extra = frozenset(_as_date(d) for d in dates)
        if not extra:
            return self
        return replace(self, closures=self.closures | extra)


def _annual_range(year: int, start: MonthDay, end: MonthDay) -> list[dt.date]:
    """The dates of an every-year month-day range falling in ``year`` (wraps over New Year)."""
    out: list[dt.date] = []
    d = dt.date(year, 1, 1)
    while d.year == year:
        md = (d.month, d.day)
        inside = start <= md <= end if start <= end else (md >= start or md <= end)
        if inside:
            out.append(d)
        d += _ONE_DAY
    return out


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadInput(
            f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2013-12-27."
        ) from None


def _month_day(value: Any, where: str) -> MonthDay:
    try:
        month, day = (int(p) for p in str(value).split("-"))
        dt.date(2000, month, day)  # a leap year, so 02-29 is allowed
    except ValueError:
        raise BadInput(
            f"{where}: {value!r} is not a month-day: write it as MM-DD, e.g. 12-27."
        ) from None
    return month, day


@functools.lru_cache(maxsize=1)
def _policy_data() -> dict[str, Any]:
    from ruamel.yaml import YAML

    text = POLICIES_FILE.read_text(encoding="utf-8")
    data = YAML(typ="safe").load(text) or {}
    return data


def policy_names() -> list[str]:
    """The names of the working-day policies in ``calendars/policies.yaml``."""
    return sorted(_policy_data().get("policies", {}))


def _closures_of(entries: Any, where: str) -> tuple[set[dt.date], list[tuple[MonthDay, MonthDay]]]:
    dates: set[dt.date] = set()
    annual: list[tuple[MonthDay, MonthDay]] = []
    for entry in entries or ():
        if isinstance(entry, dict) and "every_year" in entry:
            span = entry["every_year"]
            annual.append((_month_day(span["from"], where), _month_day(span["to"], where)))
        elif isinstance(entry, dict):
            start, end = _as_date(entry["from"]), _as_date(entry["to"])
            while start <= end:
                dates.add(start)
                start += _ONE_DAY
        else:
            dates.add(_as_date(entry))
    return dates, annual


@functools.lru_cache(maxsize=64)
def _build(name: str) -> WorkingDayPolicy:
    table = _policy_data().get("policies", {})
    entry = table[name]
    parent = _build(entry["extends"]) if entry.get("extends") else None
    dates, annual = _closures_of(entry.get("closures"), f"policy {name}")
    weekend = entry.get("weekend")
    holidays_from = entry.get("bank_holidays") or {}
    return WorkingDayPolicy(
        name=name,
        description=" ".join(str(entry.get("description", "")).split()),
        source=" ".join(str(entry.get("source", "")).split()),
        closures=frozenset(dates) | (parent.closures if parent else frozenset()),
        annual_closures=(parent.annual_closures if parent else ()) + tuple(annual),
        weekend=(
            frozenset(_WEEKDAYS.index(str(w).lower()) for w in weekend)
            if weekend is not None
            else (parent.weekend if parent else frozenset({5, 6}))
        ),
        country=str(holidays_from.get("country", parent.country if parent else "GB")),
        subdiv=holidays_from.get("subdiv", parent.subdiv if parent else "ENG"),
    )


def get_policy(
    name: str = DEFAULT_POLICY, closures: Iterable[dt.date | str] = ()
) -> WorkingDayPolicy:
    """The named working-day policy, with any extra closure days; BadInput if there is none."""
    key = (name or DEFAULT_POLICY).strip().lower()
    names = policy_names()
    if key not in names:
        close = difflib.get_close_matches(key, names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise BadInput(
            f"There is no working-day policy called {name!r}; the policies are: "
            f"{', '.join(names)}.{hint}"
        )
    return _build(key).with_closures(closures)
