"""The runtime from the command line, on SQLite and PostgreSQL: publish, start, advance, refuse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Cli

DATA = Path(__file__).parent / "data" / "runtime"
PATHWAY = DATA / "pathway.yaml"
CALENDAR = DATA / "calendar.yaml"

ACTORS = [
    ("fin@kent.gov.uk", "Fin Director", ["director"], "cd@kent.gov.uk"),
    ("edu@kent.gov.uk", "Edu Director", ["director"], None),
    ("cd@kent.gov.uk", "Corporate Director", ["corporate_director"], None),
    ("pol@kent.gov.uk", "Policy Officer", ["policy_team"], None),
    ("cm@kent.gov.uk", "Cabinet Member", ["cabinet_member"], None),
]

# (trigger, actor, --set values, expected stage afterwards) for the Finance plan
FINANCE_RUN = [
    ("submit_draft", "fin@kent.gov.uk", {"draft_plan": "draft.pdf"}, "qa_review"),
    ("record_progress", "pol@kent.gov.uk", {"progress": "40"}, "qa_review"),
    ("send_qa_letter", "pol@kent.gov.uk", {"qa_letter_ref": "QA/2027/01"}, "final_submission"),
    (
        "submit_final",
        "fin@kent.gov.uk",
        {"final_plan": "final.pdf", "decision_value": "£2.5m"},
        "cabinet_decision",
    ),
    (
        "approve_key_decision",
        "cm@kent.gov.uk",
        {"key_decision_notice_published": "2027-02-01"},
        "agreed",
    ),
]


def two_plans(url: str, now: Any) -> tuple[Any, int, int]:
    """Through the runtime API on a new database: the test pathway published, its calendar
    loaded, ACTORS added, and the Finance and Education plans started at NOW.
    Returns (engine, Finance plan id, Education plan id)."""
    from govpath.calendars.sources import read_calendar
    from govpath.runtime.api import add_actor, publish_pathway, start_plan
    from govpath.store.db import open_db
    from govpath.store.meetings import upsert_meetings

    engine = open_db(url)
    publish_pathway(engine, PATHWAY, now=now)
    with engine.begin() as conn:
        upsert_meetings(conn, read_calendar(CALENDAR), now=now)
    for email, name, roles, boss in ACTORS:
        add_actor(engine, email, name, roles, reports_to=boss, now=now)
    fin = start_plan(engine, "runtime_demo", "Finance", "fin@kent.gov.uk", now=now)["id"]
    edu = start_plan(engine, "runtime_demo", "Education", "edu@kent.gov.uk", now=now)["id"]
    return engine, fin, edu


def status(cli: Cli, plan: int) -> dict:
    return json.loads(cli("plan", "status", str(plan), "--json", check=0).stdout)


def advance(
    cli: Cli, plan: int, trigger: str, actor: str, values: dict | None = None, check: int | None = 0
):
    sets = [a for k, v in (values or {}).items() for a in ("--set", f"{k}={v}")]
    return cli("plan", "advance", str(plan), trigger, "--actor", actor, *sets, check=check)


def setup_cli(cli: Cli) -> None:
    cli("pathway", "publish", str(PATHWAY), check=0)
    cli("calendar", "import", str(CALENDAR), check=0)
    for email, name, roles, boss in ACTORS:
        args = ["actor", "add", email, "--name", name]
        for r in roles:
            args += ["--role", r]
        if boss:
            args += ["--reports-to", boss]
        cli(*args, check=0)


def start(cli: Cli, subject: str = "Finance", owner: str = "fin@kent.gov.uk") -> int:
    """``govpath plan start runtime_demo`` for SUBJECT owned by OWNER; the new plan's id."""
    proc = cli(
        "plan", "start", "runtime_demo", "--subject", subject, "--owner", owner, "--json", check=0
    )
    return json.loads(proc.stdout)["id"]


