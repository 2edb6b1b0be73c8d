"""Hot-path statements: Core statements compiled once per dialect, run on the DBAPI cursor.

The runtime's transition path runs a handful of statements thousands of times. Building them as
Core statements keeps one schema (``engine.store.tables``) and one dialect-correct SQL text; this
module compiles each once per dialect and executes the text directly on the driver's cursor of
the SQLAlchemy connection (inside its transaction), skipping the per-execution bookkeeping.
Parameters are plain values; datetimes are converted the way SQLAlchemy stores them (SQLite: UTC
text ``YYYY-MM-DD HH:MM:SS.ffffff``; PostgreSQL: the aware datetime itself).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Prepared:
    """One Core statement, compiled once per dialect, executed on the raw cursor."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def _for(self, dialect: Any) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            order = tuple(compiled.positiontup) if compiled.positional else None
            fixed = {name: bp.value for name, bp in compiled.binds.items() if bp.value is not None}
            found = self._compiled[dialect.name] = (str(compiled), order, fixed)
        return found

    def _params(self, dialect: Any, compiled: tuple, params: Mapping[str, Any]) -> Any:
        _sql, order, fixed = compiled
        if dialect.name == "sqlite":
            values = {k: _sqlite_value(v) for k, v in params.items()}
        else:
            values = dict(params)
        if fixed:
            values = {**fixed, **values}
        if order is not None:
            return tuple(values[name] for name in order)
        return values

    def cursor(self, conn: Any) -> Any:
        return conn.connection.dbapi_connection.cursor()

    def execute(self, conn: Any, params: Mapping[str, Any] | None = None) -> Any:
        """Run it in CONN's transaction; returns the DBAPI cursor (rowcount, fetchone…)."""
        compiled = self._for(conn.dialect)
        cur = self.cursor(conn)
        cur.execute(compiled[0], self._params(conn.dialect, compiled, params or {}))
        return cur

    def executemany(self, conn: Any, rows: Iterable[Mapping[str, Any]]) -> int:
        compiled = self._for(conn.dialect)
        cur = self.cursor(conn)
        cur.executemany(compiled[0], [self._params(conn.dialect, compiled, r) for r in rows])
        count = cur.rowcount
        cur.close()
        return count

    def first(self, conn: Any, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """The first row as a dict keyed by column name, or None."""
        cur = self.execute(conn, params)
        row = cur.fetchone()
        names = [d[0] for d in cur.description]
        cur.close()
        return None if row is None else dict(zip(names, row, strict=True))

    def all(self, conn: Any, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        cur = self.execute(conn, params)
        rows = cur.fetchall()
        names = [d[0] for d in cur.description]
        cur.close()
        return [dict(zip(names, row, strict=True)) for row in rows]

    def rowcount(self, conn: Any, params: Mapping[str, Any] | None = None) -> int:
        cur = self.execute(conn, params)
        count = cur.rowcount
        cur.close()
        return count
