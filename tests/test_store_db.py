"""The schema is created on first use on both backends, and the trail refuses UPDATE and DELETE."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from govpath.store.db import head_revision, open_db


def test_first_use_creates_schema_at_head(db_url: str) -> None:
    engine = open_db(db_url)
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == head_revision()
        )
        assert conn.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar() == 0


def _indexes(conn) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """Every index of the tables govpath owns: name → (columns, partial predicate), as created."""
    from sqlalchemy import inspect

    from govpath.store.tables import metadata

    found = {}
    inspector = inspect(conn)
    for table in metadata.tables:
        for ix in inspector.get_indexes(table):
            if ix.get("duplicates_constraint"):  # PostgreSQL: a UNIQUE constraint's own index
                continue
            where = ix.get("dialect_options", {}).get(f"{conn.dialect.name}_where")
            found[ix["name"]] = (tuple(ix["column_names"]), None if where is None else str(where))
    return found


def test_the_migrated_schema_is_the_one_tables_py_declares(db_url: str) -> None:
    """The runtime's Core statements are built from govpath.store.tables: its columns and indexes
    (partial ones with their predicate) are exactly what the migrations create."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from govpath.store.tables import metadata

    engine = open_db(db_url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        created = _indexes(conn)
    assert [d for d in diffs if "alembic_version" not in str(d)] == []
    declared = {
        ix.name: (
            tuple(c.name for c in ix.columns),
            ix.dialect_options["sqlite"]["where"] is not None,
        )
        for table in metadata.tables.values()
        for ix in table.indexes
    }
    assert {name: (cols, where is not None) for name, (cols, where) in created.items()} == declared


def test_every_migration_downgrades_and_upgrades_again(db_url: str) -> None:
    from alembic import command

    from govpath.store.db import _alembic_config

    engine = open_db(db_url)
    with engine.connect() as conn:
        before = _indexes(conn)
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "base")
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    with engine.connect() as conn:
        assert _indexes(conn) == before
        assert conn.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar() == 0


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET note = 'x'", "DELETE FROM audit_events"]
)
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
        message = "initdb/pg_ctl not installed here"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        assert _reachable(server.admin_url)
        assert server.cluster_dir is not None and server.cluster_dir.exists()
    finally:
        server.stop()
    assert not _reachable(server.admin_url)


def test_timestamps_are_stored_as_utc_and_read_back_aware(db_url: str) -> None:
    """A reminder at 08:00 BST is 07:00 UTC on both backends, however the caller spelt it."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from sqlalchemy import insert, select

    from govpath.store.tables import actors

    engine = open_db(db_url)
    summer = dt.datetime(2013, 6, 3, 8, 0, tzinfo=ZoneInfo("Europe/London"))
    with engine.begin() as conn:
        conn.execute(
            insert(actors).values(
                email="d@k.example",
                name="D",
                created_at=summer,
                updated_at=dt.datetime(2013, 6, 3, 7, 0),
            )
        )
        created, updated = conn.execute(select(actors.c.created_at, actors.c.updated_at)).one()
    assert created == updated == dt.datetime(2013, 6, 3, 7, 0, tzinfo=dt.UTC)
    assert created.utcoffset() == dt.timedelta(0)


def test_hot_path_statements_store_timestamps_as_the_schema_does(db_url: str) -> None:
    """The prepared raw-cursor path (govpath.store.prepared) and Core write the same stored value,
    so comparisons such as ``due_at <= :now`` hold whichever path wrote the row."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from sqlalchemy import bindparam, insert, select, text

    from govpath.store.prepared import Prepared
    from govpath.store.tables import actors

    engine = open_db(db_url)
    summer = dt.datetime(2013, 6, 3, 8, 0, 0, 123456, tzinfo=ZoneInfo("Europe/London"))
    raw = Prepared(
        insert(actors).values(
            email=bindparam("email"),
            name="x",
            created_at=bindparam("at"),
            updated_at=bindparam("at"),
        )
    )
    with engine.begin() as conn:
        raw.rowcount(conn, {"email": "raw@k.example", "at": summer})
        conn.execute(
            insert(actors).values(
                email="core@k.example", name="x", created_at=summer, updated_at=summer
            )
        )
        stored = dict(conn.execute(text("SELECT email, created_at FROM actors")).all())
        read = dict(conn.execute(select(actors.c.email, actors.c.created_at)).all())
    assert stored["raw@k.example"] == stored["core@k.example"]
    assert read["raw@k.example"] == read["core@k.example"] == summer


def test_any_change_to_the_meetings_reaches_the_deadlines_worked_out_next(db_url: str) -> None:
    """Timelines are cached per calendar revision, which triggers on ``meetings`` advance at every
    INSERT, UPDATE or DELETE: even an edit made straight in the database, stamped with no new
    ``updated_at``, gives the next plan deadlines from the edited calendar."""
    import datetime as dt
    from pathlib import Path

    from govpath.calendars.sources import read_calendar
    from govpath.runtime.api import add_actor, publish_pathway, start_plan
    from govpath.store.meetings import upsert_meetings

    data = Path(__file__).parent / "data" / "runtime"
    t0 = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    engine = open_db(db_url)
    publish_pathway(engine, data / "pathway.yaml", now=t0)

    def revision() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT revision FROM calendar_revision")).scalar()

    before = revision()
    with engine.begin() as conn:
        upsert_meetings(conn, read_calendar(data / "calendar.yaml"), now=t0)
    assert revision() > before
    for email in ("fin@kent.gov.uk", "edu@kent.gov.uk"):
        add_actor(engine, email, email, ["director"], now=t0)

    def papers_due(subject: str, owner: str) -> list[str]:
        plan = start_plan(engine, "runtime_demo", subject, owner, now=t0)
        return [d["date"] for d in plan["deadlines"] if d["name"] == "papers_due"]

    assert papers_due("Finance", "fin@kent.gov.uk") == ["2026-12-24"]
    before = revision()
    with engine.begin() as conn:  # behind govpath's back: no new updated_at
        conn.execute(
            text("UPDATE meetings SET date = :d WHERE source_id = 'pr_cc-2027-01-12'"),
            {"d": dt.date(2027, 1, 19)},
        )
    assert revision() == before + 1
    # the stage's gate is pinned to the P&R CC of 12 January, which is no longer on that day: a
    # timeline cached from before the edit would still give 24 December
    assert papers_due("Education", "edu@kent.gov.uk") == []
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM meetings WHERE source_id = 'cabinet-2027-04-19'"))
    assert revision() == before + 2
