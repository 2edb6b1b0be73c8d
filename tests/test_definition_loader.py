"""Loading definitions: records, positions, folders, and the content hash that versions them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from govpath.definition.loader import (
    collect_paths,
    content_hash,
    load_pathway,
    load_pathway_text,
    normalised_json,
    parse_text,
)
from govpath.definition.model import (
    GateAfterPrevious,
    GateDate,
    GateFirstIn,
    GateOnOrAfter,
    Pathway,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "definitions"
SEEDS = sorted((ROOT / "workflows" / "kcc").glob("*.yaml"))


def test_tiny_loads_into_frozen_records() -> None:
    p = load_pathway(DATA / "tiny.yaml")
    assert isinstance(p, Pathway)
    assert [s.id for s in p.stages] == ["draft", "approved", "published"]
    assert p.initial == "draft" and p.terminal_stages[0].id == "published"
    gate = p.stage("draft").gate
    assert isinstance(gate, GateOnOrAfter) and gate.on_or_after == dt.date(2014, 5, 1)
    assert p.stage("draft").deadlines[0].escalations[0].to == "escalates_to"
    with pytest.raises(ValidationError):
        p.stages[0].title = "changed"  # type: ignore[misc]


def test_cycle_has_every_gate_form_a_loop_a_branch_and_a_join() -> None:
    p = load_pathway(DATA / "cycle.yaml")
    kinds = {type(s.gate) for s in p.stages if s.gate}
    assert kinds == {GateDate, GateFirstIn, GateOnOrAfter, GateAfterPrevious}
    assert p.settings.rules == {"agenda-publication": "6 clear working days before"}
    assert {t.dest for t in p.transitions_from("revising")} == {
        "quality_assurance",
        "cabinet_decision",
        "cmm_decision",
    }
    refer = next(t for t in p.transitions if t.trigger == "refer_back")
    assert refer.source == ("cabinet_decision", "cmm_decision")
    assert next(t for t in p.transitions if t.join).join.stage == "approved"


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_seed_pathways_validate(path: Path) -> None:
    pathway = load_pathway(path)
    assert pathway.terminal_stages


def test_positions_are_one_based_for_keys_items_and_values() -> None:
    parsed = parse_text("id: x\nstages:\n  - id: a\n    gate: {body: b, on: 2013-01-08}\n")
    assert parsed.positions.key(("id",)) == (1, 1)
    assert parsed.positions.at(("id",)) == (1, 5)
    assert parsed.positions.at(("stages", 0)) == (3, 5)
    assert parsed.positions.at(("stages", 0, "gate", "on")) == (4, 25)
    assert parsed.positions.at(("stages", 0, "gate", "nothing", 3)) == (4, 11)  # nearest known
    assert parsed.data["stages"][0]["gate"]["on"] == dt.date(2013, 1, 8)
    assert type(parsed.data["stages"][0]["gate"]["on"]) is dt.date


def test_collect_paths_expands_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.yaml").write_text("x: 1")
    (tmp_path / "two.yml").write_text("x: 1")
    (tmp_path / "notes.txt").write_text("x")
    single = tmp_path / "single.yaml"
    assert collect_paths([tmp_path, single]) == [
        tmp_path / "a" / "one.yaml",
        tmp_path / "two.yml",
        single,
    ]


def test_content_hash_ignores_layout_and_comments_but_not_content() -> None:
    text = (DATA / "tiny.yaml").read_text()
    base = load_pathway_text(text)
    reformatted = load_pathway_text(
        "# a comment\n" + text.replace("requires: [draft_plan]", "requires:\n      - draft_plan")
    )
    changed = load_pathway_text(
        text.replace("rule: agenda-publication", "rule: 10 working days before")
    )
    assert content_hash(base) == content_hash(reformatted)
    assert content_hash(base) != content_hash(changed)
    assert len(content_hash(base)) == 64


def test_normalised_json_uses_yaml_keys_and_sorted_keys() -> None:
    data = normalised_json(load_pathway(DATA / "cycle.yaml"))
    assert list(data) == sorted(data)
    t = data["transitions"][0]
    assert t["from"] == ["drafting"] and t["to"] == "quality_assurance"
    assert data["stages"][0]["gate"] == {"body": "pr_cc", "on": "2015-04-14"}


def test_check_paths_reports_every_file_in_a_folder() -> None:
    from govpath.definition.validate import check_paths

    problems = check_paths([DATA])
    files = {Path(p.path).name for p in problems}
    assert "tiny.yaml" not in files and "cycle.yaml" not in files
    assert {"graph.yaml", "types.yaml", "references.yaml", "empty.yaml"} <= files
