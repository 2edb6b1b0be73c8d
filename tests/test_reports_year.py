"""The year report: Markdown on both backends, and the HTML loaded in a real headless Chromium.

The browser is Debian's ``chromium`` (/usr/bin/chromium) driven by Playwright, never a downloaded
one. Without it the browser test skips, or fails under CI (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.test_audit_cli import build_2018

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def _need_chromium() -> None:
    problem = None
    if not CHROMIUM.exists():
        problem = (
            "Chromium is not installed at /usr/bin/chromium; install Debian's package with "
            "`apt-get install -y chromium` (the HTML year report is checked in a real browser)"
        )
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = (
                "the playwright package is missing; install the test extra (pip install playwright)"
            )
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


def test_year_report_markdown_tells_the_year(db_url: str, tmp_path: Path) -> None:
    cli = Cli(tmp_path, db=db_url)
    build_2018(db_url, cli)
    md = cli(
        "report", "year", "trail_test", "--format", "markdown", "--today", "2018-10-01", check=0
    ).stdout
    assert md.startswith("# Strategic Delivery Plan pathway (trail test)")
    # plans 2 · met · met late · missed · open · decisions · flagged
    assert re.search(r"^\| 2 \| \d+ \| [1-9]\d* \| \d+ \| 0 \| 4 \| 1 \|$", md, re.M), md
    assert (
        "Past Pathway of Paper: CMT (22.05.18), CMM (18.06.18), P&R CC (10.07.18), "
        "Cabinet Key Decision (17.09.18)"
    ) in md
    assert "**met late (11 days, 7 working days late), met 2018-06-19**" in md
    assert "FLAG: taken without the special urgency route that short notice needs" in md
    assert "| Cabinet (Cabinet) | 25.06.18, ◆ 17.09.18 |" in md
    out = tmp_path / "year.md"
    cli(
        "report",
        "year",
        "trail_test",
        "--format",
        "markdown",
        "--today",
        "2018-10-01",
        "-o",
        str(out),
        check=0,
    )
    assert out.read_text(encoding="utf-8") == md
    bad = cli("report", "year", "no_such_pathway", check=1)
    assert "no published pathway 'no_such_pathway'" in bad.stderr


def test_year_report_html_loads_in_chromium_and_shows_the_timeline(
    sqlite_url: str, tmp_path: Path
) -> None:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    cli = Cli(tmp_path, db=sqlite_url)
    build_2018(sqlite_url, cli)
    html_path = tmp_path / "year.html"
    cli("report", "year", "trail_test", "--today", "2018-08-01", "-o", str(html_path), check=0)
    html = html_path.read_text(encoding="utf-8")
    # Self-contained: no scripts, stylesheets, images or fonts from anywhere else.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(html_path.as_uri())
            page.wait_for_load_state("load")
            chart = page.locator("#year-timeline")
            assert chart.is_visible()
            box = chart.bounding_box()
            assert box is not None and box["width"] > 600 and box["height"] > 100, box
            assert page.locator("#year-timeline g.plan").count() == 2
            bars = page.locator("#year-timeline g.plan rect[fill-opacity]")
            assert bars.count() >= 6  # each plan's stages as coloured bars
            first_bar = bars.first.bounding_box()
            assert first_bar is not None and first_bar["width"] > 0 and first_bar["height"] > 0
            assert page.locator("#year-timeline g.missed").count() >= 1
            months = page.locator("#year-timeline text.month").all_text_contents()
            assert months[:5] == ["May 18", "Jun 18", "Jul 18", "Aug 18", "Sep 18"]
            assert "Past Pathway of Paper: CMT (22.05.18)" in page.inner_text("body")
            if os.environ.get("GOVPATH_SCREENSHOT"):
                page.screenshot(path=os.environ["GOVPATH_SCREENSHOT"], full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith("file:")] == []
