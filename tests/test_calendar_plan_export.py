"""A plan's or a Director's deadlines and gate meetings export as .ics, read back by another library."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import ics

from tests.conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
PATHWAY = str(ROOT / "workflows" / "kcc" / "2013-14.yaml")
CALENDAR = str(ROOT / "calendars" / "data" / "kcc" / "2012-13.yaml")


def _setup(cli_db: Cli) -> None:
    cli_db("init", "--simulation", check=0)  # it replays 2012: a clock far from the real one
    cli_db("calendar", "import", CALENDAR, check=0)
    cli_db("pathway", "publish", PATHWAY, check=0)
    for email, role in (("dana@k.example", "director"), ("sam@k.example", "director")):
        cli_db("actor", "add", email, "--name", email[:4], "--role", role, check=0)
    for subject, owner in (("Finance", "dana@k.example"), ("Law", "sam@k.example")):
        cli_db(
            "plan",
            "start",
            "kcc_2013_14",
            "--subject",
            subject,
            "--owner",
            owner,
            "--now",
            "2012-10-15T09:00",
            check=0,
        )


def test_plan_export_has_its_deadlines_and_gate_meeting(cli_db: Cli, tmp_path: Path) -> None:
    _setup(cli_db)
    out = tmp_path / "plan1.ics"
    cli_db("calendar", "export", "--plan", "1", "-o", str(out), check=0)
    calendar = ics.Calendar(out.read_text())
    deadlines = {e.name: e for e in calendar.events if e.name.startswith("Due:")}
    meetings = [e for e in calendar.events if not e.name.startswith("Due:")]
    assert {e.begin.date() for e in deadlines.values()} == {
        dt.date(2012, 11, 2),  # papers to the policy team, 10 working days before P&R CC
        dt.date(2012, 11, 8),  # agenda publication, five clear working days before
    }
    assert all("plan 1" in name for name in deadlines)
    # the same UID as the deadline's e-mail attachment (uid_for("deadline", row id))
    assert all(re.fullmatch(r"deadline-\d+@govpath", e.uid) for e in deadlines.values())
    (meeting,) = meetings
    local = meeting.begin.to("Europe/London")
    assert (local.date(), local.strftime("%H:%M")) == (dt.date(2012, 11, 16), "10:00")

    again = tmp_path / "again.ics"
    cli_db("calendar", "export", "--plan", "1", "-o", str(again), check=0)
    uids = {e.uid for e in calendar.events}
    assert uids == {e.uid for e in ics.Calendar(again.read_text()).events}, "stable UIDs"


def test_owner_export_has_only_their_plans(cli_db: Cli) -> None:
    _setup(cli_db)
    text = cli_db("calendar", "export", "--owner", "sam@k.example", check=0).stdout
    names = [e.name for e in ics.Calendar(text).events if e.name.startswith("Due:")]
    assert names and all("Law" in n for n in names)


def test_export_needs_exactly_one_of_plan_or_owner(cli_db: Cli) -> None:
    proc = cli_db("calendar", "export", check=1)
    assert "--plan" in proc.stderr and "--owner" in proc.stderr
    proc = cli_db("calendar", "export", "--plan", "99", check=1)
    assert "no plan 99" in proc.stderr
