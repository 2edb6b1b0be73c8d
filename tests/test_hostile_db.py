"""Databases that hang, passwords that must not show, and read-only commands that create nothing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from govpath.config import load_settings
from govpath.redact import mask_url
from tests.conftest import Cli


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts every connection and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()


def test_a_server_that_never_answers_fails_within_15_s_naming_the_host(
    tmp_path: Path, silent_server: int
) -> None:
    url = f"postgresql://clerk:Secret123@127.0.0.1:{silent_server}/govpath"
    started = time.monotonic()
    proc = Cli(tmp_path, subprocess=True)("--db", url, "plan", "list")
    took = time.monotonic() - started
    assert proc.returncode == 1 and took < 15, (proc.returncode, took)
    assert (
        f"127.0.0.1:{silent_server}" in proc.stderr and "did not answer within 10 s" in proc.stderr
    )
    assert "Secret123" not in proc.stderr + proc.stdout


def test_the_connect_timeout_is_a_setting(tmp_path: Path, silent_server: int) -> None:
    url = f"postgresql://clerk:Secret123@127.0.0.1:{silent_server}/govpath"
    started = time.monotonic()
    proc = Cli(tmp_path, env={"GOVPATH_DB_CONNECT_TIMEOUT": "2"})("--db", url, "plan", "start", "x")
    assert time.monotonic() - started < 8
    assert proc.returncode in (1, 2) and "Secret123" not in proc.stderr
    bad = Cli(tmp_path, env={"GOVPATH_DB_CONNECT_TIMEOUT": "nan"})("config", "show")
    assert bad.returncode == 1 and "GOVPATH_DB_CONNECT_TIMEOUT" in bad.stderr


@pytest.mark.parametrize(
    "password", ["Secret123", "p@ss@word99", "sl/ash:colon@at", "pct%40encoded", "q?uery#frag"]
)
def test_passwords_never_show_in_errors_or_config_show(tmp_path: Path, password: str) -> None:
    url = f"postgresql://clerk:{password}@127.0.0.1:1/govpath"
    cli = Cli(tmp_path)
    for proc in (
        cli("--db", url, "plan", "list"),
        cli("--db", url, "plan", "start", "kcc", "--subject", "s", "--owner", "a@b.example"),
        cli("plan", "list", env={"GOVPATH_DB": url}),
        cli("config", "show", env={"GOVPATH_DB": url}),
        cli("--db", url, "config", "show", "--json"),
    ):
        assert password not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
        assert proc.returncode in (0, 1)
    (tmp_path / "govpath.toml").write_text(f'[database]\nurl = "{url}"\n')
    for proc in (cli("plan", "list"), cli("config", "show")):
        assert password not in proc.stdout + proc.stderr
    assert "clerk:********@127.0.0.1:1" in cli("config", "show").stdout


def test_mask_url_keeps_the_user_and_host_readable() -> None:
    assert mask_url("postgresql://u:a@b@h:5/d") == "postgresql://u:********@h:5/d"
    assert (
        mask_url("postgresql://h/d?password=x&user=u")
        == "postgresql://h/d?password=********&user=u"
    )
    assert (
        load_settings(env={"GOVPATH_DB": "postgresql://u:@@@h/d"}, path="/none").masked()["db_url"]
        == "postgresql://u:********@h/d"
    )


def test_read_only_commands_create_no_database(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    for args in (
        ("plan", "list"),
        ("plan", "status", "1"),
        ("calendar", "list"),
        ("outbox", "list"),
        ("audit", "query"),
        ("audit", "verify"),
        ("report", "pathway", "1"),
    ):
        proc = cli(*args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert "govpath init" in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == [], "nothing was created"
    cli("init", check=0)
    assert (tmp_path / "govpath.db").exists()
    cli("plan", "list", check=0)


@pytest.mark.postgres
def test_read_only_commands_refuse_a_postgresql_database_that_is_not_govpaths(
    tmp_path: Path, pg_url: str
) -> None:
    import sqlalchemy as sa

    other = sa.create_engine(pg_url)
    with other.begin() as conn:
        conn.execute(sa.text("CREATE TABLE payroll (id int)"))
    other.dispose()
    cli = Cli(tmp_path, db=pg_url)
    proc = cli("plan", "list")
    assert proc.returncode == 1 and "holds no govpath data" in proc.stderr
    other = sa.create_engine(pg_url)
    with other.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    other.dispose()
    assert tables == {"payroll"}


def test_a_usage_error_that_echoes_a_database_url_masks_its_password(cli: Cli) -> None:
    """The option parser repeats a bad value in its message; a URL given there keeps its secret."""
    proc = cli(
        "decision", "record", "", "--format", "postgresql://u:Secret123@127.0.0.1:1/x", check=2
    )
    assert "Secret123" not in proc.stderr + proc.stdout
    assert "postgresql://u:********@127.0.0.1:1/x" in proc.stderr
