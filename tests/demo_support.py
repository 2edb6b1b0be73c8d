"""A demo year's database, built once per run and copied for each test that writes to it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_built: dict[str, Path] = {}

AUDITOR = "audrey.auditor@kent.example"  # added by demo_copy: the demo has no auditor
POLICY = "priya.quinlan@kent.example"
DEM = "bernadette.kemp@kent.example"
DIRECTOR = "alex.okafor@kent.example"
CORPORATE = "chidi.iqbal@kent.example"


def demo_database(base: Path) -> Path:
    """The demo's SQLite database for 2013/14 (made under BASE the first time it is asked for)."""
    if "db" not in _built:
        out = base / "govpath-demo"
        proc = subprocess.run(
            [sys.executable, "-m", "govpath", "demo", "--out", str(out), "--json"],
            cwd=base,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        _built["db"] = out / "govpath.db"
    return _built["db"]


def demo_copy(base: Path, folder: Path) -> str:
    """A fresh copy of the demo database in FOLDER, with an auditor registered; its URL."""
    from govpath.runtime.api import add_actor
    from govpath.store.db import open_db

    source = demo_database(base)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "govpath.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    url = f"sqlite:///{target}"
    add_actor(open_db(url), AUDITOR, "Audrey Auditor", ["auditor"])
    return url
