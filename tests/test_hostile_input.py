"""Hostile files and values: refused quickly, with a sentence naming the file and the limit."""

from __future__ import annotations

import csv
import io
import json
import resource
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, Cli

TINY = ROOT / "tests" / "data" / "definitions" / "tiny.yaml"
LAUGHS = "meetings: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"l{i}: &l{i} [" + ",".join([f"*{'a' if i == 0 else f'l{i - 1}'}"] * 10) + "]\n"
    for i in range(9)
)


def _timed(cli: Cli, *args: str):
    started = time.monotonic()
    proc = cli(*args)
    return proc, time.monotonic() - started


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "/dev/zero"),
        ("pathway", "publish", "/dev/zero"),
        ("timeline", "/dev/zero"),
        ("calendar", "import", "/dev/zero"),
        ("forward-plan", "check", "/dev/zero"),
    ],
)
def test_a_device_is_refused_at_once(tmp_path: Path, args: tuple[str, ...]) -> None:
    proc, took = _timed(Cli(tmp_path, db=f"sqlite:///{tmp_path / 'g.db'}"), *args)
    assert proc.returncode == 1 and took < 10
    assert "/dev/zero" in proc.stderr and "not a regular file" in proc.stderr


def test_nested_aliases_are_refused_in_seconds_and_small_memory(tmp_path: Path) -> None:
    cal = tmp_path / "laughs.yaml"
    cal.write_text(LAUGHS)
    plan = tmp_path / "laughs-plan.yaml"
    plan.write_text(LAUGHS.replace("meetings:", "items:"))
    path = tmp_path / "laughs-pathway.yaml"
    path.write_text(LAUGHS.replace("meetings:", "stages:"))
    cli = Cli(tmp_path, db=f"sqlite:///{tmp_path / 'g.db'}", subprocess=True)
    for args in (
        ("calendar", "import", str(cal)),
        ("forward-plan", "check", str(plan)),
        ("validate", str(path)),
    ):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        proc, took = _timed(cli, *args)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        assert proc.returncode == 1 and took < 10, (args, proc.stderr)
        assert max(before, peak_kb) < 500 * 1024
        assert str(tmp_path) in proc.stderr
        assert "aliases" in proc.stderr or "more than" in proc.stderr, proc.stderr


def test_deep_nesting_and_self_reference_are_refused(tmp_path: Path) -> None:
    cli = Cli(tmp_path, db=f"sqlite:///{tmp_path / 'g.db'}")
    deep = tmp_path / "deep.yaml"
    deep.write_text("meetings: " + "[" * 5000 + "]" * 5000 + "\n")
    proc = cli("calendar", "import", str(deep), check=1)
    assert f"{deep}:1:" in proc.stderr and "nests more than 100 levels" in proc.stderr
    proc = cli("validate", str(deep), check=1)
    assert "nests more than 100 levels" in proc.stderr
    loop = tmp_path / "loop.yaml"
    loop.write_text("meetings: &m [1, *m]\n")
    assert "refers to the value that contains it" in cli("calendar", "import", str(loop)).stderr
    guard = tmp_path / "guard.yaml"
    text = TINY.read_text().replace(
        "    decision: true\n",
        '    decision: true\n    guard: {when: "' + "(" * 5000 + "true" + ")" * 5000 + '"}\n',
        1,
    )
    guard.write_text(text)
    proc, took = _timed(cli, "validate", str(guard))
    assert proc.returncode == 1 and took < 10 and "nested too deeply" in proc.stderr


def test_an_oversized_file_is_refused_by_its_size(tmp_path: Path, monkeypatch) -> None:
    import govpath.safeio as safeio

    monkeypatch.setattr(safeio, "MAX_CALENDAR_BYTES", 1000)
    big = tmp_path / "big.yaml"
    big.write_text("meetings: []\n" + "# padding\n" * 200)
    proc = Cli(tmp_path, db=f"sqlite:///{tmp_path / 'g.db'}")("calendar", "import", str(big))
    assert proc.returncode == 1 and f"{big}:1:1" in proc.stderr
    assert "over the limit of 1,000 bytes for a calendar" in proc.stderr


