"""A collective step records its --set values for every plan of the cycle that lacks them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from govpath.errors import Refused
from govpath.runtime.api import add_actor, advance, plan_status, publish_pathway, start_plan
from govpath.store.db import open_db

CLOCK = dt.datetime(2014, 5, 1, 9, tzinfo=dt.UTC)
PATHWAY = """\
id: joint_publication
title: Two plans published together
year: 2014/15
roles:
  - {id: director, name: Director}
  - {id: policy_team, name: Policy team}
bodies:
  - {id: cabinet, name: Cabinet}
content:
  - {id: published_url, title: Address of the published plans, type: url}
initial: drafting
stages:
  - {id: drafting, title: Drafting, owner: director}
  - {id: agreed, title: Agreed, owner: policy_team}
  - {id: live, title: Live, terminal: true}
transitions:
  - {trigger: agree, from: drafting, to: agreed, roles: [director]}
  - trigger: publish_all
    from: agreed
    to: live
    roles: [policy_team]
    requires: [published_url]
    join: {stage: agreed}
"""


def test_collective_step_shares_its_values_without_overwriting(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "joint.yaml"
    path.write_text(PATHWAY)
    engine = open_db(db_url)
    publish_pathway(engine, path, now=CLOCK)
    add_actor(engine, "policy@k.example", "Policy", ["policy_team"], now=CLOCK)
    ids = []
    for name in ("a", "b", "c"):
        add_actor(engine, f"{name}@k.example", name, ["director"], now=CLOCK)
        ids.append(
            start_plan(engine, "joint_publication", name, f"{name}@k.example", now=CLOCK)["id"]
        )
    for pid, name in zip(ids, "abc", strict=True):
        values = {"published_url": "https://k.example/own"} if name == "c" else None
        advance(engine, pid, "agree", f"{name}@k.example", values, now=CLOCK)

    result = advance(
        engine,
        ids[0],
        "publish_all",
        "policy@k.example",
        {"published_url": "https://k.example/plans"},
        now=CLOCK,
    )

    assert sorted(result["plans"]) == sorted(ids)
    states = {pid: plan_status(engine, pid) for pid in ids}
    assert {s["state"] for s in states.values()} == {"live"}
    assert states[ids[0]]["fields"]["published_url"] == "https://k.example/plans"
    assert states[ids[1]]["fields"]["published_url"] == "https://k.example/plans"
    assert states[ids[2]]["fields"]["published_url"] == "https://k.example/own"


def test_collective_step_without_the_value_is_refused_naming_the_plan(
    db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "joint.yaml"
    path.write_text(PATHWAY)
    engine = open_db(db_url)
    publish_pathway(engine, path, now=CLOCK)
    add_actor(engine, "policy@k.example", "Policy", ["policy_team"], now=CLOCK)
    ids = []
    for name in ("a", "b"):
        add_actor(engine, f"{name}@k.example", name, ["director"], now=CLOCK)
        ids.append(
            start_plan(engine, "joint_publication", name, f"{name}@k.example", now=CLOCK)["id"]
        )
        advance(engine, ids[-1], "agree", f"{name}@k.example", now=CLOCK)
    with pytest.raises(Refused, match="published_url"):
        advance(engine, ids[0], "publish_all", "policy@k.example", now=CLOCK)
    assert {plan_status(engine, pid)["state"] for pid in ids} == {"agreed"}
