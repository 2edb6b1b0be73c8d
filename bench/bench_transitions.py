"""Benchmark: transitions per second through govpath's runtime, beside the raw driver's figure.

N plans (default 200) go through a pathway (the KCC 2013/14 definition when present, else the
runtime test fixture), one transaction per transition, each with its trail event, deadlines
and their reminder schedules. Beside it, in the same run and database, the raw driver
(``sqlite3``, or ``psycopg`` for ``--db postgresql://…``) makes the same transitions again, one
transaction each: (a) the bare state UPDATE + audit INSERT, and (b) the same plus what the
runtime must also do: read the plan, lock and advance the chain head. Its rows carry the values
govpath wrote (read back from the trail: plan, trigger, states, actor, body, meeting, data, time;
the plan's fields as they grew), into copies of govpath's own ``plans``, ``audit_events`` and
``audit_head`` made from the live schema (every index, partial ones included), with the
connection settings govpath uses: the same index entries as govpath's own state update and
transition event. Each round runs govpath and then the raw driver on a new database; the medians
are printed, and the ratio is the median of the rounds' own ratios, with their range.
A last line replays govpath's own statements (recorded in a second, untimed run: the same SQL,
parameters and transactions, deadlines and notices included) with the bare driver on a copy of
the database (PostgreSQL: a database made from it as the transitions began, the statements run
one at a time, as a plain driver runs them): the database's share of the time, and so what is
left to the runtime.

    python bench/bench_transitions.py [--plans 200] [--repeat 3] [--db URL] [--against DIR]

With ``--against DIR`` (a checkout of the previous release with its own virtualenv), each round
also runs that release's own benchmark on a new database, and both figures are printed.

Prints figures; it is not a timed test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KCC = ROOT / "workflows" / "kcc" / "2013-14.yaml"
KCC_CALENDAR = ROOT / "calendars" / "data" / "kcc" / "2012-13.yaml"
FIXTURE = ROOT / "tests" / "data" / "runtime" / "pathway.yaml"
FIXTURE_CALENDAR = ROOT / "tests" / "data" / "runtime" / "calendar.yaml"

KCC_RUN = [  # trigger, actor ("owner" = the plan's owner), values
    ("submit_headlines", "owner", {"headline_priorities": "h.pdf"}),
    ("comment_on_headlines", "policy@kent.gov.uk", {}),
    ("submit_draft", "owner", {"draft_plan": "d.pdf", "key_risks": "r.pdf", "kpis": "k.pdf"}),
    ("consider_and_comment", "policy@kent.gov.uk", {"risk_register": "rr.pdf"}),
    ("submit_for_qa", "owner", {}),
    (
        "publish_key_decision_notice",
        "policy@kent.gov.uk",
        {"key_decision_notice_published": "2013-02-01"},
    ),
    ("issue_qa_letter", "policy@kent.gov.uk", {"qa_letter_ref": "QA/2013/1"}),
    ("submit_final", "owner", {"final_plan": "f.pdf"}),
    ("send_to_cabinet", "policy@kent.gov.uk", {}),
    ("approve_key_decision", "member@kent.gov.uk", {}),
    (
        "call_in_period_ends",
        "democratic@kent.gov.uk",
        {"decision_record_ref": "D/13/1", "published_url": "https://www.kent.gov.uk/plans"},
    ),
    ("publish", "policy@kent.gov.uk", {}),  # a join: fires once, for every plan
]
KCC_ACTORS = [
    ("policy@kent.gov.uk", ["policy_team"]),
    ("member@kent.gov.uk", ["cabinet_member"]),
    ("democratic@kent.gov.uk", ["democratic_services"]),
]
FIXTURE_RUN = [
    ("submit_draft", "owner", {"draft_plan": "d.pdf"}),
    ("record_progress", "pol@kent.gov.uk", {"progress": "50"}),
    ("send_qa_letter", "pol@kent.gov.uk", {"qa_letter_ref": "QA/1"}),
    ("submit_final", "owner", {"final_plan": "f.pdf", "decision_value": "5000"}),
    ("approve", "cm@kent.gov.uk", {}),
]
FIXTURE_ACTORS = [("pol@kent.gov.uk", ["policy_team"]), ("cm@kent.gov.uk", ["cabinet_member"])]


def engine_run(
    url: str, n: int, use_kcc: bool = True, before: Any = None
) -> tuple[int, float, str]:
    """Transitions and seconds through govpath's runtime (setup not timed).

    BEFORE, if given, is called with the engine once the setup is done, before the timed part.
    """
    from govpath.calendars.sources import read_calendar
    from govpath.runtime.api import add_actor, advance, publish_pathway, start_plan
    from govpath.store.db import open_db
    from govpath.store.meetings import upsert_meetings

    kcc = use_kcc and KCC.exists()
    pathway, calendar = (KCC, KCC_CALENDAR) if kcc else (FIXTURE, FIXTURE_CALENDAR)
    run, actors = (KCC_RUN, KCC_ACTORS) if kcc else (FIXTURE_RUN, FIXTURE_ACTORS)
    now = (
        dt.datetime(2012, 10, 1, 9, tzinfo=dt.UTC)
        if kcc
        else dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    )
    engine = open_db(url)
    published = publish_pathway(engine, pathway, now=now)
    with engine.begin() as conn:
        upsert_meetings(conn, read_calendar(calendar), now=now)
    for email, roles in actors:
        add_actor(engine, email, email.split("@")[0], roles, now=now)
    plans = []
    for i in range(n):
        owner = f"director{i}@kent.gov.uk"
        add_actor(engine, owner, f"Director {i}", ["director"], now=now)
        plans.append(
            (start_plan(engine, published["pathway"], f"Division {i}", owner, now=now)["id"], owner)
        )
    if before is not None:
        before(engine)
    count = 0
    started = time.perf_counter()
    for trigger, actor, values in run:
        for pid, owner in plans:
            result = advance(
                engine, pid, trigger, owner if actor == "owner" else actor, values, now=now
            )
            count += len(result["plans"])
            if len(result["plans"]) > 1:
                break  # a join moved them all in one transaction
    elapsed = time.perf_counter() - started
    return count, elapsed, f"{published['pathway']} ({pathway.relative_to(ROOT)})"


RAW_TABLES = {"plans": "bench_plans", "audit_events": "bench_events", "audit_head": "bench_head"}


def raw_setup(cur: Any, pg: bool) -> None:
    """Copies of govpath's ``plans``, ``audit_events`` and ``audit_head`` tables, made from the live
    schema (every column, constraint and index, partial ones included), so the raw driver's insert
    maintains exactly the indexes govpath's does. Triggers are not copied: none fires on INSERT."""
    raw_teardown(cur)
    for table, copy in RAW_TABLES.items():
        if pg:
            cur.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
            continue
        rows = cur.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
            "AND type IN ('table', 'index') ORDER BY type = 'index'",
            (table,),
        ).fetchall()
        for _kind, sql in rows:
            cur.execute(sql.replace(table, copy))  # the table's, constraints' and indexes' names


