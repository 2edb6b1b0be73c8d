"""SQLite's own part of the store: its engine (pragmas, BEGIN IMMEDIATE), file and kept connections.

What every backend shares is in ``db.py`` and ``prepared.py``; they ask the capability flags
(``backend_of(…).begin_immediate``, ``.keep_connection``) and call the functions here.
"""

from __future__ import annotations

import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy import Connection, Engine
    from sqlalchemy.pool import PoolProxiedConnection

# Every SQLite connection: write-ahead log (readers never block the writer); the log synced at
# every commit, so a decision reported as recorded survives a power cut as well as a crash (as on
# PostgreSQL); foreign keys enforced; a writer waits up to 30 s for another's transaction.
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000")
BEGIN = "BEGIN IMMEDIATE"  # one writer at a time, the write lock taken at the start


def create_engine(url: str) -> Engine:
    """A new SQLite engine: the pragmas on every connection, BEGIN IMMEDIATE at every begin."""
    from sqlalchemy import create_engine as _create
    from sqlalchemy import event

    engine = _create(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Connection) -> None:
        # One writer at a time, taken at the start: no upgrade deadlocks, no lost updates.
        # (Already begun: the runtime's hot path began on the driver; see hot_transaction.)
        driver = cast("sqlite3.Connection", conn.connection.driver_connection)
        if not driver.in_transaction:
            driver.execute(BEGIN)

    return engine


def file_of(url: str) -> Path | None:
    """The file a SQLite URL names (None for an in-memory database or another backend)."""
    if not url.startswith("sqlite"):
        return None
    _scheme, _sep, rest = url.partition(":///")
    name = rest.split("?", 1)[0]
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def create_private(path: Path) -> None:
    """Create an empty SQLite file readable by its owner only (its -wal and -shm follow it)."""
    import os

    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except OSError:
        pass  # another process made it first, or the folder is missing: SQLite says so


# The driver connection each thread's last transition used, per engine, kept checked out of the
# pool for the thread's next one (see hot.HotConnection). A registry of open connections
# (like the pool itself), not a cache of anything read: dropped when the engine is disposed.
_kept: weakref.WeakKeyDictionary[Engine, dict[int, PoolProxiedConnection]] = (
    weakref.WeakKeyDictionary()
)
_kept_guard = threading.Lock()


def idle(connection: PoolProxiedConnection) -> bool:
    """Whether CONNECTION's SQLite connection has no transaction open."""
    driver = cast("sqlite3.Connection", connection.driver_connection)
    return not driver.in_transaction


def take_kept(engine: Engine) -> PoolProxiedConnection | None:
    """The connection this thread kept on ENGINE, taken out of the registry, or None."""
    held = _kept.get(engine)
    return held.pop(threading.get_ident(), None) if held else None


def keep(engine: Engine, connection: PoolProxiedConnection) -> None:
    """Keep CONNECTION (no transaction open) for this thread's next transition on ENGINE."""
    held = _kept.get(engine)
    if held is None:
        with _kept_guard:
            held = _kept.get(engine)
            if held is None:
                from sqlalchemy import event

                held = _kept[engine] = {}
                event.listen(engine, "engine_disposed", _release)
    previous = held.setdefault(threading.get_ident(), connection)
    if previous is not connection:  # a transition within a transition: one is kept
        connection.close()


def _release(engine: Engine) -> None:
    """The engine is disposed: its kept connections are closed, as its pool's idle ones are."""
    with _kept_guard:
        held = _kept.get(engine) or {}
        connections = list(held.values())
        held.clear()
    for connection in connections:
        connection.detach()  # out of the pool, so that closing it closes the driver connection
        connection.close()
