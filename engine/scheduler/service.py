"""The long-running scheduler: APScheduler 3.11 runs the sweep, the weekly digest and the checkpoint.

Three jobs, all in the council's time zone (``settings.timezone``):

- ``sweep``: every ``sweep_interval`` seconds, starting at once (so a restart after downtime
  catches up at once: the sweep works from the clock, not from what it last did);
- ``digest``: a cron job on ``digest_day`` at ``digest_hour`` (the sweep it runs sends the digest;
  its idempotency key keeps it to one a week however often it runs);
- ``checkpoint``: a cron job every day at ``checkpoint_hour``, and once at start, calling the
  function named by ``checkpoint_job`` (``module:function``, called as ``f(engine, settings,
  now)``, which should make at most one checkpoint a day); while that function does not
  exist the job logs that it skipped.

Jobs never overlap (one worker, max_instances=1), missed runs coalesce into one and none is
dropped for being late (misfire_grace_time=None). A failed sweep is logged with its traceback;
after ``max_failed_sweeps`` failures in a row the service stops and returns
:data:`EXIT_SWEEPS_FAILING`, so that systemd (``Restart=on-failure``) starts it again. SIGTERM or
SIGINT lets the current job finish, then returns 0.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from govpath.config import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from govpath.scheduler.sweep import SweepResult

log = logging.getLogger("govpath.scheduler")
Report = Callable[[dt.datetime, "SweepResult"], None]
EXIT_SWEEPS_FAILING = 75  # EX_TEMPFAIL: the database or mail server is failing; try again later
_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def find_checkpoint_job(name: str) -> Callable[..., Any] | None:
    """The function NAME (``module:function``) names, or None when it does not exist (yet)."""
    module_name, _, attr = name.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None  # the module itself is missing, not something it imports
        raise
    found = getattr(module, attr, None)
    return found if callable(found) else None


def run_checkpoint(engine: Engine, now: dt.datetime, settings: Settings) -> bool:
    """Call the checkpoint hook once; False (and a log line) when it is not there to call."""
    job = find_checkpoint_job(settings.checkpoint_job)
    if job is None:
        log.info(
            "daily checkpoint skipped: %s does not exist in this version", settings.checkpoint_job
        )
        return False
    job(engine, settings, now)
    log.info("daily checkpoint made by %s", settings.checkpoint_job)
    return True


def triggers(settings: Settings) -> dict[str, Any]:
    """The APScheduler triggers of the three jobs, in the council's time zone."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    tz = settings.timezone
    return {
        "sweep": IntervalTrigger(seconds=settings.sweep_interval, timezone=tz),
        "digest": CronTrigger(
            day_of_week=_DAYS[settings.digest_day], hour=settings.digest_hour, minute=0, timezone=tz
        ),
        "checkpoint": CronTrigger(hour=settings.checkpoint_hour, minute=0, timezone=tz),
    }


def run_service(
    engine: Engine,
    settings: Settings,
    clock: Callable[[], dt.datetime],
    *,
    report: Report | None = None,
    stop: threading.Event | None = None,
    install_signals: bool = True,
) -> int:
    """Run the sweep, digest and checkpoint jobs until stopped; 0, or EXIT_SWEEPS_FAILING."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from govpath.scheduler.sweep import run_sweep

    stopping = stop or threading.Event()
    failed_in_a_row = [0]
    code = [0]

    def sweep() -> None:
        now = clock()
        try:
            result = run_sweep(engine, now, settings=settings)
        except Exception as exc:
            from govpath.redact import scrub

            failed_in_a_row[0] += 1
            log.error(
                "sweep at %s failed (%d in a row; the service stops after %d): %s",
                now.isoformat(timespec="seconds"),
                failed_in_a_row[0],
                settings.max_failed_sweeps,
                scrub(str(exc), settings.db_url),
                exc_info=True,
            )
            if failed_in_a_row[0] >= settings.max_failed_sweeps:
                log.error(
                    "%d sweeps in a row failed: stopping so that the service manager restarts us",
                    failed_in_a_row[0],
                )
                code[0] = EXIT_SWEEPS_FAILING
                stopping.set()
            return
        failed_in_a_row[0] = 0
        if report:
            report(now, result)

    def checkpoint() -> None:
        try:
            run_checkpoint(engine, clock(), settings)
        except Exception:
            log.exception("daily checkpoint failed")

    tz = settings.timezone
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=tz,
    )
    started = dt.datetime.now(dt.UTC)
    trigger = triggers(settings)
    scheduler.add_job(
        sweep, trigger["sweep"], id="sweep", name="deadline sweep", next_run_time=started
    )
    scheduler.add_job(sweep, trigger["digest"], id="digest", name="weekly digest")
    scheduler.add_job(
        checkpoint,
        trigger["checkpoint"],
        id="checkpoint",
        name="daily checkpoint",
        next_run_time=started + dt.timedelta(seconds=1),  # after the first sweep
    )

    previous: dict[signal.Signals, Any] = {}
    if install_signals and threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stopping.set())
    log.info(
        "scheduler started: sweep every %g s, digest %s %02d:00, checkpoint %02d:00 (%s)",
        settings.sweep_interval,
        settings.digest_day,
        settings.digest_hour,
        settings.checkpoint_hour,
        tz,
    )
    scheduler.start()
    try:
        while not stopping.wait(0.2):
            pass
    finally:
        scheduler.shutdown(wait=True)  # lets a job in progress finish
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code[0]
