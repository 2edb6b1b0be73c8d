"""The web interface as people use it, in Debian's Chromium: sign-in links that arrive over real
SMTP, a Director's submission, the policy team's dashboard and meeting move, a keyboard-only
journey, and pages that work with JavaScript off. axe-core checks every page visited."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from govpath.runtime.api import advance, plan_status
from tests.scheduler_support import SmtpServer, free_port
from tests.web_browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    check_accessibility,
    need_browser,
)
from tests.web_support import DIRECTOR, OTHER_DIRECTOR, POLICY, seed_council

LINK = re.compile(r"http://127\.0\.0\.1:\d+/sign-in/link/[A-Za-z0-9_\-]+")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    need_browser()
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("web")
    db_url = f"sqlite:///{folder / 'govpath.db'}"
    seeded = seed_council(db_url)
    smtp = SmtpServer().start()
    env = {
        "GOVPATH_SMTP_HOST": "127.0.0.1",
        "GOVPATH_SMTP_PORT": str(smtp.port),
        "GOVPATH_MAIL_FROM": "plans@kent.example",
        "GOVPATH_COUNCIL_NAME": "Kent County Council",
    }
    server = Server(db_url, free_port(), env)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield {**seeded, "server": server, "smtp": smtp, "browser": browser}
            finally:
                browser.close()
    finally:
        server.stop()
        smtp.stop()


def new_page(site, **options: Any):
    context = site["browser"].new_context(bypass_csp=True, **options)  # axe is injected inline
    return context.new_page()


def mailed_link(site, email: str, after: int) -> str:
    """The sign-in link in the newest message to EMAIL that arrived over SMTP."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for msg in site["smtp"].messages[after:]:
            if msg["To"] == email:
                found = LINK.search(msg.get_body(preferencelist=("plain",)).get_content())
                assert found, "the sign-in e-mail carries no link"
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no sign-in e-mail reached {email} over SMTP")


def sign_in_by_email(site, page, email: str, *, axe: bool = True) -> None:
    check = check_accessibility if axe else (lambda page: None)
    page.goto(site["server"].url + "/")
    assert "/sign-in" in page.url
    assert "Finance and Procurement" not in page.content()
    check(page)
    before = len(site["smtp"].messages)
    page.fill("#email", email)
    page.click("text=Send me a sign-in link")
    page.wait_for_selector("h1:has-text('Check your e-mail')")
    check(page)
    page.goto(mailed_link(site, email, before))
    page.wait_for_selector("h1:has-text('Your tasks')")
    check(page)


def test_director_signs_in_by_mailed_link_and_submits_a_stage(site):
    page = new_page(site)
    sign_in_by_email(site, page, DIRECTOR)
    assert "Kent County Council" in page.inner_text("header")
    page.click("text=Finance and Procurement")
    form = page.locator("form[data-trigger='submit_headlines']")
    check_accessibility(page)
    # refused first: the runtime's sentence in the error summary, nothing moved
    form.locator("button").click()
    page.wait_for_selector(".govuk-error-summary")
    assert "missing required content" in page.inner_text(".govuk-error-summary")
    check_accessibility(page)
    assert plan_status(site["engine"], site["mine"])["state"] == "headline_priorities"
    form = page.locator("form[data-trigger='submit_headlines']")
    assert form.locator("button").count() == 1
    form.locator("input[name='headline_priorities']").fill(
        "https://docs.kent.example/finance/headlines-2013.docx"
    )
    form.locator("button").click()
    page.wait_for_selector(".govuk-notification-banner--success")
    assert "Done" in page.inner_text(".govuk-notification-banner")
    check_accessibility(page)
    status = plan_status(site["engine"], site["mine"])
    assert status["state"] == "headlines_submitted"
    assert status["history"][-1]["actor"] == DIRECTOR
    # not their plan: no page, no form
    page.goto(site["server"].url + f"/plans/{site['theirs']}")
    assert "data-trigger" not in page.content()
    check_accessibility(page)
    page.context.close()


def test_policy_officer_sees_the_dashboard_change_and_moves_a_meeting(site):
    page = new_page(site)
    sign_in_by_email(site, page, POLICY)
    page.click("nav >> text=Dashboard")
    check_accessibility(page)
    row = page.locator("#plans tr", has_text="Human Resources")
    assert "Headline priorities" in row.inner_text()
    advance(
        site["engine"],
        site["theirs"],
        "submit_headlines",
        actor=OTHER_DIRECTOR,
        fields={"headline_priorities": "https://docs.kent.example/hr/headlines.docx"},
    )
    page.reload()
    row = page.locator("#plans tr", has_text="Human Resources")
    assert plan_status(site["engine"], site["theirs"])["stage_title"] in row.inner_text()
    page.click("nav >> text=Calendar")
    check_accessibility(page)
    page.click("a[href='/calendar/move?body=pr_cc&date=2012-11-16']")
    check_accessibility(page)
    page.fill("#new_date", "2012-11-23")
    page.click("text=Continue")
    page.wait_for_selector("h1:has-text('Check the move')")
    check_accessibility(page)
    page.click("text=Confirm and move the meeting")
    page.wait_for_selector(".govuk-panel")
    assert "23 November 2012" in page.inner_text(".govuk-panel")
    check_accessibility(page)
    page.context.close()


def _tab_to(page, test: str, limit: int = 60) -> None:
    """Press Tab until the focused element passes TEST (a JS predicate on it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {test})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {test}")


def test_a_director_works_with_the_keyboard_alone(site):
    from govpath.web.auth.links import issue_link
    from govpath.web.settings import load_web_settings

    settings = load_web_settings(env={"GOVPATH_BASE_URL": site["server"].url}, path="/nonexistent")
    from govpath.runtime.api import start_plan
    from govpath.store.db import utcnow
    from tests.web_support import START

    plan = start_plan(
        site["engine"],
        "kcc_2013_14",
        "Property and Infrastructure Support",
        OTHER_DIRECTOR,
        now=START,
    )["id"]
    page = new_page(site)
    page.goto(issue_link(site["engine"], settings, OTHER_DIRECTOR, utcnow()))
    page.wait_for_selector("h1:has-text('Your tasks')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    _tab_to(page, "el.textContent.includes('Property and Infrastructure')")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Property and Infrastructure')")
    check_accessibility(page)
    status = plan_status(site["engine"], plan)
    mine = [w for w in status["available"] if "director" in w["roles"]]
    assert mine, "the Director has a transition to fire"
    trigger = mine[0]["trigger"]
    needed = [r["name"] for r in mine[0]["requires"] if not r["set"]]
    for name in needed:
        _tab_to(page, f"el.name === '{name}'")
        page.keyboard.type("https://docs.kent.example/hr/draft.docx")
    _tab_to(page, f"el.id === 'submit-{trigger}'")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govuk-notification-banner--success")
    check_accessibility(page)
    assert plan_status(site["engine"], plan)["history"][-1]["trigger"] == trigger
    page.context.close()


def test_pages_work_with_javascript_off(site):
    page = new_page(site, java_script_enabled=False)
    sign_in_by_email(site, page, POLICY, axe=False)  # axe itself needs JavaScript
    page.goto(site["server"].url + "/dashboard?owner=" + DIRECTOR)
    assert page.locator("#plans").count() == 1
    page.click("nav >> text=People")
    assert page.locator("#people").count() == 1
    page.click("text=Sign out")
    page.wait_for_selector("text=You have signed out")
    page.goto(site["server"].url + "/dashboard")
    assert "/sign-in" in page.url
    page.context.close()
