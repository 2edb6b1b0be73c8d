"""Exported .ics files read back by a second library (``ics``): same dates and local times."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import ics

from govpath.calendars.ics_export import IcsEvent, export_ics, uid_for
from govpath.calendars.sources import read_calendar
from govpath.calendars.timeline import build_timeline
from govpath.calendars.timeline_report import timeline_events
from govpath.definition.loader import load_pathway

DATA = Path(__file__).parent / "data" / "calendars"
LONDON = ZoneInfo("Europe/London")


def read_back(data: bytes) -> dict[str, ics.Event]:
    return {e.uid: e for e in ics.Calendar(data.decode("utf-8")).events}


def test_export_round_trips_through_the_ics_library() -> None:
    stamp = dt.datetime(2013, 1, 1, 12, tzinfo=dt.UTC)
    events = [
        IcsEvent(
            "m-summer@govpath",
            "P&R CC",
            "a meeting",
            dt.datetime(2013, 4, 23, 10, 0),
            end=dt.datetime(2013, 4, 23, 12, 30),
            location="Darent Room, Sessions House",
        ),
        IcsEvent("m-winter@govpath", "Cabinet", "", dt.datetime(2013, 1, 14, 10, 0)),
        IcsEvent("m-utc@govpath", "Cabinet", "", dt.datetime(2013, 6, 17, 9, 0, tzinfo=dt.UTC)),
        IcsEvent(
            uid_for("deadline", 7, "agenda_publication"),
            "Papers published",
            "due",
            dt.date(2012, 12, 28),
        ),
    ]
    data = export_ics(events, "test", stamp=stamp)
    text = data.decode()
    assert "METHOD:PUBLISH" in text and "PRODID:-//govpath//" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/London" in text and "TZNAME:BST" in text
    assert "DTSTAMP:20130101T120000Z" in text
    back = read_back(data)
    summer = back["m-summer@govpath"]
    assert summer.begin.datetime == dt.datetime(2013, 4, 23, 10, tzinfo=LONDON)
    assert summer.begin.datetime.utcoffset() == dt.timedelta(hours=1)
    assert summer.end.datetime == dt.datetime(2013, 4, 23, 12, 30, tzinfo=LONDON)
    assert summer.location == "Darent Room, Sessions House"
    assert back["m-winter@govpath"].begin.datetime.utcoffset() == dt.timedelta(0)
    assert back["m-utc@govpath"].begin.datetime.astimezone(LONDON).hour == 10
    deadline = back["deadline-7-agenda_publication@govpath"]
    assert deadline.all_day and deadline.begin.date() == dt.date(2012, 12, 28)


def test_export_is_stable_for_the_same_events() -> None:
    stamp = dt.datetime(2013, 1, 1, tzinfo=dt.UTC)
    events = [IcsEvent("a@govpath", "A", "", dt.date(2013, 1, 2))]
    assert export_ics(events, "x", stamp=stamp) == export_ics(events, "x", stamp=stamp)


def test_timeline_events_and_cli_ics_agree(cli, tmp_path: Path) -> None:
    pathway = load_pathway(DATA / "pathway.yaml")
    t = build_timeline(pathway, read_calendar(DATA / "meetings.yaml"), today=dt.date(2012, 10, 1))
    expected = {e.uid: e.start for e in timeline_events(t)}
    out = tmp_path / "timeline.ics"
    cli(
        "timeline",
        str(DATA / "pathway.yaml"),
        "--calendar",
        str(DATA / "meetings.yaml"),
        "--today",
        "2012-10-01",
        "--ics",
        str(out),
        check=0,
    )
    back = read_back(out.read_bytes())
    assert set(back) == set(expected)
    gate = back["meeting-pr_cc-2013-01-08@govpath"]
    assert gate.begin.datetime == dt.datetime(2013, 1, 8, 10, tzinfo=LONDON)
    cabinet = back["meeting-cabinet-2013-04-08@govpath"]
    assert cabinet.begin.datetime.utcoffset() == dt.timedelta(hours=1)  # April: BST
    agenda = back["deadline-test_calendar_pathway-drafting-agenda_publication@govpath"]
    assert agenda.all_day and agenda.begin.date() == dt.date(2012, 12, 28)
    kd = back["deadline-test_calendar_pathway-cabinet_approval-key_decision_notice@govpath"]
    assert kd.begin.date() == dt.date(2013, 3, 8)
