"""Timelines: gates, deadlines and reminders across Christmas and Easter; problems; what-if."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govpath.calendars.meetings import Meeting, MeetingIndex, move_meeting
from govpath.calendars.sources import read_calendar
from govpath.calendars.timeline import build_timeline, resolve_gate
from govpath.calendars.timeline_report import compare
from govpath.definition.loader import load_pathway, load_pathway_text
from govpath.definition.model import GateAfterPrevious, GateDate, GateFirstIn, GateOnOrAfter
from govpath.errors import NotFound

DATA = Path(__file__).parent / "data" / "calendars"
PATHWAY = DATA / "pathway.yaml"
LONDON = ZoneInfo("Europe/London")
BEFORE_ANY = dt.date(2012, 10, 1)


@pytest.fixture(scope="module")
def pathway():
    return load_pathway(PATHWAY)


@pytest.fixture(scope="module")
def meetings() -> list[Meeting]:
    return read_calendar(DATA / "meetings.yaml")


def variant(old: str, new: str):
    text = PATHWAY.read_text()
    assert old in text
    return load_pathway_text(text.replace(old, new), str(PATHWAY))


def test_january_committee_deadlines_fall_across_christmas_and_new_year(pathway, meetings) -> None:
    t = build_timeline(pathway, meetings, today=BEFORE_ANY)
    assert t.problems == []
    drafting = t.stage("drafting")
    assert drafting.gate.date == dt.date(2013, 1, 8) and drafting.gate.time == dt.time(10)
    papers = t.deadline("drafting", "papers_due")
    # 10 working days before Tue 8 Jan 2013, skipping 25/26 Dec and 1 Jan: Thu 20 Dec 2012
    assert papers.due == dt.date(2012, 12, 20)
    assert papers.meeting == drafting.gate and papers.anchor_date == dt.date(2013, 1, 8)
    assert [r.on for r in papers.reminders] == [dt.date(2012, 12, 17), dt.date(2012, 12, 20)]
    assert papers.reminders[0].at == dt.datetime(2012, 12, 17, 8, tzinfo=LONDON)
    assert papers.reminders[1].to == ("owner", "policy_team")
    # escalations: 2 working days after (Mon 24 Dec), 5 working days after (Mon 31 Dec)
    assert [(e.on, e.level, e.to) for e in papers.escalations] == [
        (dt.date(2012, 12, 24), 1, "escalates_to"),
        (dt.date(2012, 12, 31), 2, "policy_team"),
    ]
    # five clear working days before 8 Jan: 31 Dec, 2, 3, 4, 7 Jan -> published by Fri 28 Dec
    assert t.deadline("drafting", "agenda_publication").due == dt.date(2012, 12, 28)


def test_april_cabinet_deadlines_fall_across_easter(pathway, meetings) -> None:
    t = build_timeline(pathway, meetings, today=BEFORE_ANY)
    cabinet = t.stage("cabinet_approval")
    assert cabinet.gate.date == dt.date(2013, 4, 8)
    agenda = t.deadline("cabinet_approval", "agenda_publication")
    # clear working days 28 Mar, 2, 3, 4, 5 Apr (Good Friday 29 Mar, Easter Monday 1 Apr)
    assert agenda.due == dt.date(2013, 3, 27)
    # escalation two working days after: 28 Mar, then 2 Apr, 08:00 British Summer Time
    (esc,) = agenda.escalations
    assert esc.on == dt.date(2013, 4, 2)
    assert esc.at.utcoffset() == dt.timedelta(hours=1) and esc.at.hour == 8
    # 28 clear days before Mon 8 Apr is Sun 10 Mar: the working day before, Fri 8 Mar
    assert t.deadline("cabinet_approval", "key_decision_notice").due == dt.date(2013, 3, 8)


def test_calendar_closure_days_are_not_working_days(pathway, meetings) -> None:
    t = build_timeline(
        pathway, meetings, today=BEFORE_ANY, closures=[dt.date(2012, 12, d) for d in (27, 28, 31)]
    )
    assert t.deadline("drafting", "agenda_publication").due == dt.date(2012, 12, 21)


def test_cancelled_and_missing_gate_meetings_are_problems(meetings) -> None:
    p = variant('first_in: "2013-04"', 'first_in: "2013-03"')
    t = build_timeline(p, meetings, today=BEFORE_ANY)
    (problem,) = [x for x in t.problems if x.deadline is None]
    assert problem.kind == "gate_cancelled"
    assert "Cabinet meeting in March 2013 (2013-03-04) is cancelled" in problem.message
    assert t.stage("cabinet_approval").gate is None
    assert t.deadline("cabinet_approval", "agenda_publication").due is None

    p = variant('"on": 2013-01-08', '"on": 2013-01-09')
    t = build_timeline(p, meetings, today=BEFORE_ANY)
    assert "the calendar has no P&R CC meeting on 2013-01-09" in t.stage("drafting").problems


def test_deadlines_already_past_are_infeasible(pathway, meetings) -> None:
    t = build_timeline(pathway, meetings, today=dt.date(2013, 1, 1))
    past = {(p.stage, p.deadline) for p in t.problems if p.kind == "past"}
    assert past == {("drafting", "papers_due"), ("drafting", "agenda_publication")}
    assert t.deadline("drafting", "papers_due").infeasible
    assert not t.deadline("cabinet_approval", "agenda_publication").infeasible


def test_window_ending_after_the_gate_it_feeds(meetings) -> None:
    p = variant("end: 2013-02-28", "end: 2013-04-10")
    t = build_timeline(p, meetings, today=BEFORE_ANY)
    assert [x.kind for x in t.problems] == ["window_after_gate"]
    assert "after the Cabinet meeting on 2013-04-08" in t.problems[0].message


@pytest.mark.parametrize(
    ("new_date", "route", "clear"),
    [("2013-03-19", "general_exception", 19), ("2013-04-03", "special_urgency", 4)],
)
def test_key_decision_gate_too_close_names_the_route(
    pathway, meetings, new_date, route, clear
) -> None:
    moved = move_meeting(meetings, "pr_cc", dt.date(2013, 1, 8), dt.date.fromisoformat(new_date))
    t = build_timeline(pathway, moved, today=BEFORE_ANY)
    notice = [p for p in t.problems if p.kind == "notice" and p.deadline is None]
    assert len(notice) == 1
    assert f"only {clear} clear days after {new_date} (the previous gate)" in notice[0].message
    assert f"[{route}]" in notice[0].message
    kd = t.deadline("cabinet_approval", "key_decision_notice")
    assert kd.infeasible and kd.due == dt.date(2013, 3, 8)
    assert not t.deadline("cabinet_approval", "agenda_publication").infeasible


def test_notice_counts_from_today_when_later(pathway, meetings) -> None:
    t = build_timeline(pathway, meetings, today=dt.date(2013, 3, 1))  # 37 clear days: fine
    assert [p for p in t.problems if p.kind == "notice"] == []
    t = build_timeline(pathway, meetings, today=dt.date(2013, 3, 20))
    (notice,) = [p for p in t.problems if p.kind == "notice" and p.deadline is None]
    assert "only 18 clear days after 2013-03-20 (today)" in notice.message
    assert "[general_exception]" in notice.message
    assert t.deadline("cabinet_approval", "key_decision_notice").infeasible  # past already


def test_what_if_moves_the_deadlines_tied_to_a_meeting(pathway, meetings) -> None:
    before = build_timeline(pathway, meetings, today=BEFORE_ANY)
    after = build_timeline(
        pathway,
        move_meeting(meetings, "pr_cc", dt.date(2013, 1, 8), dt.date(2013, 1, 15)),
        today=BEFORE_ANY,
    )
    assert after.stage("drafting").gate.original_date == dt.date(2013, 1, 8)
    changes = {c["deadline"]: c for c in compare(before, after)}
    assert set(changes) == {"papers_due", "agenda_publication"}
    assert changes["agenda_publication"] == {
        "deadline": "agenda_publication",
        "stage": "drafting",
        "before": "2012-12-28",
        "after": "2013-01-07",
        "moved_days": 10,
        "infeasible_now": False,
        "problems": [],
    }
    assert changes["papers_due"]["after"] == "2012-12-31"
    with pytest.raises(NotFound):
        move_meeting(meetings, "pr_cc", dt.date(2013, 1, 9), dt.date(2013, 1, 15))


def test_resolve_gate_kinds() -> None:
    idx = MeetingIndex(
        [
            Meeting("cabinet", dt.date(2013, 3, 4), status="cancelled"),
            Meeting("cabinet", dt.date(2013, 3, 18)),
            Meeting("cabinet", dt.date(2013, 4, 15)),
            Meeting("cabinet", dt.date(2013, 5, 13)),
        ]
    )
    assert resolve_gate(GateDate(body="cabinet", on=dt.date(2013, 3, 4)), idx, None) is None
    assert resolve_gate(GateFirstIn(body="cabinet", first_in="2013-03"), idx, None).date == dt.date(
        2013, 3, 18
    )
    assert resolve_gate(
        GateOnOrAfter(body="cabinet", on_or_after=dt.date(2013, 3, 19)), idx, None
    ).date == dt.date(2013, 4, 15)
    after = GateAfterPrevious(body="cabinet")
    assert resolve_gate(after, idx, dt.date(2013, 3, 18)).date == dt.date(2013, 4, 15)
    assert resolve_gate(after, idx, None) is None
    gap = GateAfterPrevious(body="cabinet", min_gap="28 clear days after")
    # 18 Mar + 29 days = 16 Apr: the 15 Apr meeting is too close
    assert resolve_gate(gap, idx, dt.date(2013, 3, 18)).date == dt.date(2013, 5, 13)


def test_cli_timeline_json_and_what_if(cli, pathway) -> None:
    args = [
        "timeline",
        str(PATHWAY),
        "--calendar",
        str(DATA / "meetings.yaml"),
        "--today",
        "2012-10-01",
    ]
    doc = json.loads(cli(*args, "--json", check=0).stdout)
    assert doc["pathway"] == "test_calendar_pathway" and doc["problems"] == []
    stage = doc["stages"][0]
    assert stage["id"] == "drafting"
    assert stage["gate"] == {
        "body": "pr_cc",
        "date": "2013-01-08",
        "time": "10:00",
        "title": "Policy and Resources Cabinet Committee",
        "status": "scheduled",
        "place": "Darent Room",
    }
    d = stage["deadlines"][0]
    assert (d["id"], d["rule"], d["due"], d["reminders"], d["infeasible"]) == (
        "papers_due",
        "10 working days before",
        "2012-12-20",
        ["2012-12-17", "2012-12-20"],
        False,
    )
    assert d["escalations"] == ["2012-12-24", "2012-12-31"]
    assert doc["stages"][1]["window"] == {"start": "2013-01-09", "end": "2013-02-28"}

    moved = json.loads(
        cli(*args, "--what-if", "pr_cc 2013-01-08->2013-03-19", "--json", check=0).stdout
    )
    what_if = {w["deadline"]: w for w in moved["what_if"]}
    assert what_if["agenda_publication"]["after"] == "2013-03-11"
    assert what_if["key_decision_notice"]["infeasible_now"] is True
    assert any("[general_exception]" in p["message"] for p in moved["problems"])

    table = cli(*args, "--what-if", "pr_cc 2013-01-08->2013-01-15", check=0).stdout
    assert "due before" in table and "due after" in table
    assert "Fri 28 Dec 2012" in table and "Mon 07 Jan 2013" in table


def test_cli_timeline_from_the_database(cli_db) -> None:
    cli_db("calendar", "import", str(DATA / "meetings.yaml"), check=0)
    doc = json.loads(
        cli_db("timeline", str(PATHWAY), "--today", "2013-01-01", "--json", check=0).stdout
    )
    kinds = [(p["stage"], p["deadline"], p["kind"]) for p in doc["problems"]]
    assert kinds == [("drafting", "papers_due", "past"), ("drafting", "agenda_publication", "past")]


def test_cli_timeline_bad_what_if_is_bad_input(cli) -> None:
    proc = cli(
        "timeline",
        str(PATHWAY),
        "--calendar",
        str(DATA / "meetings.yaml"),
        "--what-if",
        "pr_cc 8 Jan -> 15 Jan",
        check=1,
    )
    assert "BODY DATE->NEWDATE" in proc.stderr
    proc = cli(
        "timeline",
        str(PATHWAY),
        "--calendar",
        str(DATA / "meetings.yaml"),
        "--what-if",
        "pr_cc 2013-01-09->2013-01-15",
        check=1,
    )
    assert "no pr_cc meeting on 2013-01-09" in proc.stderr


def test_meeting_moved_in_the_database_moves_its_gate(pathway, meetings) -> None:
    """A meeting stored as moved (status moved, original_date set) still answers its dated gate."""
    moved = [
        dataclasses.replace(m, date=dt.date(2013, 1, 10), status="moved", original_date=m.date)
        if m.source_id == "t-prcc-0108"
        else m
        for m in meetings
    ]
    t = build_timeline(pathway, moved, today=BEFORE_ANY)
    assert t.stage("drafting").gate.date == dt.date(2013, 1, 10)
    assert t.deadline("drafting", "agenda_publication").due == dt.date(2013, 1, 2)


@given(
    st.lists(
        st.tuples(st.dates(dt.date(2012, 1, 1), dt.date(2014, 12, 31)), st.booleans()),
        max_size=25,
    ),
    st.dates(dt.date(2011, 12, 1), dt.date(2015, 1, 31)),
)
def test_meeting_index_lookups_agree_with_a_plain_search(entries, day) -> None:
    meetings = [
        Meeting("cabinet", d, status="cancelled" if c else "scheduled", source_id=str(i))
        for i, (d, c) in enumerate(entries)
    ]
    live = sorted(m.date for m in meetings if not m.cancelled)
    idx = MeetingIndex(meetings)
    after = idx.after("cabinet", day)
    assert (after.date if after else None) == next((d for d in live if d > day), None)
    on_or_after = idx.on_or_after("cabinet", day)
    assert (on_or_after.date if on_or_after else None) == next((d for d in live if d >= day), None)
    first = idx.first_in("cabinet", day.year, day.month)
    same_month = [d for d in live if (d.year, d.month) == (day.year, day.month)]
    assert (first.date if first else None) == (same_month[0] if same_month else None)
    assert idx.on("cabinet", day) is None or day in live
