"""Benchmark the decision trail: build a million hash-chained events fast, then time the queries.

Usage::

    .venv/bin/python bench/bench_audit.py                       # SQLite in a temporary folder
    .venv/bin/python bench/bench_audit.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/bench_audit.py --events 200000 --repeat 5

The database must be empty (a fresh SQLite file or PostgreSQL database). Events are written with
bulk inserts, their chain computed in Python with :mod:`govpath.audit.chain` (so ``verify`` passes),
and the common questions are timed: by plan, by actor and date range, by body, decisions,
missed deadlines, states as of a moment, a deep page, and a full ``verify``. Prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PATHWAY = ROOT / "tests" / "data" / "audit" / "pathway.yaml"
CALENDAR = ROOT / "tests" / "data" / "audit" / "calendar.yaml"
EVENTS_PER_PLAN = 50
START = dt.datetime(2018, 1, 1, 8, tzinfo=dt.UTC)
YEAR = dt.timedelta(days=365)
ROUTE = [  # (trigger, from, to, body, decision?)
    ("endorse_cmt", "cmt_review", "cmm_review", "cmt", False),
    ("agree_cmm", "cmm_review", "committee", "cmm", True),
    ("endorse", "committee", "cabinet_decision", "pr_cc", False),
    ("approve", "cabinet_decision", "published", "cabinet", True),
]
FILLER = [
    "field_set",
    "reminder_sent",
    "deadline_met",
    "escalation_sent",
    "refusal",
    "deadline_missed",
]
ACTORS = 200


def plan_script(plan: int, rng: random.Random) -> list[dict[str, Any]]:
    """The ~50 events of one plan, in order: start, filler, the route's transitions, decisions."""
    owner = f"director{plan % ACTORS}@kent.gov.uk"
    events: list[dict[str, Any]] = [
        {
            "kind": "plan_started",
            "plan_id": plan,
            "to_state": "cmt_review",
            "actor": "policy@kent.gov.uk",
            "data": {
                "owner": owner,
                "pathway": "trail_test",
                "subject": f"Plan {plan}",
                "version": 1,
            },
        }
    ]
    per_stage = (EVENTS_PER_PLAN - 1 - len(ROUTE)) // len(ROUTE)
    for trigger, source, dest, body, decision in ROUTE:
        for _ in range(per_stage):
            kind = rng.choice(FILLER)
            events.append(
                {
                    "kind": kind,
                    "plan_id": plan,
                    "from_state": source,
                    "actor": owner if kind != "reminder_sent" else None,
                    "data": {"n": rng.randrange(1000)},
                }
            )
        data: dict[str, Any] = {}
        if decision:
            key = trigger == "approve"
            data["decision"] = {
                "body": body,
                "meeting_date": "2018-09-17" if key else "2018-06-18",
                "route": "key_decision" if key else None,
                "notice_published": "2018-08-01" if key else None,
                "clear_days": 46 if key else None,
                "reasons": "bench",
                "alternatives": "none",
                "interests": "none",
            }
        actor = f"member{plan % 20}@kent.gov.uk" if decision else "policy@kent.gov.uk"
        events.append(
            {
                "kind": "transition",
                "plan_id": plan,
                "trigger": trigger,
                "from_state": source,
                "to_state": dest,
                "actor": actor,
                "body": body,
                "data": data,
            }
        )
    while len(events) < EVENTS_PER_PLAN:
        events.append(
            {
                "kind": "reminder_sent",
                "plan_id": plan,
                "from_state": "published",
                "data": {"n": rng.randrange(1000)},
            }
        )
    return events[:EVENTS_PER_PLAN]


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_MEMO: dict[Any, str] = {None: "null"}


def _j(value: Any) -> str:
    text = _MEMO.get(value)
    if text is None:
        text = _MEMO[value] = _ENCODE(value)
    return text


def fast_canonical(row: dict[str, Any]) -> str:
    """canonical_event's text, by template (keys in sorted order); verify checks it."""
    return (
        f'{{"actor":{_j(row["actor"])},"at":"{row["at"].isoformat(timespec="microseconds")}",'
        f'"body":{_j(row["body"])},"data":{row["data"]},"from":{_j(row["from_state"])},'
        f'"kind":{_j(row["kind"])},"meeting":null,"note":null,"plan":{_j(row["plan_id"])},'
        f'"seq":{row["seq"]},"to":{_j(row["to_state"])},"trigger":{_j(row["trigger"])}}}'
    )


