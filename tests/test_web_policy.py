"""The policy team's pages through the real app: dashboard, calendar and moving a meeting, people."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from govpath.runtime.api import plan_status
from govpath.web.app import create_app
from govpath.web.auth.links import issue_link
from tests.web_support import (
    DIRECTOR,
    POLICY,
    START,
    Clock,
    csrf_of,
    seed_council,
    web_settings,
)


@pytest.fixture
def site(db_url: str):
    seeded = seed_council(db_url)
    clock = Clock(START)  # the replayed year: 15 October 2012
    settings = web_settings(db_url)
    return {
        **seeded,
        "app": create_app(settings, clock=clock),
        "clock": clock,
        "settings": settings,
    }


def signed_in(site, email: str) -> TestClient:
    client = TestClient(site["app"])
    url = issue_link(site["engine"], site["settings"], email, site["clock"]())
    assert client.get(url.removeprefix(site["settings"].base_url)).status_code == 200
    return client


def test_a_director_cannot_open_the_policy_pages(site):
    client = signed_in(site, DIRECTOR)
    for path in ("/dashboard", "/calendar", "/people", "/people/add"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "for the policy team" in response.text


def test_dashboard_lists_every_plan_with_rag_and_filters(site):
    client = signed_in(site, POLICY)
    page = client.get("/dashboard").text
    assert "Finance and Procurement" in page and "Human Resources" in page
    assert "2 plans." in page
    assert f'<a class="govuk-link" href="/plans/{site["mine"]}">Finance and Procurement</a>' in page
    only = client.get("/dashboard", params={"owner": DIRECTOR}).text
    assert "Finance and Procurement" in only and "Human Resources" not in only
    # people by name: the owner column, and the filter's choices (their e-mail as the value)
    assert '<td class="govuk-table__cell">Dana Finch</td>' in only
    assert f'<option value="{DIRECTOR}" selected>Dana Finch ({DIRECTOR})</option>' in only
    plan = client.get(f"/plans/{site['mine']}").text
    assert f"Dana Finch ({DIRECTOR})" in plan
    # a deadline's stage by its title, as the summary names the plan's stage
    stage = "Headline priorities to the November 2012 Cabinet Committee cycle"
    assert f'<td class="govuk-table__cell">{stage}</td>' in plan
    # the headline priorities are due on 31 October: overdue once the clock passes it
    assert "Overdue" not in page
    site["clock"].forward(days=30)
    client = signed_in(site, POLICY)  # a month later: the old session has long ended
    late = client.get("/dashboard", params={"overdue": "1"}).text
    assert "Overdue" in late and "2 plans." in late


def test_moving_a_meeting_previews_then_moves(site):
    client = signed_in(site, POLICY)
    calendar = client.get("/calendar").text
    assert "/calendar/move?body=pr_cc&amp;date=2013-01-08" in calendar
    form = client.get("/calendar/move", params={"body": "pr_cc", "date": "2013-01-08"}).text
    token = csrf_of(form)
    before = {d["name"]: d["date"] for d in plan_status(site["engine"], site["mine"])["deadlines"]}
    check = client.post(
        "/calendar/move/check",
        data={"csrf_token": token, "body": "pr_cc", "date": "2013-01-08", "new_date": "2013-01-15"},
    )
    assert check.status_code == 200 and "Check the move" in check.text
    # the preview changed nothing
    after_preview = {
        d["name"]: d["date"] for d in plan_status(site["engine"], site["mine"])["deadlines"]
    }
    assert after_preview == before
    done = client.post(
        "/calendar/move/confirm",
        data={"csrf_token": token, "body": "pr_cc", "date": "2013-01-08", "new_date": "2013-01-15"},
    )
    assert done.status_code == 200 and "Meeting moved" in done.text
    assert "15 January 2013" in client.get("/calendar").text


def test_a_bad_new_date_is_shown_in_the_error_summary(site):
    client = signed_in(site, POLICY)
    token = csrf_of(client.get("/calendar").text)
    response = client.post(
        "/calendar/move/check",
        data={"csrf_token": token, "body": "pr_cc", "date": "2013-01-08", "new_date": "soon"},
    )
    assert response.status_code == 400 and "govuk-error-summary" in response.text


def test_people_are_added_and_changed_with_who_did_it_in_the_trail(site):
    client = signed_in(site, POLICY)
    token = csrf_of(client.get("/people/add").text)
    response = client.post(
        "/people/save",
        data={
            "csrf_token": token,
            "email": "new.director@kent.example",
            "name": "Nia Newman",
            "roles": ["director"],
            "reports_to": "casey.cole@kent.example",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Nia Newman" in client.get("/people").text
    from sqlalchemy import select

    from govpath.store.tables import audit_events as ae

    with site["engine"].connect() as conn:
        last = conn.execute(
            select(ae.c.kind, ae.c.actor).order_by(ae.c.seq.desc()).limit(1)
        ).first()
    assert last.kind == "actor_added" and last.actor == POLICY
