"""The web interface's sign-in and safety rules, through the real app (in process, real database)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from govpath.runtime.api import plan_status
from govpath.web.app import create_app
from govpath.web.auth.links import issue_link
from tests.web_support import (
    DIRECTOR,
    OTHER_DIRECTOR,
    POLICY,
    Clock,
    csrf_of,
    seed_council,
    trail_count,
    web_settings,
)


@pytest.fixture
def site(db_url: str):
    seeded = seed_council(db_url)
    clock = Clock()
    settings = web_settings(db_url)
    app = create_app(settings, clock=clock)
    return {**seeded, "app": app, "clock": clock, "settings": settings}


def link_path(site, email: str) -> str:
    url = issue_link(site["engine"], site["settings"], email, site["clock"]())
    return url.removeprefix(site["settings"].base_url)


def signed_in(site, email: str) -> TestClient:
    client = TestClient(site["app"])
    response = client.get(link_path(site, email), follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def test_healthz_answers_without_sign_in(site):
    response = TestClient(site["app"]).get("/healthz")
    assert response.status_code == 200 and response.text == "ok\n"


def test_signed_out_visitor_lands_on_sign_in_and_sees_no_plan(site):
    client = TestClient(site["app"])
    for path in ("/", f"/plans/{site['mine']}", "/dashboard", "/calendar", "/people"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/sign-in"), path
    page = client.get("/")
    assert page.url.path == "/sign-in"
    assert "Finance and Procurement" not in page.text
    assert 'name="email"' in page.text


def test_link_signs_in_once_and_the_session_cookie_is_safe(site):
    client = TestClient(site["app"])
    path = link_path(site, DIRECTOR)
    response = client.get(path, follow_redirects=False)
    cookie = next(h for h in response.headers.get_list("set-cookie") if "govpath_session=" in h)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "Finance and Procurement" in client.get("/").text
    again = TestClient(site["app"]).get(path)
    assert again.status_code == 400 and "already been used" in again.text


def test_cookies_are_secure_when_the_site_is_https(site, db_url):
    app = create_app(web_settings(db_url, base_url="https://plans.kent.example"))
    url = issue_link(site["engine"], site["settings"], DIRECTOR, site["clock"]())
    response = TestClient(app).get(
        url.removeprefix(site["settings"].base_url), follow_redirects=False
    )
    cookie = next(h for h in response.headers.get_list("set-cookie") if "govpath_session=" in h)
    assert "Secure" in cookie


def test_expired_link_is_refused(site):
    path = link_path(site, DIRECTOR)
    site["clock"].forward(minutes=15, seconds=1)
    response = TestClient(site["app"]).get(path, follow_redirects=False)
    assert response.status_code == 400 and "expired" in response.text
    assert "govpath_session=" not in " ".join(response.headers.get_list("set-cookie"))


def test_unknown_link_is_refused(site):
    response = TestClient(site["app"]).get("/sign-in/link/not-a-real-token")
    assert response.status_code == 400 and "not valid" in response.text


def test_only_the_hash_of_a_link_is_stored(site):
    from sqlalchemy import select

    from govpath.store.tables import web_signin_links

    path = link_path(site, DIRECTOR)
    token = path.rsplit("/", 1)[1]
    with site["engine"].connect() as conn:
        stored = conn.execute(select(web_signin_links.c.token_hash)).scalars().all()
    assert token not in stored and all(len(h) == 64 for h in stored)


def issued_session(response) -> str:
    found = re.search(r"govpath_session=([^;]+)", " ".join(response.headers.get_list("set-cookie")))
    assert found, "no session cookie was issued"
    return found.group(1)


def test_session_fixation_is_not_possible(site):
    client = TestClient(site["app"])
    client.get("/sign-in")
    planted = "attacker-chosen-session-id"
    client.cookies.set("govpath_session", planted, domain="testserver.local")
    first = issued_session(client.get(link_path(site, DIRECTOR), follow_redirects=False))
    assert planted not in first
    # a second sign-in in the same browser gets a new id, and the old one stops working
    second = issued_session(client.get(link_path(site, DIRECTOR), follow_redirects=False))
    assert first != second
    stale = TestClient(site["app"])
    stale.cookies.set("govpath_session", first, domain="testserver.local")
    assert stale.get("/", follow_redirects=False).status_code == 303
    fresh = TestClient(site["app"])
    fresh.cookies.set("govpath_session", second, domain="testserver.local")
    assert fresh.get("/", follow_redirects=False).status_code == 200


def test_session_ends_after_inactivity_and_at_sign_out(site):
    client = signed_in(site, DIRECTOR)
    assert client.get("/", follow_redirects=False).status_code == 200
    site["clock"].forward(minutes=site["settings"].session_idle_minutes + 1)
    assert client.get("/", follow_redirects=False).status_code == 303
    client = signed_in(site, DIRECTOR)
    token = csrf_of(client.get("/").text)
    cookie = client.cookies.get("govpath_session")
    response = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    replay = TestClient(site["app"])
    replay.cookies.set("govpath_session", cookie, domain="testserver.local")
    assert replay.get("/", follow_redirects=False).status_code == 303


def test_post_without_csrf_token_changes_nothing(site):
    client = signed_in(site, DIRECTOR)
    plan = site["mine"]
    page = client.get(f"/plans/{plan}").text
    assert 'data-trigger="submit_headlines"' in page
    before, events = plan_status(site["engine"], plan), trail_count(site["engine"])
    data = {"headline_priorities": "https://docs.kent.example/finance/headlines.docx"}
    for sent in (data, {**data, "csrf_token": "forged"}):
        response = client.post(f"/plans/{plan}/advance/submit_headlines", data=sent)
        assert response.status_code == 403
    assert plan_status(site["engine"], plan)["state"] == before["state"]
    assert trail_count(site["engine"]) == events
    # and sign-out without the token does not sign out
    assert client.post("/sign-out", follow_redirects=False).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200


def test_director_submits_a_stage_as_themselves(site):
    client = signed_in(site, DIRECTOR)
    plan = site["mine"]
    token = csrf_of(client.get(f"/plans/{plan}").text)
    response = client.post(
        f"/plans/{plan}/advance/submit_headlines",
        data={"csrf_token": token, "headline_priorities": "https://docs.kent.example/h.docx"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    status = plan_status(site["engine"], plan)
    assert status["state"] == "headlines_submitted"
    assert status["history"][-1]["actor"] == DIRECTOR
    assert status["fields"]["headline_priorities"] == "https://docs.kent.example/h.docx"
    page = client.get(f"/plans/{plan}?done=submit_headlines").text
    assert '<a class="govuk-link" href="https://docs.kent.example/h.docx">' in page
    assert "Done: Submit headlines" in page


def test_refusal_is_shown_in_the_error_summary_and_nothing_moves(site):
    client = signed_in(site, DIRECTOR)
    plan = site["mine"]
    token = csrf_of(client.get(f"/plans/{plan}").text)
    response = client.post(f"/plans/{plan}/advance/submit_headlines", data={"csrf_token": token})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text
    assert "missing required content: headline_priorities" in response.text
    assert plan_status(site["engine"], plan)["state"] == "headline_priorities"


def test_director_cannot_see_or_act_on_another_directors_plan(site):
    client = signed_in(site, DIRECTOR)
    theirs = site["theirs"]
    assert "Human Resources" not in client.get("/").text
    page = client.get(f"/plans/{theirs}")
    assert page.status_code == 404 and "data-trigger" not in page.text
    token = csrf_of(client.get("/").text)
    events = trail_count(site["engine"])
    response = client.post(
        f"/plans/{theirs}/advance/submit_headlines",
        data={"csrf_token": token, "headline_priorities": "https://x.example/h.docx"},
    )
    assert response.status_code == 404
    assert plan_status(site["engine"], theirs)["state"] == "headline_priorities"
    assert trail_count(site["engine"]) == events


def test_policy_officer_sees_the_plan_but_gets_no_directors_form(site):
    client = signed_in(site, POLICY)
    page = client.get(f"/plans/{site['mine']}")
    assert page.status_code == 200
    assert 'data-trigger="submit_headlines"' not in page.text


def test_corporate_director_acts_for_their_directors(site):
    from tests.web_support import CORPORATE

    client = signed_in(site, CORPORATE)
    tasks = client.get("/").text
    assert "Finance and Procurement" in tasks and "Human Resources" in tasks
    assert 'data-trigger="submit_headlines"' in client.get(f"/plans/{site['theirs']}").text


def test_sign_in_requests_are_rate_limited_per_address(site):
    client = TestClient(site["app"])
    token = csrf_of(client.get("/sign-in").text)
    codes = [
        client.post("/sign-in", data={"csrf_token": token, "email": OTHER_DIRECTOR}).status_code
        for _ in range(site["settings"].link_limit_per_address + 1)
    ]
    assert codes[:-1] == [200] * site["settings"].link_limit_per_address
    assert codes[-1] == 429


def test_sign_in_request_without_csrf_sends_nothing(site, tmp_path):
    client = TestClient(site["app"])
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": DIRECTOR})
    assert response.status_code == 403


def test_unknown_address_gets_the_same_answer_and_no_link(site):
    from sqlalchemy import func, select

    from govpath.store.tables import web_signin_links

    client = TestClient(site["app"])
    token = csrf_of(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"csrf_token": token, "email": "nobody@kent.example"})
    assert response.status_code == 200 and "Check your e-mail" in response.text
    with site["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(web_signin_links)).scalar_one() == 0


def test_next_never_leaves_the_site(site):
    client = TestClient(site["app"])
    url = link_path(site, DIRECTOR) + "?next=//evil.example/"
    response = client.get(url, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_sign_in_requests_are_rate_limited_per_client(site, db_url):
    app = create_app(web_settings(db_url, link_limit_per_client=3), clock=site["clock"])
    client = TestClient(app)
    token = csrf_of(client.get("/sign-in").text)
    codes = [
        client.post(
            "/sign-in", data={"csrf_token": token, "email": f"p{i}@kent.example"}
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
