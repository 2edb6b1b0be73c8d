"""The trail's hash chain: any edit, deletion or swap made behind govpath's back is found."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, insert, text

from govpath.audit.chain import GENESIS, append_event, verify
from govpath.store.tables import audit_head, metadata
from tests.conftest import Cli
from tests.test_runtime_cli import FINANCE_RUN, two_plans

T0 = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)


def build_trail(url: str):
    """A trail of a few dozen events written through the runtime API."""
    from govpath.runtime.api import advance

    engine, fin, _edu = two_plans(url, T0)
    for i, (trigger, actor, values, _stage) in enumerate(FINANCE_RUN[:2]):
        advance(engine, fin, trigger, actor, values, now=T0 + dt.timedelta(hours=i + 1))
    return engine


def disable_guard(conn) -> None:
    """What a malicious DBA would do first: switch off the append-only triggers."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))


TAMPERS = {
    "edit_note": ("UPDATE audit_events SET note = 'nothing to see' WHERE seq = :k", "altered"),
    "edit_actor": ("UPDATE audit_events SET actor = 'cm@kent.gov.uk' WHERE seq = :k", "altered"),
    "edit_data": ("UPDATE audit_events SET data = '{}' WHERE seq = :k", "altered"),
    # the same JSON meaning, other bytes: the hash covers the stored text as it is
    "reformat_data": (
        "UPDATE audit_events SET data = replace(data, ':', ': ') WHERE seq = :k",
        "altered",
    ),
    "edit_time": ("UPDATE audit_events SET at = :later WHERE seq = :k", "altered"),
    "delete": ("DELETE FROM audit_events WHERE seq = :k", "removed"),
    "swap": (
        "UPDATE audit_events SET seq = -1 WHERE seq = :k; "
        "UPDATE audit_events SET seq = :k WHERE seq = :k + 1; "
        "UPDATE audit_events SET seq = :k + 1 WHERE seq = -1",
        "reordered",
    ),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_any_single_tampering_is_found_and_named(db_url: str, tmp_path: Path, tamper: str) -> None:
    engine = build_trail(db_url)
    with engine.connect() as conn:
        good = verify(conn)
    assert good.ok and good.count >= 10
    k = 9  # the submit_draft transition, in the middle of the trail (one event follows it)
    with engine.connect() as conn:
        kind, trigger = conn.execute(
            text("SELECT kind, trigger FROM audit_events WHERE seq = :k"), {"k": k}
        ).one()
    assert (kind, trigger) == ("transition", "submit_draft")
    statement, problem = TAMPERS[tamper]
    with engine.begin() as conn:
        disable_guard(conn)
        for part in statement.split("; "):
            conn.execute(text(part), {"k": k, "later": T0 + dt.timedelta(days=3)})
    with engine.connect() as conn:
        result = verify(conn)
        row = conn.execute(
            text("SELECT id, kind, plan_id FROM audit_events WHERE seq = :k"),
            {"k": k + 1 if tamper == "delete" else k},
        ).one()
    assert not result.ok
    assert result.problem == problem
    expected_seq = k + 1 if tamper == "delete" else k
    assert result.first_bad_seq == expected_seq
    assert (result.event_id, result.kind, result.plan_id) == (row.id, row.kind, row.plan_id)

    proc = Cli(tmp_path, db=db_url)("audit", "verify", check=5)
    assert f"event seq {expected_seq} (id {row.id}, {row.kind}" in proc.stderr
    assert problem in proc.stderr or (problem == "altered" and "was altered" in proc.stderr)
    out = json.loads(Cli(tmp_path, db=db_url)("audit", "verify", "--json", check=5).stdout)
    assert (out["ok"], out["first_bad_seq"], out["problem"]) == (False, expected_seq, problem)


def test_deleting_the_newest_events_is_found_from_the_chain_head(db_url: str) -> None:
    engine = build_trail(db_url)
    with engine.begin() as conn:
        disable_guard(conn)
        last = conn.execute(text("SELECT max(seq) FROM audit_events")).scalar()
        conn.execute(text("DELETE FROM audit_events WHERE seq >= :s"), {"s": last - 1})
    with engine.connect() as conn:
        result = verify(conn)
    assert not result.ok and result.problem == "removed"
    assert "the last 2 event(s) were removed" in result.reason


def _memory_chain(n: int):
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(audit_head).values(id=1, seq=0, hash=GENESIS))
        for i in range(n):
            append_event(
                conn,
                kind="transition",
                at=T0 + dt.timedelta(minutes=i),
                plan_id=i % 3 + 1,
                trigger=f"t{i}",
                from_state="a",
                to_state="b",
                actor="x@kent.gov.uk",
                data={"i": i, "fields": {"v": i * 7}},
            )
    return engine


COLUMNS = {
    "plan_id": "999",
    "kind": "'refusal'",
    "trigger": "'other'",
    "from_state": "'z'",
    "to_state": "'z'",
    "actor": "'mallory@kent.gov.uk'",
    "body": "'cabinet'",
    "meeting_id": "7",
    "note": "'edited'",
    "data": "'{\"i\":-1}'",
    "prev_hash": "'" + "1" * 64 + "'",
    "hash": "'" + "2" * 64 + "'",
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 25), data=st.data())
def test_property_any_field_of_any_event_changed_breaks_the_chain_there(n: int, data) -> None:
    engine = _memory_chain(n)
    seq = data.draw(st.integers(1, n))
    column = data.draw(st.sampled_from(sorted(COLUMNS)))
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE audit_events SET {column} = {COLUMNS[column]} WHERE seq = :s"), {"s": seq}
        )
    with engine.connect() as conn:
        result = verify(conn)
    assert not result.ok
    assert result.first_bad_seq == seq, (column, seq, result)
    assert result.problem == ("reordered" if column == "prev_hash" else "altered")


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 30))
def test_property_an_untouched_chain_verifies_with_its_count(n: int) -> None:
    with _memory_chain(n).connect() as conn:
        result = verify(conn)
    assert result.ok and result.count == n


_json_scalars = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
_json_values = st.recursive(
    _json_scalars | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        | st.dictionaries(st.integers(-20, 20), inner, max_size=3)
    ),  # (JSON can't sort mixed keys)
    max_leaves=8,
)
_optional_text = st.none() | st.text(max_size=12)
_events = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["transition", "deadline_met", "refusal"]),
        "at": st.datetimes(
            min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)
        ).map(lambda d: d.replace(tzinfo=dt.UTC)),
        "plan_id": st.none() | st.integers(1, 10**6),
        "trigger": _optional_text,
        "from_state": _optional_text,
        "to_state": _optional_text,
        "actor": _optional_text,
        "body": _optional_text,
        "meeting_id": st.none() | st.integers(1, 10**6),
        "note": _optional_text,
        "data": st.dictionaries(st.text(max_size=6), _json_values, max_size=4)
        | st.dictionaries(st.integers(-5, 5), _json_values, max_size=4),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.lists(st.lists(_events, min_size=1, max_size=4), min_size=1, max_size=4))
def test_property_whatever_events_hold_the_appended_chain_verifies(batches) -> None:
    """The append path lays out each event's hashed text itself, around its stored data; whatever
    an event holds — int keys, floats, dates, quotes, non-ASCII — ``audit verify`` recomputes the
    same hashes from the stored rows."""
    from govpath.audit.chain import append_events

    engine = _memory_chain(0)
    for batch in batches:
        with engine.begin() as conn:
            append_events(conn, batch)
    with engine.connect() as conn:
        result = verify(conn)
    assert result.ok, result.reason
    assert result.count == sum(len(b) for b in batches)
