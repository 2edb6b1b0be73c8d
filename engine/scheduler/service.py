"""The long-running scheduler: APScheduler 3.11 runs the sweep every interval and the digest daily.

Jobs never overlap (max_instances=1), missed runs coalesce into one, and none is skipped for being
late (misfire_grace_time=None). SIGTERM or SIGINT lets the current sweep finish, then exits 0.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.config import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from engine.scheduler.sweep import SweepResult

log = logging.getLogger("govpath.scheduler")
Report = Callable[[dt.datetime, "SweepResult"], None]


def run_service(
    engine: Engine,
    settings: Settings,
    clock: Callable[[], dt.datetime],
    *,
    report: Report | None = None,
    stop: threading.Event | None = None,
    install_signals: bool = True,
) -> int:
    """Sweep every ``settings.sweep_interval`` s, and daily at the digest hour, until stopped."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from engine.scheduler.sweep import run_sweep

    stop = stop or threading.Event()
    errors: list[BaseException] = []

    def sweep() -> None:
        now = clock()
        try:
            result = run_sweep(engine, now, settings=settings)
        except Exception as exc:
            from engine.redact import scrub

            log.error("sweep at %s failed: %s", now.isoformat(), scrub(str(exc), settings.db_url))
            errors.append(exc)
            return
        if report:
            report(now, result)

    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=settings.timezone,
    )
    scheduler.add_job(
        sweep,
        IntervalTrigger(seconds=settings.sweep_interval, timezone=settings.timezone),
        id="sweep",
        name="deadline sweep",
        next_run_time=dt.datetime.now(dt.UTC),
    )
    # The daily job: at the digest hour it sweeps, and the sweep sends digests if it is digest day.
    scheduler.add_job(
        sweep,
        CronTrigger(hour=settings.digest_hour, minute=0, timezone=settings.timezone),
        id="daily",
        name="daily digest check",
    )

    previous: dict[int, object] = {}
    if install_signals and threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    scheduler.start()
    try:
        while not stop.wait(0.2):
            pass
    finally:
        scheduler.shutdown(wait=True)  # lets a sweep in progress finish
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
    return 0
