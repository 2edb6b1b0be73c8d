"""Hot-path statements: Core statements compiled once per dialect, run on the DBAPI cursor.

The runtime's transition path runs a handful of statements thousands of times. Building them as
Core statements keeps one schema (``govpath.store.tables``) and one dialect-correct SQL text; this
module compiles each once per dialect and executes the text directly on the driver's cursor of
the SQLAlchemy connection (inside its transaction), skipping the per-execution bookkeeping.
Values go through the bound column's own type, as SQLAlchemy would convert them (one conversion:
``UtcDateTime`` and the dialect's processors; a timestamp for SQLite becomes UTC text there, and
nowhere else); rows read with :meth:`Prepared.records` come back through the selected columns'
result types, keyed by column name. Each statement is logged on SQLAlchemy's own logger
(``sqlalchemy.engine.Engine``), so ``echo`` and logging configuration see the hot path too.

The caller must already be inside a transaction on CONN (``conn.begin()``, or
:class:`~govpath.store.hot.hot_transaction`): these statements do not trigger SQLAlchemy's
autobegin. On the transition path CONN is a :class:`~govpath.store.hot.HotConnection`: a pooled
driver connection that makes a Core ``Connection`` only if a rarely taken branch runs a Core
statement. In its pipeline (PostgreSQL) a statement is queued, not answered: :meth:`Prepared.send`
returns a :class:`Sent`, whose answer is waited for only when it is asked for.

Each statement's compiled forms are kept on its :class:`Prepared` (one per dialect name: never
stale, as neither the statement nor a dialect changes in a process); the time conversions they
share are ``CACHE.time_processors`` (``cache.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from govpath.store.cache import CACHE

if TYPE_CHECKING:
    from sqlalchemy import (
        Connection,
    )
    from sqlalchemy.engine.interfaces import (
        DBAPICursor,
        Dialect,
    )
    from sqlalchemy.sql.compiler import SQLCompiler
    from sqlalchemy.sql.elements import ClauseElement
    from sqlalchemy.types import TypeEngine

    # What the store's functions take: a Core connection, or the transition's hot connection
    # (which makes a Core one on demand). Import it under TYPE_CHECKING.
    from govpath.store.hot import HotConnection

    StoreConnection: TypeAlias = "HotConnection | Connection"

Convert: TypeAlias = Callable[[Any], Any]  # one value into the driver's form, or back

_log = logging.getLogger("sqlalchemy.engine.Engine")  # where SQLAlchemy logs its statements
_INFO = logging.INFO
_TIME_TYPES = (dt.datetime, dt.date)


def _memo(convert: Convert) -> Convert:
    """CONVERT for timestamps, remembering recent values: one transition writes the same ``now``
    into many columns, and converting it is not free. (Keyed by type and value: an aware time
    equals its UTC self, and a date never equals a datetime.)"""
    seen: dict[tuple[type, Any], Any] = {}

    def converted(value: Any) -> Any:
        key = (type(value), value)
        found = seen.get(key, seen)
        if found is seen:
            if len(seen) > 512:
                seen.clear()
            found = seen[key] = convert(value)
        return found

    return converted


def _processor(type_: TypeEngine[Any], dialect: Dialect) -> Convert | None:
    """The bound type's conversion for DIALECT (None: the value goes as it is)."""
    from sqlalchemy import types

    if type_._type_affinity is types.NullType:  # an untyped parameter: a time as the schema's
        from govpath.store.tables import UtcDateTime

        stamp = _processor(UtcDateTime(), dialect)
        day = _processor(types.Date(), dialect)
        if stamp is None and day is None:
            return None
        return lambda v: (
            (stamp(v) if stamp else v)
            if isinstance(v, dt.datetime)
            else ((day(v) if day else v) if isinstance(v, dt.date) else v)
        )
    if type_._type_affinity not in (types.Date, types.DateTime):
        return type_.dialect_impl(dialect).bind_processor(dialect)
    # one memo per time type and dialect, shared by every statement: the same ``now`` goes into
    # many columns of many statements in one transition
    key = (type(type_), dialect.name)
    if key not in CACHE.time_processors:
        convert = type_.dialect_impl(dialect).bind_processor(dialect)
        made = _memo(convert) if convert is not None else None
        CACHE.time_processors.setdefault(key, made)  # atomic: a racing thread's is kept
    return CACHE.time_processors[key]


