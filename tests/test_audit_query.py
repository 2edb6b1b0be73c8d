"""The trail's query layer on both backends, over a trail written with append_event."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import insert

from govpath.audit.asof import states_as_of
from govpath.audit.chain import append_event, verify
from govpath.audit.decisions import decision_records
from govpath.audit.missed import missed_deadlines
from govpath.audit.query import EventFilter, moment, query_events
from govpath.reports.pathway_lines import pathway_lines
from govpath.store.db import open_db
from govpath.store.tables import deadlines, pathway_versions, plans

DATA = Path(__file__).parent / "data" / "audit"
UTC = dt.UTC


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), UTC)


def seed(url: str) -> dict[str, int]:
    """Publish the fixture pathway, import its calendar, and write two plans' trails by hand."""
    from govpath.calendars.sources import read_calendar
    from govpath.definition.loader import content_hash, load_pathway, normalised_json
    from govpath.store.meetings import find_meeting, upsert_meetings

    path = DATA / "pathway.yaml"
    pathway = load_pathway(path)
    engine = open_db(url)
    ids: dict[str, int] = {}
    with engine.begin() as conn:
        upsert_meetings(conn, read_calendar(DATA / "calendar.yaml"))
        mid = {
            b: find_meeting(conn, b, dt.date.fromisoformat(d)).id
            for b, d in [
                ("cmt", "2018-05-22"),
                ("cmm", "2018-06-18"),
                ("pr_cc", "2018-07-10"),
                ("cabinet", "2018-09-17"),
            ]
        }
        pv = conn.execute(
            insert(pathway_versions).values(
                pathway_id=pathway.id,
                version=1,
                content_hash=content_hash(pathway),
                title=pathway.title,
                year=pathway.year,
                source_path=str(path),
                source_text=path.read_text(),
                definition=json.dumps(normalised_json(pathway)),
                published_at=at("2018-05-01"),
            )
        ).inserted_primary_key[0]
        for n, (subject, owner, state) in enumerate(
            [
                ("Strategic Delivery Plan", "ann@kent.gov.uk", "published"),
                ("Operating plan", "bob@kent.gov.uk", "cmm_review"),
            ],
            1,
        ):
            ids[f"p{n}"] = conn.execute(
                insert(plans).values(
                    pathway_version_id=pv,
                    pathway_id=pathway.id,
                    subject=subject,
                    owner=owner,
                    state=state,
                    fields="{}",
                    version=1,
                    created_at=at("2018-05-08"),
                    updated_at=at("2018-05-08"),
                )
            ).inserted_primary_key[0]
        p1, p2 = ids["p1"], ids["p2"]
        ev = append_event
        ev(conn, kind="pathway_published", at=at("2018-05-01"), actor="pol@kent.gov.uk")
        ev(
            conn,
            kind="plan_started",
            at=at("2018-05-08"),
            plan_id=p1,
            to_state="cmt_review",
            actor="pol@kent.gov.uk",
        )
        ev(
            conn,
            kind="plan_started",
            at=at("2018-05-09"),
            plan_id=p2,
            to_state="cmt_review",
            actor="pol@kent.gov.uk",
        )
        ev(
            conn,
            kind="transition",
            at=at("2018-05-22", 15),
            plan_id=p1,
            trigger="endorse_cmt",
            from_state="cmt_review",
            to_state="cmm_review",
            actor="pol@kent.gov.uk",
            body="cmt",
            meeting_id=mid["cmt"],
        )
        ev(
            conn,
            kind="refusal",
            at=at("2018-05-23"),
            plan_id=p2,
            trigger="agree_cmm",
            from_state="cmt_review",
            actor="bob@kent.gov.uk",
            note="wrong state",
        )
        ev(
            conn,
            kind="transition",
            at=at("2018-05-22", 16),
            plan_id=p2,
            trigger="endorse_cmt",
            from_state="cmt_review",
            to_state="cmm_review",
            actor="pol@kent.gov.uk",
            body="cmt",
            meeting_id=mid["cmt"],
        )
        ev(
            conn,
            kind="transition",
            at=at("2018-06-18", 16),
            plan_id=p1,
            trigger="agree_cmm",
            from_state="cmm_review",
            to_state="committee",
            actor="cm@kent.gov.uk",
            body="cmm",
            meeting_id=mid["cmm"],
            data={
                "decision": {
                    "body": "cmm",
                    "meeting_date": "2018-06-18",
                    "route": None,
                    "reasons": "a single plan",
                    "alternatives": "keep four plans",
                    "interests": "none",
                }
            },
        )
        ev(
            conn,
            kind="transition",
            at=at("2018-07-10", 16),
            plan_id=p1,
            trigger="endorse",
            from_state="committee",
            to_state="cabinet_decision",
            actor="pol@kent.gov.uk",
            body="pr_cc",
            meeting_id=mid["pr_cc"],
        )
        ev(
            conn,
            kind="transition",
            at=at("2018-09-17", 16),
            plan_id=p1,
            trigger="approve",
            from_state="cabinet_decision",
            to_state="published",
            actor="cm@kent.gov.uk",
            body="cabinet",
            meeting_id=mid["cabinet"],
            data={
                "decision": {
                    "body": "cabinet",
                    "meeting_date": "2018-09-17",
                    "route": "key_decision",
                    "notice_published": "2018-09-03",
                    "reasons": "approve",
                    "alternatives": "",
                    "interests": "",
                }
            },
        )
        for plan, stage, name, due, status, met in [
            (p1, "cmt_review", "cmt_papers", "2018-05-15", "met", at("2018-05-14")),
            (p1, "cmm_review", "cmm_papers", "2018-06-08", "met", at("2018-06-12", 10)),
            (p2, "cmm_review", "cmm_papers", "2018-06-08", "missed", None),
        ]:
            conn.execute(
                insert(deadlines).values(
                    plan_id=plan,
                    stage=stage,
                    name=name,
                    title=name,
                    rule="agenda-publication",
                    due=dt.date.fromisoformat(due),
                    owner="ann@kent.gov.uk" if plan == p1 else "bob@kent.gov.uk",
                    status=status,
                    met_at=met,
                    updated_at=at("2018-06-01"),
                )
            )
    return ids


