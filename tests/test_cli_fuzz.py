"""Every command's options with hostile values: no traceback, exit 0-5, each run under 30 s."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govpath.cli.app import app
from tests.conftest import Cli

# demo: a whole simulated year per example (its folder checks are tested elsewhere); serve and
# login wait for people (a browser, a typed code) by design and have tests of their own
SKIP = {("demo",), ("serve",), ("login",)}

VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "99999999999999999999999",
            "nan",
            "inf",
            "1e309",
            "2013-01-08",
            "2013-02-30",
            "2013-03-31T01:30",
            "2013-01-08->2013-01-15",
            "/dev/zero",
            "/nonexistent/x.yaml",
            ".",
            "a@x.example,victim@y.example",
            '=HYPERLINK("x")',
            "^(a+)+$=cmm",
            "key=value",
            "draft_plan=javascript:alert(1)",
            "postgresql://u:Secret123@127.0.0.1:1/x",
            "x" * 5000,
            "\x00",
            "line\nbreak",
            "((((((((((true))))))))))",
            "tests/data/definitions/tiny.yaml",
        ]
    ),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    root = typer.main.get_command(app)
    out: list[tuple[tuple[str, ...], Any]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in sorted(cmd.commands.items()):
                walk(sub, (*path, name))
        elif path not in SKIP:
            out.append((path, cmd))

    walk(root, ())
    return out


COMMANDS = _commands()


@st.composite
def invocations(draw: st.DrawFn) -> list[str]:
    path, cmd = draw(st.sampled_from(COMMANDS))
    argv = list(path)
    for param in cmd.params:
        if param.param_type_name == "argument":
            count = 1 if param.nargs == 1 else draw(st.integers(1, 2))
            argv += [draw(VALUES) for _ in range(count)]
        elif param.param_type_name == "option" and param.opts[0] != "--help":
            if not draw(st.booleans()):
                continue
            flag = param.opts[0]
            if param.is_flag:
                argv.append(flag)
            else:
                argv += [flag, draw(VALUES)]
    if path == ("scheduler", "run") and "--once" not in argv:
        argv.append("--once")  # without it the scheduler runs until it is stopped
    return argv


def test_every_command_is_listed() -> None:
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"plan list", "calendar import", "audit query", "scheduler run", "validate"} <= names


@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=invocations())
def test_no_traceback_no_odd_exit_no_hang(tmp_path: Path, argv: list[str]) -> None:
    cli = Cli(tmp_path, db=f"sqlite:///{tmp_path / 'fuzz.db'}")
    started = time.monotonic()
    proc = cli(*argv)  # Cli itself fails on any traceback
    took = time.monotonic() - started
    assert took < 30, (argv, took)
    assert 0 <= proc.returncode <= 5, (argv, proc.returncode, proc.stderr[-500:])
    assert "unexpected error" not in proc.stderr, (argv, proc.stderr[-500:])
    assert "Secret123" not in proc.stdout + proc.stderr, argv
