"""`govpath forward-plan check`: key decisions with fewer than 28 clear days' notice are flagged."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data" / "calendars"


def test_csv_forward_plan_flags_a_27_clear_day_item(cli) -> None:
    proc = cli("forward-plan", "check", str(DATA / "forward-plan.csv"), "--json", check=0)
    doc = json.loads(proc.stdout)
    items = {i["reference"]: i for i in doc["items"]}
    # published Fri 8 Feb, decision Mon 18 Mar 2013: 37 clear days
    assert items["KD/13/001"]["clear_days"] == 37 and not items["KD/13/001"]["flagged"]
    # 28 clear days exactly: 17 Feb -> 18 Mar
    assert items["KD/13/002"]["clear_days"] == 28 and items["KD/13/002"]["route"] == "key_decision"
    # 27 clear days: 18 Feb -> 18 Mar: flagged, general exception
    assert items["KD/13/003"]["clear_days"] == 27 and items["KD/13/003"]["flagged"]
    assert items["KD/13/003"]["route"] == "general_exception"
    # 3 clear days: special urgency; no notice at all: special urgency
    assert items["KD/13/004"]["route"] == "special_urgency"
    assert items["KD/13/005"]["notice_published"] is None
    assert items["KD/13/005"]["route"] == "special_urgency"
    assert doc["flagged"] == 3


def test_yaml_forward_plan_and_readable_output(cli, tmp_path: Path) -> None:
    plan = tmp_path / "fp.yaml"
    plan.write_text(
        "items:\n"
        "  - {reference: KD/1, decision_date: 2013-03-18, notice_published: 2013-02-18}\n"
        "  - {reference: KD/2, decision_date: 2013-03-18, notice_published: 2013-01-10}\n"
    )
    out = cli("forward-plan", "check", str(plan), check=0).stdout
    assert "FLAG  KD/1" in out and "27 clear days" in out and "general exception" in out
    assert "ok    KD/2" in out and "2 items, 1 flagged." in out


def test_unreadable_forward_plan_exits_1_with_lines(cli, tmp_path: Path) -> None:
    plan = tmp_path / "fp.csv"
    plan.write_text("reference,decision date,notice published\nKD/1,18/03/2013,soon\nKD/2,,\n")
    proc = cli("forward-plan", "check", str(plan), check=1)
    assert f"{plan}:2:1: error: KD/1: notice date soon is not a date" in proc.stderr
    assert f"{plan}:3:1: error: KD/2: no decision date" in proc.stderr
    assert cli("forward-plan", "check", str(tmp_path / "missing.csv"), check=1).stderr
