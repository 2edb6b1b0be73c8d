"""The acceptance check on the demo database: serve it, sign a Director in with `govpath
signin-link`, submit their open plan's form in Chromium, and read the result with the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.scheduler_support import free_port
from tests.web_browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EMPTY_CONFIG,
    Server,
    check_accessibility,
    need_browser,
)

ROOT = Path(__file__).resolve().parent.parent


def govpath(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "govpath", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), "GOVPATH_CONFIG": EMPTY_CONFIG, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_demo_database_is_served_and_a_director_acts_on_it(tmp_path: Path) -> None:
    need_browser()
    from playwright.sync_api import sync_playwright

    demo = govpath("demo", cwd=tmp_path, env={})
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.count("/sign-in/link/") == 3, "links for a Director, an officer, an auditor"
    db = f"sqlite:///{tmp_path / 'govpath-demo' / 'govpath.db'}"
    port = free_port()
    base = {"GOVPATH_BASE_URL": f"http://127.0.0.1:{port}"}
    plans = json.loads(govpath("--db", db, "plan", "list", "--json", cwd=tmp_path, env={}).stdout)
    open_plan = next(p for p in plans if not p["closed"])
    director = open_plan["owner"]
    other = next(p["owner"] for p in plans if p["owner"] != director)
    server = Server(db, port, {})
    try:
        with urllib.request.urlopen(server.url + "/healthz") as r:
            assert r.status == 200
        with urllib.request.urlopen(server.url + "/") as r:  # lands on sign-in, shows no plan
            page = r.read().decode()
            assert r.url.endswith("/sign-in") and open_plan["subject"] not in page
        link = govpath("--db", db, "signin-link", director, cwd=tmp_path, env=base)
        assert link.returncode == 0, link.stderr
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_context(bypass_csp=True).new_page()
            page.goto(link.stdout.strip())
            page.goto(f"{server.url}/plans/{open_plan['id']}")
            check_accessibility(page)
            form = page.locator("form[data-trigger]").first
            trigger = form.get_attribute("data-trigger")
            for box in form.locator("input:not([type=hidden])").all():
                box.fill("https://docs.kent.example/plan.docx")
            # the same POST without its CSRF token changes nothing
            token = form.locator("input[name=csrf_token]")
            token.evaluate("el => el.remove()")
            form.locator("button").click()
            assert "could not be sent" in page.content()
            status = govpath(
                "--db", db, "plan", "status", str(open_plan["id"]), "--json", cwd=tmp_path, env={}
            )
            assert json.loads(status.stdout)["state"] == open_plan["state"]
            page.goto(f"{server.url}/plans/{open_plan['id']}")
            form = page.locator(f"form[data-trigger='{trigger}']")
            for box in form.locator("input:not([type=hidden])").all():
                box.fill("https://docs.kent.example/plan.docx")
            form.locator("button").click()
            page.wait_for_selector(".govuk-notification-banner--success")
            check_accessibility(page)
            browser.close()
        status = json.loads(
            govpath(
                "--db", db, "plan", "status", str(open_plan["id"]), "--json", cwd=tmp_path, env={}
            ).stdout
        )
        assert status["state"] != open_plan["state"]
        assert status["history"][-1]["actor"] == director
        # another Director gets no form for it
        link = govpath("--db", db, "signin-link", other, cwd=tmp_path, env=base)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_context(bypass_csp=True).new_page()
            page.goto(link.stdout.strip())
            page.goto(f"{server.url}/plans/{open_plan['id']}")
            assert not re.search(r"data-trigger", page.content())
            browser.close()
    finally:
        server.stop()
