"""Benchmark the sweep (1,000 due reminders among 10,000 / 100,000 open plans) and SMTP delivery.

Run: .venv/bin/python bench/bench_sweep.py [--db postgresql+psycopg://…/postgres]
     [--sizes 10000,100000]
With --db naming a server's admin database, a fresh database is created per size and dropped after;
without it, SQLite files in a temporary folder are used. Prints figures; it is not a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text

from govpath.config import Settings
from govpath.scheduler.sweep import SweepResult, run_sweep
from govpath.store import tables as t
from govpath.store.db import forget_engines, open_db

UTC = dt.UTC
NOW = dt.datetime(2013, 1, 2, 9, tzinfo=UTC)
DEFINITION = {
    "id": "bench",
    "roles": [{"id": "director", "name": "Director"}],
    "stages": [
        {
            "id": "draft",
            "title": "Draft",
            "deadlines": [
                {
                    "id": "draft_due",
                    "title": "Draft to the policy team",
                    "action": "Send the draft plan to the policy team",
                }
            ],
        }
    ],
}


def populate(engine, plans: int, due: int) -> None:
    """PLANS open plans, each with an open deadline and two notices; DUE of them are due now."""
    t0 = NOW - dt.timedelta(days=60)
    chunk = 5000
    with engine.begin() as conn:
        pv = conn.execute(
            insert(t.pathway_versions).values(
                pathway_id="bench",
                version=1,
                content_hash="bench",
                title="Bench",
                year="2013-14",
                source_path="",
                source_text="",
                definition=json.dumps(DEFINITION),
                published_at=t0,
            )
        ).inserted_primary_key[0]
        mid = conn.execute(
            insert(t.meetings).values(
                body="pr_cc",
                title="Policy and Resources Cabinet Committee",
                date=dt.date(2013, 3, 1),
                time=dt.time(10),
                place="Sessions House",
                source="yaml",
                source_id="bench",
                updated_at=t0,
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(t.actors),
            [
                {
                    "email": f"director{i}@kent.example",
                    "name": f"Director {i}",
                    "created_at": t0,
                    "updated_at": t0,
                }
                for i in range(50)
            ],
        )
    for start in range(0, plans, chunk):
        ids = range(start + 1, min(plans, start + chunk) + 1)
        with engine.begin() as conn:
            conn.execute(
                insert(t.plans),
                [
                    {
                        "id": i,
                        "pathway_version_id": pv,
                        "pathway_id": "bench",
                        "subject": f"Plan {i}",
                        "owner": f"director{i % 50}@kent.example",
                        "state": "draft",
                        "fields": "{}",
                        "version": 1,
                        "created_at": t0,
                        "updated_at": t0,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(t.deadlines),
                [
                    {
                        "id": i,
                        "plan_id": i,
                        "stage": "draft",
                        "name": "draft_due",
                        "title": "Draft to the policy team",
                        "rule": "10 working days before",
                        "anchor_date": dt.date(2013, 3, 1),
                        "meeting_id": mid,
                        "due": dt.date(2013, 2, 15) if i > due else dt.date(2013, 1, 16),
                        "owner": f"director{i % 50}@kent.example",
                        "status": "open",
                        "escalation_level": 0,
                        "infeasible": False,
                        "updated_at": t0,
                    }
                    for i in ids
                ],
            )
            rows = []
            for i in ids:
                first = NOW - dt.timedelta(hours=1) if i <= due else NOW + dt.timedelta(days=20)
                for k, at in enumerate((first, first + dt.timedelta(days=30))):
                    rows.append(
                        {
                            "deadline_id": i,
                            "plan_id": i,
                            "kind": "reminder" if k == 0 else "escalation",
                            "recipient": f"director{i % 50}@kent.example",
                            "due_at": at,
                            "status": "scheduled",
                        }
                    )
            conn.execute(insert(t.notices), rows)
    if engine.dialect.name == "postgresql":  # steady state: statistics gathered
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    else:  # ... and SQLite's write-ahead log checkpointed
        raw = engine.raw_connection()
        try:
            raw.execute("ANALYZE")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def explain(engine) -> str:
    if engine.dialect.name != "postgresql":
        return ""
    sql = (
        "EXPLAIN SELECT id FROM notices WHERE status = 'scheduled' AND due_at <= :now "
        "ORDER BY due_at LIMIT 500"
    )
    with engine.connect() as conn:
        return " / ".join(r[0].strip() for r in conn.execute(text(sql), {"now": NOW}))[:200]


def bench_size(url: str, plans: int, due: int) -> tuple[float, float, SweepResult]:
    engine = open_db(url)
    t0 = time.perf_counter()
    populate(engine, plans, due)
    filled = time.perf_counter() - t0
    settings = Settings(papers_due_rules=(), digest_roles=())
    t0 = time.perf_counter()
    result = run_sweep(engine, NOW, settings=settings, deliver=False, digest=False)
    swept = time.perf_counter() - t0
    print(
        f"  {plans:>7} open plans: populated in {filled:6.1f} s; sweep created "
        f"{result.messages_created} messages from {result.notices_claimed} due reminders in "
        f"{swept * 1000:7.0f} ms ({result.notices_claimed / swept:6.0f} notices/s)"
    )
    t0 = time.perf_counter()
    run_sweep(engine, NOW + dt.timedelta(minutes=1), settings=settings, deliver=False, digest=False)
    idle = time.perf_counter() - t0
    print(f"           next sweep, nothing due: {idle * 1000:5.1f} ms")
    plan = explain(engine)
    if plan:
        print(f"           claim plan: {plan}")
    return filled, swept, result


class SinkServer:
    """aiosmtpd in its own process (a Sink handler), so the server does not share our GIL."""

    def __enter__(self) -> int:
        import socket
        import subprocess

        from tests.scheduler_support import free_port

        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-c",
                "aiosmtpd.handlers.Sink",
                "-l",
                f"127.0.0.1:{self.port}",
            ]
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self.port
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the SMTP server did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def bench_delivery(url: str) -> None:
    from govpath.notifications.message import build_email
    from govpath.scheduler.deliver import deliver_due

    engine = open_db(url)
    with engine.connect() as conn:
        rows = [
            dict(r)
            for r in conn.execute(select(t.outbox).where(t.outbox.c.status == "pending")).mappings()
        ]
    with SinkServer() as port:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, batch_size=500)
        result = SweepResult()
        t0 = time.perf_counter()
        deliver_due(engine, NOW, settings, result)
        ours = time.perf_counter() - t0
        assert result.delivered == len(rows), (result, len(rows))
        msgs = [
            build_email(
                sender="govpath@localhost",
                recipient=r["recipient"],
                subject=r["subject"],
                text=r["body_text"],
                html=r["body_html"],
                ics=r["ics"],
                msg_id=r["message_id"],
                date=NOW,
            )
            for r in rows
        ]

        async def plain() -> None:
            import aiosmtplib

            client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
            await client.connect()
            for m in msgs:
                await client.send_message(m)
            await client.quit()

        t0 = time.perf_counter()
        asyncio.run(plain())
        raw = time.perf_counter() - t0
    n = len(rows)
    print(
        f"  delivery of {n} messages to loopback aiosmtpd: govpath {n / ours:6.0f} msg/s "
        f"(claim + lease + send + mark sent + audit event each); plain aiosmtplib loop "
        f"{n / raw:6.0f} msg/s (send only)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="admin URL of a PostgreSQL server (default: SQLite files)")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--due", type=int, default=1000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="govpath-bench-"))
    print(
        f"sweep benchmark: {args.due} due reminders; "
        f"backend {'postgresql' if args.db else 'sqlite'}"
    )
    last_url = ""
    for size in sizes:
        if args.db:
            from tests.pg import PgServer, create_database, drop_database

            server = PgServer(admin_url=args.db)
            url = create_database(server)
        else:
            url = f"sqlite:///{folder / f'bench-{size}.db'}"
        bench_size(url, size, args.due)
        if size == sizes[-1]:
            bench_delivery(url)
        forget_engines()
        if args.db:
            drop_database(server, url)
        last_url = url
    del last_url


if __name__ == "__main__":
    main()