@pytest.fixture
def trail(db_url: str) -> tuple[str, dict[str, int]]:
    return db_url, seed(db_url)


def _q(url: str, **kw) -> list[dict]:
    with open_db(url).connect() as conn:
        return query_events(conn, EventFilter(**kw)).events


def test_filters_combine_and_match_what_was_written(trail) -> None:
    url, ids = trail
    p1, p2 = ids["p1"], ids["p2"]
    assert [e["kind"] for e in _q(url)] == [
        "pathway_published",
        "plan_started",
        "plan_started",
        "transition",
        "refusal",
        "transition",
        "transition",
        "transition",
        "transition",
    ]
    assert [e["trigger"] for e in _q(url, plan=p1, kinds=("transition",))] == [
        "endorse_cmt",
        "agree_cmm",
        "endorse",
        "approve",
    ]
    e = _q(url, plan=p1, body="cmm")[0]
    assert (e["from"], e["to"], e["actor"], e["plan"]) == (
        "cmm_review",
        "committee",
        "cm@kent.gov.uk",
        p1,
    )
    assert (
        e["at"] == "2018-06-18T16:00:00+00:00"
        and e["data"]["decision"]["reasons"] == "a single plan"
    )
    # actor + date range (London days): 22 May only
    got = _q(
        url,
        actor="pol@kent.gov.uk",
        since=moment("2018-05-22"),
        until=moment("2018-05-22", end=True),
    )
    assert [(x["plan"], x["trigger"]) for x in got] == [(p1, "endorse_cmt"), (p2, "endorse_cmt")]
    assert [x["trigger"] for x in _q(url, decisions=True)] == ["agree_cmm", "approve"]
    assert [x["trigger"] for x in _q(url, decisions=True, body="cabinet")] == ["approve"]
    assert [x["kind"] for x in _q(url, stage="cmt_review", plan=p2)] == [
        "plan_started",
        "refusal",
        "transition",
    ]
    assert _q(url, actor="nobody@kent.gov.uk") == []


