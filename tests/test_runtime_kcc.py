"""The KCC 2013/14 pathway (seed 002) run end to end on both backends: six plans to Kent.gov."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from govpath.audit.chain import verify
from govpath.errors import Refused

ROOT = Path(__file__).resolve().parent.parent
PATHWAY = ROOT / "workflows" / "kcc" / "2013-14.yaml"
CALENDAR = ROOT / "calendars" / "data" / "kcc" / "2012-13.yaml"
CLOCK = dt.datetime(2012, 10, 1, 9, tzinfo=dt.UTC)


POLICY, MEMBER, DEMOCRATIC = "policy@kent.gov.uk", "member@kent.gov.uk", "democratic@kent.gov.uk"
RUN = [  # trigger, actor ("owner" = the plan's Director), --set values, stage afterwards
    ("submit_headlines", "owner", {"headline_priorities": "hp.pdf"}, "headlines_submitted"),
    ("comment_on_headlines", POLICY, {}, "drafting"),
    (
        "submit_draft",
        "owner",
        {"draft_plan": "d.pdf", "key_risks": "r.pdf", "kpis": "k.pdf"},
        "draft_at_committee",
    ),
    ("consider_and_comment", POLICY, {"risk_register": "rr.pdf"}, "refining"),
    ("submit_for_qa", "owner", {}, "quality_assurance"),
    (
        "publish_key_decision_notice",
        POLICY,
        {"key_decision_notice_published": "2013-02-01"},
        "qa_notice_given",
    ),
    ("issue_qa_letter", POLICY, {"qa_letter_ref": "QA/2013/1"}, "revising"),
    ("submit_final", "owner", {"final_plan": "f.pdf"}, "final_review"),
    ("send_to_cabinet", POLICY, {}, "cabinet_decision"),
    ("approve_key_decision", MEMBER, {}, "call_in"),
    (
        "call_in_period_ends",
        DEMOCRATIC,
        {"decision_record_ref": "D/13/1", "published_url": "https://www.kent.gov.uk/bss"},
        "publishing",
    ),
]


QA_STAGES = ("quality_assurance", "qa_notice_given")


def test_six_divisional_plans_run_to_publication(db_url: str) -> None:
    from govpath.calendars.sources import read_calendar
    from govpath.definition.loader import load_pathway
    from govpath.runtime.api import add_actor, advance, plan_status, publish_pathway, start_plan
    from govpath.store.db import open_db
    from govpath.store.meetings import upsert_meetings

    engine = open_db(db_url)
    published = publish_pathway(engine, PATHWAY, now=CLOCK)
    with engine.begin() as conn:
        upsert_meetings(conn, read_calendar(CALENDAR), now=CLOCK)
    add_actor(
        engine, "cd.bss@kent.gov.uk", "Corporate Director BSS", ["corporate_director"], now=CLOCK
    )
    for email, role in [
        (POLICY, "policy_team"),
        (MEMBER, "cabinet_member"),
        (DEMOCRATIC, "democratic_services"),
    ]:
        add_actor(engine, email, email.split("@")[0], [role], now=CLOCK)
    units = load_pathway(PATHWAY).fan_out.units
    plans = []
    for i, unit in enumerate(units):
        owner = f"director{i}@kent.gov.uk"
        add_actor(
            engine, owner, f"Director {i}", ["director"], reports_to="cd.bss@kent.gov.uk", now=CLOCK
        )
        plans.append(
            (start_plan(engine, published["pathway"], unit.subject, owner, now=CLOCK)["id"], owner)
        )
    assert len(plans) == 6

    from govpath.scheduler.sweep import run_sweep

    first = plans[0][0]
    made = 0
    for trigger, actor, values, stage in RUN:
        for pid, owner in plans:
            advance(engine, pid, trigger, owner if actor == "owner" else actor, values, now=CLOCK)
            assert plan_status(engine, pid)["state"] == stage
        # the new stage's reminders were committed with the transition, on its deadline rows;
        # the scheduler makes them into notices while the deadlines are open
        with engine.connect() as conn:
            pending = conn.execute(
                text(
                    "SELECT count(*) FROM deadlines WHERE status = 'open' AND schedule IS NULL"
                    " AND carried_from IS NULL"  # a carried one's notices were made before
                )
            ).scalar()
        assert pending == 0
        made += run_sweep(engine, CLOCK, deliver=False, digest=False).notices_made
        s = plan_status(engine, first)
        if stage == "draft_at_committee":
            # the January P&R CC's agenda deadline fell across Christmas: five clear working days
            # before 8 January 2013 is 28 December 2012 (DOMAIN.md; LGA 1972 s.100B)
            agenda = [
                d
                for d in s["deadlines"]
                if d["stage"] == "drafting" and d["name"] == "agenda_publication"
            ]
            assert [(d["date"], d["status"]) for d in agenda] == [("2012-12-28", "met")]
        if trigger == "publish_key_decision_notice":
            # the notice is met by its own act; the QA letter is not (it is still owed): the
            # same row goes on to the next stage, which has the same deadline
            by_stage = {(d["stage"], d["name"]): d["status"] for d in s["deadlines"]}
            assert by_stage == {
                **{k: v for k, v in by_stage.items() if k[0] not in QA_STAGES},
                ("quality_assurance", "key_decision_notice"): "met",
                ("qa_notice_given", "qa_letter"): "open",
            }
            # the transition's own trail event says which deadlines it met and carried
            fired = [e for e in s["history"] if e["trigger"] == trigger][-1]["data"]
            met = {(m["stage"], m["deadline"]) for m in fired["deadlines_met"]}
            assert met == {("quality_assurance", "key_decision_notice")}
            carried = [(c["stage"], c["deadline"], c["to"]) for c in fired["deadlines_carried"]]
            assert carried == [("quality_assurance", "qa_letter", "qa_notice_given")]

    # an auditor asking for met deadlines gets the transitions that met them, and only those
    from govpath.audit.query import EventFilter, query_events

    with engine.connect() as conn:
        page = query_events(conn, EventFilter(plan=first, kinds=("deadline_met",), limit=None))
    history = plan_status(engine, first)["history"]
    assert [e["seq"] for e in page.events] == [
        e["seq"] for e in history if e["data"].get("deadlines_met")
    ]
    assert len(page.events) >= 5 and {e["kind"] for e in page.events} == {"transition"}

    s = plan_status(engine, first)
    decision = next(
        e
        for e in s["history"]
        if e["trigger"] == "approve_key_decision" and e["kind"] == "transition"
    )
    assert decision["body"] == "cabinet" and decision["meeting_id"] is not None
    d = decision["data"]["decision"]
    assert (d["meeting_date"], d["route"], d["notice_published"]) == (
        "2013-03-18",
        "key_decision",
        "2013-02-01",
    )
    assert d["clear_days"] == 44

    # publication is collective: it fires for all six divisions at once
    result = advance(engine, first, "publish", POLICY, now=CLOCK)
    assert sorted(result["plans"]) == sorted(pid for pid, _ in plans)
    for pid, _owner in plans:
        s = plan_status(engine, pid)
        assert s["state"] == "live" and s["closed"]
        assert all(d["status"] != "open" for d in s["deadlines"])
    # Every reminder and escalation left scheduled belongs to a met deadline: when the sweep
    # reaches them (here: a year later, all at once) it drops them all and writes no message.
    with engine.connect() as conn:
        scheduled = conn.execute(
            text("SELECT count(*) FROM notices WHERE status = 'scheduled'")
        ).scalar()
    swept = run_sweep(engine, CLOCK + dt.timedelta(days=400), deliver=False, digest=False)
    assert made >= scheduled > 0 and swept.notices_cancelled == scheduled
    assert swept.notices_made == 0
    assert swept.messages_created == 0 and swept.deadlines_missed == 0
    with engine.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM notices WHERE status = 'scheduled'")
        ).scalar()
        result = verify(conn)
    assert left == 0
    assert result.ok, result.reason


def test_a_late_key_decision_notice_is_refused_naming_the_route(db_url: str) -> None:
    from govpath.calendars.sources import read_calendar
    from govpath.runtime.api import add_actor, advance, plan_status, publish_pathway, start_plan
    from govpath.store.db import open_db
    from govpath.store.meetings import upsert_meetings

    engine = open_db(db_url)
    publish_pathway(engine, PATHWAY, now=CLOCK)
    with engine.begin() as conn:
        upsert_meetings(conn, read_calendar(CALENDAR), now=CLOCK)
    owner = "director@kent.gov.uk"
    for email, role in [(owner, "director"), (POLICY, "policy_team"), (MEMBER, "cabinet_member")]:
        add_actor(engine, email, email.split("@")[0], [role], now=CLOCK)
    pid = start_plan(engine, "kcc_2013_14", "Governance and Law", owner, now=CLOCK)["id"]
    late = [
        (
            t,
            a,
            {**v, "key_decision_notice_published": "2013-03-01"}
            if t.startswith("publish_key")
            else v,
            s,
        )
        for t, a, v, s in RUN
    ]
    for trigger, actor, values, _stage in late[:9]:
        advance(engine, pid, trigger, owner if actor == "owner" else actor, values, now=CLOCK)
    with pytest.raises(Refused) as refused:
        advance(engine, pid, "approve_key_decision", MEMBER, now=CLOCK)
    message = str(refused.value)
    assert (
        "a key decision on 2013-03-18 needs its notice published at least 28 clear days" in message
    )
    assert "by 2013-02-15" in message and "16 clear days" in message
    assert "general_exception route ('approve_general_exception')" in message
    s = plan_status(engine, pid)
    assert s["state"] == "cabinet_decision" and s["history"][-1]["kind"] == "refusal"
