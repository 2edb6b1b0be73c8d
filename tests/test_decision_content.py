"""The statutory content of a decision: reg. 12 on the decision transition, shown by its record;
call-in counted from publication of the decision record (workflows/kcc/2013-14.yaml).

Cabinet takes the Key Decision on Monday 18 March 2013; its record is published on Wednesday
20 March. Call-in ends five clear working days after publication (KCC Constitution): Wednesday
27 March 2013, not five clear working days after the meeting (Monday 25 March).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from govpath.store import tables as t
from govpath.store.db import open_db
from tests.scheduler_support import london
from tests.test_deadlines_own_act import POLICY, TO_QA, _setup

MEMBER = "member@kent.example"
REASONS = "The plans set the divisions' priorities for 2013/14 within the agreed budget."
ALTERNATIVES = "Deferring approval to April (rejected: plans must be live on 1 April)."


def _to_cabinet(engine) -> int:
    from govpath.runtime.api import add_actor, advance

    plan = _setup(engine)
    add_actor(engine, MEMBER, "Mel Member", ["cabinet_member"], now=london(2012, 10, 1, 9))
    steps = [
        *TO_QA,
        ("publish_key_decision_notice", POLICY,
         {"key_decision_notice_published": "2013-02-05"}, (2013, 2, 5)),
        ("issue_qa_letter", POLICY, {"qa_letter_ref": "QA/13/6"}, (2013, 2, 20)),
        ("submit_final", "fin.director@kent.example", {"final_plan": "f.pdf"}, (2013, 2, 25)),
        ("send_to_cabinet", POLICY, {}, (2013, 3, 6)),
    ]  # fmt: skip
    for trigger, actor, values, (y, m, d) in steps:
        advance(engine, plan, trigger, actor, values, now=london(y, m, d, 9))
    return plan


def test_a_decision_record_shows_the_reg_12_content_set_on_the_decision(
    db_url: str, cli_db
) -> None:
    from govpath.runtime.api import advance, plan_status

    engine = open_db(db_url)
    plan = _to_cabinet(engine)
    advance(
        engine,
        plan,
        "approve_key_decision",
        MEMBER,
        {
            "reasons": REASONS,
            "alternatives": ALTERNATIVES,
            "interests": "Mr Smith declared an interest as a governor of a supplier.",
            "dispensations": "Mr Smith: dispensation by the Standards Committee, 4 March 2013.",
            "decision_record_published": "2013-03-20",
        },
        now=london(2013, 3, 18, 15),
    )
    status = plan_status(engine, plan)
    assert status["state"] == "call_in"
    assert "reasons" not in status["fields"], (
        "the record's content is the decision's, not the plan's"
    )
    record = cli_db("decision", "record", str(plan)).stdout
    assert f"- **Reasons:** {REASONS}" in record
    assert f"- **Alternatives considered and rejected:** {ALTERNATIVES}" in record
    assert "governor of a supplier" in record and "Standards Committee" in record
    assert "not recorded" not in record
    assert "- **Decision record published:** 2013-03-20" in record
    assert (
        "- **Notice deadline:** Notice of the Key Decision published (28 clear days), "
        "due 2013-02-15: met\n"
    ) in record
    assert "- **Call-in period ends:** 2013-03-27" in record
    # the call-in deadline of the plan counts from the record's publication too
    with engine.connect() as conn:
        row = conn.execute(
            select(t.deadlines).where(
                t.deadlines.c.plan_id == plan, t.deadlines.c.name == "call_in_end"
            )
        ).one()
    assert (row.anchor_date, row.due) == (dt.date(2013, 3, 20), dt.date(2013, 3, 27))


def test_without_a_publication_day_call_in_runs_from_the_decision_day(db_url: str, cli_db) -> None:
    from govpath.runtime.api import advance

    engine = open_db(db_url)
    plan = _to_cabinet(engine)
    advance(engine, plan, "approve_key_decision", MEMBER, {}, now=london(2013, 3, 18, 15))
    record = cli_db("decision", "record", str(plan)).stdout
    assert "- **Reasons:** not recorded" in record
    assert "- **Call-in period ends:** 2013-03-25" in record
    with engine.connect() as conn:
        row = conn.execute(
            select(t.deadlines).where(
                t.deadlines.c.plan_id == plan, t.deadlines.c.name == "call_in_end"
            )
        ).one()
    assert (row.anchor_date, row.due) == (dt.date(2013, 3, 18), dt.date(2013, 3, 25))
