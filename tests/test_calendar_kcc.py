"""The KCC pathways resolve against their own committee calendars with no unexplained problems."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from govpath.calendars.sources import read_calendar_file
from govpath.calendars.timeline import build_timeline
from govpath.definition.loader import load_pathway

ROOT = Path(__file__).resolve().parent.parent
# (pathway, its calendar, a day before the cycle starts)
YEARS = [
    ("2013-14", "2012-13", dt.date(2012, 9, 1)),
    ("2014-15", "2013-14", dt.date(2013, 7, 1)),
    ("2015-16", "2014-15", dt.date(2014, 9, 1)),
    ("2016-17", "2015-16", dt.date(2015, 8, 1)),
    ("2019-20", "2018-19", dt.date(2018, 5, 1)),
]


def _pair(year: str, cal: str) -> tuple[Path, Path]:
    p, c = (
        ROOT / "workflows" / "kcc" / f"{year}.yaml",
        ROOT / "calendars" / "data" / "kcc" / f"{cal}.yaml",
    )
    assert p.exists() and c.exists(), f"{p.name} or its calendar {c.name} is missing"
    return p, c


@pytest.mark.parametrize(("year", "cal", "today"), YEARS)
def test_kcc_pathway_resolves_against_its_calendar(year: str, cal: str, today: dt.date) -> None:
    path, cal_path = _pair(year, cal)
    f = read_calendar_file(cal_path)
    t = build_timeline(load_pathway(path), f.meetings, today=today, closures=f.closures)
    assert [p.message for p in t.problems] == []
    assert all(d.due is not None for d in t.deadlines())


def test_kcc_2013_14_worked_example_through_the_cli(cli) -> None:
    path, cal_path = _pair("2013-14", "2012-13")
    args = ["timeline", str(path), "--calendar", str(cal_path), "--today", "2012-09-01", "--json"]
    doc = json.loads(cli(*args, check=0).stdout)
    assert doc["problems"] == []
    stages = {s["id"]: s for s in doc["stages"]}
    assert stages["drafting"]["gate"]["date"] == "2013-01-08"  # seed 002: P&R CC 8 January 2013
    agenda = {d["id"]: d for d in stages["drafting"]["deadlines"]}["agenda_publication"]
    assert agenda["due"] == "2012-12-28"  # five clear working days across Christmas and New Year
    moved = json.loads(cli(*args, "--what-if", "pr_cc 2013-01-08->2013-01-15", check=0).stdout)
    changed = {(w["stage"], w["deadline"]): w for w in moved["what_if"]}
    assert changed[("drafting", "agenda_publication")]["after"] == "2013-01-07"