def raw_teardown(cur: Any) -> None:
    for copy in RAW_TABLES.values():
        cur.execute(f"DROP TABLE IF EXISTS {copy}")


def raw_run(url: str, chained: bool) -> tuple[int, float]:
    """The transitions govpath just made, again with the bare driver, one transaction each.

    Per transition: the plan's UPDATE (state, fields, version, time) and the INSERT of its
    transition event, with the values govpath wrote (the same plan, actor, body, meeting, data
    and time, read back from ``audit_events``), hashed onto the one before; CHAINED adds the
    plan read and the locked chain-head read and update.
    """
    pg = url.startswith("postgres")
    if pg:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        ph = "%s"
    else:
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        from govpath.store.sqlite import SQLITE_PRAGMAS

        for pragma in SQLITE_PRAGMAS:  # the settings govpath gives every connection
            conn.execute(f"PRAGMA {pragma}")
        ph = "?"
    cur = conn.cursor()
    cur.execute(
        "SELECT plan_id, at, trigger, from_state, to_state, actor, body, meeting_id, note, data "
        "FROM audit_events WHERE kind = 'transition' ORDER BY seq"
    )
    events = cur.fetchall()
    cur.execute("SELECT id, pathway_version_id, pathway_id, subject, owner, created_at FROM plans")
    plans = cur.fetchall()
    raw_setup(cur, pg)
    cur.execute(f"INSERT INTO bench_head VALUES (1, 0, {ph})", ("0" * 64,))
    first_state = {}
    for e in events:
        first_state.setdefault(e[0], e[3])
    for pid, version_id, pathway_id, subject, owner, created in plans:
        cur.execute(
            "INSERT INTO bench_plans (id, pathway_version_id, pathway_id, subject, owner, state, "
            f"fields, version, created_at, updated_at) VALUES ({ph}, {ph}, {ph}, {ph}, {ph}, {ph}, "
            f"'{{}}', 1, {ph}, {ph})",
            (
                pid,
                version_id,
                pathway_id,
                subject,
                owner,
                first_state.get(pid, ""),
                created,
                created,
            ),
        )
    if pg:
        conn.commit()
    # each transition's plan values, worked out before the clock starts (as govpath has them)
    fields: dict[int, dict] = {}
    versions: dict[int, int] = {}
    work = []
    for pid, at, trigger, from_state, to_state, actor, body, meeting, note, data in events:
        values = json.loads(data).get("fields") or {}
        fields[pid] = {**fields.get(pid, {}), **values}
        version = versions.get(pid, 1)
        versions[pid] = version + 1
        text = json.dumps(fields[pid], sort_keys=True, separators=(",", ":"))
        work.append(
            (
                pid,
                at,
                trigger,
                from_state,
                to_state,
                actor,
                body,
                meeting,
                note,
                data,
                text,
                version,
            )
        )
    upd = (
        f"UPDATE bench_plans SET state = {ph}, fields = {ph}, version = {ph}, updated_at = {ph} "
        f"WHERE id = {ph} AND version = {ph}"
    )
    ins = (
        "INSERT INTO bench_events (seq, at, plan_id, kind, trigger, from_state, to_state, actor, "
        "body, meeting_id, note, data, prev_hash, hash) VALUES "
        f"({ph}, {ph}, {ph}, 'transition', {ph}, {ph}, {ph}, {ph}, {ph}, {ph}, {ph}, {ph}, {ph}, "
        f"{ph})"
    )
    sel = f"SELECT state, version, fields FROM bench_plans WHERE id = {ph}"
    head = "SELECT seq, hash FROM bench_head WHERE id = 1" + (" FOR UPDATE" if pg else "")
    bump = f"UPDATE bench_head SET seq = {ph}, hash = {ph} WHERE id = 1"
    count, seq, prev = 0, 0, "0" * 64
    started = time.perf_counter()
    for pid, at, trigger, from_state, to_state, actor, body, meeting, note, data, text, ver in work:
        if not pg:
            cur.execute("BEGIN IMMEDIATE")
        if chained:
            cur.execute(sel, (pid,))
            _state, ver, _fields = cur.fetchone()
        cur.execute(upd, (to_state, text, ver + 1, at, pid, ver))
        if chained:
            cur.execute(head)
            seq, prev = cur.fetchone()
        content = json.dumps(
            [seq + 1, str(at), pid, trigger, from_state, to_state, actor, body, meeting, note, data]
        )
        digest = hashlib.sha256((prev + content).encode()).hexdigest()
        row = (seq + 1, at, pid, trigger, from_state, to_state, actor, body, meeting, note, data)
        cur.execute(ins, (*row, prev, digest))
        if chained:
            cur.execute(bump, (seq + 1, digest))
        seq, prev = seq + 1, digest
        if pg:
            conn.commit()
        else:
            cur.execute("COMMIT")
        count += 1
    elapsed = time.perf_counter() - started
    raw_teardown(cur)
    if pg:
        conn.commit()
    conn.close()
    return count, elapsed


