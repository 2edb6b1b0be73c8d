"""The systemd units in deploy/ are valid for systemd (``systemd-analyze verify``) and run govpath."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy").glob("*.service"))
INSTALLED = "/opt/govpath/.venv/bin/govpath"


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is not installed (.ci/run installs the systemd package)")
        pytest.skip("systemd-analyze is not installed")
    return found


def test_there_is_a_unit_for_the_web_and_one_for_the_scheduler() -> None:
    commands = {u.name: _exec_start(u) for u in UNITS}
    assert commands == {
        "govpath-scheduler.service": f"{INSTALLED} --log-format json --log-level INFO scheduler run",
        "govpath-web.service": f"{INSTALLED} --log-format json --log-level INFO serve",
    }


def _exec_start(unit: Path) -> str:
    lines = [ln for ln in unit.read_text().splitlines() if ln.startswith("ExecStart=")]
    assert len(lines) == 1, unit
    return lines[0].removeprefix("ExecStart=")


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_systemd_analyze_verify_accepts_the_unit(unit: Path, tmp_path: Path) -> None:
    analyze = _systemd_analyze()
    # The unit names the installed program; verify it against this checkout's console script.
    govpath = Path(sys.executable).with_name("govpath")
    assert govpath.exists(), govpath
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace(INSTALLED, str(govpath)))
    proc = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    problems = [ln for ln in proc.stderr.splitlines() if unit.name in ln or "Unknown" in ln]
    assert not problems, proc.stderr


def test_the_scheduler_unit_restarts_it_when_it_exits_non_zero() -> None:
    text = (ROOT / "deploy" / "govpath-scheduler.service").read_text()
    assert "Restart=on-failure" in text and "StartLimitIntervalSec=0" in text
