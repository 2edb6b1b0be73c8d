"""Diffs between two pathways: what a policy officer needs to see change from year to year."""

from __future__ import annotations

import json
from pathlib import Path

from govpath.definition.diff import diff_pathways, format_changes
from govpath.definition.loader import load_pathway, load_pathway_text
from tests.test_definition_errors import govpath

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "definitions"
CYCLE = (DATA / "cycle.yaml").read_text()


def edited(*pairs: tuple[str, str]) -> str:
    text = CYCLE
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text


def kinds(old_text: str, new_text: str) -> dict[str, list[str]]:
    changes = diff_pathways(load_pathway_text(old_text), load_pathway_text(new_text))
    out: dict[str, list[str]] = {}
    for c in changes:
        out.setdefault(c.kind, []).append(c.detail)
    return out


def test_text_form_lists_each_change() -> None:
    old = load_pathway_text(CYCLE)
    new = load_pathway_text(CYCLE.replace("first_in: 2015-06", "first_in: 2015-07"))
    text = format_changes(old, new, diff_pathways(old, new))
    assert text.splitlines() == [
        "Directorate plans with a Key Decision branch (2015/16) → Directorate plans with a Key "
        "Decision branch (2015/16): 1 change",
        "  gate_changed  stage 'revising': gate changed: the first Cabinet meeting in June 2015 → "
        "the first Cabinet meeting in July 2015",
    ]


def test_no_changes() -> None:
    p = load_pathway_text(CYCLE)
    assert diff_pathways(p, p) == []
    assert format_changes(p, p, []).endswith(": no changes\n")


def test_gate_moved_to_another_body_and_date() -> None:
    got = kinds(
        CYCLE, edited(("gate: {body: pr_cc, on: 2015-04-14}", "gate: {body: cmm, on: 2015-04-20}"))
    )
    assert got == {
        "gate_changed": [
            "stage 'drafting': gate moved to another body: the P&R CC meeting on 2015-04-14 → "
            "the CMM meeting on 2015-04-20"
        ]
    }


def test_key_decision_dropped_and_added() -> None:
    no_kd = edited(
        ("    notice: key_decision\n", ""), ("kind: cabinet, decides", "kind: other, decides")
    )
    got = kinds(CYCLE, no_kd)
    assert "key_decision_dropped" in got
    assert "approve" in got["key_decision_dropped"][0]
    assert "key_decision_added" in kinds(no_kd, CYCLE)


def test_stage_renamed_when_its_title_stays() -> None:
    renamed = CYCLE.replace("cmm_decision", "members_decision")
    got = kinds(CYCLE, renamed)
    assert got["stage_renamed"] == [
        "stage 'cmm_decision' renamed 'members_decision' ('Cabinet Members Meeting agrees')"
    ]
    assert "stage_added" not in got and "stage_removed" not in got


def test_stage_added_and_removed() -> None:
    text = edited(
        (
            "  - id: approved\n    title: Approved, waiting for every directorate\n",
            "  - id: approved\n    title: Approved\n  - id: extra\n    title: Extra\n"
            "    terminal: true\n",
        ),
        (
            "transitions:\n",
            "transitions:\n  - {trigger: archive, from: approved, to: extra, "
            "roles: [policy_team]}\n",
        ),
    )
    got = kinds(CYCLE, text)
    assert got["stage_added"] == ["stage 'extra' (Extra) added, gate: no gate"]
    assert got["stage_retitled"]
    assert kinds(text, CYCLE)["stage_removed"] == ["stage 'extra' (Extra) removed"]


def test_required_content_rules_reminders_join_roles_and_settings() -> None:
    text = edited(
        (
            "requires: [draft_plan]\n    deadlines",
            "requires: [draft_plan, qa_letter_ref]\n    deadlines",
        ),
        ("rule: 10 working days before", "rule: 15 working days before"),
        ("          - {before: 3 working days}\n", ""),
        ("    join: {stage: approved}\n", ""),
        (
            "  - {id: cabinet_member, name: Cabinet Member}\n",
            "  - {id: cabinet_member, name: Cabinet Member}\n  - {id: leader, name: Leader}\n",
        ),
        ("key_decision_threshold: 1000000", "key_decision_threshold: 500000"),
    )
    got = kinds(CYCLE, text)
    assert got["requires_added"] == ["stage 'drafting' now requires 'qa_letter_ref'"]
    assert got["rule_changed"] == [
        "stage 'drafting': deadline 'papers_due' rule '10 working days before' (gate) → "
        "'15 working days before' (gate)"
    ]
    assert got["reminders_changed"] == [
        "stage 'drafting': reminders of 'papers_due': 10 working days, 3 working days, 0 days → "
        "10 working days, 0 days"
    ]
    assert got["join_removed"] == ["transition 'publish_all' no longer joins the plans at approved"]
    assert got["role_added"] == ["role 'leader' (Leader) added"]
    assert got["settings_changed"] == ["setting key_decision_threshold: 1000000 → 500000"]


SEEDS = ROOT / "workflows" / "kcc"


def test_2013_14_to_2014_15_is_no_longer_a_key_decision() -> None:
    """Seed 000: from 2014/15 the plans are no longer approved as a Key Decision by Cabinet."""
    old = load_pathway(SEEDS / "2013-14.yaml")
    new = load_pathway(SEEDS / "2014-15.yaml")
    assert "key_decision_dropped" in {c.kind for c in diff_pathways(old, new)}


def test_cli_diff_json(tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(
        edited(
            ("gate: {body: cabinet, first_in: 2015-06}", "gate: {body: cabinet, first_in: 2015-07}")
        )
    )
    proc = govpath("pathway", "diff", "--json", "tests/data/definitions/cycle.yaml", str(new))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["old"]["id"] == "cycle"
    assert doc["changes"] == [
        {
            "kind": "gate_changed",
            "subject": "revising",
            "detail": "stage 'revising': gate changed: the first Cabinet meeting in June 2015 → "
            "the first Cabinet meeting in July 2015",
        }
    ]
    proc = govpath(
        "pathway",
        "diff",
        "tests/data/definitions/cycle.yaml",
        "tests/data/definitions/broken/graph.yaml",
    )
    assert proc.returncode == 1 and "graph.yaml:13:9" in proc.stderr
