"""Hot-path statements: Core statements compiled once per dialect, run on the DBAPI cursor.

The runtime's transition path runs a handful of statements thousands of times. Building them as
Core statements keeps one schema (``engine.store.tables``) and one dialect-correct SQL text; this
module compiles each once per dialect and executes the text directly on the driver's cursor of
the SQLAlchemy connection (inside its transaction), skipping the per-execution bookkeeping.
Parameters are plain values; datetimes are converted the way SQLAlchemy stores them (SQLite: UTC
text ``YYYY-MM-DD HH:MM:SS.ffffff``; PostgreSQL: the aware datetime itself).

The caller must already be inside a transaction on CONN (``conn.begin()``, or
:func:`hot_transaction`): these statements do not trigger SQLAlchemy's autobegin. On the
transition path CONN is a :class:`HotConnection`: a pooled driver connection that makes a Core
``Connection`` only if a rarely taken branch runs a Core statement.
"""

from __future__ import annotations

import datetime as dt
import operator
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

# Recent timestamps as SQLite text (keyed by value; an aware time equals its UTC self): one
# transition writes the same `now` into many columns, and formatting it is not free.
_texts: dict[Any, tuple[type, str]] = {}


def _sqlite_value(value: Any) -> Any:
    found = _texts.get(value)
    if found is not None and found[0] is type(value):  # a date is never equal to a datetime
        return found[1]
    text = _sqlite_text(value)
    if len(_texts) > 512:
        _texts.clear()
    _texts[value] = (type(value), text)
    return text


def _sqlite_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Form:
    """One statement's SQL text for one dialect, and how to lay out its parameters."""

    __slots__ = ("fixed", "pick", "positional", "sql", "times")

    def __init__(self, statement: Any, dialect: Any) -> None:
        from sqlalchemy import types

        compiled = statement.compile(dialect=dialect)
        self.sql: str = str(compiled)
        self.fixed = {name: bp.value for name, bp in compiled.binds.items() if bp.value is not None}
        # SQLite takes the values as a sequence in the statement's order; PostgreSQL (psycopg)
        # as a dict by name
        self.positional: bool = bool(compiled.positional)
        # the values in the driver's order, picked in C (a single name still gives a tuple)
        names = tuple(compiled.positiontup or ())
        self.pick: Any = operator.itemgetter(*names) if len(names) > 1 else _pick_one(names)
        # the positions whose values may be dates or timestamps (by the bound column's type; an
        # untyped parameter is checked too): only those are converted to SQLite's text
        timeish = (types.Date, types.DateTime, types.NullType)
        self.times = tuple(
            i for i, name in enumerate(names) if compiled.binds[name].type._type_affinity in timeish
        )

    def params(self, params: Mapping[str, Any]) -> Any:
        if not self.positional:
            values = {**self.fixed, **params}
            for name, v in values.items():  # a naive timestamp is UTC (as UtcDateTime says)
                if isinstance(v, dt.datetime) and v.tzinfo is None:
                    values[name] = v.replace(tzinfo=dt.UTC)
            return values
        # this runs for every statement on the hot path: the caller's values over the statement's
        # own, picked in the driver's order, timestamps as SQLite text
        out = self.pick({**self.fixed, **params} if self.fixed else params)
        times = self.times
        if not times:
            return out
        out = list(out)
        for i in times:
            v = out[i]
            if v is not None and isinstance(v, _TIME_TYPES):
                out[i] = _sqlite_value(v)
        return out


_TIME_TYPES = (dt.datetime, dt.date)


def _pick_one(names: tuple[str, ...]) -> Any:
    """What ``itemgetter`` does for several names, for one name or none: always a tuple."""
    if not names:
        return lambda _params: ()
    only = names[0]
    return lambda params: (params[only],)