def test_pages_and_truncation(trail) -> None:
    url, _ = trail
    with open_db(url).connect() as conn:
        first = query_events(conn, EventFilter(limit=4))
        rest = query_events(conn, EventFilter(limit=4, offset=8))
        everything = query_events(conn, EventFilter(limit=None))
    assert first.more and [e["seq"] for e in first.events] == [1, 2, 3, 4]
    assert not rest.more and [e["seq"] for e in rest.events] == [9]
    assert len(everything.events) == 9 and not everything.more


def test_as_of_rebuilds_states_at_past_moments(trail) -> None:
    url, ids = trail
    p1, p2 = ids["p1"], ids["p2"]
    with open_db(url).connect() as conn:

        def states(when: str) -> dict[int, str]:
            return {r["plan"]: r["state"] for r in states_as_of(conn, moment(when))}

        assert states("2018-05-07T23:00") == {}
        assert states("2018-05-08T13:00") == {p1: "cmt_review"}
        assert states("2018-05-22T16:30") == {p1: "cmm_review", p2: "cmt_review"}
        assert states("2018-07-01") == {p1: "committee", p2: "cmm_review"}
        assert states("2018-12-01") == {p1: "published", p2: "cmm_review"}
        row = states_as_of(conn, moment("2018-07-01"), plan=p1)[0]
        assert row["since"] == "2018-06-18T16:00:00+00:00"


def test_missed_deadlines_say_how_late_and_whose(trail) -> None:
    url, ids = trail
    with open_db(url).connect() as conn:
        rows = missed_deadlines(conn, today=dt.date(2018, 6, 15))
        assert [
            (r["plan"], r["owner"], r["days_late"], r["working_days_late"], r["outstanding"])
            for r in rows
        ] == [
            (ids["p1"], "ann@kent.gov.uk", 4, 2, False),  # due Fri 8 June, met Tue 12 June
            (ids["p2"], "bob@kent.gov.uk", 7, 5, True),  # still outstanding on Fri 15 June
        ]
        assert [
            r["plan"]
            for r in missed_deadlines(conn, today=dt.date(2018, 6, 15), owner="bob@kent.gov.uk")
        ] == [ids["p2"]]


def test_decision_records_flag_short_key_decision_notice(trail) -> None:
    url, ids = trail
    with open_db(url).connect() as conn:
        recs = decision_records(conn, plan=ids["p1"])
        key = decision_records(conn, key_only=True)
    assert [r.trigger for r in recs] == ["agree_cmm", "approve"]
    cmm, cab = recs
    assert not cmm.key_decision and cmm.body_name == "Cabinet Members Meeting" and not cmm.flags
    assert (cmm.reasons, cmm.alternatives, cmm.decision_maker) == (
        "a single plan",
        "keep four plans",
        "cm@kent.gov.uk",
    )
    assert [r.trigger for r in key] == ["approve"]
    # Notice 3 Sep for a decision on Mon 17 Sep 2018: 13 clear days, and no exception route taken.
    assert cab.clear_days == 13 and cab.date == "2018-09-17"
    assert cab.flags == [
        "short notice: published 2018-09-03, 13 clear days before the decision; 28 are required",
        "taken without the general exception route that short notice needs",
    ]
    # Record published Mon 17 Sep: call-in ends five working days later, effective the day after.
    assert (cab.call_in_end, cab.effective_from) == ("2018-09-24", "2018-09-25")


def test_pathway_lines_from_trail_and_timeline(trail) -> None:
    url, ids = trail
    with open_db(url).connect() as conn:
        done = pathway_lines(conn, ids["p1"], today=dt.date(2018, 10, 1))
        mid = pathway_lines(conn, ids["p2"], today=dt.date(2018, 6, 1))
    assert done["past_line"] == (
        "Past Pathway of Paper: CMT (22.05.18), CMM (18.06.18), P&R CC (10.07.18), "
        "Cabinet Key Decision (17.09.18)"
    )
    assert done["future_line"] == "Future Pathway of Paper: N/A"
    assert mid["past_line"] == "Past Pathway of Paper: CMT (22.05.18)"
    assert mid["future_line"] == (
        "Future Pathway of Paper: CMM (18.06.18), P&R CC (10.07.18), "
        "Cabinet Key Decision (17.09.18)"
    )


def test_the_handwritten_trail_verifies(trail) -> None:
    url, _ = trail
    with open_db(url).connect() as conn:
        assert verify(conn).ok
