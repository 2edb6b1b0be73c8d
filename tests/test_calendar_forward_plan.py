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
    assert f"{plan}:2:17: error: KD/1: notice date soon is not a date" in proc.stderr
    assert f"{plan}:3:1: error: KD/2: no decision date" in proc.stderr
    assert cli("forward-plan", "check", str(tmp_path / "missing.csv"), check=1).stderr


def test_dates_as_forward_plans_print_them(cli, tmp_path: Path) -> None:
    plan = tmp_path / "fp.csv"
    plan.write_text(
        "Reference,Decision date,Notice published\n"
        "KD/25/001,Not before 30th Sep 2025,1 Aug 2025\n"
        "KD/25/002,30/09/2025,2025-09-01\n"
        '"KD/18/003","Tuesday, 6th February 2018",6 Feb 2018\n'
        "KD/25/004,Not before 30th September 2025,\n"
    )
    doc = json.loads(cli("forward-plan", "check", str(plan), "--json", check=0).stdout)
    items = {i["reference"]: i for i in doc["items"]}
    assert items["KD/25/001"]["decision_date"] == "2025-09-30"
    assert items["KD/25/001"]["notice_published"] == "2025-08-01"
    assert items["KD/25/001"]["clear_days"] == 59 and items["KD/25/001"]["route"] == "key_decision"
    # 1 Sep -> 30 Sep 2025: 28 clear days, just enough
    assert items["KD/25/002"]["clear_days"] == 28 and not items["KD/25/002"]["flagged"]
    # notice on the day of the decision: the route a short notice needs is still named
    assert items["KD/18/003"]["decision_date"] == "2018-02-06"
    assert items["KD/18/003"]["route"] == "special_urgency" and items["KD/18/003"]["flagged"]
    assert items["KD/25/004"]["notice_published"] is None and items["KD/25/004"]["flagged"]


def test_bad_printed_dates_are_located(cli, tmp_path: Path) -> None:
    plan = tmp_path / "fp.yaml"
    plan.write_text(
        "items:\n"
        "  - {reference: KD/1, decision_date: 31/09/2025, notice_published: 1 Aug 2025}\n"
        "  - {reference: KD/2, decision_date: Not before 30th Sept 2025, notice_published: 2025-08-01}\n"
        "  - {reference: KD/3, decision_date: 30 Smarch 2025, notice_published: 2025-08-01}\n"
    )
    proc = cli("forward-plan", "check", str(plan), check=1)
    lines = proc.stderr.strip().splitlines()
    assert any(
        line.startswith(f"{plan}:2:") and "KD/1: decision date 31/09/2025 is not a date" in line
        for line in lines
    )
    assert any(
        line.startswith(f"{plan}:4:") and "KD/3: decision date 30 Smarch 2025" in line
        for line in lines
    )
    assert "KD/2" not in proc.stderr and "Traceback" not in proc.stderr
    assert "30 Sep 2025" in proc.stderr  # says how to write it
    text = plan.read_text().splitlines()
    for line in lines:  # each error points at the value it could not read
        row, col = (int(n) for n in line[len(str(plan)) + 1 :].split(":")[:2])
        assert text[row - 1][col - 1 :].startswith(("31/09/2025", "30 Smarch 2025"))
