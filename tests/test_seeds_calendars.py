"""The KCC committee calendars: well formed, on working days, and covering every seed gate."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import holidays
import pytest
import yaml

from govpath.calendars.meetings import Meeting
from govpath.calendars.rules import parse_rule, route_needed
from govpath.calendars.sources import read_calendar
from govpath.calendars.timeline import build_timeline
from govpath.calendars.workdays import get_policy
from govpath.definition.loader import load_pathway

ROOT = Path(__file__).resolve().parent.parent
CALENDARS = ROOT / "calendars" / "data" / "kcc"
WORKFLOWS = ROOT / "workflows" / "kcc"
# pathway year -> calendar file (calendars/data/kcc/README.md)
CALENDAR_OF = {
    "2013-14": "2012-13",
    "2014-15": "2013-14",
    "2015-16": "2014-15",
    "2016-17": "2015-16",
    "2019-20": "2018-19",
}
MEETING_KEYS = {"body", "date", "time", "title", "place", "status", "id"}
BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2012, 2021))


def files() -> list[Path]:
    return sorted(CALENDARS.glob("*.yaml"))


@pytest.fixture(scope="module", params=[p.stem for p in sorted(CALENDARS.glob("*.yaml"))])
def cal(request: pytest.FixtureRequest) -> str:
    return request.param


def data(stem: str) -> dict:
    return yaml.safe_load((CALENDARS / f"{stem}.yaml").read_text())


def meetings(stem: str) -> list[Meeting]:
    return [
        Meeting(
            body=m["body"], date=m["date"], title=m["title"], status=m.get("status", "scheduled")
        )
        for m in data(stem)["meetings"]
    ]


def test_every_pathway_has_its_calendar_and_every_calendar_a_pathway() -> None:
    assert {p.stem for p in files()} == set(CALENDAR_OF.values())
    assert {p.stem for p in WORKFLOWS.glob("*.yaml")} == set(CALENDAR_OF)


def test_format(cal: str) -> None:
    d = data(cal)
    assert d["calendar"] == f"kcc-{cal}"
    assert d["timezone"] == "Europe/London"
    assert d.get("closures", []) == []
    assert d["meetings"]
    for m in d["meetings"]:
        assert {"body", "date", "title"} <= set(m) <= MEETING_KEYS
        assert isinstance(m["date"], dt.date)
        assert re.fullmatch(r"\d\d:\d\d", m["time"])  # quoted: YAML 1.1 would read 10:00 as 600
        assert m["status"] == "scheduled"
        assert m["id"] == f"{m['body']}-{m['date'].isoformat()}"


def test_dates_are_working_days(cal: str) -> None:
    bad = [
        (m["body"], m["date"])
        for m in data(cal)["meetings"]
        if m["date"].weekday() >= 5 or m["date"] in BANK_HOLIDAYS
    ]
    assert not bad


def test_every_meeting_says_where_its_date_comes_from(cal: str) -> None:
    lines = (CALENDARS / f"{cal}.yaml").read_text().splitlines()
    for n, line in enumerate(lines):
        if line.startswith("  - body:"):
            above = lines[n - 1].strip()
            assert re.match(r"# (seed 00[0-4] |illustrative: no seed gives this date)", above), (
                f"line {n + 1} has no source comment"
            )


def test_the_project_reader_imports_it(cal: str) -> None:
    read = read_calendar(CALENDARS / f"{cal}.yaml")
    assert len(read) == len(data(cal)["meetings"])
    assert len({m.source_id for m in read}) == len(read)


def test_no_meeting_in_two_files() -> None:
    ids = [m["id"] for p in files() for m in data(p.stem)["meetings"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("year", "stem"), sorted(CALENDAR_OF.items()))
def test_every_gate_has_a_meeting(year: str, stem: str) -> None:
    pathway = load_pathway(WORKFLOWS / f"{year}.yaml")
    timeline = build_timeline(pathway, meetings(stem), today=dt.date(2010, 1, 1))
    gated = [s for s in pathway.stages if s.gate is not None]
    assert gated
    for s in gated:
        assert timeline.stage(s.id).gate is not None, f"{year}: no meeting for {s.id}"
    assert not timeline.problems, [str(p) for p in timeline.problems]
    for rs in timeline.stages:
        for d in rs.deadlines:
            assert d.due is not None and not d.infeasible, (rs.stage, d.id, d.problems)
            assert d.due.weekday() < 5 and d.due not in BANK_HOLIDAYS


@pytest.mark.parametrize(
    ("stem", "body", "day"),
    [
        ("2012-13", "pr_cc", "2013-01-08"),
        ("2013-14", "pr_cc", "2013-09-25"),
        ("2013-14", "pr_cc", "2014-04-23"),
        ("2014-15", "gedc_cc", "2015-04-14"),
        ("2015-16", "pr_cc", "2015-09-10"),
        ("2015-16", "county_council", "2015-12-10"),
        ("2015-16", "pr_cc", "2016-01-12"),
        ("2015-16", "pr_cc", "2016-03-14"),
        ("2018-19", "cmt", "2018-05-22"),
        ("2018-19", "cmm", "2018-06-18"),
    ],
)
def test_dates_the_seeds_give_are_there_and_cited(stem: str, body: str, day: str) -> None:
    text = (CALENDARS / f"{stem}.yaml").read_text()
    block = re.search(rf"  # (.*)\n  - body: {body}\n    date: {day}\n", text)
    assert block, f"no {body} meeting on {day} in {stem}"
    assert block.group(1).startswith("seed ")


def test_2013_14_key_decision_timing() -> None:
    """Cabinet on 18 March 2013: notice by 15 Feb; 68 clear days after P&R CC on 8 Jan."""
    policy = get_policy()
    pathway = load_pathway(WORKFLOWS / "2013-14.yaml")
    timeline = build_timeline(pathway, meetings("2012-13"), today=dt.date(2010, 1, 1))
    cabinet = timeline.stage("cabinet_decision").gate
    assert cabinet.date == dt.date(2013, 3, 18)
    assert parse_rule("key-decision-notice").apply(cabinet.date, policy) == dt.date(2013, 2, 15)
    assert parse_rule("general-exception-notice").apply(cabinet.date, policy) == dt.date(2013, 3, 8)
    assert route_needed(dt.date(2013, 1, 8), cabinet.date, policy) == "key_decision"
    assert route_needed(dt.date(2013, 2, 15), cabinet.date, policy) == "key_decision"
    assert route_needed(dt.date(2013, 2, 18), cabinet.date, policy) == "general_exception"
    assert route_needed(dt.date(2013, 3, 8), cabinet.date, policy) == "general_exception"
    assert route_needed(dt.date(2013, 3, 11), cabinet.date, policy) == "special_urgency"
    notice = next(
        d for d in timeline.stage("quality_assurance").deadlines if d.id == "key_decision_notice"
    )
    assert notice.due == dt.date(2013, 2, 15)


def test_2013_14_january_committee_counts_across_christmas() -> None:
    pathway = load_pathway(WORKFLOWS / "2013-14.yaml")
    timeline = build_timeline(pathway, meetings("2012-13"), today=dt.date(2010, 1, 1))
    due = {d.id: d.due for d in timeline.stage("drafting").deadlines}
    assert due == {
        "agenda_publication": dt.date(2012, 12, 28),
        "papers_to_policy_team": dt.date(2012, 12, 20),
    }


def test_a_late_clock_makes_the_timeline_flag_the_key_decision_notice() -> None:
    """From 20 Feb 2013 the March Cabinet is under 28 clear days away: the timeline says so."""
    pathway = load_pathway(WORKFLOWS / "2013-14.yaml")
    timeline = build_timeline(pathway, meetings("2012-13"), today=dt.date(2013, 2, 20))
    text = " ".join(str(p) for p in timeline.problems)
    assert "general_exception" in text