def capture_run(url: str, n: int, use_kcc: bool, snapshot: Path) -> list[list[tuple]]:
    """govpath's own statements, transaction by transaction (a second, untimed run).

    The database is copied to SNAPSHOT just before the transitions start (PostgreSQL: into a new
    database named SNAPSHOT's name). Every statement of the
    hot path runs through :class:`govpath.store.prepared.Prepared`; this records its SQL text and
    driver parameters, one list per ``advance`` (one transaction each).
    """
    import shutil

    from govpath.runtime import api
    from govpath.store import prepared

    txns: list[list[tuple]] = []
    real_execute, real_many, real_advance = (
        prepared.Prepared.execute,
        prepared.Prepared.executemany,
        api.advance,
    )

    def execute(self, conn, params=None):
        if txns:  # inside an advance (setup statements are not replayed)
            form = self._for(conn.dialect)
            txns[-1].append(("one", form.sql, form.params(params or {})))
        return real_execute(self, conn, params)

    def executemany(self, conn, rows):
        rows = list(rows)
        if txns:
            form = self._for(conn.dialect)
            txns[-1].append(("many", form.sql, [form.params(r) for r in rows]))
        return real_many(self, conn, rows)

    def advance(*args, **kwargs):
        txns.append([])
        return real_advance(*args, **kwargs)

    def copy(engine) -> None:
        if url.startswith("postgres"):  # SNAPSHOT names a database made from this one
            from sqlalchemy.engine import make_url

            engine.dispose()  # (a template database must have no other connection)
            pg_database(url, snapshot.name, create=True, template=make_url(url).database)
            return
        with engine.connect() as conn:
            # on the driver's connection: outside a transaction (no autobegin)
            conn.connection.dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(url.removeprefix("sqlite:///"), snapshot)

    prepared.Prepared.execute, prepared.Prepared.executemany = execute, executemany
    api.advance = advance
    try:
        engine_run(url, n, use_kcc, before=copy)
    finally:
        prepared.Prepared.execute, prepared.Prepared.executemany = real_execute, real_many
        api.advance = real_advance
    return txns


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def replay_pg(url: str, txns: list[list[tuple]]) -> float:
    """Seconds for bare ``psycopg`` to run those same statements in the database at URL (a copy
    made as the transitions started), same transactions, one statement at a time."""
    import psycopg

    conn = psycopg.connect(_libpq(url))
    cur = conn.cursor()
    started = time.perf_counter()
    for txn in txns:
        for how, sql, params in txn:
            if how == "one":
                cur.execute(sql, params)
                if cur.description is not None:
                    cur.fetchall()
            else:
                cur.executemany(sql, params)
        conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def replay_run(snapshot: Path, txns: list[list[tuple]]) -> float:
    """Seconds for the bare ``sqlite3`` module to run those same statements, same transactions."""
    import sqlite3

    from govpath.store.sqlite import SQLITE_PRAGMAS

    conn = sqlite3.connect(snapshot, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    cur = conn.cursor()
    started = time.perf_counter()
    for txn in txns:
        cur.execute("BEGIN IMMEDIATE")
        for how, sql, params in txn:
            if how == "one":
                cur.execute(sql, params).fetchall()
            else:
                cur.executemany(sql, params)
        cur.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def pg_url(server: str, name: str) -> str:
    """The URL of database NAME on the server of the URL SERVER."""
    from sqlalchemy.engine import make_url

    return make_url(server).set(database=name).render_as_string(hide_password=False)


def pg_database(server: str, name: str, *, create: bool, template: str | None = None) -> str:
    """Create (from TEMPLATE, if given) or drop database NAME on SERVER's PostgreSQL; its URL.

    Each round gets its own: govpath's tables then start as empty as the raw driver's copies do
    (a reused database carries every earlier run's rows and dead tuples, and a server with
    autovacuum off never clears them)."""
    import psycopg

    with psycopg.connect(_libpq(pg_url(server, "postgres")), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            copied = f' TEMPLATE "{template}"' if template else ""
            admin.execute(f'CREATE DATABASE "{name}"{copied}')
    return pg_url(server, name)


def other_release(checkout: Path, args: argparse.Namespace, server: str | None, i: int) -> float:
    """CHECKOUT's own benchmark, one round of it, on a new database: its transitions per second.

    It runs in CHECKOUT's virtualenv (``.venv``), so each release imports its own code."""
    import re
    import subprocess

    python = checkout / ".venv" / "bin" / "python"
    command = [str(python if python.exists() else sys.executable)]
    command += [str(checkout / "bench" / "bench_transitions.py"), "--plans", str(args.plans)]
    command += ["--repeat", "1", "--no-replay"] + (["--fixture"] if args.fixture else [])
    name = f"govpath_bench_{os.getpid()}_other_{i}"
    if server:
        command += ["--db", pg_database(server, name, create=True)]
    try:
        done = subprocess.run(
            command, cwd=checkout, capture_output=True, text=True, timeout=1800, check=True
        )
    finally:
        if server:
            pg_database(server, name, create=False)
    found = re.search(r"govpath runtime\s*:\s*([0-9.]+)/s", done.stdout)
    if found is None:
        raise SystemExit(f"{checkout}: no 'govpath runtime' figure in its output:\n{done.stdout}")
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=200, help="number of plans (default 200)")
    parser.add_argument("--db", default=None, help="database URL (default: a new SQLite file)")
    parser.add_argument(
        "--fixture",
        action="store_true",
        help="use the small runtime test pathway instead of KCC 2013/14",
    )
    parser.add_argument(
        "--no-replay",
        action="store_true",
        help="skip the replay of govpath's own statements by the bare driver",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="rounds, each govpath then the raw driver on that round's database; medians are "
        "printed, and the ratio is the median of the rounds' own ratios (default 5 on a new "
        "SQLite file, 1 with --db)",
    )
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        metavar="DIR",
        help="a checkout of another release (say `git worktree add ../prev v0.1.0`, with its own "
        "virtualenv in DIR/.venv): each round runs its own bench_transitions.py too, on a new "
        "database of its own, and its figure is printed beside this one's",
    )
    args = parser.parse_args()
    scratch = None if args.db else tempfile.mkdtemp(prefix="bench-transitions-")
    rounds = args.repeat or (1 if args.db else 5)
    ours_r, raw_r, chained_r, other_r = [], [], [], []
    for i in range(rounds):
        url = args.db or f"sqlite:///{scratch}/bench{i}.db"
        if url.startswith(("postgres://", "postgresql://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        server = url if url.startswith("postgres") else None
        if server:  # a new database each round, as a new SQLite file is: no earlier round's rows
            url = pg_database(server, f"govpath_bench_{os.getpid()}_{i}", create=True)
        try:
            count, secs, what = engine_run(url, args.plans, use_kcc=not args.fixture)
            steps = count // args.plans
            raw_n, raw_secs = raw_run(url, chained=False)
            chain_n, chain_secs = raw_run(url, chained=True)
        finally:
            if server:
                from govpath.store.db import forget_engines

                forget_engines()
                pg_database(server, f"govpath_bench_{os.getpid()}_{i}", create=False)
        if args.against is not None:
            other_r.append(other_release(args.against, args, server, i))
        ours_r.append(count / secs)
        raw_r.append(raw_n / raw_secs)
        chained_r.append(chain_n / chain_secs)
    ours, raw, chained = (statistics.median(r) for r in (ours_r, raw_r, chained_r))
    # each round's govpath and raw figures come minutes apart at most, so their ratio shares the
    # machine's state of the moment; the median of those ratios drifts less than a ratio of medians
    ratio = [o / r for o, r in zip(ours_r, raw_r, strict=True)]
    ratio_chained = [o / r for o, r in zip(ours_r, chained_r, strict=True)]
    backend = "PostgreSQL (psycopg)" if url.startswith("postgres") else "SQLite (sqlite3)"
    replayed = None
    if scratch and not args.no_replay:
        # a second govpath run into its own file, recording its statements; then the bare driver
        # replays exactly those (same SQL, parameters and transactions) on a copy of the database
        txns = capture_run(
            f"sqlite:///{scratch}/capture.db",
            args.plans,
            not args.fixture,
            Path(scratch) / "replay.db",
        )
        replayed = (len(txns), replay_run(Path(scratch) / "replay.db", txns))
    elif server and not args.no_replay:  # the same on PostgreSQL: two new databases
        from govpath.store.db import forget_engines

        capture, copy = (f"govpath_bench_{os.getpid()}_{what}" for what in ("capture", "replay"))
        capture_url = pg_database(server, capture, create=True)
        try:
            txns = capture_run(capture_url, args.plans, not args.fixture, Path(copy))
            forget_engines()
            replay_url = pg_url(server, copy)
            replayed = (len(txns), replay_pg(replay_url, txns))
        finally:
            forget_engines()
            pg_database(server, capture, create=False)
            pg_database(server, copy, create=False)
    if scratch:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    sync = ""
    if not url.startswith("postgres"):
        from govpath.store.sqlite import SQLITE_PRAGMAS

        sync = ", " + next(p for p in SQLITE_PRAGMAS if p.startswith("synchronous"))
    print(
        f"pathway {what}, {args.plans} plans x {steps} transitions, {backend}{sync}; "
        f"median of {rounds} round(s), transitions (or transactions) per second"
    )

    def spread(values: list[float]) -> str:
        return f"ratio {statistics.median(values):.2f}" + (
            f" (rounds {min(values):.2f} to {max(values):.2f})" if len(values) > 1 else ""
        )

    print(f"govpath runtime             : {ours:8.1f}/s")
    if other_r:
        other = statistics.median(other_r)
        faster = [o / p for o, p in zip(ours_r, other_r, strict=True)]
        print(
            f"{'release in ' + args.against.name:28s}: {other:8.1f}/s   this one is "
            f"{statistics.median(faster):.2f}x its speed"
            + (f" (rounds {min(faster):.2f} to {max(faster):.2f})" if len(faster) > 1 else "")
        )
    print(f"raw UPDATE + INSERT         : {raw:8.1f}/s   {spread(ratio)}")
    print(f"raw read+UPDATE+chain+INSERT: {chained:8.1f}/s   {spread(ratio_chained)}")
    if replayed is not None:
        txn_n, replay_secs = replayed
        print(
            f"raw replay of govpath's SQL: {count / replay_secs:8.1f}/s   ratio "
            f"{ours / (count / replay_secs):.2f}   ({txn_n} transactions, one run)"
        )


if __name__ == "__main__":
    main()
