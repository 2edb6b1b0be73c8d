"""The read services behind the trail pages and the API, on the demo year's trail."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from govpath.audit.chain import verify
from govpath.audit.export import EVENT_COLUMNS, csv_text
from govpath.audit.register import decision_by_event, register_rows, verify_and_record
from govpath.audit.trail_query import TrailQuery, query_from_params, run_query, trail_records
from govpath.errors import BadInput, NotFound, Refused
from govpath.runtime.access import require_trail_reader
from govpath.store.db import open_db
from tests.conftest import Cli
from tests.demo_support import AUDITOR, DIRECTOR, POLICY, demo_copy


@pytest.fixture
def demo_url(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> str:
    return demo_copy(tmp_path_factory.getbasetemp(), tmp_path / "db")


def test_the_trail_query_gives_the_clis_csv_and_json_byte_for_byte(
    demo_url: str, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, db=demo_url)
    engine = open_db(demo_url)
    for args, params in [
        (["--plan", "2"], {"plan": "2"}),
        (["--decisions"], {"decisions": "1"}),
        (["--kind", "refusal", "--kind", "transition", "--limit", "5", "--offset", "3"],
         {"kind": ["refusal", "transition"], "limit": "5", "offset": "3"}),
        (["--since", "2013-03-01", "--until", "2013-03-31", "--stage", "cabinet"],
         {"since": "2013-03-01", "until": "2013-03-31", "stage": "cabinet"}),
        (["--missed", "--today", "2013-06-01"], {"missed": "1", "today": "2013-06-01"}),
        (["--as-of", "2013-01-10T12:00"], {"as_of": "2013-01-10T12:00"}),
        (["--actor", POLICY, "--body", "cabinet"], {"actor": POLICY, "body": "cabinet"}),
    ]:  # fmt: skip
        with engine.connect() as conn:
            result = run_query(conn, query_from_params(params))
        from govpath.audit.export import json_text

        assert cli("audit", "query", *args, "--format", "csv", check=0).stdout == csv_text(
            result.rows, result.columns
        ), args
        assert cli("audit", "query", *args, "--format", "json", check=0).stdout == json_text(
            result.rows
        ), args
    with engine.connect() as conn:
        rows = run_query(conn, TrailQuery(plan=2)).rows
    assert rows and {r["plan"] for r in rows} == {2}
    assert csv_text(rows, EVENT_COLUMNS).splitlines()[0] == ",".join(EVENT_COLUMNS)


def test_bad_filters_are_one_sentence(demo_url: str) -> None:
    for params, words in [
        ({"plan": "x"}, "plan must be a whole number"),
        ({"since": "March"}, "is not a date or date-time"),
        ({"limit": "-1"}, "limit must be 0 or more"),
        ({"missed": "1", "as_of": "2013-01-01"}, "use one of them"),
    ]:
        with pytest.raises(BadInput, match=words):
            query_from_params(params)


def test_records_name_the_actor_and_the_channel(demo_url: str) -> None:
    engine = open_db(demo_url)
    with engine.connect() as conn:
        page = run_query(conn, TrailQuery(decisions=True))
        records = trail_records(conn, page.rows)
    assert len(records) == 6 and all(r.decision for r in records)
    assert {r.actor_name for r in records} == {"Eamon Bennett"}
    assert {r.channel for r in records} == {"cli"}
    with engine.connect() as conn:
        missed = run_query(conn, TrailQuery(kinds=("deadline_missed",), limit=3))
        assert {r.channel for r in trail_records(conn, missed.rows)} == {"scheduler"}


def test_the_register_lists_six_decisions_with_the_general_exception_marked(demo_url: str) -> None:
    with open_db(demo_url).connect() as conn:
        rows = register_rows(conn)
        assert len(rows) == 6
        routes = {r["plan"]: r["route"] for r in rows}
        assert routes == {1: "general exception", 2: "ordinary", 3: "ordinary", 4: "ordinary",
                          5: "ordinary", 6: "ordinary"}  # fmt: skip
        first = next(r for r in rows if r["plan"] == 1)
        assert first["short_notice"] is True and first["clear_days"] == 23
        assert first["call_in_end"] and first["effective_from"] == "2013-03-26"
        assert not any(r["short_notice"] for r in rows if r["plan"] != 1)
        one = decision_by_event(conn, first["event"])
        assert one.plan == 1 and one.route == "general_exception"
        with pytest.raises(NotFound):
            decision_by_event(conn, 1)  # the pathway's publication, not a decision


def test_verify_is_recorded_with_who_ran_it(demo_url: str) -> None:
    engine = open_db(demo_url)
    with engine.connect() as conn:
        before = verify(conn).count
    result, seq = verify_and_record(engine, AUDITOR, channel="web", context={"token_id": "7"})
    assert result.ok and result.count == before and seq == before + 1
    with engine.connect() as conn:
        row = conn.execute(text("SELECT kind, actor, data FROM audit_events WHERE seq = :s"),
                           {"s": seq}).one()  # fmt: skip
        assert verify(conn).ok  # the recorded check is part of a sound chain
    assert (row.kind, row.actor) == ("audit_verified", AUDITOR)
    assert json.loads(row.data)["count"] == before and json.loads(row.data)["acting"] == {
        "channel": "web",
        "person": AUDITOR,
        "token_id": "7",
    }
    # tamper with one event: the check names it, and that too is recorded
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET note = 'edited' WHERE seq = 40"))
    result, seq = verify_and_record(engine, AUDITOR, channel="api")
    assert not result.ok and result.first_bad_seq == 40 and "altered" in result.reason


def test_a_director_is_refused_the_trail_and_the_refusal_is_recorded(demo_url: str) -> None:
    engine = open_db(demo_url)
    now = dt.datetime(2013, 7, 1, 9, tzinfo=dt.UTC)
    require_trail_reader(engine, AUDITOR, "/audit", channel="web", now=now)
    require_trail_reader(engine, POLICY, "/audit", channel="web", now=now)
    with pytest.raises(Refused, match="auditors, Democratic Services and the policy team"):
        require_trail_reader(engine, DIRECTOR, "/audit", channel="web", now=now)
    with engine.connect() as conn:
        page = run_query(conn, TrailQuery(kinds=("access_refused",)))
    assert [(e["actor"], e["note"]) for e in page.rows] == [(DIRECTOR, "/audit")]
    with engine.connect() as conn:
        (record,) = trail_records(conn, page.rows)
    assert (record.channel, record.signed_in, record.actor_name) == ("web", DIRECTOR, "Alex Okafor")
