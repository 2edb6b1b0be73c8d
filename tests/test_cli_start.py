"""The CLI's start: --version, and the short path for ``deadline RULE DATE`` agrees with the full one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_the_packages_version(cli: Cli) -> None:
    from importlib.metadata import version

    from govpath import __version__

    assert version("govpath") == __version__
    assert cli("--version", check=0).stdout == f"govpath {__version__}\n"
    proc = subprocess.run(
        [sys.executable, "-m", "govpath", "--version"], capture_output=True, text=True, check=True
    )
    assert proc.stdout == f"govpath {__version__}\n"


@pytest.mark.parametrize(
    ("rule", "date"),
    [
        ("agenda-publication", "2013-01-08"),
        ("key-decision-notice", "2013-03-18"),
        ("10 working days before", "2013-01-08"),
        ("3 clear working days after", "2012-12-21"),
    ],
)
def test_the_short_path_gives_the_full_commands_answer(cli: Cli, rule: str, date: str) -> None:
    short = cli("deadline", rule, date, check=0).stdout
    full = json.loads(cli("deadline", rule, date, "--json", check=0).stdout)
    assert short == full["result"] + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("deadline", "agenda-publication", "2013-13-08"), "DATE '2013-13-08' is not a date"),
        (("deadline", "3 fortnights before", "2013-01-08"), "is not a deadline rule"),
    ],
)
def test_the_short_path_reports_bad_input_like_the_full_command(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    short = cli(*args, check=1)
    full = cli(*args, "--json", check=1)
    assert message in short.stderr and message in full.stderr
    assert short.stdout == ""
