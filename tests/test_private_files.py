"""Files govpath creates are its owner's only; the demo never replaces files that are not its own."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, Cli

TINY = ROOT / "tests" / "data" / "definitions" / "tiny.yaml"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_report_export_and_mail_are_private(tmp_path: Path) -> None:
    saved = os.umask(0o022)  # a typical user's umask: govpath must not rely on it
    try:
        cli = Cli(tmp_path, subprocess=True, env={"GOVPATH_MAIL_DIR": str(tmp_path / "mail")})
        cli("init", check=0)
        cli("pathway", "publish", str(TINY), check=0)
        cli("actor", "add", "d@kent.example", "--name", "D", "--role", "director", check=0)
        cli("plan", "start", "tiny", "--subject", "S", "--owner", "d@kent.example", check=0)
        cli("report", "year", "tiny", "--output", str(tmp_path / "year.html"))
        cli("calendar", "export", "--output", str(tmp_path / "cal.ics"))
        cli("scheduler", "run", "--once", "--now", "2014-04-28T09:00", check=0)
    finally:
        os.umask(saved)
    assert _mode(tmp_path / "govpath.db") == 0o600
    for extra in ("year.html", "cal.ics"):
        if (tmp_path / extra).exists():
            assert _mode(tmp_path / extra) == 0o600, extra
    mail = tmp_path / "mail"
    if mail.exists():
        assert _mode(mail) == 0o700
        assert all(_mode(f) == 0o600 for f in mail.iterdir())


def test_the_demo_refuses_a_folder_with_other_files_and_leaves_them(tmp_path: Path) -> None:
    (tmp_path / "govpath.db").write_text("a council's real database")
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "real.eml").write_text("real mail")
    proc = Cli(tmp_path)("demo", "--out", str(tmp_path))
    assert proc.returncode == 1 and "--out" in proc.stderr and "touched nothing" in proc.stderr
    assert (tmp_path / "govpath.db").read_text() == "a council's real database"
    assert (tmp_path / "mail" / "real.eml").read_text() == "real mail"
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    assert Cli(tmp_path)("demo", "--out", str(other)).returncode == 1
    assert (other / "notes.txt").read_text() == "keep"


def test_a_killed_demo_leaves_nothing_temporary_after_the_next_start(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "govpath", "demo", "--out", str(out), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((out / "mail").glob("*.eml")):
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    (out / "mail" / ".tmp-left-by-kill.eml").write_text("half")  # as a kill mid-write leaves it
    again = subprocess.run(
        [sys.executable, "-m", "govpath", "demo", "--out", str(out), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert not list(out.rglob(".tmp-*"))