def test_a_plan_runs_to_the_end_and_status_agrees_at_each_step(cli_db: Cli) -> None:
    setup_cli(cli_db)
    fin = start(cli_db)
    edu = start(cli_db, "Education", "edu@kent.gov.uk")
    s = status(cli_db, fin)
    assert {
        "id",
        "pathway",
        "version",
        "state",
        "subject",
        "owner",
        "deadlines",
        "history",
        "available",
    } <= set(s)
    assert (s["id"], s["pathway"], s["version"], s["state"]) == (fin, "runtime_demo", 1, "drafting")
    assert s["deadlines"] == [
        {**s["deadlines"][0], "name": "papers_due", "date": "2026-12-24", "status": "open"}
    ]  # 10 working days before P&R CC on 2027-01-12, across Christmas
    (avail,) = s["available"]
    assert avail["trigger"] == "submit_draft" and avail["to"] == "qa_review"
    assert avail["roles"] == ["director", "corporate_director"]
    assert avail["requires"][0] | {"set": False} == {
        "name": "draft_plan",
        "type": "document",
        "set": False,
    }

    for trigger, actor, values, stage in FINANCE_RUN:
        advance(cli_db, fin, trigger, actor, values)
        s = status(cli_db, fin)
        assert s["state"] == stage, (trigger, s["state"])
        last = [e for e in s["history"] if e["kind"] == "transition"][-1]
        assert (last["trigger"], last["to"], last["actor"]) == (trigger, stage, actor)
    assert [d["status"] for d in s["deadlines"]] == ["met", "met"]
    decision = next(
        e
        for e in s["history"]
        if e["trigger"] == "approve_key_decision" and e["kind"] == "transition"
    )
    assert decision["body"] == "cabinet" and decision["meeting_id"] is not None
    assert decision["data"]["decision"]["route"] == "key_decision"
    assert decision["data"]["decision"]["clear_days"] == 41  # 2027-02-01 .. 2027-03-15

    # the join waits for Education, then fires for both at once
    refused = advance(cli_db, fin, "publish_all", "pol@kent.gov.uk", check=3)
    assert f"plan {edu} (Education) in 'drafting'" in refused.stderr
    for trigger, actor, values in [
        ("submit_draft", "edu@kent.gov.uk", {"draft_plan": "d"}),
        ("send_qa_letter", "pol@kent.gov.uk", {"qa_letter_ref": "QA/2"}),
        ("submit_final", "edu@kent.gov.uk", {"final_plan": "f", "decision_value": "250000"}),
        ("approve", "cm@kent.gov.uk", {}),
    ]:
        advance(cli_db, edu, trigger, actor, values)
    advance(cli_db, edu, "publish_all", "pol@kent.gov.uk")
    for plan in (fin, edu):
        s = status(cli_db, plan)
        assert s["state"] == "live" and s["closed"] and s["available"] == []
    listed = json.loads(cli_db("plan", "list", "--json", check=0).stdout)
    assert [(p["id"], p["state"]) for p in listed] == [(fin, "live"), (edu, "live")]
    verified = json.loads(cli_db("audit", "verify", "--json", check=0).stdout)
    trail = json.loads(cli_db("audit", "query", "--format", "json", check=0).stdout)
    assert verified["ok"] and verified["count"] == len(trail) >= 20


REFUSALS = [
    (
        "submit_draft",
        "edu@kent.gov.uk",
        {"draft_plan": "x"},
        "you act as director only for plans you own",
    ),
    (
        "submit_draft",
        "cm@kent.gov.uk",
        {"draft_plan": "x"},
        "you hold roles cabinet_member; 'submit_draft' needs director or corporate_director",
    ),
    ("submit_draft", "nobody@kent.gov.uk", {"draft_plan": "x"}, "is not a known actor"),
    (
        "send_qa_letter",
        "pol@kent.gov.uk",
        {"qa_letter_ref": "x"},
        "plan 1 is in 'drafting'; 'send_qa_letter' fires only from 'qa_review'. From 'drafting' "
        "you can: submit_draft (director, corporate_director).",
    ),
    ("submit_draft", "fin@kent.gov.uk", {}, "missing required content: draft_plan (Draft plan)"),
    ("submit_draft", "fin@kent.gov.uk", {"draft_plam": "x"}, "Did you mean 'draft_plan'?"),
]
REASON_CODES = ["role", "role", "unknown_actor", "wrong_state", "content", "unknown_content"]


def test_refusals_exit_3_leave_the_plan_alone_and_are_recorded(cli_db: Cli) -> None:
    setup_cli(cli_db)
    start(cli_db)
    before = status(cli_db, 1)
    for trigger, actor, values, says in REFUSALS:
        proc = advance(cli_db, 1, trigger, actor, values, check=3)
        assert says in proc.stderr, (trigger, actor, proc.stderr)
        assert proc.stdout == ""
    after = status(cli_db, 1)
    assert after["state"] == "drafting" and after["fields"] == {}
    assert after["plan_version"] == before["plan_version"]
    refusals = [e for e in after["history"] if e["kind"] == "refusal"]
    assert len(refusals) == len(REFUSALS)
    for event, (trigger, actor, _values, says), code in zip(
        refusals, REFUSALS, REASON_CODES, strict=True
    ):
        assert (event["trigger"], event["actor"]) == (trigger, actor)
        assert says in event["data"]["reason"]
        assert event["data"]["refusal"]["code"] == code
        assert event["data"]["refusal"]["state"] == "drafting"
    assert refusals[1]["data"]["refusal"]["roles"] == ["director", "corporate_director"]
    assert refusals[4]["data"]["refusal"]["missing"] == ["draft_plan"]
    cli_db("audit", "verify", check=0)


