"""Open a govpath database: the SQLAlchemy engine, SQLite pragmas, and schema upgrade on first use."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_KEY = 0x60F_9A7  # PostgreSQL advisory lock serialising concurrent first-use upgrades
_engines: dict[str, Engine] = {}
_guard = threading.Lock()


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC (what every timestamp column stores)."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A timestamp read back from either backend, as an aware UTC datetime (SQLite drops the zone)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Every SQLite connection: write-ahead log (readers never block the writer); the log synced at
# every commit, so a decision reported as recorded survives a power cut as well as a crash (as on
# PostgreSQL); foreign keys enforced; a writer waits up to 30 s for another's transaction.
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000")


def create_db_engine(url: str) -> Engine:
    """A new engine for URL with govpath's connection settings (no schema work)."""
    from sqlalchemy import create_engine, event

    from engine.errors import BadInput

    url = normalise_url(url)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})

            @event.listens_for(engine, "connect")
            def _sqlite_connect(dbapi_conn, _record) -> None:
                dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
                cur = dbapi_conn.cursor()
                for pragma in SQLITE_PRAGMAS:
                    cur.execute(f"PRAGMA {pragma}")
                cur.close()

            @event.listens_for(engine, "begin")
            def _sqlite_begin(conn) -> None:
                # One writer at a time, taken at the start: no upgrade deadlocks, no lost updates.
                # (Already begun: the runtime's hot path began on the driver; see hot_transaction.)
                driver = conn.connection.driver_connection
                if not driver.in_transaction:
                    driver.execute("BEGIN IMMEDIATE")

        else:
            engine = create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:  # the driver is an extra
        hint = " (pip install 'govpath[postgres]')" if exc.name == "psycopg" else ""
        raise BadInput(
            f"cannot use database URL {_shown(url)!r}: its driver {exc.name} is not installed{hint}."
        ) from None
    except Exception as exc:  # bad URL
        raise BadInput(f"cannot use database URL {_shown(url)!r}: {exc}") from None
    return engine


def _shown(url: str) -> str:
    """URL with any password masked, for messages.

    >>> _shown("postgresql+psycopg://govpath:s3cret@db.internal/govpath")
    'postgresql+psycopg://govpath:********@db.internal/govpath'
    """
    import re

    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\g<1>********@", url)


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)
    return ScriptDirectory.from_config(cfg).get_current_head() or ""


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; True when something was applied."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text

    head = head_revision()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return False
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        if MigrationContext.configure(conn).get_current_revision() != head:
            command.upgrade(_alembic_config(conn), "head")
    return True


def open_db(url: str, *, migrate: bool = True) -> Engine:
    """The engine for URL, with the schema created or upgraded on first use (cached per URL)."""
    from sqlalchemy.exc import OperationalError

    from engine.errors import BadInput

    url = normalise_url(url)
    with _guard:
        engine = _engines.get(url)
        if engine is None:
            engine = create_db_engine(url)
            if migrate:
                try:
                    upgrade(engine)
                except OperationalError as exc:
                    engine.dispose()
                    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
                    raise BadInput(f"cannot open the database {_shown(url)!r}: {reason}") from None
            _engines[url] = engine
    return engine


def forget_engines() -> None:
    """Dispose of cached engines (tests, and forked worker processes)."""
    with _guard:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
