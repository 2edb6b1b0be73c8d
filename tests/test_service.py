"""The long-running scheduler as a service: failing sweeps stop it, the checkpoint hook, its jobs."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from govpath.config import load_settings
from govpath.scheduler.service import (
    EXIT_SWEEPS_FAILING,
    find_checkpoint_job,
    run_checkpoint,
    run_service,
    triggers,
)

ROOT = Path(__file__).resolve().parent.parent
CALLS: list[tuple[Any, ...]] = []


def checkpoint_for_tests(engine: Any, settings: Any, now: dt.datetime) -> None:
    """A stand-in for the trail's checkpoint function, looked up by name like the real one."""
    CALLS.append((engine, now, settings.checkpoint_job))


def _settings(**changes: Any) -> Any:
    return load_settings(env={}, path="/nonexistent/govpath.toml").with_(**changes)


def _run_with_timeout(engine: Any, settings: Any, seconds: float = 30) -> int:
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    try:
        return run_service(
            engine, settings, lambda: dt.datetime.now(dt.UTC), stop=stop, install_signals=False
        )
    finally:
        timer.cancel()


def test_failing_sweeps_stop_the_service_with_a_non_zero_code_and_log_their_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = create_engine(f"sqlite:///{tmp_path}/no/such/folder/govpath.db")
    settings = _settings(sweep_interval=0.05, max_failed_sweeps=3, checkpoint_job="nowhere:f")
    with caplog.at_level(logging.INFO, logger="govpath"):
        code = _run_with_timeout(broken, settings)
    assert code == EXIT_SWEEPS_FAILING
    failures = [r for r in caplog.records if r.getMessage().startswith("sweep at")]
    assert len(failures) == 3
    assert all(r.exc_info is not None for r in failures)  # each with its traceback
    assert "3 sweeps in a row failed" in caplog.text


def test_a_sweep_that_succeeds_resets_the_count(tmp_path: Path, sqlite_url: str) -> None:
    from govpath.store.db import open_db

    engine = open_db(sqlite_url)
    stop = threading.Event()
    seen: list[dt.datetime] = []

    def report(at: dt.datetime, result: Any) -> None:
        seen.append(at)
        if len(seen) >= 3:
            stop.set()

    code = run_service(
        engine,
        _settings(sweep_interval=0.05, max_failed_sweeps=1, checkpoint_job="nowhere:f"),
        lambda: dt.datetime.now(dt.UTC),
        report=report,
        stop=stop,
        install_signals=False,
    )
    assert code == 0 and len(seen) >= 3


def test_the_checkpoint_hook_is_called_by_name_and_skips_when_absent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = dt.datetime(2013, 3, 31, 1, 30, tzinfo=dt.UTC)
    here = _settings(checkpoint_job=f"{__name__}:checkpoint_for_tests")
    CALLS.clear()
    assert run_checkpoint("engine", now, here) is True
    called = [("engine", now, f"{__name__}:checkpoint_for_tests")]
    assert called == CALLS
    absent = _settings(checkpoint_job="govpath.audit.no_such_module:scheduled_checkpoint")
    with caplog.at_level(logging.INFO, logger="govpath"):
        assert run_checkpoint("engine", now, absent) is False
    assert "daily checkpoint skipped" in caplog.text
    assert find_checkpoint_job(f"{__name__}:no_such_function") is None
    # the default names the trail's real checkpoint function
    from govpath.audit.checkpoints import daily_checkpoint
    from govpath.config import CHECKPOINT_JOB

    assert find_checkpoint_job(CHECKPOINT_JOB) is daily_checkpoint


def test_the_jobs_fire_at_local_hours_across_the_clock_changes() -> None:
    """The digest (Monday 07:00) and the checkpoint (02:00) keep their local hour in GMT and BST."""
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    job = triggers(_settings(digest_day="mon", digest_hour=7, checkpoint_hour=2))
    # Saturday before the spring change (Sunday 31 March 2013): next digest is Monday 1 April BST.
    before = dt.datetime(2013, 3, 30, 12, tzinfo=london)
    digest = job["digest"].get_next_fire_time(None, before)
    assert digest.astimezone(london).replace(tzinfo=None) == dt.datetime(2013, 4, 1, 7)
    assert digest.astimezone(dt.UTC).hour == 6  # 07:00 BST
    autumn = dt.datetime(2013, 10, 26, 12, tzinfo=london)  # the change is Sunday 27 October
    digest = job["digest"].get_next_fire_time(None, autumn)
    assert digest.astimezone(dt.UTC) == dt.datetime(2013, 10, 28, 7, tzinfo=dt.UTC)  # 07:00 GMT
    # The checkpoint at 02:00 on the autumn Sunday happens once (01:00-02:00 repeats, not 02:00).
    cp = job["checkpoint"].get_next_fire_time(None, autumn)
    assert cp.astimezone(london).replace(tzinfo=None) == dt.datetime(2013, 10, 27, 2)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVPATH_")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def test_scheduler_run_exits_non_zero_after_failed_sweeps_without_a_traceback(
    tmp_path: Path,
) -> None:
    from sqlalchemy import text

    from govpath.store.db import open_db

    url = f"sqlite:///{tmp_path}/govpath.db"
    with open_db(url).begin() as conn:  # a database whose sweeps fail: its outbox is gone
        conn.execute(text("DROP TABLE outbox"))
    proc = subprocess.run(
        [sys.executable, "-m", "govpath", "--log-format", "json", "scheduler", "run"],
        cwd=tmp_path,
        env=_env(
            GOVPATH_DB=url,
            GOVPATH_SWEEP_INTERVAL="0.1",
            GOVPATH_MAX_FAILED_SWEEPS="2",
            GOVPATH_CHECKPOINT_JOB="nowhere:f",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == EXIT_SWEEPS_FAILING, proc.stderr
    import json

    lines = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    failed = [rec for rec in lines if rec["message"].startswith("sweep at")]
    assert len(failed) == 2 and all(rec["exc_type"] and rec["stack"] for rec in failed)
    assert not any(line.startswith("Traceback") for line in proc.stderr.splitlines())


def test_json_log_lines_carry_the_plan_deadline_and_message_ids(
    tmp_path: Path, sqlite_url: str
) -> None:
    import json

    from tests.conftest import Cli
    from tests.scheduler_support import london, seed

    engine = open_db_for(sqlite_url)
    ids = seed(engine, notices=[("reminder", "director@kent.example", london(2012, 12, 3))])
    cli = Cli(tmp_path, db=sqlite_url, env={"GOVPATH_MAIL_DIR": str(tmp_path / "mail")})
    proc = cli(
        "--log-format",
        "json",
        "--log-level",
        "INFO",
        "scheduler",
        "run",
        "--once",
        "--now",
        "2012-12-03T09:00",
        check=0,
    )
    records = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    sent = [r for r in records if r["logger"] == "govpath.mail"]
    assert sent, proc.stderr
    assert sent[0]["message"] == "reminder message sent"
    assert sent[0]["plan_id"] == ids["plan"] and sent[0]["deadline_id"] == ids["deadline"]
    assert isinstance(sent[0]["message_id"], int)
    # the default (text, WARNING) says nothing about a message sent as expected
    quiet = cli("scheduler", "run", "--once", "--now", "2012-12-04T09:00", check=0)
    assert "message sent" not in quiet.stderr


def open_db_for(url: str) -> Any:
    from govpath.store.db import open_db

    return open_db(url)
