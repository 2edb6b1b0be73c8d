"""The scheduler through the CLI: concurrent processes on PostgreSQL, outbox commands, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from govpath.store.db import forget_engines, open_db
from tests.conftest import ROOT, Cli
from tests.scheduler_support import SmtpServer, london, seed


def _env(db: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVPATH_")}
    return {**env, "PYTHONPATH": str(ROOT), "GOVPATH_DB": db, **extra}


@pytest.mark.postgres
def test_two_schedulers_on_one_postgresql_deliver_each_message_exactly_once(
    pg_url: str, tmp_path: Path
) -> None:
    engine = open_db(pg_url)
    owners = [f"director{n}@kent.example" for n in range(12)]
    for owner in owners:
        seed(
            engine,
            owner=owner,
            notices=[("reminder", owner, london(2012, 12, d)) for d in (3, 4, 5, 6)]
            + [("reminder", "role:policy_team", london(2012, 12, 5))],
        )
    forget_engines()
    server = SmtpServer().start()
    env = _env(pg_url, GOVPATH_SMTP_HOST="127.0.0.1", GOVPATH_SMTP_PORT=str(server.port))
    try:
        for day in (3, 5, 5):  # the second pair of processes runs at the same clock again
            procs = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "govpath",
                        "scheduler",
                        "run",
                        "--once",
                        "--now",
                        f"2012-12-{day:02d}T09:00",
                        "--json",
                    ],
                    cwd=tmp_path,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            outs = [p.communicate(timeout=120) for p in procs]
            for p, (_out, err) in zip(procs, outs, strict=True):
                assert p.returncode == 0, err
                assert "Traceback" not in err
    finally:
        server.stop()
    counts = Counter(server.handler.ids())
    # Each director: 3 December, and 5 December (the 4th's reminder collapsed into it); and each
    # deadline's policy-team reminder to its 2 members.
    reminders = [m for m in server.messages if m["Subject"].startswith(("Reminder", "[Late]"))]
    assert len(reminders) == 12 * 2 + 12 * 2
    assert counts and max(counts.values()) == 1, [k for k, v in counts.items() if v > 1]
    out = subprocess.run(
        [sys.executable, "-m", "govpath", "outbox", "list", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = json.loads(out)
    assert {r["status"] for r in rows} == {"sent"} and len(rows) == len(counts)


def test_outbox_list_retry_and_config_show(tmp_path: Path, sqlite_url: str) -> None:
    engine = open_db(sqlite_url)
    seed(
        engine,
        owner="gone@kent.example",
        notices=[("reminder", "gone@kent.example", london(2012, 12, 6))],
    )
    forget_engines()
    server = SmtpServer().start()
    server.handler.refuse = {"gone@kent.example": "550 no such mailbox"}
    cli = Cli(
        tmp_path,
        db=sqlite_url,
        env={
            "GOVPATH_SMTP_HOST": "127.0.0.1",
            "GOVPATH_SMTP_PORT": str(server.port),
            "GOVPATH_SMTP_PASSWORD": "hunter2",
        },
    )
    try:
        cli("scheduler", "run", "--once", "--now", "2012-12-06T09:00", check=0)
        (row,) = json.loads(cli("outbox", "list", "--status", "failed", "--json", check=0).stdout)
        assert {"id", "status", "kind", "plan", "to", "subject", "due"} <= set(row)
        assert (row["status"], row["kind"], row["plan"], row["to"]) == (
            "failed",
            "reminder",
            1,
            "gone@kent.example",
        )
        assert row["due"] == "2012-12-06T08:00:00+00:00" and "550" in row["last_error"]
        server.handler.refuse = {}
        cli("outbox", "retry", str(row["id"]), "--now", "2012-12-06T10:00", check=0)
        cli("scheduler", "run", "--once", "--now", "2012-12-06T10:00", check=0)
        (sent,) = json.loads(cli("outbox", "list", "--json", check=0).stdout)
        assert sent["status"] == "sent" and len(server.messages) == 1
        again = cli("outbox", "retry", str(row["id"]), check=3)
        assert "already sent" in again.stderr
        assert "no message 99" in cli("outbox", "retry", "99", check=1).stderr
        shown = json.loads(cli("config", "show", "--json", check=0).stdout)
        assert shown["smtp_password"] == "********" and "hunter2" not in json.dumps(shown)
        assert shown["smtp_host"] == "127.0.0.1"
        bad = cli("scheduler", "run", "--once", "--now", "next tuesday", check=1)
        assert "not an ISO date-time" in bad.stderr
    finally:
        server.stop()


def test_the_looping_scheduler_sends_then_stops_cleanly_on_sigterm(
    tmp_path: Path, sqlite_url: str
) -> None:
    engine = open_db(sqlite_url)
    seed(engine, notices=[("reminder", "director@kent.example", london(2012, 12, 6))])
    forget_engines()
    mail = tmp_path / "mail"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "govpath",
            "scheduler",
            "run",
            "--interval",
            "0.5",
            "--now",
            "2012-12-06T09:00",
        ],
        cwd=tmp_path,
        env=_env(sqlite_url, GOVPATH_MAIL_DIR=str(mail)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(mail.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.2)  # a few more sweeps: they must not write it again
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err
    assert len(list(mail.glob("*.eml"))) == 1


def test_end_to_end_with_the_runtime_reminder_then_early_completion(
    tmp_path: Path, sqlite_url: str
) -> None:
    from tests.test_scheduler_kcc import EDU, FIN, _setup

    engine = open_db(sqlite_url)
    fin, edu = _setup(engine)  # the KCC 2013/14 pathway, its calendar, people, two plans
    forget_engines()
    mail = tmp_path / "mail"
    cli = Cli(tmp_path, db=sqlite_url, env={"GOVPATH_MAIL_DIR": str(mail)})
    cli("scheduler", "run", "--once", "--now", "2012-10-19T10:00", check=0)
    first = sorted(p.name for p in mail.glob("*.eml"))
    assert len(first) == 2 and all(n.startswith("2012-10-19-reminder-") for n in first)
    cli(
        "plan",
        "advance",
        str(edu),
        "submit_headlines",
        "--actor",
        EDU,
        "--set",
        "headline_priorities=edu.pdf",
        check=0,
    )
    cli("scheduler", "run", "--once", "--now", "2012-10-30T10:00", check=0)
    rows = json.loads(cli("outbox", "list", "--json", check=0).stdout)
    assert sorted((r["to"], r["due"][:10], r["status"]) for r in rows) == [
        (EDU, "2012-10-19", "sent"),
        (FIN, "2012-10-19", "sent"),
        (FIN, "2012-10-30", "sent"),  # Education completed early: nothing more for it
    ]
    assert {r["plan"] for r in rows} == {fin, edu} and len(list(mail.glob("*.eml"))) == 3


def test_every_command_reads_the_database_from_the_file_govpath_config_names(
    tmp_path: Path,
) -> None:
    """The scheduler's outbox commands and the plan commands find the same database in the
    settings file named by GOVPATH_CONFIG, wherever they are run from."""
    config = tmp_path / "etc" / "govpath.toml"
    config.parent.mkdir()
    db = tmp_path / "council.db"
    config.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    work = tmp_path / "elsewhere"
    work.mkdir()
    cli = Cli(work, env={"GOVPATH_CONFIG": str(config)})
    cli("init", check=0)  # commands that only read create nothing
    assert json.loads(cli("outbox", "list", "--json", check=0).stdout) == []
    assert db.exists() and not (work / "govpath.db").exists()
    assert json.loads(cli("plan", "list", "--json", check=0).stdout) == []
    assert not (work / "govpath.db").exists()
