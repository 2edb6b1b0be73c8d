"""Benchmark: the web pages and a transition POST through the real server, with 10,000 plans.

A database gets the KCC 2013/14 pathway and calendar, 100 Directors and a policy officer, and N
plans (default 10,000: one started by the runtime, the rest copies of it and its deadlines, each
owned by one of the Directors). ``govpath serve`` runs it on loopback; a bounded pool of clients
(default 8), each signed in through a one-time link, then asks for the policy team's dashboard, a
Director's plan page, and fires ``submit_headlines`` on a Director's plan (a form POST with its
CSRF token). Printed: the median and p95 of each, and beside the POST the median of the same
transition made in process with ``runtime.advance`` (what ``govpath plan advance`` does).

    python bench/bench_web.py [--plans 10000] [--clients 8] [--requests 200] [--workers 1] [--db URL]

Aim: p95 under 100 ms for pages, and the POST within 2x the in-process advance.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = dt.datetime(2012, 10, 15, 9, 0, tzinfo=dt.UTC)
DIRECTORS = 100


def build(db_url: str, n: int) -> dict[str, Any]:
    """The council with N plans; returns the engine and who owns which plan."""
    from sqlalchemy import insert, select

    from govpath.calendars.sources import read_calendars
    from govpath.runtime.api import add_actor, publish_pathway, start_plan
    from govpath.store.db import open_db
    from govpath.store.meetings import upsert_meetings
    from govpath.store.tables import deadlines, plans

    engine = open_db(db_url)
    with engine.begin() as conn:
        calendar = ROOT / "calendars" / "data" / "kcc" / "2012-13.yaml"
        upsert_meetings(conn, [m for f in read_calendars([calendar]) for m in f.meetings])
    publish_pathway(engine, ROOT / "workflows" / "kcc" / "2013-14.yaml", now=START)
    add_actor(engine, "cd@kent.example", "Corporate Director", ["corporate_director"], now=START)
    add_actor(engine, "policy@kent.example", "Policy Officer", ["policy_team"], now=START)
    owners = [f"director{i:03d}@kent.example" for i in range(DIRECTORS)]
    for i, email in enumerate(owners):
        add_actor(
            engine, email, f"Director {i}", ["director"], reports_to="cd@kent.example", now=START
        )
    first = start_plan(engine, "kcc_2013_14", "Finance and Procurement", owners[0], now=START)
    with engine.begin() as conn:
        plan = conn.execute(select(plans).where(plans.c.id == first["id"])).mappings().one()
        dls = (
            conn.execute(select(deadlines).where(deadlines.c.plan_id == first["id"]))
            .mappings()
            .all()
        )
        rows = []
        for k in range(1, n):
            row = {c: v for c, v in plan.items() if c != "id"}
            row.update(owner=owners[k % DIRECTORS], subject=f"Division {k}")
            rows.append(row)
        for chunk in range(0, len(rows), 2000):
            conn.execute(insert(plans), rows[chunk : chunk + 2000])
        ids = list(conn.execute(select(plans.c.id, plans.c.owner).order_by(plans.c.id)).all())
        copies = [
            {**{c: v for c, v in d.items() if c != "id"}, "plan_id": pid, "owner": owner}
            for pid, owner in ids[1:]
            for d in dls
        ]
        for chunk in range(0, len(copies), 5000):
            conn.execute(insert(deadlines), copies[chunk : chunk + 5000])
    by_owner: dict[str, list[int]] = {}
    for pid, owner in ids:
        by_owner.setdefault(owner, []).append(pid)
    return {"engine": engine, "owners": owners, "plans": by_owner}


def signed_in(base: str, engine, email: str):
    import httpx

    from govpath.web.auth.links import issue_link
    from govpath.web.settings import load_web_settings

    settings = load_web_settings(env={"GOVPATH_BASE_URL": base}, path="/nonexistent")
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
    response = client.get(issue_link(engine, settings, email, dt.datetime.now(dt.UTC)))
    assert response.status_code == 200, response.text
    return client


def timed(calls: list, clients: int) -> list[float]:
    """Run CALLS (callables) on CLIENTS threads; each one's wall time in ms."""
    out: list[float] = []
    lock = threading.Lock()

    def run(call) -> None:
        t = time.perf_counter()
        call()
        ms = (time.perf_counter() - t) * 1000
        with lock:
            out.append(ms)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, calls))
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:32} median {statistics.median(values):7.1f} ms   p95 {p95(values):7.1f} ms   "
        f"({len(values)} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default="")
    parser.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    args = parser.parse_args()

    from govpath.runtime.api import advance
    from tests.scheduler_support import free_port
    from tests.web_browser_support import Server

    folder = Path(tempfile.mkdtemp(prefix="govpath-bench-web-"))
    db_url = args.db or f"sqlite:///{folder / 'govpath.db'}"
    t0 = time.perf_counter()
    council = build(db_url, args.plans)
    print(f"{args.plans} plans in {db_url} ({time.perf_counter() - t0:.1f} s to build)")
    server = Server(db_url, free_port(), {}, ("--workers", str(args.workers)))
    try:
        base = server.url
        engine = council["engine"]
        officer = [signed_in(base, engine, "policy@kent.example") for _ in range(args.clients)]
        directors = council["owners"][: args.clients * 4]
        their = {d: signed_in(base, engine, d) for d in directors}
        for c in [*officer, *their.values()]:  # warm: caches, connections
            c.get("/")
        n = args.requests

        def dashboard(i: int):
            return lambda: officer[i % len(officer)].get("/dashboard").raise_for_status()

        def plan_page(i: int):
            d = directors[i % len(directors)]
            pid = council["plans"][d][i // len(directors) % len(council["plans"][d])]
            return lambda: their[d].get(f"/plans/{pid}").raise_for_status()

        dash = timed([dashboard(i) for i in range(n)], args.clients)
        page = timed([plan_page(i) for i in range(n)], args.clients)

        # POSTs: each on its own plan, by its owner, with the form's CSRF token
        posts = []
        for i in range(n):
            d = directors[i % len(directors)]
            pid = council["plans"][d][-1 - i // len(directors)]
            html = their[d].get(f"/plans/{pid}").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

            def post(d=d, pid=pid, token=token):
                r = their[d].post(
                    f"/plans/{pid}/advance/submit_headlines",
                    data={"csrf_token": token, "headline_priorities": "https://x.example/h.pdf"},
                    follow_redirects=False,
                )
                assert r.status_code == 303, r.text[:300]

            posts.append(post)
        fired = timed(posts, args.clients)

        # the same transition in process (the CLI's advance), on other plans
        inproc = []
        for i in range(min(n, 100)):
            spare = council["owners"][args.clients * 4 :]
            d = spare[i % len(spare)]
            pid = council["plans"][d][i // len(spare)]
            t = time.perf_counter()
            advance(
                engine,
                pid,
                "submit_headlines",
                actor=d,
                fields={"headline_priorities": "https://x.example/h.pdf"},
            )
            inproc.append((time.perf_counter() - t) * 1000)
    finally:
        server.stop()
    print(line("dashboard (policy officer)", dash))
    print(line("plan page (Director)", page))
    print(line("transition POST (Director)", fired))
    print(line("advance in process (CLI)", inproc))
    ratio = statistics.median(fired) / statistics.median(inproc)
    print(
        f"POST / in-process advance: {ratio:.2f}x (aim: within 2x); {args.clients} clients, "
        f"{args.workers} server process(es)"
    )


if __name__ == "__main__":
    main()
