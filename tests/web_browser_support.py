"""Browser test support: the real server in a subprocess, Debian's Chromium, and axe-core checks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

EMPTY_CONFIG = str(Path(__file__).parent / "data" / "empty.toml")  # no settings file


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def need_browser() -> None:
    """Skip without Chromium, Playwright or axe-core; under CI, fail instead."""
    problem = None
    if not CHROMIUM.exists():
        problem = (
            "Chromium is not installed at /usr/bin/chromium; install Debian's package with "
            "`apt-get install -y chromium` (the web pages are checked in a real browser)"
        )
    else:
        try:
            import playwright.sync_api  # noqa: F401

            axe_script()
        except ImportError:
            problem = (
                "playwright or axe-playwright-python is missing; install the test extra "
                "(pip install -e '.[test]')"
            )
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


def axe_script() -> Path:
    """axe-core's axe.min.js, as shipped inside the axe-playwright-python package."""
    import importlib.util

    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or spec.origin is None:
        raise ImportError("axe-playwright-python is not installed")
    return Path(spec.origin).parent / "axe.min.js"


_AXE: list[str] = []


def _axe_source() -> str:
    if not _AXE:
        _AXE.append(axe_script().read_text(encoding="utf-8"))
    return _AXE[0]


def check_accessibility(page: Any) -> None:
    """Run axe-core on the page; fail on any WCAG 2.0/2.1/2.2 A or AA violation.

    axe needs the page's JavaScript (its timers), so a page opened with JavaScript off is
    checked when the same page is visited with it on.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source() + "\n;true")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
    ]
    assert not problems, f"axe-core found WCAG problems on {page.url}:\n" + "\n".join(problems)


class Server:
    """``govpath serve`` in a subprocess on a free loopback port."""

    def __init__(
        self, db_url: str, port: int, env: dict[str, str], extra: tuple[str, ...] = ()
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        full = {**os.environ, **env, "GOVPATH_BASE_URL": self.url, "GOVPATH_CONFIG": EMPTY_CONFIG}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "govpath", "--db", db_url, "serve", "--port", str(port), *extra],
            env=full,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("govpath serve stopped: " + (self.proc.stdout.read() or ""))
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("govpath serve did not answer /healthz within 30 seconds")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
