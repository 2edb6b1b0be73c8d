"""The schema is created on first use on both backends, and the trail refuses UPDATE and DELETE."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.store.db import open_db


def test_first_use_creates_schema_at_head(db_url: str) -> None:
    engine = open_db(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
        assert conn.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar() == 0


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET note = 'x'", "DELETE FROM audit_events"])
def test_trail_is_append_only_in_the_database(db_url: str, statement: str) -> None:
    engine = open_db(db_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_events (seq, at, kind, data, prev_hash, hash) "
                "VALUES (1, CURRENT_TIMESTAMP, 'test', '{}', 'a', 'b')"
            )
        )
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 1



def test_throwaway_cluster_starts_from_installed_binaries() -> None:
    """With no server given, the suite can start its own PostgreSQL from initdb/pg_ctl."""
    from tests.pg import _reachable, start_cluster

    server = start_cluster()
    if server is None:
        pytest.skip("initdb/pg_ctl not installed here")
    try:
        assert _reachable(server.admin_url)
        assert server.cluster_dir is not None and server.cluster_dir.exists()
    finally:
        server.stop()
    assert not _reachable(server.admin_url)
