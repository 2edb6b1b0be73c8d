"""Shared fixtures: a database URL per backend (SQLite and a real PostgreSQL), and the CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import PgServer, create_database, drop_database, find_server

ROOT = Path(__file__).resolve().parent.parent
_server: PgServer | None = None
_server_looked = False


def pg_server() -> PgServer:
    """The PostgreSQL server for this run; fails under CI when none can be had, else skips."""
    global _server, _server_looked
    if not _server_looked:
        _server_looked = True
        _server = find_server()
    if _server is None:
        msg = (
            "no PostgreSQL server: set GOVPATH_TEST_PG to a URL, run one on 127.0.0.1:5432, "
            "or install initdb/pg_ctl so the suite can start a throwaway cluster"
        )
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return _server


def pytest_sessionfinish(session, exitstatus) -> None:
    if _server is not None:
        _server.stop()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    server = pg_server()
    url = create_database(server)
    try:
        yield url
    finally:
        from govpath.store.db import forget_engines

        forget_engines()
        drop_database(server, url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'govpath.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on both backends: SQLite in a temporary folder, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'govpath.db'}"
        from govpath.store.db import forget_engines

        forget_engines()
    else:
        yield request.getfixturevalue("pg_url")


class Cli:
    """Run ``govpath`` as a user would, in a working folder, and return what it printed.

    By default the command runs in this process through :func:`govpath.cli.main` (the same code
    path as the console script, with stdout, stderr, stdin, the environment and the working folder
    swapped in), which saves an interpreter start per call. ``subprocess=True``, or the
    environment variable ``GOVPATH_TEST_CLI=subprocess`` for the whole run, uses a real process.
    """

    def __init__(
        self,
        cwd: Path,
        db: str | None = None,
        env: dict[str, str] | None = None,
        *,
        subprocess: bool = False,
    ):
        self.cwd = cwd
        self.db = db
        self.env = env or {}
        self.subprocess = subprocess or os.environ.get("GOVPATH_TEST_CLI") == "subprocess"

    def _environment(self, env: dict[str, str] | None) -> dict[str, str]:
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env, **(env or {})}
        full_env.pop("GOVPATH_DEBUG", None)
        # sign-in stays off unless a test turns it on, and credentials never reach ~/.config
        full_env.setdefault("GOVPATH_AUTH_REQUIRED", "false")
        full_env.setdefault("GOVPATH_CREDENTIALS", str(self.cwd / ".govpath" / "credentials.json"))
        if self.db:
            full_env["GOVPATH_DB"] = self.db
        return full_env

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        check: int | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = self._environment(env)
        if self.subprocess:
            proc = subprocess.run(
                [sys.executable, "-m", "govpath", *args],
                cwd=self.cwd,
                env=full_env,
                input=input,
                capture_output=True,
                text=True,
                timeout=300,
            )
        else:
            proc = self._in_process(list(args), input, full_env)
        assert "Traceback" not in proc.stderr, proc.stderr
        if check is not None:
            assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    def _in_process(
        self, args: list[str], input: str | None, env: dict[str, str]
    ) -> subprocess.CompletedProcess[str]:
        import contextlib
        import io

        from govpath.cli import main

        out, err = io.StringIO(), io.StringIO()
        saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
        os.environ.clear()
        os.environ.update(env)
        os.chdir(self.cwd)
        sys.stdin = io.StringIO(input or "")
        code = 0
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    main(args)
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
            os.chdir(saved_cwd)
            sys.stdin = saved_stdin
        return subprocess.CompletedProcess(["govpath", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The CLI with no database chosen (commands that need none, or pass --db)."""
    return Cli(tmp_path)


@pytest.fixture
def cli_db(tmp_path: Path, db_url: str) -> Cli:
    """The CLI against a fresh database, on each backend in turn."""
    return Cli(tmp_path, db=db_url)
