"""Signed checkpoints: a trail cut back, emptied or rebuilt contradicts its witnessed checkpoint.

Each attack is made the way an intruder would make it (tests/trail_attacks.py) against a database
built and checkpointed through ``govpath`` itself, then ``govpath audit verify --checkpoints`` is
run in a real process; on both backends.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests import trail_attacks as attack
from tests.conftest import Cli

DATA = Path(__file__).parent / "data" / "audit"
POL, CM, DIR, AUD = "pol@kent.gov.uk", "cm@kent.gov.uk", "dir@kent.gov.uk", "aud@kent.gov.uk"


def built(tmp_path: Path, db_url: str) -> tuple[Cli, Cli]:
    """A trail of a dozen events and a signing key; (in-process CLI, subprocess CLI)."""
    env = {"GOVPATH_AUDIT_SIGNING_KEY": str(tmp_path / "keys" / "audit.key")}
    (tmp_path / "keys").mkdir()
    cli = Cli(tmp_path, db=db_url, env=env)
    cli("calendar", "import", str(DATA / "calendar.yaml"), check=0)
    cli("pathway", "publish", str(DATA / "pathway.yaml"), check=0)
    for email, role in [(POL, "policy_officer"), (CM, "cabinet_member"), (DIR, "director")]:
        cli("actor", "add", email, "--name", email.split("@")[0].title(), "--role", role, check=0)
    cli("actor", "add", AUD, "--name", "Audra", "--role", "auditor", check=0)
    for subject in ("Plan A", "Plan B", "Plan C"):
        cli("plan", "start", "trail_test", "--subject", subject, "--owner", DIR, check=0)
    for plan in (1, 2, 3):
        cli("plan", "advance", str(plan), "endorse_cmt", "--actor", POL, check=0)
    return cli, Cli(tmp_path, db=db_url, env=env, subprocess=True)


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path: Path, sqlite_url: str) -> None:
    cli, proc = built(tmp_path, sqlite_url)
    out = json.loads(proc("audit", "keygen", "--json", check=0).stdout)
    mode = stat.S_IMODE(os.stat(out["private"]).st_mode)
    assert mode == 0o600
    assert "PUBLIC KEY" in Path(out["public"]).read_text()
    again = proc("audit", "keygen")
    assert again.returncode == 1 and "never overwritten" in again.stderr
    events = json.loads(
        cli("audit", "query", "--kind", "signing_key_created", "--format", "json").stdout
    )
    assert len(events) == 1 and events[0]["actor"]


ATTACKS = {
    "truncated": lambda url: attack.truncate_tail(url, 5),
    "emptied": attack.empty,
    "rebuilt": lambda url: attack.rebuild(url, 3),
}


@pytest.mark.parametrize("how", sorted(ATTACKS))
def test_a_tampered_trail_contradicts_its_witnessed_checkpoint(
    tmp_path: Path, db_url: str, how: str
) -> None:
    cli, proc = built(tmp_path, db_url)
    proc("audit", "keygen", check=0)
    witness = tmp_path / "witness.jsonl"
    first = json.loads(proc("audit", "checkpoint", "--to", str(witness), "--json", check=0).stdout)
    assert first["messages"] == 1  # the auditor's copy, in the outbox
    cli("plan", "advance", "1", "agree_cmm", "--actor", CM, check=0)
    second = json.loads(proc("audit", "checkpoint", "--to", str(witness), "--json", check=0).stdout)
    assert len(witness.read_text().splitlines()) == 2
    ok = proc("audit", "verify", "--checkpoints", str(witness), check=0)
    assert "2 checkpoint(s) hold" in ok.stdout

    ATTACKS[how](db_url)
    if how == "rebuilt":  # the plain chain check is fooled: that is the attack
        proc("audit", "verify", check=0)
    bad = proc("audit", "verify", "--checkpoints", str(witness), "--json", check=5)
    doc = json.loads(bad.stdout)
    assert doc["ok"] is False
    named = doc["checkpoints"]["contradicted"]
    # five events back is before the first checkpoint too: the oldest one contradicted is named
    assert second["seq"] - first["seq"] < 5
    assert named.startswith(f"checkpoint {first['checkpoint']} ")
    assert f"contradicts checkpoint {first['checkpoint']}" in bad.stderr, bad.stderr
    assert "Traceback" not in bad.stderr


def test_untouched_copy_verifies_only_after_the_newest_checkpoint(
    tmp_path: Path, db_url: str
) -> None:
    cli, proc = built(tmp_path, db_url)
    proc("audit", "keygen", check=0)
    witness = tmp_path / "witness.jsonl"
    cp = json.loads(proc("audit", "checkpoint", "--to", str(witness), "--json", check=0).stdout)
    cli("plan", "advance", "2", "agree_cmm", "--actor", CM, check=0)
    out = json.loads(
        proc("audit", "verify", "--checkpoints", str(witness), "--json", check=0).stdout
    )
    assert out["ok"] and out["count"] == cp["seq"] + 1
    assert "1 re-hashed" in out["checkpoints"]["reason"]
    # a forged line (another key) is not trusted, and changes nothing
    forged = json.loads(witness.read_text().splitlines()[0])
    forged["signature"] = forged["signature"][::-1]
    with witness.open("a") as f:
        f.write(json.dumps(forged) + "\n")
    out = json.loads(
        proc("audit", "verify", "--checkpoints", str(witness), "--json", check=0).stdout
    )
    assert len(out["checkpoints"]["untrusted"]) == 1


def test_another_key_vouches_for_nothing(tmp_path: Path, sqlite_url: str) -> None:
    _cli, proc = built(tmp_path, sqlite_url)
    proc("audit", "keygen", check=0)
    witness = tmp_path / "witness.jsonl"
    proc("audit", "checkpoint", "--to", str(witness), check=0)
    other = tmp_path / "other.key"
    proc("audit", "keygen", env={"GOVPATH_AUDIT_SIGNING_KEY": str(other)}, check=0)
    bad = proc(
        "audit", "verify", "--checkpoints", str(witness), "--public-key", f"{other}.pub", check=5
    )
    assert "none of the 1 checkpoint(s) is signed by key" in bad.stderr


def test_daily_checkpoint_makes_one_a_day(tmp_path: Path, sqlite_url: str) -> None:
    import datetime as dt

    from govpath.audit.checkpoints import daily_checkpoint
    from govpath.config import load_settings
    from govpath.store.db import open_db

    _cli, proc = built(tmp_path, sqlite_url)
    proc("audit", "keygen", check=0)
    settings = load_settings(
        env={
            "GOVPATH_AUDIT_SIGNING_KEY": str(tmp_path / "keys" / "audit.key"),
            "GOVPATH_AUDIT_WITNESS_FILE": str(tmp_path / "daily.jsonl"),
        },
        path="/nonexistent.toml",
    )
    engine = open_db(sqlite_url)
    now = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)
    assert daily_checkpoint(engine, settings, now) is not None
    assert daily_checkpoint(engine, settings, now + dt.timedelta(hours=5)) is None
    assert daily_checkpoint(engine, settings, now + dt.timedelta(days=1)) is not None
    assert len((tmp_path / "daily.jsonl").read_text().splitlines()) == 2
    assert daily_checkpoint(engine, settings.with_(audit_signing_key=""), now) is None
