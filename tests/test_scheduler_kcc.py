"""A KCC planning season day by day through the real runtime: each reminder once, on its day.

Worked example (workflows/kcc/2013-14.yaml, calendar calendars/data/kcc/2012-13.yaml): the headline
priorities go to P&R CC on Friday 16 November 2012. "Headline priorities to the policy team" is due
10 working days before, Friday 2 November; its reminders fall 10 and 3 working days before that and
on the day (19 October, 30 October, 2 November); escalations 2 working days after to the owner
(6 November) and 5 working days after to the owner's manager (9 November). The agenda must be
published with five clear working days before the meeting: Thursday 8 November; reminders 3 working
days before and on the day (5 and 8 November) to the owner and Democratic Services; escalation one
working day after (9 November). The papers-due message goes 5 working days before publication
(1 November).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from govpath.config import Settings
from govpath.scheduler.clock import local_date
from govpath.scheduler.sweep import run_sweep
from govpath.store.db import open_db
from tests.scheduler_support import SmtpServer, london

ROOT = Path(__file__).resolve().parent.parent
PATHWAY = ROOT / "workflows" / "kcc" / "2013-14.yaml"
CALENDAR = ROOT / "calendars" / "data" / "kcc" / "2012-13.yaml"

FIN, EDU, CORP = "fin.director@kent.example", "edu.director@kent.example", "corp@kent.example"
POLICY, DEM = "policy@kent.example", "dem.services@kent.example"


def _setup(engine) -> tuple[int, int]:
    from govpath.calendars.sources import read_calendar
    from govpath.runtime.api import add_actor, publish_pathway, start_plan
    from govpath.store.meetings import upsert_meetings

    t0 = london(2012, 10, 1, 9)
    with engine.begin() as conn:
        upsert_meetings(conn, read_calendar(CALENDAR))
    publish_pathway(engine, PATHWAY, now=t0)
    add_actor(engine, CORP, "Corin Corporate", ["corporate_director"], now=t0)
    add_actor(engine, FIN, "Fiona Finance", ["director"], reports_to=CORP, now=t0)
    add_actor(engine, EDU, "Eddie Education", ["director"], now=t0)
    add_actor(engine, POLICY, "Poppy Policy", ["policy_team"], now=t0)
    add_actor(engine, DEM, "Dem Services", ["democratic_services"], now=t0)
    fin = start_plan(engine, "kcc_2013_14", "Finance division business plan", FIN, now=t0)
    edu = start_plan(engine, "kcc_2013_14", "Education division business plan", EDU, now=t0)
    return fin["id"], edu["id"]


@pytest.mark.slow
def test_a_planning_season_day_by_day(sqlite_url: str) -> None:
    pytest.importorskip("govpath.runtime.api")
    from govpath.runtime.api import advance

    engine = open_db(sqlite_url)
    _fin, edu = _setup(engine)
    server = SmtpServer().start()
    settings = Settings(smtp_host="127.0.0.1", smtp_port=server.port)
    arrived: dict[str, dt.date] = {}
    try:
        day = dt.date(2012, 10, 1)
        while day <= dt.date(2012, 11, 16):
            if day == dt.date(2012, 10, 22):  # Education sends its headlines early
                advance(
                    engine,
                    edu,
                    "submit_headlines",
                    EDU,
                    fields={"headline_priorities": "edu.pdf"},
                    now=london(2012, 10, 22, 9),
                )
            before = len(server.messages)
            for hour in (7, 10, 16):
                run_sweep(engine, london(day.year, day.month, day.day, hour), settings=settings)
            for m in server.messages[before:]:
                arrived[m["Message-ID"]] = day
            day += dt.timedelta(days=1)
    finally:
        server.stop()
    assert max(Counter(server.handler.ids()).values()) == 1, "no message arrives twice"
    got = sorted(
        (arrived[m["Message-ID"]], m["To"], m["X-Govpath-Kind"], m["Subject"].rsplit(" (", 1)[0])
        for m in server.messages
        if m["X-Govpath-Kind"] != "digest"
    )
    d = dt.date
    headlines = "Headline priorities to the policy team"
    papers = "Committee papers published"
    nov2, nov8 = "Friday 2 November 2012", "Thursday 8 November 2012"  # dates as people write them
    assert got == sorted(
        [
            (d(2012, 10, 19), EDU, "reminder", f"Reminder: {headlines}, due {nov2}"),
            (d(2012, 10, 19), FIN, "reminder", f"Reminder: {headlines}, due {nov2}"),
            (d(2012, 10, 30), FIN, "reminder", f"Reminder: {headlines}, due {nov2}"),
            (d(2012, 11, 1), FIN, "papers_due", f"Papers due {nov8}: {papers}"),
            (d(2012, 11, 2), FIN, "reminder", f"Reminder: {headlines}, due {nov2}"),
            (d(2012, 11, 5), DEM, "reminder", f"Reminder: {papers}, due {nov8}"),
            (d(2012, 11, 5), FIN, "reminder", f"Reminder: {papers}, due {nov8}"),
            (d(2012, 11, 6), FIN, "escalation", f"Overdue: {headlines}, due {nov2}"),
            (d(2012, 11, 8), DEM, "reminder", f"Reminder: {papers}, due {nov8}"),
            (d(2012, 11, 8), FIN, "reminder", f"Reminder: {papers}, due {nov8}"),
            (
                d(2012, 11, 9),
                CORP,
                "escalation",
                f"Overdue for Fiona Finance: {headlines}, due {nov2}",
            ),
            (
                d(2012, 11, 9),
                CORP,
                "escalation",
                f"Overdue for Fiona Finance: {papers}, due {nov8}",
            ),
        ]
    )
    first = next(
        m for m in server.messages if m["To"] == FIN and arrived[m["Message-ID"]] == d(2012, 10, 19)
    )
    text = first.get_body(("plain",)).get_content()
    assert "Send your division's headline priorities to the policy team." in text
    assert "Policy and Resources Cabinet Committee on Friday 16 November 2012 at 10:00" in text
    digests = Counter(m["To"] for m in server.messages if m["X-Govpath-Kind"] == "digest")
    assert set(digests) <= {FIN, EDU, POLICY} and digests[POLICY] >= 2
    from govpath.audit.chain import verify

    with engine.connect() as conn:
        assert verify(conn).ok
    assert all(local_date(london(2012, 10, 1)) <= v for v in arrived.values())


def test_reminders_follow_a_meeting_that_moves(sqlite_url: str) -> None:
    from govpath.runtime.meetings import move_meeting

    engine = open_db(sqlite_url)
    _setup(engine)
    # On 15 October P&R CC moves from 16 to 23 November: every date above moves a week later.
    move_meeting(
        engine, "pr_cc", dt.date(2012, 11, 16), dt.date(2012, 11, 23), now=london(2012, 10, 15, 9)
    )
    server = SmtpServer().start()
    settings = Settings(smtp_host="127.0.0.1", smtp_port=server.port)
    arrived: dict[str, dt.date] = {}
    try:
        day = dt.date(2012, 10, 15)
        while day <= dt.date(2012, 11, 9):
            before = len(server.messages)
            run_sweep(engine, london(day.year, day.month, day.day, 10), settings=settings)
            for m in server.messages[before:]:
                arrived[m["Message-ID"]] = day
            day += dt.timedelta(days=1)
    finally:
        server.stop()
    fin = sorted(
        (arrived[m["Message-ID"]], m["X-Govpath-Kind"])
        for m in server.messages
        if m["To"] == FIN and m["X-Govpath-Kind"] != "digest"
    )
    d = dt.date
    assert fin == [
        (d(2012, 10, 26), "reminder"),
        (d(2012, 11, 6), "reminder"),
        (d(2012, 11, 8), "papers_due"),
        (d(2012, 11, 9), "reminder"),
    ]
    moved = next(
        m
        for m in server.messages
        if m["To"] == POLICY and arrived[m["Message-ID"]] == d(2012, 10, 22)
    )
    text = moved.get_body(("plain",)).get_content()
    assert "Meetings moved in the last week (1)" in text and "2012-11-16 -> 2012-11-23" in text
