"""Meetings in the database on both backends: upsert by (source, source_id), CLI import and list."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from govpath.calendars.meetings import Meeting
from govpath.calendars.sources import read_calendar
from govpath.store.db import open_db
from govpath.store.meetings import find_meeting, load_meetings, upsert_meetings

DATA = Path(__file__).parent / "data" / "calendars"


def test_upsert_adds_then_updates_by_source_id(db_url: str) -> None:
    engine = open_db(db_url)
    meetings = read_calendar(DATA / "committees.ics")
    with engine.begin() as conn:
        assert upsert_meetings(conn, meetings) == (5, 0)
    with engine.begin() as conn:
        assert upsert_meetings(conn, meetings) == (0, 0)  # same file again: nothing new
    moved = [
        dataclasses.replace(m, date=dt.date(2013, 6, 24))
        if m.source_id.startswith("cabinet-201306")
        else m
        for m in meetings
    ]
    with engine.begin() as conn:
        assert upsert_meetings(conn, moved) == (0, 1)
    with engine.connect() as conn:
        rows = load_meetings(conn)
        assert len(rows) == 5
        cabinet = load_meetings(conn, body="cabinet", start=dt.date(2013, 6, 1))
        assert [(m.date, m.time) for m in cabinet] == [(dt.date(2013, 6, 24), dt.time(10))]
        assert find_meeting(conn, "cabinet", dt.date(2013, 6, 17)) is None
        found = find_meeting(conn, "pr_cc", dt.date(2013, 4, 23))
        assert found is not None and found.id is not None and found.time == dt.time(10)


def test_find_meeting_prefers_the_live_one(db_url: str) -> None:
    engine = open_db(db_url)
    day = dt.date(2013, 3, 5)
    with engine.begin() as conn:
        upsert_meetings(
            conn,
            [
                Meeting("pr_cc", day, dt.time(10), status="cancelled", source_id="a"),
                Meeting("pr_cc", day, dt.time(14), source_id="b"),
            ],
        )
    with engine.connect() as conn:
        assert find_meeting(conn, "pr_cc", day).source_id == "b"


def test_cli_import_and_list_with_bst_times(cli_db) -> None:
    out = cli_db(
        "calendar", "import", str(DATA / "committees.ics"), str(DATA / "getmeetings.xml"), check=0
    )
    assert "9 added, 0 updated, 0 unchanged." in out.stdout
    assert "Staff Christmas lunch" in out.stderr and "Planning Applications" in out.stderr
    again = cli_db("calendar", "import", str(DATA / "committees.ics"), "--json", check=0)
    assert json.loads(again.stdout)["added"] == 0 and json.loads(again.stdout)["unchanged"] == 5

    listed = json.loads(cli_db("calendar", "list", "--json", check=0).stdout)
    assert len(listed) == 9
    assert [m["date"] for m in listed] == sorted(m["date"] for m in listed)
    by = {(m["body"], m["date"]): m for m in listed}
    assert by[("pr_cc", "2013-04-23")]["time"] == "10:00"  # 10:00 BST written with TZID
    assert by[("cabinet", "2013-06-17")]["time"] == "10:00"  # 09:00Z in summer
    assert by[("cmm", "2013-05-20")]["time"] is None  # all-day
    assert by[("pr_cc", "2013-03-05")]["status"] == "cancelled"
    assert {"body", "title", "date", "time", "status", "place", "source", "id"} <= set(listed[0])

    only = json.loads(
        cli_db(
            "calendar",
            "list",
            "--body",
            "cabinet",
            "--from",
            "2013-03-01",
            "--to",
            "2013-04-30",
            "--json",
            check=0,
        ).stdout
    )
    assert [(m["date"], m["status"]) for m in only] == [
        ("2013-03-18", "scheduled"),
        ("2013-04-15", "cancelled"),
    ]


def test_cli_reimport_of_changed_ics_updates_not_duplicates(cli_db, tmp_path: Path) -> None:
    src = (DATA / "committees.ics").read_text()
    first = tmp_path / "a.ics"
    first.write_text(src)
    cli_db("calendar", "import", str(first), check=0)
    changed = tmp_path / "b.ics"
    changed.write_text(
        src.replace(
            "DTSTART;TZID=Europe/London:20130423T100000",
            "DTSTART;TZID=Europe/London:20130430T143000",
        )
    )
    out = cli_db("calendar", "import", str(changed), check=0)
    assert "0 added, 1 updated, 4 unchanged." in out.stdout
    rows = json.loads(cli_db("calendar", "list", "--body", "pr_cc", "--json", check=0).stdout)
    assert [(m["date"], m["time"]) for m in rows] == [
        ("2013-03-05", "10:00"),
        ("2013-04-30", "14:30"),
    ]


def test_cli_import_of_a_broken_file_writes_nothing(cli_db) -> None:
    proc = cli_db(
        "calendar",
        "import",
        str(DATA / "meetings.yaml"),
        str(DATA / "broken.yaml"),
        str(DATA / "broken.ics"),
        str(DATA / "broken.xml"),
        check=1,
    )
    err = proc.stderr
    assert "broken.yaml:4:25: error:" in err and "broken.yaml:5:58: error:" in err
    assert "broken.ics:12:1: error:" in err and "broken.ics:13:1: error:" in err
    assert "broken.xml:7:7: error:" in err
    cli_db("init", check=0)  # nothing was written; `calendar list` only reads
    assert json.loads(cli_db("calendar", "list", "--json", check=0).stdout) == []


def test_cli_list_rejects_a_bad_date(cli_db) -> None:
    proc = cli_db("calendar", "list", "--from", "8/1/2013", check=1)
    assert "--from '8/1/2013' is not a date" in proc.stderr
