"""`decide` without a database: every trigger from every stage of the seed pathways.

The snapshot is built by hand (no store, no connection): the property is that ``decide`` never
raises, and refuses exactly when the route, the actor's roles, the content, the guard, the notice
period or a collective step's cycle says no, with that reason code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from govpath.calendars.rules import route_needed
from govpath.calendars.workdays import get_policy
from govpath.definition.compiler import compile_pathway
from govpath.definition.conditions import evaluate, parse
from govpath.definition.loader import load_pathway
from govpath.definition.model import Pathway
from govpath.errors import BadInput
from govpath.runtime import deadlines as dl
from govpath.runtime.decide import (
    Decision,
    Refusal,
    check_trigger,
    decide,
    read_values,
)
from govpath.runtime.snapshot import PlanView, Request, Snapshot
from govpath.store.plans import Actor, PlanRow

SEEDS = sorted((Path(__file__).resolve().parent.parent / "workflows" / "kcc").glob("*.yaml"))
PATHWAYS: dict[str, Pathway] = {p.id: p for p in map(load_pathway, SEEDS)}
NOW = dt.datetime(2013, 2, 1, 10, tzinfo=dt.UTC)
TODAY = NOW.date()
SAMPLE = {
    "date": "2012-12-01",
    "number": 5,
    "money": 250000,
    "boolean": True,
    "email": "x@kent.gov.uk",
}
OWNER, OTHER, MANAGER = "owner@kent.gov.uk", "other@kent.gov.uk", "boss@kent.gov.uk"


def plan_row(pathway: Pathway, *, pid: int, state: str, fields: dict[str, Any]) -> PlanRow:
    subject = pathway.fan_out.units[0].subject if pathway.fan_out else "Finance"
    return PlanRow(
        id=pid,
        pathway_version_id=1,
        pathway_id=pathway.id,
        subject=subject,
        owner=OWNER,
        state=state,
        fields=fields,
        version=3,
        closed_at=None,
        pathway_version=1,
        content_hash=compile_pathway(pathway).content_hash,
        year=pathway.year,
        owner_manager=MANAGER,
        calendar_revision=1,
        pending_messages=False,
    )


def view(pathway: Pathway, plan: PlanRow, owed: tuple[dl.Owed, ...] = ()) -> PlanView:
    return PlanView(
        plan=plan, pathway=pathway, compiled=compile_pathway(pathway), timeline=None, owed=owed
    )


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    """Every trigger from every stage, biased towards the triggers a stage has and full content."""
    seed = draw(st.sampled_from(sorted(PATHWAYS)))
    pathway = PATHWAYS[seed]
    state = draw(st.sampled_from([s.id for s in pathway.stages]))
    here = sorted({t.trigger for t in pathway.transitions if state in t.source})
    everywhere = sorted({t.trigger for t in pathway.transitions})
    trigger = draw(st.sampled_from(here if here and draw(st.integers(0, 3)) else everywhere))
    value = {c.id: SAMPLE.get(c.type, "ref/1") for c in pathway.content}
    ids = sorted(value)
    kept = draw(st.sampled_from(["all", "some"]))
    fields = (
        dict(value) if kept == "all" else {k: value[k] for k in draw(st.sets(st.sampled_from(ids)))}
    )
    if draw(st.booleans()):  # a recent notice: the key decision route is then refused
        fields["key_decision_notice_published"] = "2013-01-20"
    given_ = {k: value[k] for k in draw(st.sets(st.sampled_from(ids), max_size=4))}
    held = draw(st.sets(st.sampled_from([r.id for r in pathway.roles])))
    t = next((x for x in pathway.transitions if x.trigger == trigger and state in x.source), None)
    if t is not None and draw(st.booleans()):
        held |= set(t.roles)
    return {
        "seed": seed,
        "state": state,
        "trigger": trigger,
        "held": frozenset(held),
        "who": draw(st.sampled_from(["owner", "owner", "other", "manager", "unknown"])),
        "fields": fields,
        "values": given_,
        "unknown": draw(st.sampled_from([(), (), ("no_such_content",)])),
        "others": draw(st.lists(st.booleans(), max_size=3)),  # True: at the join's stage
    }


def expected(case: dict[str, Any]) -> str | None:
    """The reason code the rules of DOMAIN.md give, worked out from the definition alone."""
    pathway, state, trigger = PATHWAYS[case["seed"]], case["state"], case["trigger"]
    t = next((x for x in pathway.transitions if x.trigger == trigger and state in x.source), None)
    if t is None:
        return "wrong_state"
    if case["who"] == "unknown":
        return "unknown_actor"
    own = pathway.fan_out.units[0].owner_role  # the plan's subject is the first unit's
    manager = next(r.escalates_to for r in pathway.roles if r.id == own)
    acting = {
        r
        for r in case["held"]
        if (r != own or case["who"] == "owner") and (r != manager or case["who"] == "manager")
    }
    if case["who"] == "owner":
        acting.add(own)
    if not acting & set(t.roles):
        return "role"
    if case["unknown"]:
        return "unknown_content"
    fields = {**case["fields"], **case["values"]}
    leaving = t.dest != state
    needed = [*t.requires, *(pathway.stage(state).requires if leaving else ())]
    if any(n not in fields for n in needed):
        return "content"
    if t.guard is not None and not evaluate(parse(t.guard.when), fields, pathway.settings):
        return "guard"
    if t.notice == "key_decision":
        raw = fields.get("key_decision_notice_published")
        published = dt.date.fromisoformat(raw) if raw else None
        policy = get_policy(pathway.settings.working_days)
        if route_needed(published, TODAY, policy) != "key_decision":
            return "notice"
    if t.join is not None and (state != t.join.stage or not all(case["others"])):
        return "join_waiting"
    return None


def snapshot(case: dict[str, Any]) -> tuple[Snapshot, Request]:
    pathway, state, trigger = PATHWAYS[case["seed"]], case["state"], case["trigger"]
    plan = plan_row(pathway, pid=1, state=state, fields=case["fields"])
    email = {"owner": OWNER, "other": OTHER, "manager": MANAGER, "unknown": "x@kent.gov.uk"}
    actor = None
    if case["who"] != "unknown":
        actor = Actor(email=email[case["who"]], name="Someone", reports_to=None, roles=case["held"])
    members = None
    t = next((x for x in pathway.transitions if x.trigger == trigger and state in x.source), None)
    if t is not None and t.join is not None:
        others = [
            view(
                pathway,
                plan_row(
                    pathway,
                    pid=2 + i,
                    state=t.join.stage if there else pathway.initial,
                    fields=case["fields"],
                ),
            )
            for i, there in enumerate(case["others"])
        ]
        members = (view(pathway, plan), *others)
    snap = Snapshot(
        view=view(pathway, plan),
        actor=actor,
        chain=(MANAGER,) if case["who"] == "manager" else (),
        members=members,
        today=TODAY,
    )
    request = Request(
        plan_id=1,
        trigger=trigger,
        actor=email[case["who"]],
        now=NOW,
        values=case["values"],
        unknown=case["unknown"],
    )
    return snap, request


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_decide_refuses_exactly_when_a_check_fails(case: dict[str, Any]) -> None:
    snap, request = snapshot(case)
    outcome = decide(snap, request)  # never raises
    want = expected(case)
    event(want or "decision")
    if want is None:
        assert isinstance(outcome, Decision), outcome
        first = outcome.steps[0]
        assert first.view.plan.id == 1
        t = first.route.transition
        assert first.dest == t.dest
        assert len(outcome.steps) == (1 + len(case["others"]) if t.join else 1)
    else:
        assert isinstance(outcome, Refusal), (want, outcome)
        assert outcome.code == want, (outcome.code, want, outcome.message)
        assert (outcome.trigger, outcome.state, outcome.plan_id) == (
            case["trigger"],
            case["state"],
            1,
        )
        assert outcome.message.endswith((".", "?", ")")), outcome.message


def test_a_refusal_names_the_missing_content_and_the_roles_that_would_allow_it() -> None:
    pathway = PATHWAYS["kcc_2013_14"]
    case = {
        "seed": pathway.id,
        "state": pathway.initial,
        "trigger": "submit_headlines",
        "held": frozenset(),
        "who": "owner",
        "fields": {},
        "values": {},
        "unknown": (),
        "others": [],
    }
    refusal = decide(*snapshot(case))
    assert isinstance(refusal, Refusal) and refusal.code == "content"
    assert refusal.missing == ("headline_priorities",)
    assert "missing required content: headline_priorities" in refusal.message
    refused = decide(*snapshot({**case, "who": "other", "held": frozenset({"cabinet_member"})}))
    assert isinstance(refused, Refusal) and refused.code == "role"
    assert "director" in refused.roles
    assert refused.as_data()["roles"] == list(refused.roles)


def test_a_deadline_that_may_not_be_left_behind_refuses_the_move() -> None:
    from govpath.definition.loader import load_pathway_text

    text = (
        SEEDS[0]
        .read_text(encoding="utf-8")
        .replace(
            "met_by: publish_key_decision_notice\n",
            "met_by: publish_key_decision_notice\n        on_leave: refuse\n",
            1,
        )
    )
    pathway = load_pathway_text(text)
    stage = next(
        s for s in pathway.stages if any(d.id == "key_decision_notice" for d in s.deadlines)
    )
    owed = dl.Owed(
        id=7,
        name="key_decision_notice",
        stage=stage.id,
        status="open",
        carried_from=None,
        due=dt.date(2013, 2, 5),
    )
    fields = {"qa_letter_ref": "QA/1"}
    plan = plan_row(pathway, pid=1, state=stage.id, fields=fields)
    policy = Actor(email=OTHER, name="Policy", reports_to=None, roles=frozenset({"policy_team"}))
    request = Request(plan_id=1, trigger="issue_qa_letter", actor=OTHER, now=NOW)
    snap = Snapshot(
        view=view(pathway, plan, (owed,)), actor=policy, chain=(), members=None, today=TODAY
    )
    refusal = decide(snap, request)
    assert isinstance(refusal, Refusal) and refusal.code == "deadline_owed", refusal
    assert "still owes 'Notice of the Key Decision published (28 clear days)' (due 5 February" in (
        refusal.message
    )
    assert "Fire 'publish_key_decision_notice' first." in refusal.message
    free = Snapshot(view=view(pathway, plan), actor=policy, chain=(), members=None, today=TODAY)
    assert isinstance(decide(free, request), Decision)


def test_an_unknown_trigger_and_a_malformed_value_are_bad_input() -> None:
    pathway = PATHWAYS["kcc_2013_14"]
    with pytest.raises(BadInput, match="Did you mean 'submit_headlines'"):
        check_trigger(compile_pathway(pathway), "submit_headline", pathway.initial)
    check_trigger(compile_pathway(pathway), "submit_headlines", pathway.initial)
    with pytest.raises(BadInput, match="is a date"):
        read_values(pathway, {"key_decision_notice_published": "soon"})
    values, record, unknown = read_values(
        pathway, {"qa_letter_ref": "QA/1", "reasons": " Because ", "nope": "1"}
    )
    assert (values, record, unknown) == (
        {"qa_letter_ref": "QA/1"},
        {"reasons": "Because"},
        ("nope",),
    )
