"""Auditors in a real Chromium against `govpath serve` on the demo year: sign in by an e-mailed link,
filter the trail, download its CSV, open a decision, verify; a Director is refused; a token made on
the web reads the API and, read-only, cannot advance. axe-core checks every page visited."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Cli
from tests.demo_support import AUDITOR, DIRECTOR, demo_copy
from tests.scheduler_support import SmtpServer, free_port
from tests.web_browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    check_accessibility,
    need_browser,
)


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path):
    need_browser()
    url = demo_copy(tmp_path_factory.getbasetemp(), tmp_path / "db")
    smtp = SmtpServer().start()
    env = {"GOVPATH_SMTP_HOST": "127.0.0.1", "GOVPATH_SMTP_PORT": str(smtp.port),
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}  # fmt: skip
    server = Server(url, free_port(), env)
    try:
        yield {"url": url, "smtp": smtp, "server": server, "tmp": tmp_path}
    finally:
        server.stop()
        smtp.stop()


def sign_in(page: Any, site: dict, email: str, target: str) -> Any:
    """Open TARGET signed out, ask for a link, follow the one that arrives by e-mail."""
    base = site["server"].url
    page.goto(base + target)
    assert "/sign-in" in page.url
    check_accessibility(page)
    before = len(site["smtp"].messages)
    page.fill("#email", email)
    page.get_by_role("button", name="Send me a sign-in link").click()
    page.wait_for_load_state()
    deadline = time.monotonic() + 10
    while len(site["smtp"].messages) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    mail = site["smtp"].messages[-1]
    assert mail["To"] == email
    link = re.search(r"https?://\S+", mail.get_body(("plain",)).get_content()).group(0)
    return page.goto(link)


def test_an_auditor_filters_downloads_opens_a_decision_and_verifies(site: dict) -> None:
    from playwright.sync_api import sync_playwright

    base = site["server"].url
    cli = Cli(site["tmp"], db=site["url"])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        ctx = browser.new_context(  # bypass_csp: axe-core is injected by the test, not the site
            viewport={"width": 1280, "height": 900}, accept_downloads=True, bypass_csp=True
        )
        page = ctx.new_page()
        sign_in(page, site, AUDITOR, "/audit")
        assert page.url == base + "/audit"
        check_accessibility(page)

        page.fill("#plan", "3")
        page.click("#apply")
        page.wait_for_url(re.compile(r"/audit\?.*plan=3"))
        check_accessibility(page)
        plans = page.locator("#trail tbody tr td:nth-child(3)").all_inner_texts()
        assert plans and set(plans) == {"3"}
        assert page.locator("#trail tbody tr").first.inner_text().count("Priya Quinlan") == 1
        with page.expect_download() as got:
            page.click("#download-csv")
        downloaded = Path(got.value.path()).read_text(encoding="utf-8")
        expected = cli("audit", "query", "--plan", "3", "--format", "csv", check=0).stdout
        assert downloaded == expected
        assert len(list(csv.DictReader(io.StringIO(downloaded)))) > 5

        page.goto(base + "/decisions")
        check_accessibility(page)
        assert page.locator("#decisions tbody tr").count() == 6
        marked = page.locator('#decisions tbody tr[data-route="general exception"]')
        assert marked.count() == 1 and "Short notice" in marked.inner_text()
        marked.locator("a").first.click()
        page.wait_for_url(re.compile(r"/decisions/\d+$"))
        check_accessibility(page)
        record = page.locator("#record").inner_text()
        assert "general exception" in record and "Call-in period ends" in record
        page.emulate_media(media="print")  # the record prints without the site's navigation
        assert not page.locator(".govuk-service-navigation").is_visible()
        pdf = page.pdf(format="A4")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pdf.startswith(b"%PDF") and 1 <= pages <= 2, pages  # one record, one or two A4s
        page.emulate_media(media="screen")

        page.goto(base + "/audit")
        page.click("#verify")
        page.wait_for_url(base + "/audit/verify")
        check_accessibility(page)
        assert "The trail verifies" in page.locator("#verify-result").inner_text()
        trail = cli("audit", "query", "--kind", "audit_verified", "--format", "json", check=0)
        assert AUDITOR in trail.stdout and '"channel": "web"' in trail.stdout

        page.goto(base + "/reports/year?pathway=kcc_2013_14")
        check_accessibility(page)
        assert page.locator("#year-timeline").is_visible()
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 1280, f"the year report scrolls sideways at 1280 px ({wide} px wide)"
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 1047, "height": 740})  # A4 landscape less 10 mm margins
        assert page.evaluate("document.documentElement.scrollWidth") <= 1047
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 900})

        page.goto(base + "/tokens")
        check_accessibility(page)
        page.fill("#name", "Power BI")
        page.check("#scope")  # read only
        page.click("#create-token")
        check_accessibility(page)
        token = page.locator("#new-token").inner_text().strip()
        assert token.startswith("gpat_")

        page.goto(base + "/api/v1/docs")
        check_accessibility(page)
        browser.close()

    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
    plans = api.get("/api/v1/plans")
    listed = json.loads(cli("plan", "list", "--json", check=0).stdout)
    assert plans.status_code == 200 and len(plans.json()) == len(listed) >= 6
    refused = api.post("/api/v1/plans/1/advance", json={"trigger": "publish"})
    assert refused.status_code == 403 and "can only read" in refused.json()["error"]


def test_a_director_is_refused_the_trail_and_it_is_recorded(site: dict) -> None:
    from playwright.sync_api import sync_playwright

    cli = Cli(site["tmp"], db=site["url"])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(bypass_csp=True)
        response = sign_in(page, site, DIRECTOR, "/audit")
        assert response.status == 403 and page.url.endswith("/audit")
        assert "You cannot open this page" in page.content()
        check_accessibility(page)
        for path in ("/audit.csv", "/decisions", "/reports/year"):
            assert page.goto(site["server"].url + path).status == 403
        browser.close()
    refusals = cli("audit", "query", "--kind", "access_refused", "--format", "csv", check=0)
    rows = list(csv.DictReader(io.StringIO(refusals.stdout)))
    assert [(r["actor"], r["note"]) for r in rows] == [
        (DIRECTOR, "/audit"),
        (DIRECTOR, "/audit.csv"),
        (DIRECTOR, "/decisions"),
        (DIRECTOR, "/reports/year"),
    ]
