"""What an intruder with the database in hand does to the trail, written as they would write it:
straight through sqlite3 or psycopg, and govpath's own hash functions to rebuild a chain."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from govpath.audit.chain import GENESIS, canonical_row, chain_hash

COLUMNS = (
    "id, seq, at, plan_id, kind, trigger, from_state, to_state, actor, body, meeting_id, note, "
    "data, prev_hash, hash"
)


@contextmanager
def raw(url: str) -> Iterator[Any]:
    """A driver connection to the database behind URL, committed on leaving."""
    if url.startswith("sqlite"):
        conn: Any = sqlite3.connect(url.split("///", 1)[1])
    else:
        import psycopg

        conn = psycopg.connect(url.replace("+psycopg", ""))
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def unguard(conn: Any) -> None:
    """Switch off the append-only triggers, as the file's or the schema's owner can."""
    if isinstance(conn, sqlite3.Connection):
        conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    else:
        conn.execute("ALTER TABLE audit_events DISABLE TRIGGER USER")
        conn.execute("ALTER TABLE audit_head DISABLE TRIGGER USER")


def reguard(conn: Any) -> None:
    """Switch the triggers back on, so that they show as enabled again."""
    if not isinstance(conn, sqlite3.Connection):
        conn.execute("ALTER TABLE audit_events ENABLE TRIGGER USER")
        conn.execute("ALTER TABLE audit_head ENABLE TRIGGER USER")


def _rows(conn: Any) -> list[dict[str, Any]]:
    import datetime as dt

    cur = conn.execute(f"SELECT {COLUMNS} FROM audit_events ORDER BY seq")
    names = [c.strip() for c in COLUMNS.split(",")]
    out = []
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        if isinstance(row["at"], str):  # SQLite keeps text
            row["at"] = dt.datetime.fromisoformat(row["at"])
        out.append(row)
    return out


def _set_head(conn: Any, seq: int, hash_: str) -> None:
    p = "?" if isinstance(conn, sqlite3.Connection) else "%s"
    conn.execute(f"UPDATE audit_head SET seq = {p}, hash = {p} WHERE id = 1", (seq, hash_))


def truncate_tail(url: str, n: int) -> None:
    """Delete the last N events and move the head back to the one left last."""
    with raw(url) as conn:
        unguard(conn)
        rows = _rows(conn)
        keep = rows[:-n]
        p = "?" if isinstance(conn, sqlite3.Connection) else "%s"
        conn.execute(f"DELETE FROM audit_events WHERE seq > {p}", (keep[-1]["seq"],))
        _set_head(conn, keep[-1]["seq"], keep[-1]["hash"])
        reguard(conn)


def empty(url: str) -> None:
    """Delete every event and put the head back to the start."""
    with raw(url) as conn:
        unguard(conn)
        conn.execute("DELETE FROM audit_events")
        _set_head(conn, 0, GENESIS)
        reguard(conn)


def rebuild(url: str, seq: int, note: str = "nothing happened here") -> None:
    """Rewrite event SEQ's note and re-hash it and every event after it, head included."""
    with raw(url) as conn:
        unguard(conn)
        rows = _rows(conn)
        p = "?" if isinstance(conn, sqlite3.Connection) else "%s"
        prev = GENESIS
        for row in rows:
            if row["seq"] == seq:
                row["note"] = note
            if row["seq"] >= seq:
                row["prev_hash"] = prev
                row["hash"] = chain_hash(prev, canonical_row(row["seq"], row))
                conn.execute(
                    f"UPDATE audit_events SET note = {p}, prev_hash = {p}, hash = {p} WHERE id = {p}",
                    (row["note"], row["prev_hash"], row["hash"], row["id"]),
                )
            prev = row["hash"]
        _set_head(conn, rows[-1]["seq"], prev)
        reguard(conn)


def replace_guard_function(url: str) -> None:
    """As the schema's owner on PostgreSQL: make the append-only function let everything through,
    leaving the triggers enabled."""
    with raw(url) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION govpath_audit_append_only() RETURNS trigger AS $$ "
            "BEGIN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ "
            "LANGUAGE plpgsql"
        )


def execute(url: str, sql: str, *params: Any) -> None:
    """One statement straight against the database (placeholders written as ``?``)."""
    with raw(url) as conn:
        if not isinstance(conn, sqlite3.Connection):
            sql = sql.replace("?", "%s")
        conn.execute(sql, params)