def test_an_unknown_trigger_is_bad_input_and_not_recorded(cli_db: Cli) -> None:
    setup_cli(cli_db)
    start(cli_db)
    proc = advance(cli_db, 1, "sumbit_draft", "fin@kent.gov.uk", {}, check=1)
    assert "Did you mean 'submit_draft'?" in proc.stderr
    assert "From 'drafting' you can: submit_draft" in proc.stderr
    assert [e for e in status(cli_db, 1)["history"] if e["kind"] == "refusal"] == []


def test_the_owners_manager_acts_as_corporate_director_but_no_one_else_does(cli_db: Cli) -> None:
    setup_cli(cli_db)
    cli_db(
        "actor",
        "add",
        "cd2@kent.gov.uk",
        "--name",
        "Other CD",
        "--role",
        "corporate_director",
        check=0,
    )
    start(cli_db)
    refused = advance(cli_db, 1, "submit_draft", "cd2@kent.gov.uk", {"draft_plan": "x"}, check=3)
    assert "only for plans of people who report to you" in refused.stderr
    advance(cli_db, 1, "submit_draft", "cd@kent.gov.uk", {"draft_plan": "x"})  # fin reports to cd
    assert status(cli_db, 1)["state"] == "qa_review"


def test_key_decision_without_28_clear_days_is_refused_naming_the_route(cli_db: Cli) -> None:
    setup_cli(cli_db)
    start(cli_db)
    for trigger, actor, values, _stage in FINANCE_RUN[:-1]:
        advance(cli_db, 1, trigger, actor, values)
    late = advance(
        cli_db,
        1,
        "approve_key_decision",
        "cm@kent.gov.uk",
        {"key_decision_notice_published": "2027-03-01"},
        check=3,
    )
    assert "needs its notice published at least 28 clear days before (by 2027-02-12)" in late.stderr
    assert "13 clear days" in late.stderr and "general_exception route" in late.stderr
    wrong_guard = advance(cli_db, 1, "approve", "cm@kent.gov.uk", check=3)
    assert "the decision is a key decision; use approve_key_decision" in wrong_guard.stderr
    bad_date = advance(
        cli_db,
        1,
        "approve_key_decision",
        "cm@kent.gov.uk",
        {"key_decision_notice_published": "1st Feb"},
        check=1,
    )
    assert "YYYY-MM-DD" in bad_date.stderr
    assert status(cli_db, 1)["state"] == "cabinet_decision"


def test_same_content_is_one_version_and_new_versions_leave_running_plans_alone(
    cli_db: Cli, tmp_path: Path
) -> None:
    setup_cli(cli_db)
    again = json.loads(cli_db("pathway", "publish", str(PATHWAY), "--json", check=0).stdout)
    assert (again["version"], again["new"]) == (1, False)
    start(cli_db)
    v2 = tmp_path / "v2.yaml"
    v2.write_text(PATHWAY.read_text().replace("title: Cabinet decides", "title: Cabinet approves"))
    published = json.loads(cli_db("pathway", "publish", str(v2), "--json", check=0).stdout)
    assert (published["version"], published["new"]) == (2, True)
    assert status(cli_db, 1)["version"] == 1
    start(cli_db, "Education", "edu@kent.gov.uk")
    assert status(cli_db, 2)["version"] == 2

    refused = cli_db(
        "plan", "migrate", "1", "--to-version", "2", "--map", "qa_review=qa_review", check=3
    )
    assert "'drafting', which has no mapping" in refused.stderr
    assert status(cli_db, 1)["version"] == 1
    cli_db("plan", "migrate", "1", "--to-version", "2", "--map", "drafting=drafting", check=0)
    s = status(cli_db, 1)
    assert (s["version"], s["state"]) == (2, "drafting")
    assert [e["kind"] for e in s["history"]][-1] == "migration"
    assert [d["status"] for d in s["deadlines"]] == ["open"]  # old cancelled, new created
    cli_db("audit", "verify", check=0)


def test_a_moved_meeting_moves_the_deadlines_that_depend_on_it(cli_db: Cli) -> None:
    setup_cli(cli_db)
    start(cli_db)
    assert status(cli_db, 1)["deadlines"][0]["date"] == "2026-12-24"
    moved = cli_db("calendar", "move", "pr_cc", "2027-01-12", "2027-01-19", check=0)
    assert "plans 1" in moved.stdout
    s = status(cli_db, 1)
    assert s["deadlines"][0]["date"] == "2027-01-05"  # 10 working days before the 19th
    assert s["history"][-1]["kind"] == "meeting_moved"
    unknown = cli_db("calendar", "move", "pr_cc", "2027-01-13", "2027-01-20", check=1)
    assert "2027-01-19 (moved)" in unknown.stderr and "2027-02-09" in unknown.stderr
    cli_db("audit", "verify", check=0)
