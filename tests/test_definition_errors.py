"""Broken definitions: every expected error, at the right line, through the API and the real CLI.

Each file under tests/data/definitions/broken marks the lines that must be reported with a
comment ``# ERR: text`` (several texts separated by `` ;; ``). Every marked text must be reported
on its line, and nothing may be reported on an unmarked line.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from govpath.definition.loader import load_pathway, load_pathway_text, parse_pathway_file
from govpath.errors import DefinitionError
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "definitions"
BROKEN = sorted((DATA / "broken").glob("*.yaml"))
LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): error: (?P<message>.+)$")


def govpath(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The real command in a real process (the Cli fixture class, never in-process)."""
    return Cli(cwd, subprocess=True)(*args)


def expected(path: Path) -> dict[int, list[str]]:
    """Line number → texts that must be reported there (from the ``# ERR:`` markers)."""
    out: dict[int, list[str]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if "# ERR:" in line:
            out[n] = [t.strip() for t in line.split("# ERR:", 1)[1].split(";;")]
    return out


def check_reported(path: Path, reported: list[tuple[int, str]]) -> None:
    want = expected(path)
    assert want, f"{path.name} marks no expected errors"
    by_line: dict[int, list[str]] = {}
    for line, message in reported:
        by_line.setdefault(line, []).append(message)
    for line, texts in want.items():
        got = by_line.get(line, [])
        for text in texts:
            assert any(text in m for m in got), (
                f"{path.name}:{line}: no error with {text!r}; got {got}"
            )
    unexpected = {line: msgs for line, msgs in by_line.items() if line not in want}
    assert not unexpected, f"{path.name}: errors on unmarked lines: {unexpected}"


@pytest.mark.parametrize("path", [p for p in BROKEN if p.stat().st_size], ids=lambda p: p.stem)
def test_every_marked_error_is_reported_at_its_line(path: Path) -> None:
    with pytest.raises(DefinitionError) as info:
        load_pathway(path)
    problems = info.value.problems
    assert all(p.path == str(path) and p.line >= 1 and p.column >= 1 for p in problems)
    check_reported(path, [(p.line, p.message) for p in problems])


def test_the_cli_reports_every_error_of_every_file_and_exits_1() -> None:
    rel = [str(p.relative_to(ROOT)) for p in BROKEN]
    proc = govpath("validate", *rel, str((DATA / "tiny.yaml").relative_to(ROOT)))
    assert proc.returncode == 1
    reported: dict[str, list[tuple[int, str]]] = {}
    for line in proc.stderr.splitlines():
        m = LINE.match(line)
        assert m, f"not PATH:LINE:COLUMN: error: MESSAGE: {line!r}"
        reported.setdefault(m["path"], []).append((int(m["line"]), m["message"]))
    for path, name in zip(BROKEN, rel, strict=True):
        if path.stat().st_size:
            check_reported(path, reported.get(name, []))
        else:
            assert reported[name] == [(1, reported[name][0][1])]
            assert "empty" in reported[name][0][1]
    # the good file still gets its summary line on stdout
    assert "tests/data/definitions/tiny.yaml: ok (3 stages, 2 transitions)" in proc.stdout


def test_cli_validate_folder_of_good_files_exits_0() -> None:
    proc = govpath(
        "validate", "tests/data/definitions/tiny.yaml", "tests/data/definitions/cycle.yaml"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "tests/data/definitions/tiny.yaml: ok (3 stages, 2 transitions)",
        "tests/data/definitions/cycle.yaml: ok (7 stages, 9 transitions)",
    ]
    assert proc.stderr == ""


def test_cli_validate_json_lists_each_file(tmp_path: Path) -> None:
    import json

    proc = govpath(
        "validate", "--json", str(DATA / "tiny.yaml"), str(DATA / "broken" / "graph.yaml")
    )
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["ok"] is False
    ok, bad = doc["files"]
    assert ok["ok"] and ok["stages"] == 3 and ok["errors"] == []
    assert not bad["ok"] and {e["line"] for e in bad["errors"]} == set(
        expected(DATA / "broken" / "graph.yaml")
    )


def test_unreadable_and_strange_files_are_errors_not_tracebacks(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("id: x\ntitle: caf\xe9\n".encode("latin-1"))
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"id: x\n\x00\x01\n")
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a sentence\n")
    multi = tmp_path / "multi.yaml"
    multi.write_text("id: a\n---\nid: b\n")
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    missing = tmp_path / "missing.yaml"
    bomb = tmp_path / "bomb.yaml"
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        rows.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    bomb.write_text("\n".join(rows) + "\n")
    proc = govpath(
        "validate", *(str(f) for f in (binary, latin, nul, scalar, multi, missing, bomb))
    )
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 7, lines
    assert all(LINE.match(line) for line in lines)
    assert f"{latin}:2:11: error: the file is not UTF-8 text" in proc.stderr
    assert f"{missing}:1:1: error: no such file" in proc.stderr
    assert f"{bomb}:1:1: error: the document holds more than" in proc.stderr
    assert f"{multi}:2:1: error: invalid YAML" in proc.stderr
    proc = govpath("validate", str(empty_dir))
    assert proc.returncode == 1 and "no definition files" in proc.stderr


def test_load_pathway_text_collects_schema_and_semantic_problems_together() -> None:
    text = (DATA / "tiny.yaml").read_text()
    text = text.replace(
        "    owner: cabinet_member\n", "    owner: cabinet_membr\n    colour: blue\n"
    )
    with pytest.raises(DefinitionError) as info:
        load_pathway_text(text, "tiny-edited.yaml")
    messages = [str(p) for p in info.value.problems]
    assert messages == [
        "tiny-edited.yaml:41:12: error: unknown role 'cabinet_membr' as owner of stage 'approved' "
        "(did you mean 'cabinet_member'?) (at stages[1].owner)",
        "tiny-edited.yaml:42:5: error: unknown key 'colour' in stage 'approved' "
        "(at stages[1].colour)",
    ]


def test_problems_name_the_path_inside_the_document() -> None:
    _pathway, _positions, problems = parse_pathway_file(DATA / "broken" / "references.yaml")
    wheres = {p.where for p in problems}
    assert "stages[0].gate.body" in wheres
    assert "transitions[1].from[1]" in wheres
    assert "stages[0].deadlines[0].reminders[0].to[1]" in wheres


def test_a_value_with_a_line_break_is_quoted_on_one_line() -> None:
    """A value holding a control character is shown escaped: the message stays one line long,
    and its line and column still point at the value."""
    text = (DATA / "tiny.yaml").read_text(encoding="utf-8").replace("id: tiny", 'id: "a\\nb"', 1)
    with pytest.raises(DefinitionError) as caught:
        load_pathway_text(text, "tiny.yaml")
    (problem,) = [p for p in caught.value.problems if "'id'" in p.message]
    assert "\n" not in str(problem)
    assert "not 'a\\nb'" in problem.message
    assert (problem.line, problem.column) == (2, 5)
