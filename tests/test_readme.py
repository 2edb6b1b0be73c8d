"""The README's tour runs as written, and its set-up commands are the ones CI and users run."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def tour_steps() -> list[tuple[str, list[str]]]:
    """``(command, expectations)`` for each ``$ govpath …`` line of the tour's console blocks."""
    section = README.split("## A ten-minute tour", 1)[1].split("\n## ", 1)[0]
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif line.strip() and steps:
                steps[-1][1].append(line.strip())
    return steps


def test_setup_commands_are_the_ones_ci_runs() -> None:
    blocks = re.findall(r"```bash\n(.*?)\n```", README.split("## Set up", 1)[1].split("\n## ")[0])
    assert len(blocks) == 2, "the README has exactly two set-up commands"
    demo, tests = blocks
    assert demo.endswith("govpath demo")
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci, ".ci/run must call the README's test command"


def test_tour_runs_as_written(tmp_path: Path) -> None:
    steps = tour_steps()
    assert len(steps) >= 20
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GOVPATH_DB": f"sqlite:///{tmp_path / 'tour.db'}",
        "GOVPATH_MAIL_DIR": str(tmp_path / "mail"),
    }
    for key in [k for k in env if k.startswith("GOVPATH_SMTP")]:
        env.pop(key)
    for command, expected in steps:
        argv = shlex.split(command)
        assert argv[0] == "govpath"
        proc = subprocess.run(
            [sys.executable, "-m", "govpath", *argv[1:]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        output = proc.stdout + proc.stderr
        assert "Traceback" not in output, (command, output)
        codes = [int(e[2:]) for e in expected if e.startswith("! ")]
        assert proc.returncode == (codes[0] if codes else 0), (command, proc.returncode, output)
        for text in (e for e in expected if not e.startswith("! ")):
            assert text in output, (command, text, output[-2000:])
    assert list((tmp_path / "mail").glob("*.eml")), "the sweep wrote reminders as .eml files"


@pytest.mark.parametrize("name", ["docs/architecture.md", "docs/definition-language.md"])
def test_linked_docs_exist(name: str) -> None:
    assert (ROOT / name).exists()
