"""The JSON API over the demo year: tokens, scopes, the trail, decisions, advancing, OpenAPI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from govpath.runtime.api import start_plan
from govpath.runtime.tokens import create_token, revoke_token
from govpath.store.db import open_db
from govpath.store.tables import audit_events
from govpath.web.api.v1 import create_api
from tests.conftest import Cli
from tests.demo_support import AUDITOR, DIRECTOR, demo_copy

NOW = dt.datetime(2012, 10, 16, 9, tzinfo=dt.UTC)


@pytest.fixture
def demo_url(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> str:
    return demo_copy(tmp_path_factory.getbasetemp(), tmp_path / "db")


def client_for(url: str) -> TestClient:
    engine = open_db(url)
    app = FastAPI()
    app.mount("/api/v1", create_api(SimpleNamespace(engine=engine, now=lambda: NOW)))
    return TestClient(app)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_read_token_reads_but_cannot_advance(demo_url: str) -> None:
    engine = open_db(demo_url)
    plan = start_plan(engine, "kcc_2013_14", "API plan", DIRECTOR, now=NOW)["id"]
    read = create_token(engine, DIRECTOR, "reader", "read", now=NOW).secret
    act = create_token(engine, DIRECTOR, "writer", "act", now=NOW)
    api = client_for(demo_url)

    listed = api.get("/api/v1/plans", headers=bearer(read))
    assert listed.status_code == 200 and plan in {p["id"] for p in listed.json()}
    one = api.get(f"/api/v1/plans/{plan}", headers=bearer(read)).json()
    assert one["state"] == "headline_priorities" and one["deadlines"] and one["history"]
    assert "submit_headlines" in {t["trigger"] for t in one["available"]}

    body = {"trigger": "submit_headlines", "fields": {"headline_priorities": "h.pdf"}}
    refused = api.post(f"/api/v1/plans/{plan}/advance", json=body, headers=bearer(read))
    assert refused.status_code == 403 and "can only read" in refused.json()["error"]
    assert api.get(f"/api/v1/plans/{plan}", headers=bearer(read)).json()["state"] == one["state"]

    cannot = api.post(f"/api/v1/plans/{plan}/advance", headers=bearer(act.secret),
                      json={"trigger": "approve_key_decision"})  # fmt: skip
    assert cannot.status_code == 422 and "fires only from" in cannot.json()["error"]
    other = create_token(engine, "fiona.hollis@kent.example", "w", "act", now=NOW).secret
    not_theirs = api.post(f"/api/v1/plans/{plan}/advance", json=body, headers=bearer(other))
    assert not_theirs.status_code == 403 and "plans you own" in not_theirs.json()["error"]
    done = api.post(f"/api/v1/plans/{plan}/advance", json=body, headers=bearer(act.secret))
    assert done.status_code == 200, done.text
    assert done.json()["from"] == "headline_priorities"
    second = start_plan(engine, "kcc_2013_14", "Second plan", DIRECTOR, now=NOW)["id"]
    stale = api.post(f"/api/v1/plans/{second}/advance", headers=bearer(act.secret),
                     json={**body, "expected_version": 5})  # fmt: skip
    assert stale.status_code == 409 and "not 5" in stale.json()["error"]
    unknown = api.post(f"/api/v1/plans/{plan}/advance", headers=bearer(act.secret),
                       json={"trigger": "submit_headlinez"})  # fmt: skip
    assert unknown.status_code in (400, 422) and "submit_headlines" in unknown.json()["error"]

    with engine.connect() as conn:
        event = conn.execute(
            select(audit_events.c.actor, audit_events.c.data)
            .where(audit_events.c.plan_id == plan, audit_events.c.kind == "transition")
        ).one()  # fmt: skip
    assert event.actor == DIRECTOR  # the act is the token owner's


def test_a_director_is_refused_the_trail_through_the_api(demo_url: str) -> None:
    engine = open_db(demo_url)
    token = create_token(engine, DIRECTOR, "reader", "read", now=NOW).secret
    api = client_for(demo_url)
    for path in ("/api/v1/trail?plan=1", "/api/v1/decisions"):
        got = api.get(path, headers=bearer(token))
        assert got.status_code == 403 and "auditors" in got.json()["error"]
    assert api.post("/api/v1/verify", headers=bearer(token)).status_code == 403
    with engine.connect() as conn:
        kinds = conn.execute(
            select(audit_events.c.kind).where(audit_events.c.actor == DIRECTOR)
            .where(audit_events.c.kind == "access_refused")
        ).all()  # fmt: skip
    assert len(kinds) == 3


def test_revoked_expired_and_missing_tokens_are_refused(demo_url: str) -> None:
    engine = open_db(demo_url)
    revoked = create_token(engine, AUDITOR, "old", "read", now=NOW)
    revoke_token(engine, AUDITOR, revoked.id, now=NOW)
    expired = create_token(engine, AUDITOR, "short", "read", days=1, now=NOW - dt.timedelta(days=2))
    api = client_for(demo_url)
    for headers in (bearer(revoked.secret), bearer(expired.secret), bearer("gpat_" + "x" * 43),
                    {"Authorization": "Basic abc"}, {}):  # fmt: skip
        got = api.get("/api/v1/plans", headers=headers)
        assert got.status_code == 401, headers
        assert got.headers["www-authenticate"].startswith("Bearer")
        assert "token" in got.json()["error"] or "sign in" in got.json()["error"]


def test_an_auditor_reads_the_trail_decisions_meetings_and_verifies(
    demo_url: str, tmp_path: Path
) -> None:
    engine = open_db(demo_url)
    token = create_token(engine, AUDITOR, "Power BI", "read", now=NOW)
    api = client_for(demo_url)
    h = bearer(token.secret)
    page = api.get("/api/v1/trail", params={"plan": 2, "limit": 10}, headers=h).json()
    assert page["mode"] == "events" and len(page["rows"]) == 10 and page["more"]
    assert page["next_offset"] == 10 and {r["plan"] for r in page["rows"]} == {2}
    assert all(r["channel"] in ("cli", "scheduler") for r in page["rows"])
    full = api.get("/api/v1/trail", params={"plan": 2, "limit": 0}, headers=h).json()["rows"]
    cli_rows = list(csv.DictReader(io.StringIO(
        Cli(tmp_path, db=demo_url)("audit", "query", "--plan", "2", "--limit", "0",
                                   "--format", "csv", check=0).stdout)))  # fmt: skip
    assert [int(r["seq"]) for r in cli_rows] == [r["seq"] for r in full]
    kinds = api.get("/api/v1/trail", params=[("kind", "refusal"), ("kind", "plan_started")],
                    headers=h).json()["rows"]  # fmt: skip
    assert {r["kind"] for r in kinds} == {"refusal", "plan_started"}
    by_cli = Cli(tmp_path, db=demo_url)(
        "audit", "query", "--kind", "refusal", "--kind", "plan_started", "--format", "json", check=0
    ).stdout
    assert [r["seq"] for r in kinds] == [r["seq"] for r in json.loads(by_cli)]
    bad = api.get("/api/v1/trail", params={"since": "last week"}, headers=h)
    assert bad.status_code == 400 and "is not a date" in bad.json()["error"]

    decisions = api.get("/api/v1/decisions", headers=h).json()
    assert len(decisions) == 6
    marked = [d for d in decisions if d["route_taken"] == "general exception"]
    assert len(marked) == 1 and marked[0]["short_notice"] and marked[0]["flags"]
    one = api.get(f"/api/v1/decisions/{marked[0]['event']}", headers=h).json()
    assert one["plan"] == marked[0]["plan"] and one["call_in_end"]
    assert api.get("/api/v1/decisions/1", headers=h).status_code == 404

    meetings = api.get("/api/v1/meetings", params={"body": "cabinet"}, headers=h).json()
    assert meetings and {m["body"] for m in meetings} == {"cabinet"}

    checked = api.post("/api/v1/verify", headers=h).json()
    assert checked["ok"] and checked["last_verified"]["seq"] == checked["count"]
    with engine.connect() as conn:
        row = conn.execute(
            select(audit_events.c.actor, audit_events.c.data)
            .where(audit_events.c.seq == checked["recorded_as"])
        ).one()  # fmt: skip
    assert row.actor == AUDITOR and f'"token_id":"{token.id}"' in row.data
    assert '"channel":"api"' in row.data


def test_the_openapi_document_validates() -> None:
    from openapi_spec_validator import validate

    api = create_api(SimpleNamespace(engine=None, now=lambda: NOW))
    doc = TestClient(api).get("/openapi.json").json()
    validate(doc)
    assert doc["openapi"].startswith("3.")
    paths = set(doc["paths"])
    assert {"/plans", "/plans/{plan_id}", "/plans/{plan_id}/advance", "/trail", "/decisions",
            "/decisions/{event_id}", "/meetings", "/verify", "/me"} <= paths  # fmt: skip
    assert "403" in doc["paths"]["/plans/{plan_id}/advance"]["post"]["responses"]


def test_an_api_act_is_recorded_as_the_persons_through_the_api_with_the_token(
    demo_url: str,
) -> None:
    engine = open_db(demo_url)
    plan = start_plan(engine, "kcc_2013_14", "Acting plan", DIRECTOR, now=NOW)["id"]
    act = create_token(engine, DIRECTOR, "writer", "act", now=NOW)
    body = {"trigger": "submit_headlines", "fields": {"headline_priorities": "h.pdf"}}
    done = client_for(demo_url).post(
        f"/api/v1/plans/{plan}/advance", json=body, headers=bearer(act.secret)
    )
    assert done.status_code == 200, done.text
    with engine.connect() as conn:
        data = conn.execute(
            select(audit_events.c.data).where(
                audit_events.c.plan_id == plan, audit_events.c.kind == "transition"
            )
        ).scalar_one()
    acting = json.loads(data)["acting"]
    assert acting["channel"] == "api" and acting["person"] == DIRECTOR
    assert acting["token_id"] == str(act.id)
