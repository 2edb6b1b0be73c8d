"""One import namespace: everything is ``govpath.…``; the folders are not top-level modules."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import govpath


def _run(code: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_folders_are_not_top_level_modules(tmp_path: Path) -> None:
    found = _run(
        "import importlib.util as u; "
        "print([n for n in ('engine', 'calendars', 'notifications', 'workflows') if u.find_spec(n)])",
        tmp_path,  # not the repository, whose folders the working directory would expose
    )
    assert found == "[]"
    where = _run(
        "import govpath.calendars.rules as r, govpath.notifications as n, govpath.workflows as w; "
        "print(r.__name__, n.__name__, w.__name__)",
        tmp_path,
    )
    assert where == "govpath.calendars.rules govpath.notifications govpath.workflows"


def test_python_m_govpath_and_the_version_written_once(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "govpath", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == f"govpath {govpath.__version__}"
    assert version("govpath") == govpath.__version__
