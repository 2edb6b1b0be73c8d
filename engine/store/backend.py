"""What each database backend can do: capability flags the store's statements branch on, never names.

A statement that differs between SQLite and PostgreSQL asks a flag (``backend_of(conn).skip_locked``)
rather than the dialect's name, as APScheduler 4's SQLAlchemy data store does; the few
statements that must be written differently live in ``sqlite.py`` and ``postgresql.py`` beside
this module.

>>> SQLITE.skip_locked, POSTGRESQL.skip_locked
(False, True)
>>> backend_named("postgresql").name
'postgresql'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class Backend:
    """One backend's capabilities."""

    name: str
    # SELECT … FOR UPDATE: rows locked until commit (SQLite has one writer, so it needs none).
    row_locks: bool
    # … FOR UPDATE SKIP LOCKED: concurrent workers take different rows.
    skip_locked: bool
    # pg_advisory_xact_lock: a lock on a number, held to the end of the transaction.
    advisory_locks: bool
    # A timestamp column keeps its zone; SQLite stores naive text, so values go in as UTC.
    aware_timestamps: bool
    # BEGIN IMMEDIATE: the write lock taken when the transaction starts, not at its first write.
    begin_immediate: bool
    # DISTINCT ON (…): the first row of each group, by the ORDER BY.
    distinct_on: bool
    # Database roles and GRANTs (the web's least-privilege role).
    database_roles: bool
    # A connection kept per thread between transitions is cheaper than the pool's checkout.
    keep_connection: bool
    # Statements sent before the answers are read (psycopg's pipeline mode): a transition's
    # statements go in a few round trips, not one each. (SQLite has no round trips to save.)
    pipeline: bool


SQLITE = Backend(
    name="sqlite",
    row_locks=False,
    skip_locked=False,
    advisory_locks=False,
    aware_timestamps=False,
    begin_immediate=True,
    distinct_on=False,
    database_roles=False,
    keep_connection=True,
    pipeline=False,
)

POSTGRESQL = Backend(
    name="postgresql",
    row_locks=True,
    skip_locked=True,
    advisory_locks=True,
    aware_timestamps=True,
    begin_immediate=False,
    distinct_on=True,
    database_roles=True,
    keep_connection=False,
    pipeline=True,
)

_BY_NAME = {b.name: b for b in (SQLITE, POSTGRESQL)}


class _HasName(Protocol):
    @property
    def name(self) -> str: ...


class _HasDialect(Protocol):
    @property
    def dialect(self) -> _HasName: ...


def backend_named(name: str) -> Backend:
    """The backend of a dialect name (``sqlite``, ``postgresql``); ValueError for another."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"govpath does not support the database backend {name!r}") from None


def backend_of(conn: _HasDialect) -> Backend:
    """The backend of a connection, engine or hot connection (anything with a ``dialect``)."""
    return _BY_NAME[conn.dialect.name]
