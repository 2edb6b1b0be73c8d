"""govpath demo: a whole year end to end, real mail with .ics attachments, the same summary twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _demo_json(out: Path, year: str = "2013-14") -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "govpath", "demo", "--year", year, "--out", str(out), "--json"],
        cwd=out.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def year_2013(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo") / "govpath-demo"
    return out, _demo_json(out)


def test_the_year_runs_to_publication(year_2013: tuple[Path, dict]) -> None:
    _out, summary = year_2013
    assert len(summary["plans"]) == 6
    assert {p["state"] for p in summary["plans"]} == {"live"}
    assert summary["joined"].startswith("publish for all 6 plans")
    assert summary["moved"] == "pr_cc 2013-01-08 -> 2013-01-15"
    late = summary["deadlines"].get("missed", 0) + summary["deadlines"].get("met late", 0)
    assert late > 0, "some people are late"
    assert summary["deadlines"]["met"] > late, "most are on time"
    routes = " ".join(summary["decisions"])
    assert "approve_general_exception" in routes and "approve_key_decision" in routes
    assert summary["messages"].get("escalation sent", 0) > 0
    assert summary["messages"].get("reminder sent", 0) > 0


def test_every_message_arrived_over_smtp_with_its_deadline_attached(
    year_2013: tuple[Path, dict],
) -> None:
    out, summary = year_2013
    files = sorted((out / "mail").glob("*.eml"))
    sent = sum(n for kind, n in summary["messages"].items() if kind.endswith(" sent"))
    assert len(files) == summary["mail_received"] == sent
    ids = set()
    import ics

    for path in files:
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        ids.add(msg["Message-ID"])
        body = msg.get_body(("plain",)).get_content()
        assert "2013/14" in body or "digest" in msg["Subject"].lower() or "week" in body
        assert "Kent County Council" in body or "week" in body  # the council, by name
        if "Reminder" in msg["Subject"]:
            (attachment,) = [
                p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"
            ]
            calendar = ics.Calendar(attachment.get_content())
            assert len(calendar.events) >= 1
    assert len(ids) == len(files), "no message was delivered twice"


def test_the_trail_verifies_and_the_report_is_written(year_2013: tuple[Path, dict]) -> None:
    out, _summary = year_2013
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "govpath",
            "--db",
            f"sqlite:///{out / 'govpath.db'}",
            "audit",
            "verify",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "chain intact" in proc.stdout + proc.stderr
    assert "<svg" in (out / "year-report.html").read_text()


def test_same_seed_same_summary(year_2013: tuple[Path, dict], tmp_path: Path) -> None:
    _out, first = year_2013
    again = _demo_json(tmp_path / "again")
    assert again == first


def test_unknown_year_is_one_sentence(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "govpath", "demo", "--year", "2099-00", "--out", str(tmp_path)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "2013-14" in proc.stderr


@pytest.mark.parametrize(
    ("year", "end"), [("2014-15", "published"), ("2016-17", "published"), ("2019-20", "published")]
)
def test_the_other_seed_years_run_to_publication(tmp_path: Path, year: str, end: str) -> None:
    """Every seed year ends published: the demo meets each pathway's guards (2016/17's
    commissioning stage must be Analyse, Plan, Do or Review) and its labelled, undated steps."""
    summary = _demo_json(tmp_path / "govpath-demo", year)
    assert {p["state"] for p in summary["plans"]} == {end}