def test_catastrophic_patterns_are_refused_with_their_line(tmp_path: Path) -> None:
    text = TINY.read_text().replace(
        "    decides: true\n", '    decides: true\n    title_patterns: ["^(a+)+$"]\n'
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    line = text.splitlines().index('    title_patterns: ["^(a+)+$"]') + 1
    cli = Cli(tmp_path, db=f"sqlite:///{tmp_path / 'g.db'}")
    proc, took = _timed(cli, "validate", str(bad))
    assert proc.returncode == 1 and took < 10
    assert f"{bad}:{line}:" in proc.stderr and "exponential time" in proc.stderr
    ics = ROOT / "tests" / "data" / "calendars"
    feed = next(iter(sorted(ics.glob("*.ics"))), None) if ics.exists() else None
    target = str(feed) if feed else str(TINY)
    proc, took = _timed(cli, "calendar", "import", target, "--map", "^(a+)+$=cmm")
    assert proc.returncode == 1 and took < 10 and "exponential time" in proc.stderr


def test_a_ten_thousand_stage_pathway_is_answered_in_under_5_s(tmp_path: Path) -> None:
    stages = (
        "".join(f"  - id: s{i}\n    title: Stage {i}\n" for i in range(10_000))
        + "  - id: end\n    title: End\n    terminal: true\n"
    )
    transitions = "".join(
        f"  - trigger: t{i}\n    from: s{i}\n    to: {f's{i + 1}' if i < 9999 else 'end'}\n"
        "    roles: [director]\n"
        for i in range(10_000)
    )
    big = tmp_path / "big.yaml"
    big.write_text(
        "id: big\ntitle: Big\nyear: 2014/15\nroles:\n  - id: director\n    name: Director\n"
        "bodies: []\ninitial: s0\nstages:\n" + stages + "transitions:\n" + transitions
    )
    proc, took = _timed(Cli(tmp_path, subprocess=True), "validate", str(big))
    assert proc.returncode in (0, 1) and took < 5, (took, proc.stderr[:300])
    if proc.returncode == 1:
        assert str(big) in proc.stderr and "limit" in proc.stderr


def test_out_of_range_numbers_and_empty_clocks_are_sentences(tmp_path: Path) -> None:
    cli = Cli(tmp_path, db=f"sqlite:///{tmp_path / 'g.db'}")
    cli("init", check=0)
    for args in (
        ("plan", "status", "99999999999999999999999"),
        ("outbox", "retry", "99999999999999999999999"),
        ("scheduler", "run", "--once", "--interval", "nan"),
        ("scheduler", "run", "--once", "--interval", "inf"),
        ("scheduler", "run", "--once", "--now", ""),
        ("scheduler", "run", "--once", "--now", "2013-03-31T01:30"),
    ):
        proc = cli(*args)
        assert proc.returncode == 1, (args, proc.returncode, proc.stderr)
        assert proc.stderr.strip() and "unexpected error" not in proc.stderr
    # A time that happens twice, as the clocks go back, is the first of the two (summer time).
    from govpath.scheduler.clock import parse_now

    assert parse_now("2013-10-27T01:30").isoformat() == "2013-10-27T00:30:00+00:00"


@pytest.mark.parametrize(
    "address", ["  ", "a@x.example,victim@y.example", "a b@x.example", "nodomain", "a@b", "a@@b.ex"]
)
def test_actor_addresses_are_one_address_with_a_domain(tmp_path: Path, address: str) -> None:
    cli = Cli(tmp_path, db=f"sqlite:///{tmp_path / 'g.db'}")
    proc = cli("actor", "add", address, "--name", "X", "--role", "director")
    assert proc.returncode == 1 and "e-mail address" in proc.stderr
    assert "victim" not in cli("actor", "list").stdout


def _plan_with_subject(cli: Cli, subject: str) -> int:
    cli("pathway", "publish", str(TINY), check=0)
    cli("actor", "add", "d@kent.example", "--name", "D", "--role", "director", check=0)
    out = cli(
        "plan",
        "start",
        "tiny",
        "--subject",
        subject,
        "--owner",
        "d@kent.example",
        "--json",
        check=0,
    )
    return json.loads(out.stdout)["id"]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    cli = Cli(tmp_path, db=f"sqlite:///{tmp_path / 'g.db'}")
    _plan_with_subject(cli, '=HYPERLINK("http://evil.example","x")')
    cli("actor", "add", "-2+3@kent.example", "--name", "@SUM(1)", "--role", "director")
    text = cli("audit", "query", "--format", "csv", check=0).stdout
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    cli("plan", "advance", "1", "approve", "--actor", "d@kent.example", "--note", "=2+3")
    text = cli("audit", "query", "--format", "csv", check=0).stdout
    notes = [row["note"] for row in csv.DictReader(io.StringIO(text)) if row["note"]]
    assert "'=2+3" in notes, text


def test_mermaid_and_markdown_keep_their_structure(tmp_path: Path) -> None:
    text = (
        TINY.read_text()
        .replace(
            "title: Tiny business plan pathway",
            'title: "Tiny\\n---\\nconfig: {securityLevel: loose}\\n---"',
        )
        .replace("title: Draft the plan", 'title: "Draft\\n  draft --> published"')
    )
    evil = tmp_path / "evil.yaml"
    evil.write_text(text)
    cli = Cli(tmp_path, db=f"sqlite:///{tmp_path / 'g.db'}")
    out = cli("pathway", "show", str(evil), "--format", "mermaid", check=0).stdout
    front = out.split("stateDiagram")[0]
    assert front.count("\n") == 3 and front.splitlines()[1].startswith('title: "Tiny')
    assert "\n  draft --> published" not in out and "\nconfig:" not in out
    from govpath.safe_output import markdown_cell

    assert "<script>" not in markdown_cell("<script>alert(1)</script>")
    assert "\n" not in markdown_cell("a\n| b |")


def test_url_content_accepts_only_safe_or_declared_schemes() -> None:
    from govpath.errors import BadInput
    from govpath.runtime.guards import coerce_value

    assert coerce_value("url", "https://kent.gov.uk/plan") == "https://kent.gov.uk/plan"
    for bad in ("javascript:alert(1)", "data:text/html,x", "knet://plans/x", "no scheme"):
        with pytest.raises(BadInput):
            coerce_value("url", bad)
    assert coerce_value("url", "knet://plans/x", url_schemes=("knet",)) == "knet://plans/x"
