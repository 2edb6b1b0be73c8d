"""PostgreSQL's transition transaction: pipelined, all or nothing, and its connection left clean.

The hot path queues its statements in psycopg's pipeline mode (with BEGIN queued too, the driver
set to autocommit for the transaction's length). These tests hold it to what a transaction must
be: a failure anywhere rolls back everything queued before it; a Core statement in the middle
sees what was queued; the connection goes back to the pool as the pool expects it (not in
autocommit, no transaction open); and a pooled connection the server dropped while it was idle
is replaced, not handed out.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from sqlalchemy import bindparam, func, insert, select, text

from govpath.store import postgresql
from govpath.store.db import open_db
from govpath.store.hot import HotConnection, hot_transaction
from govpath.store.prepared import Prepared
from govpath.store.tables import actors

pytestmark = pytest.mark.postgres

ADD = Prepared(
    insert(actors).values(
        email=bindparam("email"), name="x", created_at=func.now(), updated_at=func.now()
    )
)
COUNT = Prepared(select(func.count().label("n")).select_from(actors))


def _driver(conn: HotConnection) -> Any:
    return conn.connection.driver_connection


def _emails(url: str) -> list[str]:
    with open_db(url).connect() as conn:
        return sorted(conn.scalars(select(actors.c.email)))


def test_queued_writes_commit_together_and_the_connection_goes_back_as_it_came(
    pg_url: str,
) -> None:
    engine = open_db(pg_url)
    with HotConnection(engine) as conn:
        driver = _driver(conn)
        with hot_transaction(conn):
            assert conn.pipe is not None  # pipelined: nothing below waits for an answer
            ADD.send(conn, {"email": "a@k.example"})
            ADD.executemany(conn, [{"email": "b@k.example"}, {"email": "c@k.example"}])
            assert COUNT.records(conn)[0]["n"] == 3  # a read is answered after them
        assert driver.autocommit is False
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert _emails(pg_url) == ["a@k.example", "b@k.example", "c@k.example"]


def test_a_failure_in_the_pipeline_rolls_back_everything_queued_before_it(pg_url: str) -> None:
    engine = open_db(pg_url)
    with pytest.raises(psycopg.errors.UniqueViolation), HotConnection(engine) as conn:
        driver = _driver(conn)
        with hot_transaction(conn):
            ADD.send(conn, {"email": "a@k.example"})
            ADD.send(conn, {"email": "a@k.example"})  # fails when its answer comes
            ADD.send(conn, {"email": "z@k.example"})
    assert driver.closed or driver.autocommit is False  # never an autocommit pool connection
    assert _emails(pg_url) == []


def test_an_exception_after_queued_writes_rolls_them_back(pg_url: str) -> None:
    engine = open_db(pg_url)
    with pytest.raises(RuntimeError), HotConnection(engine) as conn:
        driver = _driver(conn)
        with hot_transaction(conn):
            ADD.send(conn, {"email": "a@k.example"})
            raise RuntimeError("the decision found a conflict")
    assert driver.autocommit is False
    assert _emails(pg_url) == []


def test_a_core_statement_in_the_middle_sees_the_queued_writes_and_joins_the_transaction(
    pg_url: str,
) -> None:
    engine = open_db(pg_url)
    with HotConnection(engine) as conn:
        with hot_transaction(conn):
            ADD.send(conn, {"email": "a@k.example"})
            seen = conn.execute(select(actors.c.email)).scalars().all()  # Core ends the pipeline
            assert conn.pipe is None
            ADD.send(conn, {"email": "b@k.example"})
        assert seen == ["a@k.example"]
    assert _emails(pg_url) == ["a@k.example", "b@k.example"]
    with engine.connect() as core:  # the pool's next user gets a transactional connection
        assert core.connection.driver_connection.autocommit is False  # type: ignore[union-attr]


def test_a_connection_the_server_dropped_while_idle_is_replaced(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgresql, "PING_AFTER_IDLE", 0.05)
    engine = open_db(pg_url)
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.2)  # idle longer than PING_AFTER_IDLE: pinged at checkout, found dead, replaced
    with HotConnection(engine) as conn, hot_transaction(conn):
        ADD.send(conn, {"email": "a@k.example"})
    assert _emails(pg_url) == ["a@k.example"]


def test_a_connection_lost_mid_transition_raises_its_own_error_and_writes_nothing(
    pg_url: str,
) -> None:
    engine = open_db(pg_url)
    pid = Prepared(select(func.pg_backend_pid().label("pid")))
    with (
        pytest.raises(psycopg.OperationalError) as raised,
        HotConnection(engine) as conn,
        hot_transaction(conn),
    ):
        ADD.send(conn, {"email": "a@k.example"})
        mine = pid.records(conn)[0]["pid"]
        with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (mine,))
        ADD.send(conn, {"email": "b@k.example"})
        COUNT.records(conn)
    # the server's own reason, not a second failure while cleaning up after it
    assert "server closed the connection" in str(raised.value)
    assert "the connection is lost" not in str(raised.value)
    assert _emails(pg_url) == []  # and the pool's next user gets a working connection


def test_a_transition_whose_connection_is_lost_says_so_in_a_sentence_and_moves_nothing(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govpath.errors import Conflict
    from govpath.runtime.api import advance, plan_status
    from tests.test_runtime_audit import build_trail

    engine = build_trail(pg_url)  # plan 1 is in qa_review, where record_progress loops
    before = plan_status(engine, 1)
    # the server drops every pooled connection; the pool hands one out without a ping
    monkeypatch.setattr(postgresql, "PING_AFTER_IDLE", 3600)
    with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    with pytest.raises(Conflict) as refused:
        advance(engine, 1, "record_progress", "pol@kent.gov.uk", {"progress": "60"})
    assert str(refused.value) == (
        "the connection to the database was lost while plan 1 was being advanced. Look at "
        "`govpath plan status 1` to see whether it moved before trying again."
    )
    engine.dispose()  # the other dropped connections go; new ones are made
    after = plan_status(engine, 1)
    assert (after["state"], after["plan_version"]) == (before["state"], before["plan_version"])
