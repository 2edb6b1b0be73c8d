"""Rendering: outline, Mermaid and JSON from the same definition; the shipped JSON Schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from govpath.definition.loader import load_pathway
from govpath.definition.render import edges, mermaid, model_mermaid, outline, to_json
from govpath.definition.schema import SCHEMA_FILE, json_schema, schema_text
from tests.test_definition_errors import govpath

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "definitions"


def test_outline_reads_in_pathway_order() -> None:
    text = outline(load_pathway(DATA / "cycle.yaml"))
    lines = text.splitlines()
    assert lines[0] == "Directorate plans with a Key Decision branch (2015/16)"
    assert "  key decision threshold: £1,000,000" in lines
    assert "  rule agenda-publication: 6 clear working days before" in lines
    assert "  pr_cc: Policy and Resources Cabinet Committee (P&R CC), cabinet committee" in lines
    assert "  cabinet: Cabinet, cabinet, decides" in lines
    stage_lines = [line for line in lines if line[:1].isdigit()]
    assert stage_lines[0] == "1. drafting: Draft plan to P&R CC  [initial]"
    assert stage_lines[-1] == "7. published: Published online  [terminal, publishes to kent_gov]"
    assert "   gate: the P&R CC meeting on 2015-04-14" in lines
    assert "   gate: the first Cabinet meeting in June 2015" in lines
    assert (
        "   gate: the next Cabinet meeting after the previous gate (at least 28 clear days after)"
        in lines
    )
    assert (
        "   deadline papers_due: Draft to the policy team — 10 working days before (gate)" in lines
    )
    assert "     reminder 0 days before, to owner, policy_team" in lines
    assert "     escalation 2 working days after, to escalates_to" in lines
    assert (
        "   approve → approved [cabinet_member] (needs key_decision_notice_published; "
        "notice: key_decision; records a decision)"
    ) in lines
    assert (
        "   to_cabinet → cabinet_decision [policy_team] "
        "(when decision_value >= settings.key_decision_threshold)"
    ) in lines
    assert (
        "   publish_all → published [policy_team] (joins every plan of the cycle at approved)"
        in lines
    )


ARROW = re.compile(r"^\s*(\[\*\]|\w+) --> (\[\*\]|\w+)(?:: (\w+))?$")


def arrows(text: str) -> set[tuple[str, str, str | None]]:
    return {m.groups() for m in map(ARROW.match, text.splitlines()) if m}


@pytest.mark.parametrize("name", ["tiny.yaml", "cycle.yaml"])
def test_mermaid_from_the_machine_draws_every_transition_of_the_definition(name: str) -> None:
    p = load_pathway(DATA / name)
    text = mermaid(p)
    assert "stateDiagram-v2" in [line.strip() for line in text.splitlines()]
    expected = {(src, dest, trigger) for src, trigger, dest in edges(p)}
    expected |= {("[*]", p.initial, None)} | {(s.id, "[*]", None) for s in p.terminal_stages}
    assert arrows(text) == expected
    assert arrows(model_mermaid(p)) == expected
    for s in p.stages:
        assert f'state "{s.title}" as {s.id}' in text


def test_json_keeps_the_cli_contract() -> None:
    data = to_json(load_pathway(DATA / "cycle.yaml"))
    assert data["id"] == "cycle"
    assert all("id" in r for r in data["roles"]) and all("id" in b for b in data["bodies"])
    assert [s["id"] for s in data["stages"]][:2] == ["drafting", "quality_assurance"]
    edges = {(t["from"], t["trigger"], t["to"]) for t in data["transitions"]}
    assert ("cmm_decision", "refer_back", "revising") in edges
    assert all(isinstance(t["roles"], list) for t in data["transitions"])


def test_cli_show_in_each_format() -> None:
    path = "tests/data/definitions/tiny.yaml"
    proc = govpath("pathway", "show", path, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["transitions"][0] | {} == {
        **data["transitions"][0],
        "from": "draft",
        "to": "approved",
    }
    proc = govpath("pathway", "show", path, "--format", "svg")
    assert proc.returncode == 1 and "not one of outline, mermaid, json" in proc.stderr
    proc = govpath("pathway", "show", "tests/data/definitions/broken/graph.yaml")
    assert proc.returncode == 1 and ":13:9: error: stage 'orphan'" in proc.stderr
    assert proc.stdout == ""


def test_shipped_schema_is_the_generated_one() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "engine/definition/pathway.schema.json is stale: run python -m govpath.definition.schema"
    )


def test_schema_describes_the_yaml_keys() -> None:
    schema = json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"id", "title", "year", "roles", "bodies", "initial", "stages", "transitions"} <= set(
        schema["required"]
    )
    transition = schema["$defs"]["Transition"]
    assert {"from", "to", "roles", "trigger"} <= set(transition["properties"])
    assert transition["additionalProperties"] is False
