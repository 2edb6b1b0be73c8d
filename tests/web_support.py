"""Web test support: a seeded council (calendar, pathway, people, plans) and signed-in clients."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from govpath.runtime.api import add_actor, publish_pathway, start_plan
from govpath.store.db import open_db

ROOT = Path(__file__).resolve().parent.parent
PATHWAY = ROOT / "workflows" / "kcc" / "2013-14.yaml"
CALENDAR = ROOT / "calendars" / "data" / "kcc" / "2012-13.yaml"
START = dt.datetime(2012, 10, 15, 9, 0, tzinfo=dt.UTC)

DIRECTOR = "dana.finch@kent.example"
OTHER_DIRECTOR = "omar.reed@kent.example"
CORPORATE = "casey.cole@kent.example"
POLICY = "pat.policy@kent.example"
AUDITOR = "alex.audit@kent.example"


class Clock:
    """A settable clock for the app (sign-in links and sessions expire by it)."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def forward(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def seed_council(db_url: str) -> dict[str, Any]:
    """The 2012/13 calendar, the 2013/14 pathway, five people, and two Directors' plans."""
    from govpath.calendars.sources import read_calendars
    from govpath.store.meetings import upsert_meetings

    engine = open_db(db_url)
    with engine.begin() as conn:
        upsert_meetings(conn, [m for f in read_calendars([CALENDAR]) for m in f.meetings])
    publish_pathway(engine, PATHWAY, now=START)
    add_actor(engine, CORPORATE, "Casey Cole", ["corporate_director"], now=START)
    add_actor(engine, DIRECTOR, "Dana Finch", ["director"], reports_to=CORPORATE, now=START)
    add_actor(engine, OTHER_DIRECTOR, "Omar Reed", ["director"], reports_to=CORPORATE, now=START)
    add_actor(engine, POLICY, "Pat Policy", ["policy_team"], now=START)
    mine = start_plan(engine, "kcc_2013_14", "Finance and Procurement", DIRECTOR, now=START)
    theirs = start_plan(engine, "kcc_2013_14", "Human Resources", OTHER_DIRECTOR, now=START)
    return {"engine": engine, "mine": mine["id"], "theirs": theirs["id"]}


def web_settings(db_url: str, **changes: Any):
    from govpath.web.settings import load_web_settings

    settings = load_web_settings(env={}, path="/nonexistent/govpath.toml")
    return settings.with_(core=settings.core.with_(db_url=db_url), **changes)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def trail_count(engine) -> int:
    from sqlalchemy import func, select

    from govpath.store.tables import audit_events

    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(audit_events)).scalar_one()
