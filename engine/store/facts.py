"""Facts about the database itself: its identity, and whether it is a simulation."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine


def get_fact(conn: Connection, key: str) -> str | None:
    """One fact's value, or None."""
    from sqlalchemy import select

    from govpath.store.tables import database_facts as f

    value: str | None = conn.execute(select(f.c.value).where(f.c.key == key)).scalar()
    return value


def database_id(conn: Connection) -> str:
    """This database's identity (a random UUID made by migration 0009)."""
    return get_fact(conn, "database_id") or ""


def is_simulation(engine: Engine) -> bool:
    """Whether the database is marked as a simulation (`govpath init --simulation`, the demo)."""
    with engine.connect() as conn:
        return get_fact(conn, "simulation") == "1"


def mark_simulation(engine: Engine) -> None:
    """Mark the database as a simulation: acting commands then accept any ``--now``."""
    from sqlalchemy import delete

    from govpath.store.tables import database_facts as f

    with engine.begin() as conn:
        conn.execute(delete(f).where(f.c.key == "simulation"))
        conn.execute(f.insert().values(key="simulation", value="1"))
