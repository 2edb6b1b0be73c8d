"""Database URLs in error messages: a sentence naming what is wrong, never the password."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nosuch://clerk:s3cret@db.internal/govpath", "cannot use database URL"),
        ("mysql+pymysql://clerk:s3cret@db.internal/govpath", "its driver pymysql is not installed"),
        (
            "postgresql+psycopg://clerk:s3cret@/govpath?host=/nonexistent-socket-dir",
            "cannot open the database",
        ),
    ],
)
def test_a_database_that_cannot_be_used_is_named_without_its_password(
    tmp_path: Path, url: str, says: str
) -> None:
    proc = Cli(tmp_path)("--db", url, "plan", "list", check=1)
    assert says in proc.stderr
    assert "s3cret" not in proc.stderr and "clerk:********@" in proc.stderr