class _Form:
    """One statement's SQL text for one dialect, and how to lay out and convert its values."""

    __slots__ = ("columns", "convert", "fixed", "pick", "positional", "results", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast("SQLCompiler", statement.compile(dialect=dialect))
        self.sql: str = str(compiled)
        self.fixed: dict[str, Any] = {
            name: bp.value for name, bp in compiled.binds.items() if bp.value is not None
        }
        # SQLite takes the values as a sequence in the statement's order; PostgreSQL (psycopg)
        # as a dict by name
        self.positional: bool = bool(compiled.positional)
        names = tuple(compiled.positiontup or ()) if self.positional else tuple(compiled.binds)
        # the values in the driver's order, picked in C (a single name still gives a tuple)
        self.pick: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
            operator.itemgetter(*names) if len(names) > 1 else _pick_one(names)
        )
        processors = [
            (i, n, _processor(compiled.binds[n].type, dialect)) for i, n in enumerate(names)
        ]
        # (position or name, conversion) of the values that need one
        self.convert: tuple[tuple[Any, Convert], ...] = tuple(
            (i if self.positional else n, f) for i, n, f in processors if f is not None
        )
        # the selected (or returned) columns, by name, with their result conversions
        selected = getattr(statement, "selected_columns", None)
        if selected is None:
            selected = getattr(statement, "_returning", None) or ()
        cols = list(selected)
        self.columns: tuple[str, ...] = tuple(c.name for c in cols)
        self.results: tuple[tuple[int, Convert], ...] = tuple(
            (i, f)
            for i, f in enumerate(
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in cols
            )
            if f is not None
        )

    def params(self, params: Mapping[str, Any]) -> Any:
        """The caller's values over the statement's own, converted, as the driver takes them."""
        values = {**self.fixed, **params} if self.fixed else params
        out: Any
        if not self.positional:
            out = dict(values)
        else:
            out = self.pick(values)
            if not self.convert:
                return out
            out = list(out)
        for key, convert in self.convert:
            v = out.get(key) if not self.positional else out[key]
            if v is not None:
                out[key] = convert(v)
        return out

    def record(self, row: Sequence[Any]) -> dict[str, Any]:
        """A row as a dict by column name, each value through its column's result type."""
        if self.results:
            row = list(row)
            for i, convert in self.results:
                v = row[i]
                if v is not None:
                    row[i] = convert(v)
        return dict(zip(self.columns, row, strict=True))


def _pick_one(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """What ``itemgetter`` does for several names, for one name or none: always a tuple."""
    if not names:
        return lambda _params: ()
    only = names[0]
    return lambda params: (params[only],)


def _cursor(conn: StoreConnection) -> DBAPICursor:
    """A new cursor on CONN's driver connection."""
    driver = conn.connection.dbapi_connection
    assert driver is not None, "the connection is closed"
    return driver.cursor()


class Prepared:
    """One Core statement, compiled once per dialect, executed on the raw cursor."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        # dialect name -> the statement compiled for it (never stale: see the module's docstring)
        self._forms: dict[str, _Form] = {}

    def _for(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is None:
            form = self._forms[dialect.name] = _Form(self.statement, dialect)
        return form

    def execute(
        self, conn: StoreConnection, params: Mapping[str, Any] | None = None
    ) -> DBAPICursor:
        """Run it in CONN's transaction; returns the DBAPI cursor (rowcount, fetchone…).

        In a pipeline (:class:`hot_transaction` on PostgreSQL) the statement is only queued:
        fetching from the cursor waits for its answer, its ``rowcount`` does not (use
        :meth:`send` for a count)."""
        form = self._for(conn.dialect)
        values = form.params(params or {})
        if _log.isEnabledFor(_INFO):
            _log.info("%s", form.sql)
            _log.info("[prepared] %r", values)
        cur = _cursor(conn)
        cur.execute(form.sql, values)
        return cur

    def send(self, conn: StoreConnection, params: Mapping[str, Any] | None = None) -> Sent:
        """Run it in CONN's transaction; in a pipeline, queued until an answer is asked for."""
        return Sent(self._for(conn.dialect), self.execute(conn, params), conn)

    def executemany(self, conn: StoreConnection, rows: Iterable[Mapping[str, Any]]) -> None:
        """Run it once per row (one driver call; in a pipeline, queued with the rest)."""
        form = self._for(conn.dialect)
        values = [form.params(r) for r in rows]
        if _log.isEnabledFor(_INFO):
            _log.info("%s", form.sql)
            _log.info("[prepared, %d rows] %r", len(values), values[:10])
        cur = _cursor(conn)
        if len(values) == 1:  # psycopg runs executemany in a pipeline: two more round trips
            cur.execute(form.sql, values[0])
        else:
            cur.executemany(form.sql, values)
        if getattr(conn, "pipe", None) is None:
            cur.close()  # (a queued statement's cursor must stay open for its answer)

    def records(
        self, conn: StoreConnection, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """All rows as dicts by column name, values converted by their columns' types."""
        return self.send(conn, params).records()

    def first(
        self, conn: StoreConnection, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """The first row as a dict keyed by column name (converted), or None."""
        found = self.records(conn, params)
        return found[0] if found else None

    def rows(
        self, conn: StoreConnection, params: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """All rows as plain tuples, in the statement's column order."""
        cur = self.execute(conn, params)
        rows = cur.fetchall()
        cur.close()
        return cast("list[tuple[Any, ...]]", rows)

    def rowcount(self, conn: StoreConnection, params: Mapping[str, Any] | None = None) -> int:
        """The rows it affected (in a pipeline: waits for the answer, with all queued before)."""
        return self.send(conn, params).rowcount()


class Sent:
    """A statement sent on the driver; its answer is read when asked for.

    Outside a pipeline the answer is already there. In one, it comes with the next round trip:
    asking for it first sends everything queued (one trip for all of it), unless a later
    question already brought it.
    """

    __slots__ = ("_conn", "_cur", "_form")

    def __init__(self, form: _Form, cur: DBAPICursor, conn: StoreConnection) -> None:
        self._form, self._cur, self._conn = form, cur, conn

    def _answered(self) -> None:
        pipe = getattr(self._conn, "pipe", None)
        if pipe is not None and getattr(self._cur, "pgresult", True) is None:
            pipe.sync()

    def rowcount(self) -> int:
        """The rows the statement affected."""
        self._answered()
        count = int(self._cur.rowcount)
        self._cur.close()
        return count

    def records(self) -> list[dict[str, Any]]:
        """Its rows as dicts by column name, values converted by their columns' types."""
        rows = self._cur.fetchall()  # (psycopg's fetch waits for a queued answer itself)
        self._cur.close()
        return [self._form.record(row) for row in rows]
