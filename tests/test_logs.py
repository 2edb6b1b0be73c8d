"""Unexpected errors: one sentence on the terminal, the traceback in the log."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli


def _broken_db(tmp_path: Path) -> str:
    """A database whose schema revision no govpath knows: opening it fails in a way nobody
    planned for (a file that is not a database at all is bad input, one sentence, exit 1)."""
    import sqlite3

    bad = tmp_path / "bad.db"
    with sqlite3.connect(bad) as raw:
        raw.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        raw.execute("INSERT INTO alembic_version VALUES ('ffff')")
    return f"sqlite:///{bad}"


def test_an_unexpected_error_leaves_its_traceback_in_the_log_not_on_the_terminal(
    tmp_path: Path,
) -> None:
    cli = Cli(tmp_path, env={"XDG_STATE_HOME": str(tmp_path / "state")})
    proc = cli("--db", _broken_db(tmp_path), "plan", "list", check=70)
    log = tmp_path / "state" / "govpath" / "govpath.log"
    assert "unexpected error (CommandError)" in proc.stderr
    assert f"traceback in {log}" in proc.stderr
    text = log.read_text()
    assert "govpath plan list" in text and "Traceback (most recent call last)" in text
    assert "bad.db" not in text.splitlines()[0]  # the command's words, not its values


def test_with_a_log_file_setting_everything_goes_there(tmp_path: Path) -> None:
    log = tmp_path / "govpath.log"
    cli = Cli(tmp_path, env={"GOVPATH_LOG_FILE": str(log)})
    proc = cli("--db", _broken_db(tmp_path), "plan", "list", check=70)
    assert "unexpected error" in proc.stderr  # the one sentence for the person
    assert "Traceback (most recent call last)" in log.read_text()


def test_the_json_format_carries_the_traceback_inside_its_object(tmp_path: Path) -> None:
    cli = Cli(tmp_path, env={"XDG_STATE_HOME": str(tmp_path / "state")})
    proc = cli("--log-format", "json", "--db", _broken_db(tmp_path), "plan", "list", check=70)
    records = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    assert len(records) == 1
    assert records[0]["level"] == "ERROR" and records[0]["exc_type"] == "CommandError"
    assert any("engine/store/db.py" in frame for frame in records[0]["stack"])
    assert not (tmp_path / "state" / "govpath" / "govpath.log").exists()


def test_a_bad_log_format_is_bad_input(cli: Cli) -> None:
    proc = cli("--log-format", "xml", "deadline", "agenda-publication", "2013-01-08", check=1)
    assert proc.stderr.strip() == "--log-format must be one of text, json (not 'xml')."
