"""A PostgreSQL server for the test suite: the one named, the local one, or a throwaway cluster."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

LOCAL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class PgServer:
    """A reachable server; ``url(db)`` names a database on it."""

    admin_url: str  # a database we may CREATE DATABASE from
    cluster_dir: Path | None = None
    pg_ctl: str | None = None
    run_as: list[str] = field(default_factory=list)

    def url(self, dbname: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{dbname}"

    def stop(self) -> None:
        if self.cluster_dir and self.pg_ctl:
            subprocess.run(
                [*self.run_as, self.pg_ctl, "-D", str(self.cluster_dir), "-m", "immediate", "stop"],
                capture_output=True,
                check=False,
            )
            shutil.rmtree(self.cluster_dir.parent, ignore_errors=True)


def _reachable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def start_cluster() -> PgServer | None:
    """initdb + pg_ctl a throwaway cluster on a free loopback port (as user postgres when root)."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        return None
    run_as: list[str] = []
    top = Path(tempfile.mkdtemp(prefix="govpath-pg-"))
    data = top / "data"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return None
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            return None
        os.chown(top, pw.pw_uid, pw.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    init = subprocess.run(
        [
            *run_as,
            initdb,
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
    )
    if init.returncode != 0:
        return None
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {top} -c fsync=off -c max_connections=200"
    start = subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-o", opts, "-l", str(top / "log"), "-w", "start"],
        capture_output=True,
        text=True,
    )
    if start.returncode != 0:
        return None
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    for _ in range(50):
        if _reachable(url):
            return PgServer(admin_url=url, cluster_dir=data, pg_ctl=pg_ctl, run_as=run_as)
        time.sleep(0.1)
    return None


def find_server() -> PgServer | None:
    """GOVPATH_TEST_PG (a URL) if set, else the local server, else a throwaway cluster."""
    given = os.environ.get("GOVPATH_TEST_PG")
    if given:
        url = (
            given
            if "+psycopg" in given
            else given.replace("postgresql://", "postgresql+psycopg://")
        )
        return PgServer(admin_url=url) if _reachable(url) else None
    if os.environ.get("GOVPATH_TEST_PG_THROWAWAY") != "1" and _reachable(LOCAL):
        return PgServer(admin_url=LOCAL)
    return start_cluster()


def create_database(server: PgServer) -> str:
    """A fresh, empty database on the server; returns its URL."""
    import psycopg

    name = f"govpath_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


def drop_database(server: PgServer, url: str) -> None:
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(server.admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
