"""The auditors' pages and the API through the real app in process, on the demo year."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from govpath.runtime.api import start_plan
from govpath.store.db import open_db, utcnow
from govpath.web.app import create_app
from govpath.web.auth.links import issue_link
from tests.conftest import Cli
from tests.demo_support import AUDITOR, DIRECTOR, demo_copy
from tests.web_support import csrf_of, web_settings

OTHER = "fiona.hollis@kent.example"  # another Director under the same Corporate Director


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> dict:
    url = demo_copy(tmp_path_factory.getbasetemp(), tmp_path / "db")
    settings = web_settings(url)
    return {"url": url, "settings": settings, "app": create_app(settings), "tmp": tmp_path}


def signed_in(site: dict, email: str, target: str = "/") -> TestClient:
    client = TestClient(site["app"])
    link = issue_link(open_db(site["url"]), site["settings"], email, utcnow())
    path = link.removeprefix(site["settings"].base_url)
    got = client.get(path + ("?next=" + target if target != "/" else ""), follow_redirects=False)
    assert got.status_code == 303 and got.headers["location"] == target
    return client


def test_an_e_mailed_plan_link_goes_through_sign_in_to_the_plan(site: dict) -> None:
    client = TestClient(site["app"])
    for path in ("/plans/2", "/audit", "/decisions"):
        got = client.get(path, follow_redirects=False)
        assert got.status_code == 303
        assert got.headers["location"] == "/sign-in?next=" + path.replace("/", "%2F")


def test_downloads_match_the_cli_and_the_page_is_paged(site: dict) -> None:
    web = signed_in(site, AUDITOR, "/audit")
    cli = Cli(site["tmp"], db=site["url"])
    for params, args in [
        ("plan=2", ["--plan", "2"]),
        ("decisions=1", ["--decisions"]),
        ("kind=refusal&kind=plan_started", ["--kind", "refusal", "--kind", "plan_started"]),
        ("missed=1&today=2013-06-01", ["--missed", "--today", "2013-06-01"]),
    ]:
        for fmt in ("csv", "json"):
            got = web.get(f"/audit.{fmt}?{params}")
            assert got.status_code == 200
            assert got.text == cli("audit", "query", *args, "--format", fmt, check=0).stdout
    page = web.get("/audit").text
    assert page.count('<tr class="govuk-table__row" data-seq=') == 50
    nxt = re.search(r'href="(/audit\?[^"]*offset=50[^"]*)"', page)
    assert nxt, "a link to the next page"
    second = web.get(nxt.group(1).replace("&amp;", "&")).text
    assert 'data-seq="51"' in second and 'data-seq="50"' not in second
    register = list(csv.DictReader(io.StringIO(web.get("/decisions.csv").text)))
    assert len(register) == 6
    assert [r["plan"] for r in register if r["route"] == "general exception"] == ["1"]
    assert web.get("/decisions.csv?since=soon").status_code == 400
    assert '<option value="refusal">refusal</option>' in page  # the kinds to filter by
    record = web.get(f"/decisions/{next(r for r in register if r['plan'] == '1')['event']}").text
    assert "Flag" in record and "23 clear days" in record and "general exception: notice" in record
    bad = web.get("/audit.csv?plan=two")
    assert bad.status_code == 400 and bad.text == "plan must be a whole number (not 'two').\n"


def test_a_token_made_on_the_web_is_shown_once_and_can_be_revoked(site: dict) -> None:
    web = signed_in(site, AUDITOR, "/tokens")
    form = web.get("/tokens").text
    made = web.post("/tokens", data={"csrf_token": csrf_of(form), "name": "ModernGov",
                                     "scope": "act", "days": "30"})  # fmt: skip
    assert made.status_code == 200
    token = re.search(r'id="new-token"[^>]*>(gpat_[^<]+)<', made.text).group(1)
    assert token not in web.get("/tokens").text  # shown once
    api = TestClient(site["app"])
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=bearer).json()["scope"] == "act"
    token_id = re.search(r'data-token="(\d+)"', made.text).group(1)
    page = web.get("/tokens").text
    gone = web.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(page)})
    assert gone.status_code == 200 and "is revoked" in gone.text
    assert api.get("/api/v1/me", headers=bearer).status_code == 401
    bad = web.post("/tokens", data={"csrf_token": csrf_of(page), "name": "", "scope": "read",
                                    "days": "30"})  # fmt: skip
    assert bad.status_code == 400 and "give the token a name" in bad.text
    assert web.post("/tokens", data={"name": "x", "scope": "read"}).status_code == 403  # no CSRF


def test_the_session_calls_the_api_and_acts_only_with_its_csrf_header(site: dict) -> None:
    engine = open_db(site["url"])
    plan = start_plan(engine, "kcc_2013_14", "Session plan", DIRECTOR)["id"]
    web = signed_in(site, DIRECTOR, f"/plans/{plan}")
    assert plan in {p["id"] for p in web.get("/api/v1/plans").json()}
    body = {"trigger": "submit_headlines", "fields": {"headline_priorities": "h.pdf"}}
    without = web.post(f"/api/v1/plans/{plan}/advance", json=body)
    assert without.status_code == 403 and "X-CSRF-Token" in without.json()["error"]
    token = csrf_of(web.get(f"/plans/{plan}").text)
    done = web.post(f"/api/v1/plans/{plan}/advance", json=body, headers={"X-CSRF-Token": token})
    assert done.status_code == 200, done.text
    assert web.get("/api/v1/trail").status_code == 403  # a Director does not read the trail
    other = signed_in(site, OTHER)
    assert plan not in {p["id"] for p in other.get("/api/v1/plans").json()}
    assert other.get(f"/api/v1/plans/{plan}").status_code == 404
    assert signed_in(site, AUDITOR).get(f"/api/v1/plans/{plan}").status_code == 200


def test_the_api_docs_page_lists_every_route(site: dict) -> None:
    page = TestClient(site["app"]).get("/api/v1/docs")
    assert page.status_code == 200
    for route in ("GET /api/v1/plans", "POST /api/v1/plans/{plan_id}/advance",
                  "GET /api/v1/trail", "POST /api/v1/verify", "GET /api/v1/meetings"):  # fmt: skip
        assert route in page.text
    from openapi_spec_validator import validate

    validate(TestClient(site["app"]).get("/api/v1/openapi.json").json())


def test_the_year_report_page_has_the_same_content_as_the_cli(site: dict) -> None:
    web = signed_in(site, AUDITOR, "/reports/year")
    page = web.get("/reports/year?pathway=kcc_2013_14").text
    shown = page.split('<div class="govpath-year" id="year-report">', 1)[1].split("</footer>")[0]
    cli = Cli(site["tmp"], db=site["url"])("report", "year", "kcc_2013_14", check=0).stdout
    body = cli.split("<body>\n", 1)[1].split("</footer>", 1)[0]

    def same(html: str) -> str:  # the minute it was made may differ
        return re.sub(r"Generated by govpath on [0-9: -]+", "Generated", html).strip()

    assert same(shown) == same(body)
    assert "Cabinet approves" in shown and "year-timeline" in shown
