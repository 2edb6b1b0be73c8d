"""`audit verify --state`: plans, deadlines and roles changed behind govpath's back disagree with
the trail, and the command (a real process) names what disagrees; on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import trail_attacks as attack
from tests.test_trail_witness import built

EDITS = {
    "plan stage": ("UPDATE plans SET state = 'published' WHERE id = 1", "plan 1 is in stage"),
    "plan version": ("UPDATE plans SET version = 9 WHERE id = 2", "plan 2 is at version 9"),
    "plan fields": (
        'UPDATE plans SET fields = \'{"draft_plan": "knet://forged"}\' WHERE id = 3',
        "plan 3 field 'draft_plan'",
    ),
    "deadline met": (
        "UPDATE deadlines SET status = 'met', met_at = updated_at WHERE status = 'open' "
        "AND plan_id = 1",
        "but the trail never recorded it so",
    ),
    "deadline reopened": (
        "UPDATE deadlines SET status = 'open', met_at = NULL WHERE status = 'met' AND plan_id = 2",
        "the trail says it was met",
    ),
    "role granted": (
        "INSERT INTO actor_roles (actor_id, role) SELECT id, 'cabinet_member' FROM actors "
        "WHERE email = 'dir@kent.gov.uk'",
        "dir@kent.gov.uk holds role(s) cabinet_member the trail never granted",
    ),
}


def test_untouched_state_agrees(tmp_path: Path, db_url: str) -> None:
    _cli, proc = built(tmp_path, db_url)
    out = proc("audit", "verify", "--state", "--json", check=0)
    assert json.loads(out.stdout)["state"] == {"ok": True, "disagreements": []}


@pytest.mark.parametrize("what", sorted(EDITS))
def test_state_changed_in_the_database_is_named(tmp_path: Path, db_url: str, what: str) -> None:
    _cli, proc = built(tmp_path, db_url)
    sql, named = EDITS[what]
    attack.execute(db_url, sql)
    proc("audit", "verify", check=0)  # the chain itself is intact: the state is what changed
    bad = proc("audit", "verify", "--state", check=5)
    assert named in bad.stderr, bad.stderr
    assert "disagrees with its trail" in bad.stderr
