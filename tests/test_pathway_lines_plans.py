"""`report pathway ID`: a plan's lines follow what has happened, on both backends.

A meeting is past only once held (the plan left its stage on or after the meeting day); each step
prints once; a contingent branch (the called-in reconsideration) is left out until it is taken.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY, MEMBER, DEMOCRATIC = "policy@kent.gov.uk", "member@kent.gov.uk", "democratic@kent.gov.uk"
CD, OWNER = "cd@kent.gov.uk", "director@kent.gov.uk"


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


def one_plan(db_url: str, year: str, calendar: str, clock: dt.datetime):
    """A database with YEAR's pathway, CALENDAR's meetings, the actors, and one plan started."""
    from govpath.calendars.sources import read_calendar
    from govpath.definition.loader import load_pathway
    from govpath.runtime.api import add_actor, publish_pathway, start_plan
    from govpath.store.db import open_db
    from govpath.store.meetings import upsert_meetings

    path = ROOT / "workflows" / "kcc" / f"{year}.yaml"
    engine = open_db(db_url)
    published = publish_pathway(engine, path, now=clock)
    with engine.begin() as conn:
        upsert_meetings(
            conn, read_calendar(ROOT / "calendars" / "data" / "kcc" / f"{calendar}.yaml"), now=clock
        )
    # the policy team manages Corporate Directors here (their escalates_to): put it in their chain
    add_actor(engine, POLICY, "policy", ["policy_team"], now=clock)
    add_actor(engine, CD, "cd", ["corporate_director"], reports_to=POLICY, now=clock)
    add_actor(engine, MEMBER, "member", ["cabinet_member", "leader"], now=clock)
    add_actor(engine, DEMOCRATIC, "democratic", ["democratic_services"], now=clock)
    add_actor(engine, OWNER, "Director", ["director"], reports_to=CD, now=clock)
    unit = load_pathway(path).fan_out.units[0]
    owner = CD if unit.owner_role == "corporate_director" else OWNER
    plan = start_plan(engine, published["pathway"], unit.subject, owner, now=clock)["id"]
    return engine, plan, owner


def lines(engine, plan: int, today: str) -> tuple[str, str]:
    from govpath.reports.pathway_lines import pathway_lines

    with engine.connect() as conn:
        doc = pathway_lines(conn, plan, today=dt.date.fromisoformat(today))
    return doc["past_line"], doc["future_line"]


def test_2014_15_the_committee_is_past_only_once_held(db_url: str) -> None:
    from govpath.runtime.api import advance

    engine, plan, owner = one_plan(db_url, "2014-15", "2013-14", at("2014-03-01"))
    approval = "For approval by relevant Cabinet Members and Corporate Director"
    assert lines(engine, plan, "2014-03-01") == (
        "Past Pathway of Paper: None",
        f"Future Pathway of Paper: P&R CC (23.04.14), {approval}",
    )
    sections = "draft_plan foreword who_we_are whole_council_transformation key_priorities"
    values = {k: "x.pdf" for k in (*sections.split(), "directorate_resources")}
    values |= {"workforce_development": "w.pdf", "key_risks": "r.pdf", "kpis": "k.pdf"}
    advance(engine, plan, "submit_draft", owner, values, now=at("2014-04-07"))
    # submitted, but the committee has not met: its meeting is still ahead, and printed once
    assert lines(engine, plan, "2014-04-08") == (
        "Past Pathway of Paper: None",
        f"Future Pathway of Paper: P&R CC (23.04.14), {approval}",
    )
    advance(engine, plan, "consider_and_comment", POLICY, {}, now=at("2014-04-23", 15))
    assert lines(engine, plan, "2014-04-24") == (
        "Past Pathway of Paper: P&R CC (23.04.14)",
        f"Future Pathway of Paper: {approval}",
    )
    # the Corporate Director has approved; the label is past only once the Cabinet Members have
    advance(
        engine,
        plan,
        "approve_as_corporate_director",
        owner,
        {"final_plan": "f"},
        now=at("2014-05-20"),
    )
    assert lines(engine, plan, "2014-05-21")[1] == f"Future Pathway of Paper: {approval}"
    advance(engine, plan, "approve_as_cabinet_members", MEMBER, {}, now=at("2014-06-02"))
    assert lines(engine, plan, "2014-06-03") == (
        f"Past Pathway of Paper: P&R CC (23.04.14), {approval}",
        "Future Pathway of Paper: N/A",
    )


def test_2016_17_one_cabinet_members_meeting_and_no_january_paper(db_url: str) -> None:
    from govpath.runtime.api import advance

    engine, plan, owner = one_plan(db_url, "2016-17", "2015-16", at("2016-02-01"))
    values = {
        "draft_plan": "d",
        "directorate_priorities": "p",
        "commissioning_activity": "c",
        "commissioning_stage": "Plan",
        "forthcoming_key_decisions": "k",
        "commissioned_services": "s",
        "kpis": "k",
    }
    advance(engine, plan, "submit_draft", owner, values, now=at("2016-03-01"))
    advance(engine, plan, "consider_and_comment", POLICY, {}, now=at("2016-03-14", 16))
    assert lines(engine, plan, "2016-03-15") == (
        "Past Pathway of Paper: P&R CC (14.03.16)",
        "Future Pathway of Paper: Cabinet Members Meeting",
    )
    # two stages lead to the April meeting; leaving the first before it is held changes nothing
    advance(engine, plan, "submit_final", owner, {"final_plan": "f"}, now=at("2016-04-05"))
    assert lines(engine, plan, "2016-04-06") == (
        "Past Pathway of Paper: P&R CC (14.03.16)",
        "Future Pathway of Paper: Cabinet Members Meeting",
    )


def test_2013_14_the_reconsideration_is_left_out_until_called_in(db_url: str) -> None:
    from govpath.runtime.api import advance

    engine, plan, owner = one_plan(db_url, "2013-14", "2012-13", at("2012-10-01"))
    run = [
        ("submit_headlines", owner, {"headline_priorities": "hp.pdf"}, "2012-11-01"),
        ("comment_on_headlines", POLICY, {}, "2012-11-16"),
        ("submit_draft", owner, {"draft_plan": "d", "key_risks": "r", "kpis": "k"}, "2012-12-14"),
        ("consider_and_comment", POLICY, {"risk_register": "rr.pdf"}, "2013-01-08"),
        ("submit_for_qa", owner, {}, "2013-02-01"),
        (
            "publish_key_decision_notice",
            POLICY,
            {"key_decision_notice_published": "2013-02-01"},
            "2013-02-01",
        ),
        ("issue_qa_letter", POLICY, {"qa_letter_ref": "QA/1"}, "2013-02-20"),
        ("submit_final", owner, {"final_plan": "f.pdf"}, "2013-02-25"),
        ("send_to_cabinet", POLICY, {}, "2013-03-05"),
    ]
    for trigger, actor, values, day in run:
        advance(engine, plan, trigger, actor, values, now=at(day, 17))
    past, future = lines(engine, plan, "2013-03-06")
    assert past == "Past Pathway of Paper: P&R CC (16.11.12), P&R CC (08.01.13)"
    assert (
        future == "Future Pathway of Paper: Cabinet Key Decision (18.03.13)"
    )  # no reconsideration
    advance(engine, plan, "approve_key_decision", MEMBER, {}, now=at("2013-03-18", 17))
    advance(engine, plan, "called_in", DEMOCRATIC, {}, now=at("2013-03-20"))
    past, future = lines(engine, plan, "2013-03-21")
    assert past.endswith("Cabinet Key Decision (18.03.13)")
    assert future == "Future Pathway of Paper: Cabinet (15.04.13)"  # taken now: on the route


def test_the_year_report_carries_labelled_steps(db_url: str) -> None:
    """A label with no date is in the lines; the chart (a time axis) leaves it out."""
    from govpath.reports.year import collect_year, render_year

    engine, _, _ = one_plan(db_url, "2016-17", "2015-16", at("2016-02-01"))
    with engine.connect() as conn:
        report = collect_year(conn, "kcc_2016_17", today=dt.date(2016, 2, 2))
    html = render_year(report, "html")
    assert "Future Pathway of Paper: P&amp;R CC (14.03.16), Cabinet Members Meeting" in html


def test_2014_15_year_report_with_an_undated_approval(db_url: str) -> None:
    from govpath.reports.year import collect_year, render_year

    engine, _, _ = one_plan(db_url, "2014-15", "2013-14", at("2014-03-01"))
    with engine.connect() as conn:
        report = collect_year(conn, "kcc_2014_15", today=dt.date(2014, 3, 2))
    text = render_year(report, "markdown")
    assert "For approval by relevant Cabinet Members and Corporate Director" in text
    assert render_year(report, "html")  # the chart skips the undated step
