"""Reading calendar files: YAML, iCalendar and ModernGov XML, local (BST) times, located errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govpath.calendars.sources import read_calendar, read_calendar_file
from govpath.calendars.sources.bodies import BodyMatcher, parse_maps
from govpath.calendars.sources.moderngov import parse_time
from govpath.errors import BadInput, CalendarError

DATA = Path(__file__).parent / "data" / "calendars"


def by_id(meetings):
    return {m.source_id: m for m in meetings}


def test_yaml_calendar_reads_meetings_and_local_times() -> None:
    f = read_calendar_file(DATA / "meetings.yaml")
    assert f.format == "yaml" and f.name == "test-2012-13"
    m = by_id(f.meetings)
    assert m["t-prcc-0108"].date == dt.date(2013, 1, 8)
    assert m["t-prcc-0108"].time == dt.time(10, 0)
    assert m["t-prcc-0108"].place == "Darent Room"
    assert m["t-prcc-0403"].time == dt.time(14, 0)  # a BST date: stored as written, local
    assert m["t-cab-0304"].status == "cancelled"


def test_yaml_calendar_in_another_zone_is_converted_to_london(tmp_path: Path) -> None:
    p = tmp_path / "utc.yaml"
    p.write_text(
        "calendar: x\ntimezone: UTC\nmeetings:\n"
        "  - {body: cabinet, date: 2013-06-17, time: '09:00'}\n"
        "  - {body: cabinet, date: 2013-01-14, time: '09:00'}\n"
    )
    times = sorted((m.date, m.time) for m in read_calendar(p))
    assert times == [(dt.date(2013, 1, 14), dt.time(9)), (dt.date(2013, 6, 17), dt.time(10))]


def test_yaml_closures_and_ranges(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(
        "calendar: x\nclosures: [2012-12-24, {from: 2012-12-27, to: 2012-12-31}]\nmeetings: []\n"
    )
    f = read_calendar_file(p)
    assert f.closures == [dt.date(2012, 12, 24)] + [dt.date(2012, 12, d) for d in range(27, 32)]


def test_broken_yaml_lists_every_problem_with_line_and_column() -> None:
    with pytest.raises(CalendarError) as err:
        read_calendar(DATA / "broken.yaml")
    lines = str(err.value).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{DATA / 'broken.yaml'}:4:25: error: date '2013-02-30'")
    assert ":5:45: error: time" in lines[1]
    assert ":5:58: error: unknown key 'stauts'; did you mean 'status'?" in lines[2]


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("calendar: x\nmeetings:\n  - {body: pr_cc, date: 2013-01-08\n")
    with pytest.raises(CalendarError) as err:
        read_calendar(p)
    assert str(err.value).startswith(f"{p}:4:1: error: not valid YAML")


def test_ics_times_are_local_including_british_summer_time() -> None:
    f = read_calendar_file(DATA / "committees.ics")
    assert f.format == "ics"
    m = by_id(f.meetings)
    # TZID=Europe/London 10:00 in April (BST) stays 10:00
    assert (m["prcc-20130423@example.test"].date, m["prcc-20130423@example.test"].time) == (
        dt.date(2013, 4, 23),
        dt.time(10, 0),
    )
    assert m["prcc-20130423@example.test"].place == "Darent Room, Sessions House"
    # 09:00Z in June is 10:00 BST; 10:00Z in January is 10:00 GMT
    assert m["cabinet-20130617@example.test"].time == dt.time(10, 0)
    assert m["cabinet-20130114@example.test"].time == dt.time(10, 0)
    # all-day event: no time
    assert m["cmm-20130520@example.test"].body == "cmm"
    assert m["cmm-20130520@example.test"].time is None
    # STATUS:CANCELLED
    assert m["prcc-20130305@example.test"].status == "cancelled"
    assert m["prcc-20130305@example.test"].body == "pr_cc"


def test_ics_unmatched_titles_are_skipped_with_a_note() -> None:
    f = read_calendar_file(DATA / "committees.ics")
    assert "party-20121221@example.test" not in by_id(f.meetings)
    assert any("Staff Christmas lunch" in n and "--map" in n for n in f.notes)
    mapped = read_calendar_file(DATA / "committees.ics", parse_maps(["christmas lunch=cmt"]))
    assert by_id(mapped.meetings)["party-20121221@example.test"].body == "cmt"


def test_ics_recurrence_id_is_part_of_the_identity(tmp_path: Path) -> None:
    p = tmp_path / "r.ics"
    p.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        "BEGIN:VEVENT\r\nUID:series@x\r\nSUMMARY:Cabinet\r\nDTSTART:20130114T100000Z\r\n"
        "RRULE:FREQ=MONTHLY;COUNT=3\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:series@x\r\nRECURRENCE-ID:20130211T100000Z\r\nSUMMARY:Cabinet\r\n"
        "DTSTART:20130212T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    f = read_calendar_file(p)
    assert [m.source_id for m in f.meetings] == ["series@x", "series@x#2013-02-11T10:00:00+00:00"]
    assert any("RRULE" in n for n in f.notes)


def test_broken_ics_is_rejected_with_lines() -> None:
    with pytest.raises(CalendarError) as err:
        read_calendar(DATA / "broken.ics")
    text = str(err.value)
    assert ":12:1: error: not an iCalendar content line" in text
    assert ":13:1: error: DTSTART" in text


def test_unclosed_ics_component_is_located(tmp_path: Path) -> None:
    p = tmp_path / "u.ics"
    p.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Cabinet\nDTSTART:20130114T100000Z\n")
    with pytest.raises(CalendarError) as err:
        read_calendar(p)
    assert f"{p}:2:1: error: BEGIN:VEVENT is never closed" in str(err.value)


def test_moderngov_meetings_times_and_cancellations() -> None:
    f = read_calendar_file(DATA / "getmeetings.xml")
    assert f.format == "moderngov"
    m = by_id(f.meetings)
    assert (m["9001"].body, m["9001"].date, m["9001"].time) == (
        "cabinet",
        dt.date(2013, 3, 18),
        dt.time(10),
    )
    assert m["9001"].place == "Council Chamber, Sessions House"
    assert (m["9002"].status, m["9002"].time) == ("cancelled", dt.time(14, 30))
    assert m["9101"].body == "pr_cc"
    assert "9201" not in m and any("Planning Applications Committee" in n for n in f.notes)


def test_broken_moderngov_is_rejected_with_line_and_column() -> None:
    with pytest.raises(CalendarError) as err:
        read_calendar(DATA / "broken.xml")
    assert (
        str(err.value) == f"{DATA / 'broken.xml'}:7:7: error: not well-formed XML: mismatched tag"
    )


def test_moderngov_refuses_entity_declarations(tmp_path: Path) -> None:
    p = tmp_path / "e.xml"
    p.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<getmeetings/>\n')
    with pytest.raises(CalendarError, match=r":2:1: error: DOCTYPE"):
        read_calendar(p)


def test_missing_file_is_a_calendar_error(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match="no such file"):
        read_calendar(tmp_path / "nope.ics")


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Policy & Resources Cabinet Committee", "pr_cc"),
        ("Growth, Economic Development and Communities Cabinet Committee", "gedc_cc"),
        ("Cabinet Members' Meeting", "cmm"),
        ("Corporate Management Team", "cmt"),
        ("Corporate Board", "corporate_board"),
        ("County Council", "county_council"),
        ("Commissioning Advisory Board", "commissioning_advisory_board"),
        ("Political Groups", "political_groups"),
        ("Cabinet", "cabinet"),
        ("Cabinet - 18 March 2013", "cabinet"),
        ("Cabinet Committee on Something Else", None),
    ],
)
def test_default_body_patterns(title: str, body: str | None) -> None:
    assert BodyMatcher().match(title) == body


def test_bad_map_option_is_bad_input() -> None:
    with pytest.raises(BadInput):
        parse_maps(["no equals sign"])
    with pytest.raises(BadInput):
        BodyMatcher(parse_maps(["([unclosed=cabinet"]))


@given(st.integers(1, 12), st.integers(0, 59), st.sampled_from(["am", "pm", "a.m.", "PM"]))
def test_moderngov_twelve_hour_times(hour: int, minute: int, half: str) -> None:
    t = parse_time(f"{hour}.{minute:02d} {half}")
    expected = hour % 12 + (12 if half.lower().startswith("p") else 0)
    assert t == dt.time(expected, minute)
