"""The demo, served: the next year's first plan left open for a Director, and sign-in links.

After the simulated year every plan is live (closed), so a Director who signs in would have
nothing to do. The next seed year's pathway is published (its calendar imported) and one plan is
started for the first plan's Director, so `govpath serve` on the demo database shows a task with a
form. The links are one-time and work for 15 minutes (``govpath signin-link EMAIL`` makes more).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govpath.demo.run import Year

AUDIT_ROLES = ("auditor", "democratic_services")  # who reads the trail, where no auditor role is


def open_for_web(sim: Year) -> dict[str, Any]:
    """Start next year's first plan and issue sign-in links; ``{plan, people, links}``."""
    from govpath.calendars.sources import read_calendar
    from govpath.demo.run import YEARS, at, seed_files
    from govpath.runtime import api
    from govpath.store.meetings import upsert_meetings
    from govpath.web.auth.links import issue_link
    from govpath.web.settings import load_web_settings

    years = list(YEARS)
    later = years[years.index(sim.year) + 1] if sim.year in years[:-1] else None
    day = (sim.result.last_day or dt.date.today()) + dt.timedelta(days=1)
    start = at(day, 9)
    clerk = sim._someone("policy_team")
    director = next(iter(sim.cast.owners.values()), None) or sim.cast.people[0].email
    subject = next(iter(sim.cast.owners), sim.pathway.title)
    pathway_id = sim.pathway.id
    if later is not None:
        pathway_path, calendar_path = seed_files(later)
        with sim.engine.begin() as conn:
            upsert_meetings(conn, read_calendar(calendar_path), now=start)
        pathway_id = api.publish_pathway(sim.engine, pathway_path, actor=clerk, now=start)[
            "pathway"
        ]
    plan = api.start_plan(sim.engine, pathway_id, subject, director, actor=clerk, now=start)
    auditor = next(
        (p.email for role in AUDIT_ROLES for p in sim.cast.with_role(role)),
        sim.cast.people[-1].email,
    )
    people = {"director": director, "policy officer": clerk, "auditor": auditor}
    settings = load_web_settings()
    settings = settings.with_(core=settings.core.with_(db_url=sim.db_url))
    now = dt.datetime.now(dt.UTC)
    links = {who: issue_link(sim.engine, settings, email, now) for who, email in people.items()}
    return {"plan": plan["id"], "pathway": pathway_id, "people": people, "links": links}
