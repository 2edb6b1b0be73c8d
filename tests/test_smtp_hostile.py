"""SMTP that is unencrypted, refuses the login, or never answers: no secret sent, nothing hangs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from govpath.config import Settings
from govpath.scheduler.digest import weekly_digest
from govpath.scheduler.sweep import run_sweep
from govpath.store import tables as t
from govpath.store.db import open_db
from tests.scheduler_support import Collector, free_port, london, seed

DIRECTOR = "director@kent.example"


def _outbox(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.outbox).order_by(t.outbox.c.id)).mappings()]


@pytest.fixture
def auth_server() -> Iterator[tuple[int, Collector, list[str]]]:
    """aiosmtpd offering AUTH on a plain connection, refusing every login with 535."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    tried: list[str] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        tried.append(mechanism)
        return AuthResult(success=False, handled=False)

    handler = Collector()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    yield port, handler, tried
    controller.stop()


def test_no_password_goes_over_a_plain_connection_unless_allowed(
    sqlite_url: str, auth_server
) -> None:
    port, handler, tried = auth_server
    engine = open_db(sqlite_url)
    seed(engine, notices=[("reminder", DIRECTOR, london(2012, 12, 6))])
    settings = Settings(
        smtp_host="127.0.0.1", smtp_port=port, smtp_user="clerk", smtp_password="Secret123"
    )
    run_sweep(engine, london(2012, 12, 6, 9), settings=settings, digest=False)
    (row,) = _outbox(engine)
    assert tried == [] and handler.messages == []
    assert row["status"] == "pending" and "unencrypted" in row["last_error"]
    assert "Secret123" not in row["last_error"]


def test_a_refused_login_fails_the_message_with_the_servers_words(
    sqlite_url: str, auth_server, tmp_path
) -> None:
    from tests.conftest import Cli

    port, handler, tried = auth_server
    engine = open_db(sqlite_url)
    seed(engine, notices=[("reminder", DIRECTOR, london(2012, 12, 6))])
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_user="clerk",
        smtp_password="Secret123",
        smtp_allow_plain_auth="yes",
    )
    result = run_sweep(engine, london(2012, 12, 6, 9), settings=settings, digest=False)
    (row,) = _outbox(engine)
    assert tried and handler.messages == []
    assert result.failed == 1 and row["status"] == "failed" and row["attempts"] == 1
    assert "535" in row["last_error"], row["last_error"]
    listed = Cli(tmp_path, db=sqlite_url)("outbox", "list", "--status", "failed", check=0)
    assert "failed" in listed.stdout
    as_json = Cli(tmp_path, db=sqlite_url)("outbox", "list", "--json", check=0)
    assert "535" in as_json.stdout
    # The policy team's digest names it, with the server's words.
    from govpath.notifications.render import Renderer

    with engine.begin() as conn:
        made = weekly_digest(conn, london(2012, 12, 10, 7), Settings(), Renderer())
    assert made >= 1
    digests = [r for r in _outbox(engine) if r["kind"] == "digest"]
    policy = [r for r in digests if r["recipient"].startswith("policy")]
    assert policy and all("535" in r["body_text"] for r in policy)
    assert all("535" not in r["body_text"] for r in digests if r not in policy)


def test_a_server_that_never_answers_times_out(sqlite_url: str) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()
    sock.settimeout(0.2)

    def serve() -> None:
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        engine = open_db(sqlite_url)
        seed(engine, notices=[("reminder", DIRECTOR, london(2012, 12, 6))])
        settings = Settings(smtp_host="127.0.0.1", smtp_port=sock.getsockname()[1], smtp_timeout=2)
        started = time.monotonic()
        result = run_sweep(engine, london(2012, 12, 6, 9), settings=settings, digest=False)
        assert time.monotonic() - started < 10
        (row,) = _outbox(engine)
        assert result.retry_later == 1 and row["status"] == "pending" and row["last_error"]
    finally:
        stop.set()
        thread.join()
        for c in held:
            c.close()
        sock.close()
