"""The transition's connection and transaction: one pooled driver connection, few round trips.

:class:`HotConnection` is the pooled driver connection a transition runs on, making a Core
``Connection`` on it only when a rarely taken branch needs one; :class:`hot_transaction` is its
one transaction: ``BEGIN IMMEDIATE`` on SQLite, psycopg's pipeline mode on PostgreSQL (the
statements of :mod:`govpath.store.prepared` queued and sent when an answer is needed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

from govpath.store import sqlite
from govpath.store.backend import backend_of

if TYPE_CHECKING:
    from sqlalchemy import (
        Connection,
        CursorResult,
        Engine,
        Executable,
        RootTransaction,
        ScalarResult,
    )
    from sqlalchemy.engine.interfaces import (
        CoreExecuteOptionsParameter,
        Dialect,
        _CoreAnyExecuteParams,
        _CoreSingleExecuteParams,
    )
    from sqlalchemy.pool import PoolProxiedConnection

_PG_IDLE = 0  # psycopg's pq.TransactionStatus.IDLE: no transaction open


def _open(driver: Any) -> bool:
    """Whether DRIVER is still connected (sqlite3's connections do not say: taken as open)."""
    return driver is not None and not getattr(driver, "closed", False)


class _Driver(Protocol):
    """What the hot path asks of a driver connection (``sqlite3`` and ``psycopg`` both have it)."""

    def execute(self, sql: str, /) -> object: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class HotConnection:
    """One pooled driver connection for a transition; a Core ``Connection`` on it only on demand.

    SQLAlchemy's ``Connection`` (made, begun, committed, closed: events, dispatch, transaction
    state) costs some 60 µs a transition on a small virtual machine. The hot path needs only the
    driver's cursor, the dialect and the engine; a branch that runs a Core statement (a definition
    or the meetings read the first time, a join, a refusal's own transaction) gets a real
    ``Connection`` on the same driver connection, so it works inside the same transaction.

    Where the backend keeps a connection (``keep_connection``: SQLite, whose pool's checkout and
    return, locks, events and a reset, cost some 20 µs more) the connection is kept, per thread,
    for that thread's next transition, if this one ended cleanly (committed or rolled back)
    without a Core ``Connection`` (``sqlite.keep``). PostgreSQL connections go back to the pool
    every time: its pre-ping finds one that the server dropped.
    """

    __slots__ = (
        "_core",
        "_pipeline",
        "begin_immediate",
        "connection",
        "dialect",
        "engine",
        "keep",
        "pipe",
        "pipelines",
    )

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect: Dialect = engine.dialect
        backend = backend_of(engine)
        self.keep = backend.keep_connection
        self.begin_immediate = backend.begin_immediate
        self.pipelines = backend.pipeline
        connection = sqlite.take_kept(engine) if self.keep else None
        # the pool's proxy: .dbapi_connection, .driver_connection
        self.connection: PoolProxiedConnection = connection or engine.raw_connection()
        self._core: Connection | None = None
        # psycopg's pipeline while one is open (see hot_transaction), and its context manager
        self.pipe: Any = None
        self._pipeline: Any = None

    def start_pipeline(self) -> None:
        """Begin a transaction in pipeline mode: statements are queued from now on and sent when
        an answer is needed (a pipelining backend only).

        psycopg waits for the answer to its own BEGIN in pipeline mode, a round trip of its own;
        so the driver goes to autocommit (it sends no BEGIN then) and BEGIN is queued like any
        statement, answered with the transaction's first read. :meth:`end_pipeline` puts the
        driver back as the pool expects it."""
        driver = cast(Any, self.connection.driver_connection)
        driver.autocommit = True
        self._pipeline = driver.pipeline()
        self.pipe = self._pipeline.__enter__()
        driver.execute("BEGIN")

    def end_pipeline(self, error: BaseException | None = None, *, commit: bool = False) -> None:
        """Leave pipeline mode: COMMIT (if COMMIT) is queued, and everything queued sent and
        answered. ERROR: the block failed (a second failure while leaving is not to hide it);
        then, or if leaving fails, the transaction is rolled back here."""
        if self._pipeline is None:
            return
        pipeline, self._pipeline, self.pipe = self._pipeline, None, None
        driver = cast(Any, self.connection.driver_connection)
        done = False
        try:
            if error is None:
                if commit:
                    driver.execute("COMMIT")
                pipeline.__exit__(None, None, None)  # one trip: the last writes and COMMIT
                done = True
            else:
                pipeline.__exit__(type(error), error, error.__traceback__)
        finally:  # (a connection the server dropped has nothing left to roll back)
            if not done and _open(driver) and driver.info.transaction_status != _PG_IDLE:
                driver.rollback()

    def restore(self) -> None:
        """Give the driver back its autocommit setting once the transaction has ended."""
        driver = cast(Any, self.connection.driver_connection)
        if (
            self.pipelines
            and _open(driver)
            and driver.autocommit
            and driver.info.transaction_status == _PG_IDLE
        ):
            driver.autocommit = False

    def is_open(self) -> bool:
        """Whether the driver connection is still connected (False: the server dropped it)."""
        return _open(self.connection.driver_connection)

    def core(self) -> Connection:
        if self._core is None:
            from sqlalchemy import Connection

            self.end_pipeline()  # SQLAlchemy reads each answer as it runs a statement
            self._core = Connection(self.engine, connection=self.connection)
        return self._core

    def execute(
        self,
        statement: Executable,
        parameters: _CoreAnyExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> CursorResult[Any]:
        return self.core().execute(statement, parameters, execution_options=execution_options)

    def scalar(
        self, statement: Executable, parameters: _CoreSingleExecuteParams | None = None
    ) -> Any:
        return self.core().scalar(statement, parameters)

    def scalars(
        self, statement: Executable, parameters: _CoreAnyExecuteParams | None = None
    ) -> ScalarResult[Any]:
        return self.core().scalars(statement, parameters)

    def begin(self) -> RootTransaction:
        return self.core().begin()

    def in_transaction(self) -> bool:
        return self._core is not None and self._core.in_transaction()

    def commit(self) -> None:
        self.core().commit()

    def rollback(self) -> None:
        self.core().rollback()

    def close(self) -> None:
        driver = cast(Any, self.connection.driver_connection)
        if self.pipelines and driver is not None and (not _open(driver) or driver.autocommit):
            # a lost connection, or a transaction that could not be ended cleanly: never hand
            # the pool an autocommit connection (each statement of its next user would commit
            # on its own)
            self.connection.invalidate()
        if self._core is not None:
            self._core.close()  # returns the driver connection to the pool
        elif self.keep and sqlite.idle(self.connection):
            sqlite.keep(self.engine, self.connection)
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

    BEGIN and COMMIT go to the driver: ``BEGIN IMMEDIATE`` where the backend takes the write
    lock at the start (``begin_immediate``: SQLite, one writer), else the driver's implicit
    begin (PostgreSQL). A branch that runs a Core statement through CONN joins the same
    transaction (SQLAlchemy's autobegin finds it open), and then CONN commits or rolls back.

    Where the backend pipelines (``pipeline``: PostgreSQL through psycopg), the transaction runs
    in pipeline mode: a statement is sent when an answer is needed, with everything queued
    before it, so a transition takes one round trip for its reads (BEGIN included), one for its
    writes up to the chain head's answer, and one for the event and COMMIT. A failure inside is
    raised when its answer comes, and rolls the whole transaction back as any failure does. A
    Core statement ends the pipeline first (:meth:`HotConnection.core`).
    """

    __slots__ = ("conn", "driver")

    def __init__(self, conn: HotConnection) -> None:
        self.conn = conn
        self.driver = cast(_Driver, conn.connection.driver_connection)

    def __enter__(self) -> None:
        if self.conn.begin_immediate:
            self.driver.execute(sqlite.BEGIN)
        elif self.conn.pipelines:
            self.conn.start_pipeline()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: object
    ) -> None:
        conn = self.conn
        try:
            if kind is not None:
                conn.end_pipeline(error)  # (rolls back what the pipeline began)
                if conn.in_transaction():
                    conn.rollback()
                elif _open(self.driver):  # (a lost connection: the error says so already)
                    self.driver.rollback()
            elif conn.pipe is not None:
                conn.end_pipeline(commit=True)
            elif conn.in_transaction():
                conn.commit()
            else:
                self.driver.commit()
        finally:
            conn.restore()