class Prepared:
    """One Core statement, compiled once per dialect, executed on the raw cursor."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._forms: dict[str, _Form] = {}

    def _for(self, dialect: Any) -> _Form:
        form = self._forms.get(dialect.name)
        if form is None:
            form = self._forms[dialect.name] = _Form(self.statement, dialect)
        return form

    def execute(self, conn: Any, params: Mapping[str, Any] | None = None) -> Any:
        """Run it in CONN's transaction; returns the DBAPI cursor (rowcount, fetchone…)."""
        form = self._for(conn.dialect)
        cur = conn.connection.dbapi_connection.cursor()
        cur.execute(form.sql, form.params(params or {}))
        return cur

    def executemany(self, conn: Any, rows: Iterable[Mapping[str, Any]]) -> int:
        """Run it once per row (one driver call); returns the rows affected."""
        form = self._for(conn.dialect)
        cur = conn.connection.dbapi_connection.cursor()
        cur.executemany(form.sql, [form.params(r) for r in rows])
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

    def rows(self, conn: Any, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """All rows as plain tuples, in the statement's column order."""
        cur = self.execute(conn, params)
        rows = cur.fetchall()
        cur.close()
        return rows

    def rowcount(self, conn: Any, params: Mapping[str, Any] | None = None) -> int:
        cur = self.execute(conn, params)
        count = cur.rowcount
        cur.close()
        return count


# SQLite: the driver connection each thread's last transition used, per engine, kept checked out
# of the pool for the thread's next one (see HotConnection). Dropped when the engine is disposed.
_kept: weakref.WeakKeyDictionary[Any, dict[int, Any]] = weakref.WeakKeyDictionary()
_kept_guard = threading.Lock()


def _keep(engine: Any, connection: Any) -> None:
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


def _release(engine: Any) -> None:
    """The engine is disposed: its kept connections are closed, as its pool's idle ones are."""
    with _kept_guard:
        held = _kept.get(engine) or {}
        connections = list(held.values())
        held.clear()
    for connection in connections:
        connection.detach()  # out of the pool, so that closing it closes the driver connection
        connection.close()


class HotConnection:
    """One pooled driver connection for a transition; a Core ``Connection`` on it only on demand.

    SQLAlchemy's ``Connection`` (made, begun, committed, closed: events, dispatch, transaction
    state) costs some 60 µs a transition on a small virtual machine. The hot path needs only the
    driver's cursor, the dialect and the engine; a branch that runs a Core statement (a definition
    or the meetings read the first time, a join, a refusal's own transaction) gets a real
    ``Connection`` on the same driver connection, so it works inside the same transaction.

    On SQLite the pool's checkout and return (locks, events, a reset) cost some 20 µs more, so the
    connection is kept, per thread, for that thread's next transition, if this one ended cleanly
    (committed or rolled back) without a Core ``Connection``. PostgreSQL connections go back to
    the pool every time: its pre-ping finds one that the server dropped.
    """

    __slots__ = ("_core", "connection", "dialect", "engine", "keep")

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.keep = self.dialect.name == "sqlite"
        held = _kept.get(engine) if self.keep else None
        connection = held.pop(threading.get_ident(), None) if held else None
        # the pool's proxy: .dbapi_connection, .driver_connection
        self.connection = connection or engine.raw_connection()
        self._core: Any = None

    def core(self) -> Any:
        if self._core is None:
            from sqlalchemy import Connection

            self._core = Connection(self.engine, connection=self.connection)
        return self._core

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self.core().execute(*args, **kwargs)

    def begin(self) -> Any:
        return self.core().begin()

    def in_transaction(self) -> bool:
        return self._core is not None and self._core.in_transaction()

    def commit(self) -> None:
        self.core().commit()

    def rollback(self) -> None:
        self.core().rollback()

    def close(self) -> None:
        if self._core is not None:
            self._core.close()  # returns the driver connection to the pool
        elif self.keep and not self.connection.driver_connection.in_transaction:
            _keep(self.engine, self.connection)
        else:
            self.connection.close()

    def __enter__(self) -> HotConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class hot_transaction:  # lower case: it reads as a call, `with hot_transaction(conn)`
    """One transaction on CONN's driver connection: committed if the block ends, else rolled back.

    (Context managers on the hot path are classes: a generator-based one costs a few microseconds
    more at every use.)

    BEGIN and COMMIT go to the driver: SQLite's ``BEGIN IMMEDIATE`` (one writer, taken at the
    start), PostgreSQL's implicit begin. A branch that runs a Core statement through CONN joins
    the same transaction (SQLAlchemy's autobegin finds it open), and then CONN commits or rolls
    back.
    """

    __slots__ = ("conn", "driver")

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.driver = conn.connection.driver_connection

    def __enter__(self) -> None:
        if self.conn.dialect.name == "sqlite":
            self.driver.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        conn = self.conn
        if kind is not None:
            if conn.in_transaction():
                conn.rollback()
            else:
                self.driver.rollback()
        elif conn.in_transaction():
            conn.commit()
        else:
            self.driver.commit()
