"""The driver-run statements: converted by the schema's types, read by column name, and logged."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, insert, select

from govpath.store.db import open_db
from govpath.store.prepared import Prepared
from govpath.store.tables import actors


def test_records_come_back_typed_by_column_name_and_statements_are_logged(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = open_db(db_url)
    summer = dt.datetime(2013, 6, 3, 8, 0, 0, 123456, tzinfo=ZoneInfo("Europe/London"))
    add = Prepared(
        insert(actors).values(
            email=bindparam("email"),
            name="x",
            created_at=bindparam("at"),
            updated_at=bindparam("at"),
        )
    )
    read = Prepared(
        select(actors.c.email, actors.c.created_at.label("made")).where(
            actors.c.email == bindparam("email")
        )
    )
    with (
        caplog.at_level(logging.INFO, logger="sqlalchemy.engine.Engine"),
        engine.begin() as conn,
    ):
        add.rowcount(conn, {"email": "p@k.example", "at": summer})
        found = read.first(conn, {"email": "p@k.example"})
    assert found == {"email": "p@k.example", "made": summer}
    assert found["made"].utcoffset() == dt.timedelta(0)  # aware, in UTC, on both backends
    logged = [r.getMessage() for r in caplog.records if r.name == "sqlalchemy.engine.Engine"]
    assert any(m.startswith("INSERT INTO actors") for m in logged), logged
    assert any("[prepared]" in m for m in logged), logged
