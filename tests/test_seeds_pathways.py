"""The five seed years load as pathway definitions and say what the seed papers say."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from govpath.definition.loader import load_pathway
from govpath.definition.model import (
    GateDate,
    GateFirstIn,
    Pathway,
    Settings,
)

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows" / "kcc"
YEARS = ["2013-14", "2014-15", "2015-16", "2016-17", "2019-20"]
BODY_IDS = {
    "cabinet",
    "pr_cc",
    "gedc_cc",
    "cmm",
    "cmt",
    "corporate_board",
    "county_council",
    "commissioning_advisory_board",
    "political_groups",
}


def path_of(year: str) -> Path:
    return WORKFLOWS / f"{year}.yaml"


@pytest.fixture(scope="module", params=YEARS)
def year(request: pytest.FixtureRequest) -> str:
    return request.param


def pathway(year: str) -> Pathway:
    return load_pathway(path_of(year))


def gates(p: Pathway) -> list[tuple[str, object]]:
    return [(s.id, s.gate) for s in p.stages if s.gate is not None]


def gate_on(p: Pathway, body: str, day: dt.date) -> bool:
    return any(isinstance(g, GateDate) and g.body == body and g.on == day for _, g in gates(p))


def gate_first_in(p: Pathway, body: str, month: str) -> list[str]:
    return [
        sid
        for sid, g in gates(p)
        if isinstance(g, GateFirstIn) and g.body == body and g.first_in == month
    ]


# --- every file -----------------------------------------------------------------------------


def test_loads_with_the_project_loader(year: str) -> None:
    p = pathway(year)
    assert p.year == year.replace("-", "/")
    assert p.terminal_stages, "a pathway needs a terminal stage"


def test_plain_yaml_validates_against_the_model(year: str) -> None:
    # The files quote the gate key "on", so YAML 1.1 readers (PyYAML) do not turn it into True.
    data = yaml.safe_load(path_of(year).read_text())
    p = Pathway.model_validate(data)
    assert p == pathway(year)


def test_one_pathway_id_per_year() -> None:
    assert [pathway(y).id for y in YEARS] == [f"kcc_{y.replace('-', '_')}" for y in YEARS]


def test_bodies_use_the_shared_ids(year: str) -> None:
    assert {b.id for b in pathway(year).bodies} <= BODY_IDS


def test_escalation_chain_director_to_policy_team(year: str) -> None:
    p = pathway(year)
    assert p.role("director").escalates_to == "corporate_director"
    assert p.role("corporate_director").escalates_to == "policy_team"


def test_terminal_stage_publishes_on_kent_gov(year: str) -> None:
    (terminal,) = pathway(year).terminal_stages
    assert terminal.publishes == "kent_gov"


_CITED = re.compile(r"#.*\b(seed 00[0-4]|gap:|statute)")


def test_every_stage_body_role_content_and_trigger_is_cited(year: str) -> None:
    """Each top-level item and each gate or window carries a seed citation or says it is a gap."""
    bare = []
    for n, line in enumerate(path_of(year).read_text().splitlines(), 1):
        item = re.match(r"^  - (id|trigger): ", line) or re.search(r"\b(gate|window): ", line)
        if item and not _CITED.search(line):
            bare.append(f"{n}: {line.strip()}")
    assert not bare, "uncited lines:\n" + "\n".join(bare)


# --- 2013/14 (seed 002) ---------------------------------------------------------------------


def test_2013_14_key_decision_at_the_first_march_cabinet() -> None:
    p = pathway("2013-14")
    (kd,) = [t for t in p.transitions if t.notice == "key_decision"]
    assert kd.decision
    (source,) = kd.source
    gate = p.stage(source).gate
    assert isinstance(gate, GateFirstIn)
    assert (gate.body, gate.first_in) == ("cabinet", "2013-03")
    assert {"qa_letter_ref", "final_plan", "key_decision_notice_published"} <= set(kd.requires)
    routes = {t.notice: t for t in p.transitions if source in t.source and t.notice}
    assert set(routes) == {"key_decision", "general_exception", "special_urgency"}
    assert all(t.decision and t.dest == kd.dest for t in routes.values())


def test_2013_14_stages_in_the_seed() -> None:
    p = pathway("2013-14")
    assert gate_first_in(p, "pr_cc", "2012-11")  # §1.2 November cycle
    assert gate_on(p, "pr_cc", dt.date(2013, 1, 8))  # "To:" P&R CC 8 January 2013
    refining = p.stage("refining").window
    assert (refining.start.month, refining.end.month) == (1, 1)  # §3.5 during January
    qa = p.stage("quality_assurance").window
    assert (qa.start, qa.end) == (dt.date(2013, 2, 1), dt.date(2013, 2, 28))  # §3.6 February
    (live,) = p.terminal_stages
    publishing = p.stage("publishing").window
    assert publishing.start.month == publishing.end.month == 4  # §3.7 April 2013
    assert [t.dest for t in p.transitions if t.trigger == "publish"] == [live.id]


def test_2013_14_committee_notes_risks_and_kpis_and_qa_letter_required() -> None:
    p = pathway("2013-14")
    submit = next(t for t in p.transitions if t.trigger == "submit_draft")
    assert {"kpis", "key_risks", "draft_plan"} <= set(submit.requires)
    comment = next(t for t in p.transitions if t.trigger == "consider_and_comment")
    assert "risk_register" in comment.requires
    letter = next(t for t in p.transitions if t.trigger == "issue_qa_letter")
    assert letter.requires == ("qa_letter_ref",)
    assert letter.roles == ("policy_team",)


def test_2013_14_policy_team_can_return_the_plan_and_director_resubmits() -> None:
    p = pathway("2013-14")
    back = next(t for t in p.transitions if t.trigger == "return_for_revision")
    again = next(t for t in p.transitions if t.trigger == "submit_final")
    assert back.roles == ("policy_team",)
    assert again.source == (back.dest,) and again.dest in back.source
    assert "director" in again.roles


def test_2013_14_deadline_rules() -> None:
    p = pathway("2013-14")
    rules = {d.rule for s in p.stages for d in s.deadlines}
    assert {
        "agenda-publication",
        "key-decision-notice",
        "10 working days before",
        "call-in-end",
    } <= rules
    kdn = next(d for s in p.stages for d in s.deadlines if d.rule == "key-decision-notice")
    assert kdn.met_by == "publish_key_decision_notice"
    director = next(d for d in p.stage("drafting").deadlines if d.id == "papers_to_policy_team")
    assert [r.before for r in director.reminders] == ["10 working days", "3 working days", "0 days"]
    assert [(e.after, e.to) for e in director.escalations][-1][1] == "escalates_to"


def test_2013_14_one_plan_per_bss_division() -> None:
    fan = pathway("2013-14").fan_out
    assert fan is not None and fan.per == "division"
    assert len(fan.units) >= 5
    assert {u.owner_role for u in fan.units} == {"director"}


# --- 2014/15 (seed 000) ---------------------------------------------------------------------


def test_2014_15_no_key_decision_and_a_join() -> None:
    p = pathway("2014-15")
    assert all(t.notice is None for t in p.transitions)  # §4.1 no longer a Key Decision
    (joined,) = [t for t in p.transitions if t.join is not None]
    assert joined.join.stage in joined.source and joined.decision  # §5.1 collectively agreed
    assert "key-decision-notice" not in path_of("2014-15").read_text()


def test_2014_15_draft_to_pr_cc_then_corporate_director_and_cabinet_members() -> None:
    p = pathway("2014-15")
    assert gate_on(p, "pr_cc", dt.date(2014, 4, 23))
    cd = next(t for t in p.transitions if t.trigger == "approve_as_corporate_director")
    cm = next(t for t in p.transitions if t.trigger == "approve_as_cabinet_members")
    assert cd.roles == ("corporate_director",) and "cabinet_member" in cm.roles
    assert cm.source == (cd.dest,)


def test_2014_15_sections_of_the_plan_are_content() -> None:
    content = {c.id for c in pathway("2014-15").content}
    assert {
        "foreword",
        "who_we_are",
        "new_functions",
        "whole_council_transformation",
        "key_priorities",
        "directorate_resources",
        "workforce_development",
        "key_risks",
        "kpis",
    } <= content  # §4.3


def test_2014_15_four_directorates() -> None:
    fan = pathway("2014-15").fan_out
    assert fan.per == "directorate" and len(fan.units) == 4
    assert "Strategic and Corporate Services" in {u.subject for u in fan.units}


# --- 2015/16 (seed 004) ---------------------------------------------------------------------


def test_2015_16_gedc_cc_then_first_cmm_in_may_with_a_join() -> None:
    p = pathway("2015-16")
    assert gate_on(p, "gedc_cc", dt.date(2015, 4, 14))
    at_cmm = gate_first_in(p, "cmm", "2015-05")
    (joined,) = [t for t in p.transitions if t.join is not None]
    assert joined.join.stage in at_cmm
    assert len(p.fan_out.units) == 4
    assert all(t.notice is None for t in p.transitions)


def test_2015_16_commissioning_content() -> None:
    p = pathway("2015-16")
    content = {c.id for c in p.content}
    assert {
        "social_value_commitment",
        "commissioned_services",
        "forthcoming_key_decisions",
        "sla_with_council_companies",
    } <= content  # §2.5
    assert {"social_value_commitment", "commissioned_services"} <= set(p.stage("drafting").requires)
    assert p.settings.key_decision_threshold == 1_000_000


# --- 2016/17 (seed 001) ---------------------------------------------------------------------


def test_2016_17_pr_cc_dates_and_cmm_in_april() -> None:
    p = pathway("2016-17")
    # The January 2016 priorities paper is context, not this plan's route: seed 001 prints
    # "Past Pathway of Paper:  N/A" for the March draft.
    assert not gate_on(p, "pr_cc", dt.date(2016, 1, 12))
    assert gate_on(p, "pr_cc", dt.date(2016, 3, 14))
    at_cmm = gate_first_in(p, "cmm", "2016-04")
    (joined,) = [t for t in p.transitions if t.join is not None]
    assert joined.join.stage in at_cmm and joined.decision  # approved collectively


def test_2016_17_commissioning_stage_guard() -> None:
    from govpath.definition import conditions

    p = pathway("2016-17")
    submit = next(t for t in p.transitions if t.trigger == "submit_draft")
    ast = conditions.parse(submit.guard.when)
    for stage in ("Analyse", "Plan", "Do", "Review"):
        assert conditions.evaluate(ast, {"commissioning_stage": stage}, Settings())
    assert not conditions.evaluate(ast, {"commissioning_stage": "Deliver"}, Settings())


# --- 2019/20 (seed 003) ---------------------------------------------------------------------


def test_2019_20_final_approval_by_corporate_board_in_march() -> None:
    p = pathway("2019-20")
    final_stages = gate_first_in(p, "corporate_board", "2019-03")
    decisions = [t for t in p.transitions if t.decision]
    assert [t.trigger for t in decisions] == ["approve_final"]
    assert decisions[0].source[0] in final_stages
    assert gate_first_in(p, "corporate_board", "2019-01")  # draft by January
    assert gate_first_in(p, "county_council", "2019-02")  # budget in February
    assert gate_on(p, "cmt", dt.date(2018, 5, 22)) and gate_on(p, "cmm", dt.date(2018, 6, 18))


def test_2019_20_one_plan_for_the_council() -> None:
    fan = pathway("2019-20").fan_out
    assert fan.per == "council" and len(fan.units) == 1


def test_2019_20_activity_record() -> None:
    p = pathway("2019-20")
    types = {c.id: c.type for c in p.content}
    for cid in (
        "activity_start_date",
        "activity_end_date",
        "eqia_screening",
        "dpia",
        "budget_provision",
        "accountable_owner",
        "decision_authority",
        "engagement_consultation",
        "governance_pathway",
    ):
        assert cid in types
    assert types["budget_provision"] == "money" and types["activity_start_date"] == "date"
    assert {"commissioning_advisory_board", "political_groups"} <= {g.body for _, g in gates(p)}
    assert "general_counsel" in {r for t in p.transitions for r in t.roles}
