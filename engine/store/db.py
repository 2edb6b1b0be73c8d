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


DEFAULT_CONNECT_TIMEOUT = 10.0  # seconds to wait for a database server to answer a connection


def create_db_engine(url: str, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> Engine:
    """A new engine for URL with govpath's connection settings (no schema work)."""
    from sqlalchemy import create_engine, event

    from govpath.errors import BadInput
    from govpath.redact import mask_url, scrub

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
            args = {"connect_timeout": max(1, round(connect_timeout))} if "+psycopg" in url else {}
            engine = create_engine(url, pool_pre_ping=True, connect_args=args)
    except ModuleNotFoundError as exc:  # the driver is an extra
        hint = " (pip install 'govpath[postgres]')" if exc.name == "psycopg" else ""
        raise BadInput(
            f"cannot use database URL {mask_url(url)!r}: its driver {exc.name} is not installed{hint}."
        ) from None
    except Exception as exc:  # bad URL
        reason = scrub(str(exc), url)
        raise BadInput(f"cannot use database URL {mask_url(url)!r}: {reason}") from None
    return engine


def where(url: str) -> str:
    """The server a URL names, for messages: ``host:port`` (never the user or password)."""
    from govpath.redact import server

    path = _sqlite_file(url)
    if url.startswith("sqlite"):
        return str(path) if path else "an in-memory database"
    return server(url)


def has_schema(engine: Engine) -> bool:
    """True when the database holds govpath's schema (any revision of it)."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        return inspect(conn).has_table("alembic_version")


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


def _sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for an in-memory database or another backend)."""
    if not url.startswith("sqlite"):
        return None
    _scheme, _sep, rest = url.partition(":///")
    name = rest.split("?", 1)[0]
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def open_db(
    url: str,
    *,
    migrate: bool = True,
    create: bool = True,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> Engine:
    """The engine for URL, with the schema created or upgraded on first use (cached per URL).

    With ``create=False`` (commands that only read) a database without govpath's schema is
    refused with a sentence, and no SQLite file is created.
    """
    from sqlalchemy.exc import DBAPIError

    from govpath.errors import BadInput
    from govpath.redact import mask_url

    url = normalise_url(url)
    with _guard:
        engine = _engines.get(url)
        if engine is None:
            missing = _no_database(url) if not create else None
            if missing:
                raise BadInput(missing)
            engine = create_db_engine(url, connect_timeout=connect_timeout)
            new_file = _sqlite_file(url)
            if new_file is not None and not new_file.exists():
                _create_private(new_file)
            try:
                if not create and not has_schema(engine):
                    engine.dispose()
                    raise BadInput(
                        f"the database {mask_url(url)!r} holds no govpath data; this command only "
                        "reads, so it creates nothing: run `govpath init` to set it up, or give "
                        "--db the database you meant."
                    )
                if migrate:
                    upgrade(engine)
            except DBAPIError as exc:
                engine.dispose()
                raise BadInput(_cannot_open(url, exc, connect_timeout)) from None
            _engines[url] = engine
    return engine


def _create_private(path: Path) -> None:
    """Create an empty SQLite file readable by its owner only (its -wal and -shm follow it)."""
    import os

    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except OSError:
        pass  # another process made it first, or the folder is missing: SQLite says so


def _no_database(url: str) -> str | None:
    """Why a read-only command cannot use URL without creating it (a missing SQLite file)."""
    from govpath.redact import mask_url

    path = _sqlite_file(url)
    if path is not None and not path.exists():
        return (
            f"there is no govpath database at {path} ({mask_url(url)}); this command only reads, "
            "so it creates nothing: run `govpath init` to create one, or give --db the one you "
            "meant."
        )
    return None


def _cannot_open(url: str, exc: BaseException, timeout: float) -> str:
    """One sentence for a database that cannot be opened, naming the server, never the password."""
    from govpath.redact import mask_url, scrub

    orig = getattr(exc, "orig", None) or exc
    reason = (str(orig).strip().splitlines() or [orig.__class__.__name__])[0]
    reason = scrub(reason, url).rstrip(".")
    if "timeout" in reason.lower() or "timed out" in reason.lower():
        return (
            f"the database server at {where(url)} did not answer within {timeout:g} s "
            f"({mask_url(url)}); check that it is running and reachable "
            "(GOVPATH_DB_CONNECT_TIMEOUT sets the wait)."
        )
    return f"cannot open the database {mask_url(url)!r} at {where(url)}: {reason}."


def forget_engines() -> None:
    """Dispose of cached engines (tests, and forked worker processes)."""
    with _guard:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
