"""Open a govpath database: the SQLAlchemy engine and the schema upgrade on first use.

What differs between backends is in ``sqlite.py`` and ``postgresql.py``; this module picks one by
the URL's scheme and asks the capability flags (``backend.py``) where they differ.

The engines opened, one per URL, are a registry, not a cache: an engine is a live resource (its
pool holds open connections and, on SQLite, the file's locks), made once and disposed of
explicitly (:func:`forget_engines`), never rebuilt from something it could go stale against. So
it stays here, beside the function that opens them, rather than in ``cache.py``.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from govpath.store.sqlite import SQLITE_PRAGMAS as SQLITE_PRAGMAS  # where it always was
from govpath.store.sqlite import file_of as _sqlite_file

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
_engines: dict[str, Engine] = {}  # URL -> its engine (a registry: see above)
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


DEFAULT_CONNECT_TIMEOUT = 10.0  # seconds to wait for a database server to answer a connection


def create_db_engine(url: str, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> Engine:
    """A new engine for URL with govpath's connection settings (no schema work)."""
    from govpath.errors import BadInput
    from govpath.redact import mask_url, scrub

    url = normalise_url(url)
    try:
        if _is_sqlite(url):
            from govpath.store import sqlite

            engine = sqlite.create_engine(url)
        else:  # a database server: PostgreSQL's settings (the only server govpath supports)
            from govpath.store import postgresql

            engine = postgresql.create_engine(url, connect_timeout=connect_timeout)
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
    if _is_sqlite(url):
        return str(path) if path else "an in-memory database"
    return server(url)


def has_schema(engine: Engine) -> bool:
    """True when the database holds govpath's schema (any revision of it)."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        return inspect(conn).has_table("alembic_version")


def _is_sqlite(url: str) -> bool:
    """Whether URL names a SQLite database (its scheme, before any engine exists)."""
    return url.startswith("sqlite")


def _alembic_config(connection: Connection | None) -> Config:
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

    from govpath.store.backend import backend_of

    head = head_revision()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return False
    with engine.begin() as conn:
        if backend_of(conn).advisory_locks:
            from govpath.store.postgresql import lock_upgrades

            lock_upgrades(conn)
        if MigrationContext.configure(conn).get_current_revision() != head:
            command.upgrade(_alembic_config(conn), "head")
    return True


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
                from govpath.store.sqlite import create_private

                create_private(new_file)
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
