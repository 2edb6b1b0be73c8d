"""Real processes on one database: no lost update in a race, no torn state after SIGKILL."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from govpath.audit.chain import verify
from tests.conftest import ROOT, Cli
from tests.test_runtime_audit import build_trail
from tests.test_runtime_cli import DATA

WORKER = DATA / "worker.py"
STATE_KINDS = ("plan_started", "transition", "migration")


def _worker(url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_consistent(engine) -> dict[int, str]:
    """Every plan's state is the last state its trail records, its version counts its transitions,
    and the chain verifies."""
    states = {}
    with engine.connect() as conn:
        plans = conn.execute(text("SELECT id, state, version FROM plans ORDER BY id")).all()
        for plan in plans:
            events = conn.execute(
                text("SELECT kind, to_state FROM audit_events WHERE plan_id = :p ORDER BY seq"),
                {"p": plan.id},
            ).all()
            moves = [e for e in events if e.kind in STATE_KINDS]
            assert moves[-1].to_state == plan.state, (plan.id, plan.state, moves[-1])
            transitions = sum(1 for e in events if e.kind in ("transition", "migration"))
            assert plan.version == 1 + transitions, (plan.id, plan.version, transitions)
            states[plan.id] = plan.state
        result = verify(conn)
    assert result.ok, result.reason
    return states


@pytest.mark.postgres
def test_two_processes_racing_on_one_plan_lose_no_update(pg_url: str) -> None:
    from govpath.runtime.api import plan_status

    engine = build_trail(pg_url)  # plan 1 is in qa_review, where record_progress loops
    before = plan_status(engine, 1)["plan_version"]
    workers = [_worker(pg_url, "race", "1", "40") for _ in range(2)]
    results = []
    for w in workers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["other"] == [] for r in results), results
    assert sum(r["ok"] + r["conflict"] for r in results) == 80
    wins = sum(r["ok"] for r in results)
    status = plan_status(engine, 1)
    assert status["plan_version"] == before + wins  # every success is there, and only those
    fired = [
        e
        for e in status["history"]
        if e["kind"] == "transition" and e["trigger"] == "record_progress"
    ]
    assert len(fired) == wins + 1  # build_trail fired it once
    assert_consistent(engine)


def test_cli_racers_either_win_or_exit_4(db_url: str, tmp_path: Path) -> None:
    from govpath.runtime.api import plan_status

    engine = build_trail(db_url)
    before = plan_status(engine, 1)["plan_version"]
    # racing is the point here, not signing in (PostgreSQL requires it by default)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GOVPATH_DB": db_url,
        "GOVPATH_AUTH_REQUIRED": "false",
    }
    codes = []
    for round_ in range(3):
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "govpath",
                    "plan",
                    "advance",
                    "1",
                    "record_progress",
                    "--actor",
                    "pol@kent.gov.uk",
                    "--set",
                    f"progress={round_ * 10 + i}",
                ],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(2)
        ]
        for p in procs:
            _out, err = p.communicate(timeout=120)
            assert "Traceback" not in err
            assert p.returncode in (0, 4), (p.returncode, err)
            if p.returncode == 4:
                assert "nothing was written" in err
            codes.append(p.returncode)
    assert plan_status(engine, 1)["plan_version"] == before + codes.count(0)
    assert_consistent(engine)


def test_sigkill_at_random_points_never_tears_a_transition(db_url: str) -> None:
    from govpath.runtime.api import add_actor, list_plans, start_plan

    engine = build_trail(db_url)
    t0 = dt.datetime(2027, 1, 4, 12, tzinfo=dt.UTC)
    for i in range(40):
        email = f"director{i}@kent.gov.uk"
        add_actor(engine, email, f"Director {i}", ["director"], now=t0)
        start_plan(engine, "runtime_demo", f"Division {i}", email, now=t0)
    rng = random.Random(20130318)
    interrupted = 0
    for _kill in range(4):
        worker = _worker(db_url, "run")
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "started"
        for _step in range(rng.randint(3, 40)):  # let it commit a few transitions…
            assert worker.stdout.readline().strip() == "step"
        time.sleep(rng.uniform(0, 0.005))  # …then kill it somewhere inside the next one
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=60)
        states = assert_consistent(engine)
        interrupted += set(states.values()) != {"live"}
    assert interrupted  # the kills landed in the middle of the run, not after it
    final = _worker(db_url, "run")
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err
    assert out.split()[0] == "started" and out.split()[-1] == "done"
    states = assert_consistent(engine)
    assert set(states.values()) == {"live"}
    assert all(p["closed"] for p in list_plans(engine, "runtime_demo"))


def test_cli_refusal_and_conflict_write_nothing_but_the_refusal(cli_db: Cli) -> None:
    """A stale CLI advance (someone moved the plan first) is a refusal of the state it now sees."""
    from tests.test_runtime_cli import advance, setup_cli, start, status

    setup_cli(cli_db)
    start(cli_db)
    advance(cli_db, 1, "submit_draft", "fin@kent.gov.uk", {"draft_plan": "x"})
    second = advance(cli_db, 1, "submit_draft", "fin@kent.gov.uk", {"draft_plan": "y"}, check=3)
    assert "plan 1 is in 'qa_review'" in second.stderr
    s = status(cli_db, 1)
    assert s["fields"] == {"draft_plan": "x"} and s["plan_version"] == 2


def _open_on(path: Path) -> int:
    """How many of this process's file descriptors are open on PATH."""
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += os.path.realpath(fd) == str(path.resolve())
        except OSError:  # closed meanwhile
            continue
    return count


def test_between_transitions_sqlite_holds_no_lock_and_a_closed_engine_no_file(
    sqlite_url: str,
) -> None:
    """On SQLite a thread's transitions reuse one connection. Between them it holds no
    transaction, so another process can write at once; and disposing of the engine closes it,
    as it closes the pool's idle connections."""
    import sqlite3

    from govpath.runtime.api import advance
    from tests.test_runtime_cli import FINANCE_RUN, two_plans

    t0 = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
    engine, fin, _edu = two_plans(sqlite_url, t0)
    for i, (trigger, actor, values, _stage) in enumerate(FINANCE_RUN[:2]):
        advance(engine, fin, trigger, actor, values, now=t0 + dt.timedelta(hours=i + 1))
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # no wait: nobody holds the write lock
    other.execute("UPDATE plans SET fields = fields WHERE id = ?", (fin,))
    other.execute("COMMIT")
    other.close()
    assert _open_on(path) >= 1
    engine.dispose()
    assert _open_on(path) == 0
