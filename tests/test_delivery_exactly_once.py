"""Two scheduler processes on one PostgreSQL database, a short lease and a slow SMTP server."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from govpath.config import Settings
from govpath.scheduler.sweep import run_sweep
from govpath.store import tables as t
from govpath.store.db import open_db
from tests.conftest import ROOT
from tests.scheduler_support import SmtpServer, london, seed

EMPTY_CONFIG = str(Path(__file__).parent / "data" / "empty.toml")  # no settings file


MESSAGES = 24
PER_MESSAGE = 0.35  # seconds the server takes over each message: the batch outlasts the lease
LEASE = 2


def _scheduler(url: str, port: int, *extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GOVPATH_DB": url,
        "GOVPATH_SMTP_HOST": "127.0.0.1",
        "GOVPATH_SMTP_PORT": str(port),
        "GOVPATH_LEASE_SECONDS": str(LEASE),
        "GOVPATH_CONFIG": EMPTY_CONFIG,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "govpath", "scheduler", "run", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.postgres
def test_a_second_scheduler_never_takes_a_message_still_being_sent(pg_url: str) -> None:
    engine = open_db(pg_url)
    today = dt.date.today()  # the schedulers run on the real clock: the deadlines must be open
    for n in range(MESSAGES):
        seed(
            engine,
            due=today + dt.timedelta(days=60),
            meeting_date=today + dt.timedelta(days=75),
            owner=f"director{n}@kent.example",
            notices=[("reminder", f"director{n}@kent.example", london(2012, 12, 6))],
        )
    # Queue the messages (the clock is real from here: they are long due).
    run_sweep(engine, london(2012, 12, 6, 9), settings=Settings(), deliver=False, digest=False)
    with engine.connect() as conn:
        queued = conn.execute(select(func.count()).select_from(t.outbox)).scalar()
    assert queued == MESSAGES

    smtp = SmtpServer().start()
    original = smtp.handler.handle_DATA

    async def slow(server, session, envelope):
        await asyncio.sleep(PER_MESSAGE)
        return await original(server, session, envelope)

    smtp.handler.handle_DATA = slow  # type: ignore[method-assign]
    try:
        first = _scheduler(pg_url, smtp.port, "--once")
        time.sleep(1.5)  # the first has claimed the whole batch and is sending it
        second = _scheduler(pg_url, smtp.port, "--interval", "0.5")
        try:
            first.wait(timeout=120)
        finally:
            time.sleep(LEASE + 1.5)  # the second keeps sweeping after the first is done
            second.send_signal(signal.SIGTERM)
            _out, err = second.communicate(timeout=60)
        assert first.returncode == 0, first.stderr.read() if first.stderr else ""
        assert second.returncode == 0, err
    finally:
        smtp.stop()

    counts = Counter(smtp.handler.ids())
    twice = {k: v for k, v in counts.items() if v > 1}
    assert not twice, f"{len(twice)} messages were received more than once"
    with engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.message_id, t.outbox.c.status, t.outbox.c.kind))
        reminders = {mid: status for mid, status, kind in rows if kind == "reminder"}
    assert len(reminders) == MESSAGES and set(reminders.values()) == {"sent"}
    assert set(reminders) <= set(counts), "every reminder reached the server"
