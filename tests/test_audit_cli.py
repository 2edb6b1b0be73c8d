"""The decision trail through the public commands, on both backends: build it, ask it every way.

The first test drives everything through ``govpath`` subprocesses on the real clock and uses
instants captured between commands for ``--as-of``. The second injects the clock (the runtime's
``now=``) to live through 2018 on the fixture calendar, then asks through the CLI.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from tests.conftest import Cli

DATA = Path(__file__).parent / "data" / "audit"
POL, CM, DIR = "pol@kent.gov.uk", "cm@kent.gov.uk", "dir@kent.gov.uk"


def _setup(cli: Cli) -> None:
    cli("calendar", "import", str(DATA / "calendar.yaml"), check=0)
    cli("pathway", "publish", str(DATA / "pathway.yaml"), check=0)
    for email, role in [(POL, "policy_officer"), (CM, "cabinet_member"), (DIR, "director")]:
        cli("actor", "add", email, "--name", email.split("@")[0].title(), "--role", role, check=0)


def _start(cli: Cli, subject: str) -> int:
    out = cli(
        "plan", "start", "trail_test", "--subject", subject, "--owner", DIR, "--json", check=0
    )
    return json.loads(out.stdout)["id"]


def _q(cli: Cli, *args: str) -> list[dict]:
    return json.loads(cli("audit", "query", *args, "--format", "json", check=0).stdout)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def test_trail_through_the_cli_answers_every_question(cli_db: Cli) -> None:
    cli = cli_db
    _setup(cli)
    t_before = _now()
    p1 = _start(cli, "Strategic Delivery Plan")
    p2 = _start(cli, "Operating plan")
    t_started = _now()
    cli("plan", "advance", str(p1), "endorse_cmt", "--actor", POL, check=0)
    t_cmt = _now()
    cli("plan", "advance", str(p2), "agree_cmm", "--actor", CM, check=3)  # wrong state: refused
    cli(
        "plan",
        "advance",
        str(p1),
        "agree_cmm",
        "--actor",
        CM,
        "--set",
        "reasons=one plan for the council",
        "--set",
        "alternatives=four directorate plans",
        "--set",
        "interests=none declared",
        check=0,
    )
    t_cmm = _now()

    # The seeds' own format: CMT then CMM behind it, the committee and Cabinet ahead.
    lines = cli("report", "pathway", str(p1), check=0).stdout.splitlines()
    assert lines == [
        "Past Pathway of Paper: CMT (22.05.18), CMM (18.06.18)",
        "Future Pathway of Paper: P&R CC (10.07.18), Cabinet Key Decision (17.09.18)",
    ]
    doc = json.loads(cli("report", "pathway", str(p2), "--json", check=0).stdout)
    assert doc["past"] == [] and doc["past_line"] == "Past Pathway of Paper: None"
    assert [(s["body"], s["short"], s["date"]) for s in doc["future"]] == [
        ("cmt", "CMT", "2018-05-22"),
        ("cmm", "CMM", "2018-06-18"),
        ("pr_cc", "P&R CC", "2018-07-10"),
        ("cabinet", "Cabinet", "2018-09-17"),
    ]

    cli("plan", "advance", str(p1), "endorse", "--actor", POL, check=0)
    cli(
        "plan",
        "advance",
        str(p1),
        "approve",
        "--actor",
        CM,
        "--set",
        "key_decision_notice_published=2018-08-01",
        check=0,
    )
    done = cli("report", "pathway", str(p1), check=0).stdout.splitlines()
    assert done == [
        "Past Pathway of Paper: CMT (22.05.18), CMM (18.06.18), P&R CC (10.07.18), "
        "Cabinet Key Decision (17.09.18)",
        "Future Pathway of Paper: N/A",
    ]

    # By plan: exactly the transitions fired, in order, with who and where.
    moves = _q(cli, "--plan", str(p1), "--kind", "transition")
    assert [(e["trigger"], e["from"], e["to"], e["actor"], e["body"]) for e in moves] == [
        ("endorse_cmt", "cmt_review", "cmm_review", POL, "cmt"),
        ("agree_cmm", "cmm_review", "committee", CM, "cmm"),
        ("endorse", "committee", "cabinet_decision", POL, "pr_cc"),
        ("approve", "cabinet_decision", "published", CM, "cabinet"),
    ]
    assert all(
        {"id", "at", "plan", "kind", "trigger", "from", "to", "actor"} <= set(e) for e in moves
    )
    assert [e["plan"] for e in moves] == [p1] * 4
    # Filters combine: actor + kind, actor + plan, body, stage, decisions, several kinds.
    assert [e["trigger"] for e in _q(cli, "--actor", CM, "--kind", "transition")] == [
        "agree_cmm",
        "approve",
    ]
    refusals = _q(cli, "--actor", CM, "--plan", str(p2))
    assert [(e["kind"], e["trigger"], e["from"]) for e in refusals] == [
        ("refusal", "agree_cmm", "cmt_review")
    ]
    assert [e["trigger"] for e in _q(cli, "--body", "cmm")] == ["agree_cmm"]
    assert [e["trigger"] for e in _q(cli, "--decisions")] == ["agree_cmm", "approve"]
    assert [e["trigger"] for e in _q(cli, "--decisions", "--body", "cabinet")] == ["approve"]
    stage = _q(cli, "--stage", "committee", "--plan", str(p1), "--kind", "transition")
    assert [(e["from"], e["to"]) for e in stage] == [
        ("cmm_review", "committee"),
        ("committee", "cabinet_decision"),
    ]
    kinds = {e["kind"] for e in _q(cli, "--kind", "plan_started", "--kind", "refusal")}
    assert kinds == {"plan_started", "refusal"}
    today = dt.datetime.now(dt.UTC).date()
    assert len(
        _q(
            cli,
            "--since",
            (today - dt.timedelta(days=1)).isoformat(),
            "--until",
            (today + dt.timedelta(days=1)).isoformat(),
        )
    ) == len(_q(cli))
    assert _q(cli, "--since", (today + dt.timedelta(days=2)).isoformat()) == []
    assert _q(cli, "--actor", "nobody@kent.gov.uk") == []
    # Time filters with instants: the events between two moments.
    window = _q(cli, "--since", t_cmt, "--until", t_cmm, "--kind", "transition")
    assert [e["trigger"] for e in window] == ["agree_cmm"]

    # The decision's data as the runtime wrote it.
    cmm = _q(cli, "--decisions", "--body", "cmm")[0]["data"]["decision"]
    assert (cmm["reasons"], cmm["alternatives"], cmm["meeting_date"]) == (
        "one plan for the council",
        "four directorate plans",
        "2018-06-18",
    )

    # Pages: --limit/--offset walk the whole trail, with a note on stderr when cut short.
    everything = _q(cli, "--limit", "0")
    page = cli("audit", "query", "--limit", "3", "--format", "json", check=0)
    assert [e["seq"] for e in json.loads(page.stdout)] == [e["seq"] for e in everything[:3]]
    assert "more match" in page.stderr and "--offset 3" in page.stderr
    after = everything[2]["seq"]
    assert [e["seq"] for e in _q(cli, "--after", str(after), "--limit", "3")] == [
        e["seq"] for e in everything[3:6]
    ]
    assert [e["seq"] for e in _q(cli, "--limit", "3", "--offset", "3")] == [
        e["seq"] for e in everything[3:6]
    ]
    assert "more match" not in cli("audit", "query", "--format", "json", check=0).stderr
    seqs = [e["seq"] for e in everything]
    assert seqs == sorted(seqs) == list(range(1, len(seqs) + 1))

    # CSV has the same events and the contract's columns.
    rows = list(
        csv.DictReader(
            io.StringIO(cli("audit", "query", "--plan", str(p1), "--format", "csv", check=0).stdout)
        )
    )
    assert [r["seq"] for r in rows] == [str(e["seq"]) for e in _q(cli, "--plan", str(p1))]
    assert {"id", "at", "plan", "kind", "trigger", "from", "to", "actor"} <= set(rows[0])
    table = cli("audit", "query", "--plan", str(p1), check=0).stdout
    assert "endorse_cmt" in table and "approve" in table

    # --as-of: each plan's state at the moments captured between the commands.
    def states(moment: str) -> dict[int, str]:
        return {r["plan"]: r["state"] for r in _q(cli, "--as-of", moment)}

    assert states(t_before) == {}
    assert states(t_started) == {p1: "cmt_review", p2: "cmt_review"}
    assert states(t_cmt) == {p1: "cmm_review", p2: "cmt_review"}
    assert states(t_cmm) == {p1: "committee", p2: "cmt_review"}
    assert states(_now()) == {p1: "published", p2: "cmt_review"}
    status = json.loads(cli("plan", "status", str(p1), "--json", check=0).stdout)
    assert status["state"] == "published"

    # Decision record of the plan.
    recs = json.loads(cli("decision", "record", str(p1), "--format", "json", check=0).stdout)
    assert [
        (r["trigger"], r["body"], r["meeting_date"], r["decision_maker"], r["key_decision"])
        for r in recs
    ] == [
        ("agree_cmm", "cmm", "2018-06-18", CM, False),
        ("approve", "cabinet", "2018-09-17", CM, True),
    ]
    key = recs[1]
    # Notice on Wed 1 Aug for Mon 17 Sep: 46 clear days; call-in ends Mon 24 Sep, effective Tue 25.
    assert (key["notice_published"], key["clear_days"], key["route"]) == (
        "2018-08-01",
        46,
        "key_decision",
    )
    assert (key["call_in_end"], key["effective_from"], key["flags"]) == (
        "2018-09-24",
        "2018-09-25",
        [],
    )
    assert (
        recs[0]["reasons"] == "one plan for the council" and recs[0]["interests"] == "none declared"
    )
    md = cli("decision", "record", str(p1), check=0).stdout
    assert "Cabinet Members Meeting" in md and "Effective from:** 2018-09-25" in md
    cli("audit", "verify", check=0)


def build_2018(db_url: str, cli: Cli) -> tuple[int, int]:
    """Live through 2018 on the fixture calendar with the runtime's clock injected; two plans.

    Plan 1 goes all the way with a key decision noticed in time; plan 2 misses its CMM agenda
    (the scheduler runs on 13 June), is refused the ordinary key-decision route on short notice,
    and is approved by the general exception route with too little notice (flagged).
    """
    from govpath.errors import Refused
    from govpath.runtime import api
    from govpath.store.db import forget_engines, open_db

    cli("calendar", "import", str(DATA / "calendar.yaml"), check=0)

    def at(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)

    eng = open_db(db_url)
    api.publish_pathway(eng, DATA / "pathway.yaml", actor=POL, now=at("2018-05-01T09:00"))
    for email, role in [(POL, "policy_officer"), (CM, "cabinet_member"), (DIR, "director")]:
        api.add_actor(eng, email, email, [role], now=at("2018-05-01T09:00"))
    p1 = api.start_plan(
        eng, "trail_test", "Strategic Delivery Plan", DIR, actor=POL, now=at("2018-05-08T09:00")
    )["id"]
    p2 = api.start_plan(
        eng, "trail_test", "Operating plan", DIR, actor=POL, now=at("2018-05-08T09:05")
    )["id"]
    api.advance(eng, p1, "endorse_cmt", POL, now=at("2018-05-22T15:00"))
    api.advance(eng, p2, "endorse_cmt", POL, now=at("2018-05-22T15:10"))
    api.advance(eng, p1, "agree_cmm", CM, fields={"reasons": "r"}, now=at("2018-06-18T16:00"))
    forget_engines()
    # The scheduler runs on 13 June: plan 2's CMM agenda (due Fri 8 June) is missed.
    cli("scheduler", "run", "--once", "--now", "2018-06-13T09:00:00+01:00", check=0)
    eng = open_db(db_url)
    api.advance(eng, p2, "agree_cmm", CM, now=at("2018-06-19T10:00"))  # done Tue 19 June
    for p in (p1, p2):
        api.advance(eng, p, "endorse", POL, now=at("2018-07-10T16:00"))
    api.advance(
        eng,
        p1,
        "approve",
        CM,
        fields={"key_decision_notice_published": "2018-08-01"},
        now=at("2018-09-17T15:00"),
    )
    try:  # notice on Fri 14 Sep is too short for the ordinary route: refused and recorded
        api.advance(
            eng,
            p2,
            "approve",
            CM,
            fields={"key_decision_notice_published": "2018-09-14"},
            now=at("2018-09-17T15:05"),
        )
        raise AssertionError("a key decision with 2 clear days' notice was not refused")
    except Refused:
        pass
    # The general exception route needs 5 clear working days; Fri 14 Sep gives none.
    api.advance(
        eng,
        p2,
        "approve_urgent",
        CM,
        fields={"general_exception_notice_published": "2018-09-14"},
        now=at("2018-09-17T15:10"),
    )
    forget_engines()
    return p1, p2


def test_clock_injected_year_missed_deadlines_flags_and_past_states(
    db_url: str, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, db=db_url)
    p1, p2 = build_2018(db_url, cli)

    def q(*args: str) -> list[dict]:
        return json.loads(cli("audit", "query", *args, "--format", "json", check=0).stdout)

    def states(moment: str) -> dict[int, str]:
        return {r["plan"]: r["state"] for r in q("--as-of", moment)}

    assert states("2018-05-07") == {}
    assert states("2018-05-22T16:05") == {p1: "cmm_review", p2: "cmt_review"}  # 15:05 UTC
    assert states("2018-06-18T12:00") == {p1: "cmm_review", p2: "cmm_review"}
    assert states("2018-06-30") == {p1: "committee", p2: "committee"}
    assert states("2018-09-17T16:07") == {p1: "published", p2: "cabinet_decision"}
    assert states("2018-12-01") == {p1: "published", p2: "published"}
    since = {r["plan"]: r["since"] for r in q("--as-of", "2018-06-30")}
    assert since == {p1: "2018-06-18T16:00:00+00:00", p2: "2018-06-19T10:00:00+00:00"}

    # Missed: plan 2's CMM agenda, due Fri 8 June, done Tue 19 June: 11 days, 7 working days.
    missed = q("--missed", "--plan", str(p2))
    row = next(r for r in missed if r["name"] == "cmm_papers")
    assert (row["due"], row["met_on"], row["days_late"], row["working_days_late"]) == (
        "2018-06-08",
        "2018-06-19",
        11,
        7,
    )
    assert row["owner"] == DIR and row["status"] == "met"  # done by its own act, late
    assert row["standing"] == "met late"
    assert all(r["owner"] == DIR for r in q("--missed", "--actor", DIR))
    assert q("--missed", "--actor", POL) == []
    assert [e["kind"] for e in q("--kind", "deadline_missed", "--plan", str(p2))][:1] == [
        "deadline_missed"
    ]

    # Decisions: the general-exception decision is flagged; the key decision in time is not.
    key = json.loads(cli("decision", "list", "--key", "--json", check=0).stdout)
    by_plan = {r["plan"]: r for r in key}
    assert set(by_plan) == {p1, p2}
    assert by_plan[p1]["flags"] == [] and not by_plan[p1]["flagged"]
    ge = by_plan[p2]
    assert ge["route"] == "general_exception" and ge["clear_days"] == 2 and ge["flagged"]
    assert ge["flags"] == [
        "short notice: published 2018-09-14, 2 clear days before the decision; 28 are required",
        "taken without the special urgency route that short notice needs",
        "general exception taken with no record that the chair of the overview and scrutiny "
        "committee was told in writing (reg. 10)",
    ]
    assert [
        r["plan"]
        for r in json.loads(cli("decision", "list", "--body", "cmm", "--json", check=0).stdout)
    ] == [p1, p2]
    assert (
        json.loads(
            cli(
                "decision",
                "list",
                "--since",
                "2018-07-01",
                "--until",
                "2018-08-31",
                "--json",
                check=0,
            ).stdout
        )
        == []
    )
    refused = q("--kind", "refusal", "--plan", str(p2))
    assert [(e["trigger"], e["at"]) for e in refused] == [("approve", "2018-09-17T15:05:00+00:00")]
    table = cli("decision", "list", check=0)
    assert "1 Key Decision(s) flagged" in table.stderr
