"""``govpath deadline`` as a user runs it: one ISO date on stdout, or exit 1 with a sentence."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Cli

ROOT = Path(__file__).resolve().parent.parent


def govpath(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command in a real process (the Cli fixture class, never in-process)."""
    return Cli(cwd, subprocess=True)(*args)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("agenda-publication", "2013-01-08"), "2012-12-28"),
        (("key-decision-notice", "2013-03-18"), "2013-02-15"),
        (("general-exception-notice", "2013-04-02"), "2013-03-21"),
        (("call-in-end", "2013-05-23"), "2013-05-31"),
        (("effective-from", "2013-05-23"), "2013-06-03"),
        (("agenda-publication", "2013-09-03"), "2013-08-23"),
        (("5 clear working days before", "2013-04-04"), "2013-03-25"),
        (("28 clear days before", "2013-01-08"), "2012-12-10"),
        (("10 working days before", "2013-01-08"), "2012-12-20"),
        (("3 working days after", "2012-12-21"), "2012-12-28"),
        (("2 weeks before", "2013-01-08"), "2012-12-24"),
        (("agenda-publication", "2013-01-08", "--closure", "2012-12-31"), "2012-12-27"),
        (
            (
                "agenda-publication",
                "2013-01-08",
                "--policy",
                "england-and-wales-with-christmas-closure",
            ),
            "2012-12-21",
        ),
    ],
)
def test_deadline_prints_one_date(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    proc = govpath("deadline", *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected + "\n"
    assert list(tmp_path.iterdir()) == []  # no database or file was created


def test_deadline_json(tmp_path: Path) -> None:
    proc = govpath("deadline", "agenda-publication", "2013-01-08", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["rule"] == "agenda-publication"
    assert out["phrase"] == "5 clear working days before"
    assert (out["date"], out["result"]) == ("2013-01-08", "2012-12-28")
    assert out["policy"] == "england-and-wales"
    assert (out["clear_working_days"], out["clear_days"]) == (5, 10)
    assert "100B" in out["source"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("agenda-publicaton", "2013-01-08"), "Did you mean 'agenda-publication'?"),
        (
            ("5 clear wrking days before", "2013-01-08"),
            "Did you mean '5 clear working days before'?",
        ),
        (("2 weeks", "2013-01-08"), "before' or 'after"),
        (("agenda-publication", "2013-13-01"), "not a date"),
        (("agenda-publication", "08/01/2013"), "not a date"),
        (("agenda-publication", "2013-01-08", "--policy", "wales"), "no working-day policy"),
        (("agenda-publication", "2013-01-08", "--closure", "tomorrow"), "not a date"),
        (("call-in-end", "9999-12-30"), "outside the calendar"),
    ],
)
def test_bad_input_exits_1_with_a_sentence(
    tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    proc = govpath("deadline", *args, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert needle in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_usage_error_exits_2(tmp_path: Path) -> None:
    assert govpath("deadline", "agenda-publication", cwd=tmp_path).returncode == 2
    assert (
        govpath("deadline", "agenda-publication", "2013-01-08", "--bogus", cwd=tmp_path).returncode
        == 2
    )


def test_help_has_an_example(tmp_path: Path) -> None:
    proc = govpath("deadline", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert "Example: govpath deadline" in proc.stdout
