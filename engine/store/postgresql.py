"""PostgreSQL's own part of the store: its engine (connect timeout, idle pings) and the upgrade lock.

What every backend shares is in ``db.py`` and ``prepared.py``; they ask the capability flags
(``backend_of(…).advisory_locks``) and call the functions here. The roles and GRANTs of a
least-privilege set-up are in ``pg_roles.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

UPGRADE_LOCK = 0x60F_9A7  # advisory lock serialising concurrent first-use upgrades


# A connection that sat in the pool longer than this is pinged before it is handed out (one the
# server dropped, by a restart or an idle timeout, is replaced). One given back moments ago
# (a transition after a transition) is not: the ping would be a round trip on every one.
PING_AFTER_IDLE = 1.0  # seconds


def create_engine(url: str, *, connect_timeout: float) -> Engine:
    """A new engine for a database server: a connection idle in the pool for more than
    ``PING_AFTER_IDLE`` seconds is pinged at checkout (one the server dropped is replaced), and,
    with psycopg, CONNECT_TIMEOUT seconds to answer (at least 1)."""
    from sqlalchemy import create_engine as _create

    args = {"connect_timeout": max(1, round(connect_timeout))} if "+psycopg" in url else {}
    engine = _create(url, connect_args=args)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pre-ping, for connections that waited in the pool (its documented
    pessimistic recipe: a failed ping raises DisconnectionError, and the pool connects anew)."""
    import time

    from sqlalchemy import event, exc

    def checked_in(_driver: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(driver: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE:
            return  # new, or back a moment ago
        try:
            alive = engine.dialect.do_ping(driver)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, driver, None):
                raise
            alive = False
        if not alive:
            raise exc.DisconnectionError("the server closed the connection while it was idle")

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


def lock_upgrades(conn: Connection) -> None:
    """Hold the upgrade lock to the end of CONN's transaction: one process upgrades at a time."""
    from sqlalchemy import text

    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": UPGRADE_LOCK})
