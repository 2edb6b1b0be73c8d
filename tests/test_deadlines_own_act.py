"""A deadline is met only by its own act; one still owed goes on with the plan, over real SMTP.

Worked example (workflows/kcc/2013-14.yaml, calendars/data/kcc/2012-13.yaml): the final plans go
to the first Cabinet in March 2013, 18 March. The notice of that Key Decision (28 clear days) is
due on Friday 15 February (the clear days end on a Sunday, so the notice goes out the working day before); it is reminded 10 and 3 working days before and on the day, and escalated to
the Head of Paid Service one working day after. Here the policy team sends the QA letter on
4 February, before the notice: the letter's deadline is met, the notice's is not. It stays owed
with the plan (now revising), is reminded and escalated, reported missed, and found by
``audit query --missed``; published late on 25 February it reads "met late".
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from govpath.config import Settings
from govpath.scheduler.sweep import run_sweep
from govpath.store import tables as t
from govpath.store.db import open_db
from tests.scheduler_support import SmtpServer, london

ROOT = Path(__file__).resolve().parent.parent
PATHWAY = ROOT / "workflows" / "kcc" / "2013-14.yaml"
CALENDAR = ROOT / "calendars" / "data" / "kcc" / "2012-13.yaml"

FIN, CORP = "fin.director@kent.example", "corp@kent.example"
POLICY, DEM, HOPS = "policy@kent.example", "dem.services@kent.example", "hops@kent.example"
NOTICE = "Notice of the Key Decision published (28 clear days)"

TO_QA = [  # (trigger, actor, values, London day) up to formal QA
    ("submit_headlines", FIN, {"headline_priorities": "hp.pdf"}, (2012, 11, 1)),
    ("comment_on_headlines", POLICY, {}, (2012, 11, 16)),
    (
        "submit_draft",
        FIN,
        {"draft_plan": "d.pdf", "key_risks": "r.pdf", "kpis": "k.pdf"},
        (2012, 12, 14),
    ),
    ("consider_and_comment", POLICY, {"risk_register": "rr.pdf"}, (2013, 1, 8)),
    ("submit_for_qa", FIN, {}, (2013, 2, 1)),
]


def _setup(engine) -> int:
    from govpath.calendars.sources import read_calendar
    from govpath.runtime.api import add_actor, publish_pathway, start_plan
    from govpath.store.meetings import upsert_meetings

    t0 = london(2012, 10, 1, 9)
    with engine.begin() as conn:
        upsert_meetings(conn, read_calendar(CALENDAR))
    publish_pathway(engine, PATHWAY, now=t0)
    add_actor(engine, CORP, "Corin Corporate", ["corporate_director"], now=t0)
    add_actor(engine, FIN, "Fiona Finance", ["director"], reports_to=CORP, now=t0)
    add_actor(engine, POLICY, "Poppy Policy", ["policy_team"], now=t0)
    add_actor(engine, DEM, "Dem Services", ["democratic_services"], now=t0)
    add_actor(engine, HOPS, "Hal Paid-Service", ["head_of_paid_service"], now=t0)
    return start_plan(engine, "kcc_2013_14", "Finance division business plan", FIN, now=t0)["id"]


def _deadline(engine, plan: int, name: str) -> dict:
    d = t.deadlines
    with engine.connect() as conn:
        rows = conn.execute(select(d).where(d.c.plan_id == plan, d.c.name == name)).mappings().all()
    assert len(rows) == 1, f"one row for {name}, not {len(rows)}"
    return dict(rows[0])


def test_a_qa_letter_before_the_key_decision_notice_leaves_the_notice_owed(
    db_url: str, cli_db
) -> None:
    from govpath.runtime.api import advance, plan_status

    engine = open_db(db_url)
    plan = _setup(engine)
    for trigger, actor, values, (y, m, d) in TO_QA:
        advance(engine, plan, trigger, actor, values, now=london(y, m, d, 9))
    assert plan_status(engine, plan)["state"] == "quality_assurance"
    server = SmtpServer().start()
    settings = Settings(smtp_host="127.0.0.1", smtp_port=server.port)
    arrived: list[tuple[dt.date, str, str, str]] = []
    try:
        run_sweep(engine, london(2013, 2, 1, 10), settings=settings, digest=False)
        advance(
            engine,
            plan,
            "issue_qa_letter",
            POLICY,
            {"qa_letter_ref": "QA/13/6"},
            now=london(2013, 2, 4, 11),
        )
        assert plan_status(engine, plan)["state"] == "revising"
        fired = [
            e for e in plan_status(engine, plan)["history"] if e["trigger"] == "issue_qa_letter"
        ]
        data = fired[-1]["data"]
        assert [m["deadline"] for m in data["deadlines_met"]] == ["qa_letter"]
        assert [(c["deadline"], c["to"]) for c in data["deadlines_carried"]] == [
            ("key_decision_notice", "revising")
        ]
        notice = _deadline(engine, plan, "key_decision_notice")
        assert (notice["status"], notice["stage"], notice["carried_from"]) == (
            "open",
            "revising",
            "quality_assurance",
        )
        assert notice["due"] == dt.date(2013, 2, 15)
        day = dt.date(2013, 2, 4)
        while day <= dt.date(2013, 2, 22):
            before = len(server.messages)
            for hour in (7, 10, 16):
                run_sweep(
                    engine,
                    london(day.year, day.month, day.day, hour),
                    settings=settings,
                    digest=False,
                )
            for msg in server.messages[before:]:
                arrived.append((day, msg["To"], msg["X-Govpath-Kind"], msg["Subject"]))
            day += dt.timedelta(days=1)
        # published late, from the stage the plan is now in: met late, and nothing more is sent
        advance(
            engine,
            plan,
            "publish_key_decision_notice",
            POLICY,
            {"key_decision_notice_published": "2013-02-25"},
            now=london(2013, 2, 25, 9),
        )
        after = len(server.messages)
        for day in (dt.date(2013, 2, 25), dt.date(2013, 2, 26), dt.date(2013, 3, 4)):
            run_sweep(
                engine, london(day.year, day.month, day.day, 10), settings=settings, digest=False
            )
        later = [m["Subject"] for m in server.messages[after:]]
        assert not [s for s in later if "Notice of the Key Decision" in s], later
    finally:
        server.stop()

    about_notice = [a for a in arrived if "Notice of the Key Decision" in a[3]]
    kinds = {(a[2], a[1]) for a in about_notice}
    assert ("reminder", POLICY) in kinds and ("reminder", DEM) in kinds
    assert ("escalation", HOPS) in kinds
    assert all(a[0] >= dt.date(2013, 2, 18) for a in about_notice if a[2] == "escalation")
    # the QA letter's own deadline was met by its own act: nothing more about it
    assert not [a for a in arrived if "QA letter" in a[3]]

    # missed while outstanding, then met late by its own trigger
    notice = _deadline(engine, plan, "key_decision_notice")
    assert notice["status"] == "met" and notice["met_at"].date() == dt.date(2013, 2, 25)
    missed = json.loads(
        cli_db("audit", "query", "--missed", "--plan", str(plan), "--format", "json").stdout
    )
    row = next(r for r in missed if r["name"] == "key_decision_notice")
    assert (row["standing"], row["due"], row["met_on"], row["days_late"]) == (
        "met late",
        "2013-02-15",
        "2013-02-25",
        10,
    )
    kinds_of_trail = [
        e["data"].get("deadline")
        for e in plan_status(engine, plan)["history"]
        if e["kind"] == "deadline_missed"
    ]
    assert "key_decision_notice" in kinds_of_trail
    # plan status says it the same way
    shown = next(
        d for d in plan_status(engine, plan)["deadlines"] if d["name"] == "key_decision_notice"
    )
    assert (shown["standing"], shown["days_late"], shown["met_on"]) == (
        "met late",
        10,
        "2013-02-25",
    )


def test_the_notice_still_owed_is_listed_missed_before_it_is_published(db_url: str, cli_db) -> None:
    from govpath.runtime.api import advance

    engine = open_db(db_url)
    plan = _setup(engine)
    for trigger, actor, values, (y, m, d) in TO_QA:
        advance(engine, plan, trigger, actor, values, now=london(y, m, d, 9))
    advance(
        engine,
        plan,
        "issue_qa_letter",
        POLICY,
        {"qa_letter_ref": "QA/13/6"},
        now=london(2013, 2, 4, 11),
    )
    run_sweep(engine, london(2013, 2, 20, 10), settings=Settings(), deliver=False, digest=False)
    missed = json.loads(
        cli_db(
            "audit",
            "query",
            "--missed",
            "--plan",
            str(plan),
            "--until",
            "2013-02-28",
            "--format",
            "json",
        ).stdout
    )
    names = {r["name"]: r for r in missed}
    assert "key_decision_notice" in names, missed
    assert names["key_decision_notice"]["outstanding"] is True
    assert names["key_decision_notice"]["standing"] == "missed"


def _variant(tmp_path: Path, qa_letter_on_leave: str | None, notice_on_leave: str | None) -> Path:
    """The 2013/14 pathway with the QA letter only in formal QA, and ON_LEAVE set on it."""
    import yaml

    doc = yaml.safe_load(PATHWAY.read_text(encoding="utf-8"))
    for stage in doc["stages"]:
        if stage["id"] == "qa_notice_given":
            stage["deadlines"] = []
        if stage["id"] == "quality_assurance":
            for d in stage["deadlines"]:
                wanted = qa_letter_on_leave if d["id"] == "qa_letter" else notice_on_leave
                if wanted:
                    d["on_leave"] = wanted
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _to_qa(engine, path: Path) -> int:
    from govpath.calendars.sources import read_calendar
    from govpath.runtime.api import add_actor, advance, publish_pathway, start_plan
    from govpath.store.meetings import upsert_meetings

    t0 = london(2012, 10, 1, 9)
    with engine.begin() as conn:
        upsert_meetings(conn, read_calendar(CALENDAR))
    publish_pathway(engine, path, now=t0)
    add_actor(engine, FIN, "Fiona Finance", ["director"], now=t0)
    add_actor(engine, POLICY, "Poppy Policy", ["policy_team"], now=t0)
    plan = start_plan(engine, "kcc_2013_14", "Finance division business plan", FIN, now=t0)["id"]
    for trigger, actor, values, (y, m, d) in TO_QA:
        advance(engine, plan, trigger, actor, values, now=london(y, m, d, 9))
    return plan


def test_a_deadline_superseded_says_so_in_the_trail(tmp_path: Path, db_url: str) -> None:
    from govpath.runtime.api import advance, plan_status

    engine = open_db(db_url)
    plan = _to_qa(engine, _variant(tmp_path, "supersede", None))
    advance(
        engine,
        plan,
        "publish_key_decision_notice",
        POLICY,
        {"key_decision_notice_published": "2013-02-05"},
        now=london(2013, 2, 5, 9),
    )
    letter = _deadline(engine, plan, "qa_letter")
    assert letter["status"] == "superseded" and letter["met_at"] is None
    event = [e for e in plan_status(engine, plan)["history"] if e["kind"] == "transition"][-1]
    assert [m["deadline"] for m in event["data"]["deadlines_met"]] == ["key_decision_notice"]
    assert [m["deadline"] for m in event["data"]["deadlines_superseded"]] == ["qa_letter"]


def test_refuse_names_the_deadline_still_owed(tmp_path: Path, db_url: str) -> None:
    from govpath.errors import Refused
    from govpath.runtime.api import advance, plan_status

    engine = open_db(db_url)
    plan = _to_qa(engine, _variant(tmp_path, None, "refuse"))
    with pytest.raises(Refused) as refused:
        advance(
            engine,
            plan,
            "issue_qa_letter",
            POLICY,
            {"qa_letter_ref": "QA/1"},
            now=london(2013, 2, 4, 9),
        )
    assert str(refused.value) == (
        f"plan {plan} still owes '{NOTICE}' (due 15 February 2013); 'issue_qa_letter' would "
        "leave it behind. Fire 'publish_key_decision_notice' first."
    )
    status = plan_status(engine, plan)
    assert status["state"] == "quality_assurance"
    assert status["history"][-1]["kind"] == "refusal"


def test_a_statutory_notice_cannot_be_superseded(tmp_path: Path, cli) -> None:
    path = _variant(tmp_path, None, "supersede")
    run = cli("validate", str(path), check=1)
    assert "deadline 'key_decision_notice' in stage 'quality_assurance' is a statutory notice" in (
        run.stdout + run.stderr
    )


def test_a_carried_notice_follows_its_meeting_when_it_moves(db_url: str) -> None:
    """Cabinet moves from 18 to 25 March 2013 while the notice is owed in 'revising': the notice
    (28 clear days before Cabinet) moves with it, the same row."""
    from govpath.runtime.api import advance
    from govpath.runtime.meetings import move_meeting

    engine = open_db(db_url)
    plan = _setup(engine)
    for trigger, actor, values, (y, m, d) in TO_QA:
        advance(engine, plan, trigger, actor, values, now=london(y, m, d, 9))
    advance(
        engine, plan, "issue_qa_letter", POLICY, {"qa_letter_ref": "QA/13/6"},
        now=london(2013, 2, 4, 11),
    )  # fmt: skip
    before = _deadline(engine, plan, "key_decision_notice")
    move_meeting(
        engine, "cabinet", dt.date(2013, 3, 18), dt.date(2013, 3, 25), now=london(2013, 2, 5, 9)
    )
    after = _deadline(engine, plan, "key_decision_notice")
    assert (before["id"], before["due"]) == (after["id"], dt.date(2013, 2, 15))
    assert after["due"] == dt.date(2013, 2, 22) and after["stage"] == "revising"
