"""The clock-change days (last Sundays of March and October): every "today" is the council's date.

In 2013 British Summer Time began at 01:00 UTC on Sunday 31 March and ended at 01:00 UTC on
Sunday 27 October. Reminders go out at 08:00 on the council's wall clock, whatever its offset;
a deadline is missed when the council's date, not UTC's, has passed it; the digest goes at its
local hour on its day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from govpath.config import Settings
from govpath.store import tables as t
from govpath.store.db import open_db
from govpath.zone import local_date, use_zone
from tests.scheduler_support import seed

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def _utc(y: int, m: int, d: int, h: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _london() -> Any:
    use_zone("Europe/London")
    yield
    use_zone(None)


def _notice_times(pathway: str, calendar: str, today: dt.date) -> list[dt.datetime]:
    from govpath.calendars.sources import read_calendar
    from govpath.calendars.timeline import build_timeline
    from govpath.definition.loader import load_pathway

    tl = build_timeline(load_pathway(ROOT / pathway), read_calendar(ROOT / calendar), today=today)
    out = []
    for stage in tl.stages:
        for rd in stage.deadlines:
            out += [r.at for r in rd.reminders] + [e.at for e in rd.escalations]
    return out


@pytest.mark.parametrize("change", ["2012-10-28", "2013-03-31"])
def test_reminders_and_escalations_are_at_eight_on_the_council_clock_either_side_of_a_change(
    change: str,
) -> None:
    """The 2013-14 pathway against the 2012/13 calendar spans the autumn 2012 and spring 2013
    changes: its notices keep 08:00 local, so their UTC hour moves with the offset."""
    times = _notice_times(
        "workflows/kcc/2013-14.yaml", "calendars/data/kcc/2012-13.yaml", dt.date(2012, 9, 1)
    )
    assert times
    for at in times:
        here = at.astimezone(LONDON)
        assert (here.hour, here.minute) == (8, 0), at
    switch = dt.datetime.combine(dt.date.fromisoformat(change), dt.time(1), tzinfo=UTC)
    before = [a for a in times if a < switch and a > switch - dt.timedelta(days=120)]
    after = [a for a in times if a > switch and a < switch + dt.timedelta(days=120)]
    assert before and after, "the year has notices on both sides of the change"
    offsets = (
        {a.astimezone(LONDON).utcoffset() for a in before},
        {a.astimezone(LONDON).utcoffset() for a in after},
    )
    assert offsets[0] != offsets[1]
    assert {a.astimezone(UTC).hour for a in before} | {a.astimezone(UTC).hour for a in after} == {
        7,
        8,
    }


@pytest.mark.parametrize(
    ("due", "not_yet", "missed"),
    [
        # spring: 23:30 UTC on Saturday is 23:30 GMT (still Saturday); 00:30 UTC is Sunday
        (dt.date(2013, 3, 30), _utc(2013, 3, 30, 23, 30), _utc(2013, 3, 31, 0, 30)),
        # autumn: 23:30 UTC on Saturday 26 October is already 00:30 BST on Sunday 27
        (dt.date(2013, 10, 26), _utc(2013, 10, 26, 22, 30), _utc(2013, 10, 26, 23, 30)),
    ],
)
def test_a_deadline_is_missed_when_the_councils_date_has_passed_it(
    sqlite_url: str, due: dt.date, not_yet: dt.datetime, missed: dt.datetime
) -> None:
    from govpath.scheduler.sweep import run_sweep

    engine = open_db(sqlite_url)
    ids = seed(engine, due=due, meeting_date=due + dt.timedelta(days=14))
    settings = Settings(timezone="Europe/London")

    def status() -> str:
        with engine.connect() as conn:
            return conn.execute(
                select(t.deadlines.c.status).where(t.deadlines.c.id == ids["deadline"])
            ).scalar_one()

    run_sweep(engine, not_yet, settings=settings, deliver=False, digest=False)
    assert status() == "open"
    run_sweep(engine, missed, settings=settings, deliver=False, digest=False)
    assert status() == "missed"
    assert local_date(missed) > due >= missed.date() - dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("early", "on_time"),
    [
        (_utc(2013, 3, 31, 5, 59), _utc(2013, 3, 31, 6, 0)),  # 07:00 BST
        (_utc(2013, 10, 27, 6, 59), _utc(2013, 10, 27, 7, 0)),  # 07:00 GMT
    ],
)
def test_the_digest_goes_at_its_local_hour_on_a_clock_change_sunday(
    sqlite_url: str, early: dt.datetime, on_time: dt.datetime
) -> None:
    from govpath.scheduler.sweep import run_sweep

    engine = open_db(sqlite_url)
    seed(
        engine,
        due=early.date() + dt.timedelta(days=5),
        meeting_date=early.date() + dt.timedelta(days=20),
    )
    settings = Settings(timezone="Europe/London", digest_day="sun", digest_hour=7)
    assert run_sweep(engine, early, settings=settings, deliver=False).digests == 0
    assert run_sweep(engine, on_time, settings=settings, deliver=False).digests >= 1


def test_deadlines_written_after_midnight_in_summer_use_the_councils_date(
    sqlite_url: str,
) -> None:
    """00:30 BST on 2 July is still 1 July in UTC: a deadline due 1 July is already past."""
    from govpath.runtime.deadlines import PlanRef, enter_stage

    engine = open_db(sqlite_url)
    ids = seed(engine)
    due = dt.date(2013, 7, 1)
    rd = SimpleNamespace(
        id="late_one",
        title="Late one",
        rule="on the day",
        anchor_date=due,
        meeting=None,
        due=due,
        owner="owner",
        infeasible=False,
        reminders=[],
        escalations=[],
    )
    pathway = SimpleNamespace(stage=lambda _sid: SimpleNamespace(deadlines=[rd]))
    tl = SimpleNamespace(stage=lambda _sid: SimpleNamespace(deadlines=[rd]))
    plan = PlanRef(id=ids["plan"], owner="director@kent.example", owner_role=None, manager=None)
    with engine.begin() as conn:
        written = enter_stage(conn, pathway, plan, "draft", tl, _utc(2013, 7, 1, 23, 30))
    assert written == [{"name": "late_one", "due": due, "infeasible": True}]
    with engine.begin() as conn:
        written = enter_stage(conn, pathway, plan, "draft", tl, _utc(2013, 6, 30, 23, 30))
    assert written == [{"name": "late_one", "due": due, "infeasible": False}]


def test_deadlines_refreshed_after_midnight_in_summer_use_the_councils_date(
    sqlite_url: str,
) -> None:
    """A meeting moved at 00:30 BST on 2 July: a deadline now due 1 July is already past."""
    from govpath.runtime.deadlines import PlanRef, refresh_plan

    engine = open_db(sqlite_url)
    ids = seed(engine, name="draft_to_policy", due=dt.date(2013, 7, 20))
    due = dt.date(2013, 7, 1)
    rd = SimpleNamespace(
        id="draft_to_policy",
        due=due,
        anchor_date=due,
        meeting=None,
        infeasible=False,
        reminders=[],
        escalations=[],
        owner="owner",
    )
    tl = SimpleNamespace(stage=lambda _sid: SimpleNamespace(deadlines=[rd]))
    plan = PlanRef(id=ids["plan"], owner="director@kent.example", owner_role=None, manager=None)
    with engine.begin() as conn:
        changed = refresh_plan(conn, SimpleNamespace(), plan, "draft", tl, _utc(2013, 7, 1, 23, 30))
    assert [(c["name"], c["due"], c["infeasible"]) for c in changed] == [
        ("draft_to_policy", due, True)
    ]
