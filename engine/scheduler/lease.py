"""Keep a batch's delivery lease alive while it is being sent, and check it before each message."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from govpath.store.outbox import renew

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger("govpath.scheduler")


class LeaseKeeper:
    """While a batch is sent, renew its lease every third of the lease from a helper thread.

    The clock of the sweep (``now``) is fixed, so the lease runs on from it at real speed: a
    second scheduler only takes a message over when this process has stopped renewing it for a
    whole lease, that is, when it died or hung. ``hold(id)`` renews one message just before it is
    sent and says whether it is still ours to send.
    """

    def __init__(
        self, engine: Engine, ids: Iterable[int], owner: str, now: dt.datetime, lease_seconds: float
    ) -> None:
        self.engine, self.owner, self.now = engine, owner, now
        self.lease = float(lease_seconds)
        self.ids: set[int] = set(ids)
        self._origin = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="govpath-lease", daemon=True)

    def until(self) -> dt.datetime:
        """The lease's new end: the sweep's clock, run on by the time spent, plus one lease."""
        spent = time.monotonic() - self._origin
        return self.now + dt.timedelta(seconds=spent + self.lease)

    def hold(self, msg_id: int) -> bool:
        """Renew MSG_ID's lease now; False when another process has taken it (do not send it)."""
        with self._lock, self.engine.begin() as conn:
            return renew(conn, [msg_id], self.owner, self.until()) == 1

    def done(self, msg_id: int) -> None:
        """MSG_ID has an outcome: stop renewing it."""
        with self._lock:
            self.ids.discard(msg_id)

    def _run(self) -> None:
        while not self._stop.wait(self.lease / 3):
            with self._lock:
                ids = sorted(self.ids)
                if not ids:
                    continue
                try:
                    with self.engine.begin() as conn:
                        renew(conn, ids, self.owner, self.until())
                except Exception as exc:  # the next renewal tries again; the lease covers a gap
                    log.warning("could not renew the delivery lease: %s", exc)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
