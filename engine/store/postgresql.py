"""PostgreSQL's own part of the store: its engine (connect timeout, pre-ping) and the upgrade lock.

What every backend shares is in ``db.py`` and ``prepared.py``; they ask the capability flags
(``backend_of(…).advisory_locks``) and call the functions here. The roles and GRANTs of a
least-privilege set-up are in ``pg_roles.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

UPGRADE_LOCK = 0x60F_9A7  # advisory lock serialising concurrent first-use upgrades


def create_engine(url: str, *, connect_timeout: float) -> Engine:
    """A new engine for a database server: its connections pinged at checkout (one the server
    dropped is replaced), and, with psycopg, CONNECT_TIMEOUT seconds to answer (at least 1)."""
    from sqlalchemy import create_engine as _create

    args = {"connect_timeout": max(1, round(connect_timeout))} if "+psycopg" in url else {}
    return _create(url, pool_pre_ping=True, connect_args=args)


def lock_upgrades(conn: Connection) -> None:
    """Hold the upgrade lock to the end of CONN's transaction: one process upgrades at a time."""
    from sqlalchemy import text

    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": UPGRADE_LOCK})
