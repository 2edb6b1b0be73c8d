"""Delivery to a real SMTP server (aiosmtpd over TCP) and as .eml files: nothing lost or doubled."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select, update

from govpath.config import Settings
from govpath.scheduler.sweep import run_sweep
from govpath.store import tables as t
from govpath.store.db import open_db
from tests.scheduler_support import SmtpServer, free_port, london, seed

DIRECTOR = "director@kent.example"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def _reminders(days: list[int]) -> list[tuple[str, str, dt.datetime]]:
    return [("reminder", DIRECTOR, london(2012, 12, d)) for d in days]


def _outbox(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.outbox).order_by(t.outbox.c.id)).mappings()]


def test_one_connection_carries_the_whole_batch(sqlite_url: str, smtp: SmtpServer) -> None:
    engine = open_db(sqlite_url)
    for n in range(6):
        seed(
            engine,
            owner=f"director{n}@kent.example",
            notices=[("reminder", f"director{n}@kent.example", london(2012, 12, 6))],
        )
    sessions: list = []
    original = smtp.handler.handle_DATA

    async def counting(server, session, envelope):
        sessions.append(session.peer)
        return await original(server, session, envelope)

    smtp.handler.handle_DATA = counting  # type: ignore[method-assign]
    settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp.port)
    result = run_sweep(engine, london(2012, 12, 6, 9), settings=settings, digest=False)
    assert result.delivered == 6 and len(smtp.messages) == 6
    assert len(set(sessions)) == 1, "every message of a batch goes over the same SMTP connection"
    assert {m["To"] for m in smtp.messages} == {f"director{n}@kent.example" for n in range(6)}


def test_server_down_then_back_loses_nothing_and_duplicates_nothing(sqlite_url: str) -> None:
    engine = open_db(sqlite_url)
    seed(engine, notices=_reminders([6, 10, 17]))
    port = free_port()
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, retry_base_seconds=600)
    # The server is down for the first two reminders: they stay pending and are retried.
    r1 = run_sweep(engine, london(2012, 12, 6, 9), settings=settings, digest=False)
    assert (r1.messages_created, r1.delivered, r1.retry_later) == (1, 0, 1)
    (row,) = _outbox(engine)
    assert (
        row["status"] == "pending"
        and row["attempts"] == 1
        and "cannot connect" in row["last_error"]
    )
    assert row["next_attempt_at"].replace(tzinfo=dt.UTC) == london(2012, 12, 6, 9) + dt.timedelta(
        minutes=10
    )
    r2 = run_sweep(
        engine, london(2012, 12, 6, 9) + dt.timedelta(minutes=5), settings=settings, digest=False
    )
    assert r2.retry_later == 0, "not retried before its backoff is over"
    run_sweep(engine, london(2012, 12, 10, 9), settings=settings, digest=False)
    assert [r["attempts"] for r in _outbox(engine)] == [2, 1]
    server = SmtpServer(port).start()
    try:
        for day in range(10, 20):
            run_sweep(engine, london(2012, 12, day, 9), settings=settings, digest=False)
    finally:
        server.stop()
    counts = Counter(server.handler.ids())
    assert len(counts) == 3 and set(counts.values()) == {1}
    assert {r["message_id"] for r in _outbox(engine)} == set(counts)
    assert all(r["status"] == "sent" for r in _outbox(engine))


def test_permanent_refusal_fails_at_once_and_temporary_ones_back_off(
    sqlite_url: str, smtp: SmtpServer
) -> None:
    engine = open_db(sqlite_url)
    seed(
        engine,
        owner="gone@kent.example",
        notices=[("reminder", "gone@kent.example", london(2012, 12, 6))],
    )
    seed(
        engine,
        owner="busy@kent.example",
        notices=[("reminder", "busy@kent.example", london(2012, 12, 6))],
    )
    smtp.handler.refuse = {
        "gone@kent.example": "550 5.1.1 no such mailbox",
        "busy@kent.example": "451 4.3.0 try again later",
    }
    settings = Settings(
        smtp_host="127.0.0.1", smtp_port=smtp.port, max_attempts=3, retry_base_seconds=60
    )
    now = london(2012, 12, 6, 9)
    result = run_sweep(engine, now, settings=settings, digest=False)
    assert (result.failed, result.retry_later, result.delivered) == (1, 1, 0)
    gone, busy = sorted(_outbox(engine), key=lambda r: r["recipient"])[::-1]
    assert gone["status"] == "failed" and "550" in gone["last_error"] and gone["attempts"] == 1
    assert busy["status"] == "pending" and "451" in busy["last_error"]
    delays = []
    for _ in range(3):
        with engine.connect() as conn:
            nxt = conn.execute(
                select(t.outbox.c.next_attempt_at).where(
                    t.outbox.c.recipient == "busy@kent.example"
                )
            ).scalar_one()
        nxt = nxt.replace(tzinfo=dt.UTC) if nxt.tzinfo is None else nxt
        delays.append((nxt - now).total_seconds())
        now = nxt
        run_sweep(engine, now, settings=settings, digest=False)
    assert delays[:2] == [60, 120], "exponential backoff"
    busy = next(r for r in _outbox(engine) if r["recipient"] == "busy@kent.example")
    assert (
        busy["status"] == "failed"
        and busy["attempts"] == 3
        and "gave up after 3" in busy["last_error"]
    )
    assert smtp.messages == []


def test_eml_files_when_no_smtp_host(sqlite_url: str, tmp_path: Path) -> None:
    engine = open_db(sqlite_url)
    seed(engine, notices=_reminders([6, 17]))
    mail = tmp_path / "mail"
    settings = Settings(mail_dir=str(mail))
    for day in (6, 6, 7, 17, 18):
        run_sweep(engine, london(2012, 12, day, 9), settings=settings, digest=False)
    files = sorted(mail.glob("*.eml"))
    assert [f.name[:19] for f in files] == ["2012-12-06-reminder", "2012-12-17-reminder"]
    assert not list(mail.glob(".tmp-*")), "no half-written files are left behind"
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == DIRECTOR and msg["Message-ID"] == _outbox(engine)[0]["message_id"]
    assert "Thursday 20 December 2012" in msg.get_body(("plain",)).get_content()
    assert [a.get_content_type() for a in msg.iter_attachments()] == ["text/calendar"]


def test_a_bad_address_in_the_directory_is_refused_not_sent(
    sqlite_url: str, smtp: SmtpServer
) -> None:
    engine = open_db(sqlite_url)
    evil = "director@kent.example\r\nBcc: everyone@example.com"
    ids = seed(engine, notices=[("reminder", evil, london(2012, 12, 6))])
    result = run_sweep(
        engine,
        london(2012, 12, 6, 9),
        settings=Settings(smtp_host="127.0.0.1", smtp_port=smtp.port),
    )
    assert result.delivered == 0 and smtp.messages == []
    (row,) = _outbox(engine)
    assert row["status"] == "failed" and "line break" in row["last_error"]
    with engine.begin() as conn:  # retrying does not get it through either
        conn.execute(update(t.outbox).values(status="pending", next_attempt_at=None))
    run_sweep(
        engine,
        london(2012, 12, 6, 10),
        settings=Settings(smtp_host="127.0.0.1", smtp_port=smtp.port),
    )
    assert smtp.messages == [] and _outbox(engine)[0]["status"] == "failed"
    assert ids["plan"] == 1


def test_a_crash_between_send_and_mark_resends_once_after_the_lease_with_the_same_id(
    sqlite_url: str, smtp: SmtpServer
) -> None:
    from govpath.scheduler.outbox import claim_for_delivery

    engine = open_db(sqlite_url)
    seed(engine, notices=_reminders([6]))
    settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp.port, lease_seconds=300)
    now = london(2012, 12, 6, 9)
    run_sweep(engine, now, settings=settings, deliver=False, digest=False)
    # Another process claims the message, sends it, and dies before recording that it did.
    with engine.begin() as conn:
        (claimed,) = claim_for_delivery(conn, now, "crashed-process", 300, 10)
    assert claimed["status"] == "pending"  # as read; the row itself is now 'sending'
    (row,) = _outbox(engine)
    assert row["status"] == "sending" and row["lease_owner"] == "crashed-process"
    during = run_sweep(engine, now + dt.timedelta(minutes=4), settings=settings, digest=False)
    assert during.delivered == 0 and smtp.messages == [], "nobody touches a message under lease"
    after = run_sweep(engine, now + dt.timedelta(minutes=6), settings=settings, digest=False)
    assert after.delivered == 1
    (msg,) = smtp.messages
    (row,) = _outbox(engine)
    assert (
        msg["Message-ID"] == row["message_id"] and row["status"] == "sent" and row["attempts"] == 2
    )