def generate(n_events: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Events for n_events // 50 plans, interleaved (step k of every plan, then step k+1)."""
    import hashlib

    from govpath.audit.chain import GENESIS, canonical_json, canonical_row

    rng = random.Random(seed)
    n_plans = max(1, n_events // EVENTS_PER_PLAN)
    scripts = [plan_script(p, rng) for p in range(1, n_plans + 1)]
    prev, seq = GENESIS, 0
    step = YEAR / max(n_events, 1)
    sha = hashlib.sha256
    for k in range(EVENTS_PER_PLAN):
        for script in scripts:
            if k >= len(script) or seq >= n_events:
                continue
            e = script[k]
            seq += 1
            row = {
                "seq": seq,
                "at": START + step * seq,
                "plan_id": e.get("plan_id"),
                "kind": e["kind"],
                "trigger": e.get("trigger"),
                "from_state": e.get("from_state"),
                "to_state": e.get("to_state"),
                "actor": e.get("actor"),
                "body": e.get("body"),
                "meeting_id": None,
                "note": None,
                "data": e.get("text") or canonical_json(e.get("data") or {}),
                "prev_hash": prev,
            }
            text = fast_canonical(row)
            if seq == 1:  # the template must be the chain's own canonical form
                assert text == canonical_row(1, row), text
            row["hash"] = prev = sha((prev + text).encode("utf-8")).hexdigest()
            yield row


COLUMNS = ("seq", "at", "plan_id", "kind", "trigger", "from_state", "to_state", "actor", "body",
           "meeting_id", "note", "data", "prev_hash", "hash")  # fmt: skip


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _bulk_insert(conn: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows at driver speed: COPY on PostgreSQL, executemany on SQLite.

    SQLite stores timestamps as SQLAlchemy's DateTime does ('YYYY-MM-DD HH:MM:SS.ffffff', UTC).
    """
    cols = ", ".join(COLUMNS)
    if conn.dialect.name == "postgresql":
        cur = conn.connection.driver_connection.cursor()
        with cur.copy(f"COPY audit_events ({cols}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(tuple(r[c] for c in COLUMNS))
        return
    marks = ", ".join("?" for _ in COLUMNS)
    conn.exec_driver_sql(
        f"INSERT INTO audit_events ({cols}) VALUES ({marks})",
        [
            tuple(r[c].strftime("%Y-%m-%d %H:%M:%S.%f") if c == "at" else r[c] for c in COLUMNS)
            for r in rows
        ],
    )


def build(url: str, n_events: int, batch: int = 20000) -> dict[str, Any]:
    """Fill an empty database: pathway, meetings, plans, deadlines and N events; returns counts."""
    from sqlalchemy import func, insert, select, update

    from govpath.calendars.sources import read_calendar
    from govpath.definition.loader import content_hash, load_pathway, normalised_json
    from govpath.store.db import open_db
    from govpath.store.meetings import upsert_meetings
    from govpath.store.tables import audit_events, audit_head, deadlines, pathway_versions, plans

    engine = open_db(url)
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(audit_events)).scalar():
            raise SystemExit(f"{url} already holds events; give an empty database.")
    pathway = load_pathway(PATHWAY)
    n_plans = max(1, n_events // EVENTS_PER_PLAN)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        upsert_meetings(conn, read_calendar(CALENDAR))
        pv = conn.execute(
            insert(pathway_versions).values(
                pathway_id=pathway.id,
                version=1,
                content_hash=content_hash(pathway),
                title=pathway.title,
                year=pathway.year,
                source_path=str(PATHWAY),
                source_text=PATHWAY.read_text(),
                definition=json.dumps(normalised_json(pathway)),
                published_at=START,
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(plans),
            [
                {
                    "id": p,
                    "pathway_version_id": pv,
                    "pathway_id": pathway.id,
                    "subject": f"Plan {p}",
                    "owner": f"director{p % ACTORS}@kent.gov.uk",
                    "state": "published",
                    "fields": "{}",
                    "version": 5,
                    "created_at": START,
                    "updated_at": START,
                }
                for p in range(1, n_plans + 1)
            ],
        )
        rng = random.Random(11)
        rows = []
        for p in range(1, n_plans + 1):
            for stage, name, due in [
                ("cmt_review", "cmt_papers", dt.date(2018, 5, 15)),
                ("cmm_review", "cmm_papers", dt.date(2018, 6, 8)),
                ("committee", "committee_papers", dt.date(2018, 7, 2)),
            ]:
                missed = rng.random() < 0.2
                rows.append(
                    {
                        "plan_id": p,
                        "stage": stage,
                        "name": name,
                        "title": name,
                        "rule": "agenda-publication",
                        "due": due,
                        "owner": f"director{p % ACTORS}@kent.gov.uk",
                        "status": "missed" if missed else "met",
                        "met_at": None if missed else START,
                        "updated_at": START,
                    }
                )
        conn.execute(insert(deadlines), rows)
    t_setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    last: dict[str, Any] | None = None
    count = 0
    with engine.begin() as conn:
        for rows in _batches(generate(n_events), batch):
            _bulk_insert(conn, rows)
            count += len(rows)
            last = rows[-1]
        if last is not None:
            conn.execute(
                update(audit_head)
                .where(audit_head.c.id == 1)
                .values(seq=last["seq"], hash=last["hash"])
            )
    t_events = time.perf_counter() - t0
    if engine.dialect.name == "postgresql":  # as autovacuum would: statistics and visibility map
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"plans": n_plans, "events": count, "setup_s": t_setup, "insert_s": t_events}


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median milliseconds over REPEAT runs (after one warm-up), and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def run_queries(url: str, n_plans: int, repeat: int) -> list[tuple[str, float, int]]:
    from govpath.audit.asof import states_as_of
    from govpath.audit.decisions import decision_records
    from govpath.audit.missed import missed_deadlines
    from govpath.audit.query import EventFilter, moment, query_events
    from govpath.store.db import open_db

    engine = open_db(url)
    plan = n_plans // 2 or 1
    actor = f"director{plan % ACTORS}@kent.gov.uk"
    may, june = moment("2018-05-01"), moment("2018-05-31", end=True)
    # the CMM decisions (step 24 of 50 of every plan) fall in the last week of June
    w0, w1 = moment("2018-06-24"), moment("2018-06-30", end=True)
    out: list[tuple[str, float, int]] = []
    with engine.connect() as conn:
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("by plan (all its events)", lambda: query_events(conn, EventFilter(plan=plan)).events),
            (
                "by actor + May 2018",
                lambda: query_events(conn, EventFilter(actor=actor, since=may, until=june)).events,
            ),
            (
                "by actor (first page of 1000)",
                lambda: query_events(conn, EventFilter(actor=actor)).events,
            ),
            (
                "by body cabinet (first page)",
                lambda: query_events(conn, EventFilter(body="cabinet")).events,
            ),
            (
                "by body cmm + a week (first page)",
                lambda: query_events(conn, EventFilter(body="cmm", since=w0, until=w1)).events,
            ),
            (
                "--decisions (first page)",
                lambda: query_events(conn, EventFilter(decisions=True)).events,
            ),
            (
                "--decisions + a week (first page)",
                lambda: query_events(conn, EventFilter(decisions=True, since=w0, until=w1)).events,
            ),
            (
                "--decisions --plan",
                lambda: query_events(conn, EventFilter(decisions=True, plan=plan)).events,
            ),
            (
                "--kind refusal + May 2018",
                lambda: (
                    query_events(
                        conn, EventFilter(kinds=("refusal",), since=may, until=june)
                    ).events
                ),
            ),
            (
                "no filter, --after seq 500000",
                lambda: query_events(conn, EventFilter(after_seq=n_plans * 25)).events,
            ),
            (
                "no filter, page at offset 500000",
                lambda: query_events(conn, EventFilter(offset=min(500000, n_plans * 25))).events,
            ),
            (
                "--missed (first page of 1000)",
                lambda: missed_deadlines(conn, today=dt.date(2018, 12, 1), limit=1000),
            ),
            (
                "--missed --actor",
                lambda: missed_deadlines(conn, today=dt.date(2018, 12, 1), owner=actor),
            ),
            ("--as-of mid-year (every plan)", lambda: states_as_of(conn, moment("2018-07-01"))),
            (
                "--as-of mid-year --plan",
                lambda: states_as_of(conn, moment("2018-07-01"), plan=plan),
            ),
            ("decision record --plan", lambda: decision_records(conn, plan=plan)),
        ]
        for name, fn in cases:
            ms, result = timed(fn, repeat)
            out.append((name, ms, len(result)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--db", help="SQLAlchemy URL of an EMPTY database (default: a temporary SQLite file)"
    )
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-verify", action="store_true", help="skip the full-chain verify")
    args = ap.parse_args(argv)
    tmp = None
    url = args.db
    if not url:
        tmp = tempfile.TemporaryDirectory(prefix="govpath-bench-")
        url = f"sqlite:///{tmp.name}/bench.db"
    print(f"govpath audit benchmark on {url.split('@')[-1]}: {args.events:,} events")
    built = build(url, args.events)
    rate = built["events"] / built["insert_s"] if built["insert_s"] else 0
    print(
        f"  built {built['events']:,} events for {built['plans']:,} plans "
        f"in {built['insert_s']:.1f} s "
        f"({rate:,.0f} events/s, chain hashed in Python); setup {built['setup_s']:.1f} s"
    )
    print(f"  {'query':<36} {'median ms':>10} {'rows':>8}")
    for name, ms, rows in run_queries(url, built["plans"], args.repeat):
        print(f"  {name:<36} {ms:>10.2f} {rows:>8,}")
    if not args.no_verify:
        from govpath.audit.chain import verify
        from govpath.store.db import open_db

        t0 = time.perf_counter()
        with open_db(url).connect() as conn:
            result = verify(conn)
        took = time.perf_counter() - t0
        print(
            f"  audit verify: ok={result.ok} count={result.count:,} in {took:.1f} s "
            f"({result.count / took:,.0f} events/s)"
        )
        if not result.ok:
            print(f"  verify failed: {result.reason}")
            return 1
    if tmp is not None:
        from govpath.store.db import forget_engines

        forget_engines()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
