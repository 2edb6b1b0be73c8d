"""PostgreSQL: the schema's owner and the application's role. The application role appends to
the trail but cannot alter it, switch off or replace its guards, or move its head back; and a
guard replaced by the owner is noticed by `audit verify`."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import psycopg
import pytest

from tests import trail_attacks as attack
from tests.conftest import Cli
from tests.test_trail_witness import CM, built

pytestmark = pytest.mark.postgres


def _as(url: str, role: str) -> str:
    """URL with ROLE as the user (the test server trusts loopback connections)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{role}@{rest.split('@', 1)[1]}"


@pytest.fixture
def roles(pg_url: str):
    tag = uuid.uuid4().hex[:8]
    owner, app = f"govpath_owner_{tag}", f"govpath_app_{tag}"
    yield owner, app
    from govpath.store.db import forget_engines

    forget_engines()
    with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as conn:
        db = conn.execute("SELECT current_database()").fetchone()[0]
        for role in (app, owner):
            conn.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
            conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f'ALTER DATABASE "{db}" OWNER TO CURRENT_USER')
    with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as conn:
        for role in (app, owner):
            conn.execute(f"DROP ROLE IF EXISTS {role}")


REFUSED_TO_APP = {
    "disable the trigger": "ALTER TABLE audit_events DISABLE TRIGGER USER",
    "drop the trigger": "DROP TRIGGER audit_events_append_only ON audit_events",
    "replace the function": (
        "CREATE OR REPLACE FUNCTION govpath_audit_append_only() RETURNS trigger AS $$ "
        "BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql"
    ),
    "delete events": "DELETE FROM audit_events",
    "rewrite events": "UPDATE audit_events SET note = 'x'",
    "truncate": "TRUNCATE audit_events",
    "move the head back": "UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit_events WHERE seq = 1)",
    "forge a head": "UPDATE audit_head SET seq = seq + 1",
    "skip the session replication role": "SET session_replication_role = replica",
}


def test_the_application_role_appends_but_cannot_alter_the_trail(
    tmp_path: Path, pg_url: str, roles: tuple[str, str]
) -> None:
    owner, app = roles
    admin = Cli(tmp_path, db=pg_url, subprocess=True)
    out = admin("init", "--owner-role", owner, "--app-role", app, check=0)
    assert f"{app} may read and append to the trail" in out.stdout
    app_url = _as(pg_url, app)
    # govpath itself runs as the application role
    cli, _proc = built(tmp_path, app_url)
    cli("plan", "advance", "1", "agree_cmm", "--actor", CM, check=0)
    cli("audit", "verify", check=0)
    for what, sql in REFUSED_TO_APP.items():
        with psycopg.connect(app_url.replace("+psycopg", "")) as conn:
            with pytest.raises(psycopg.Error):
                conn.execute(sql)
                conn.commit()  # the head's check is deferred to commit
            conn.rollback()
        assert what
    cli("audit", "verify", check=0)
    owner_of = (
        psycopg.connect(pg_url.replace("+psycopg", ""))
        .execute("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'")
        .fetchone()[0]
    )
    assert owner_of == owner


def test_a_replaced_or_disabled_guard_is_noticed(tmp_path: Path, pg_url: str) -> None:
    _cli, proc = built(tmp_path, pg_url)
    proc("audit", "verify", check=0)
    attack.replace_guard_function(pg_url)
    attack.execute(
        pg_url, "DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)"
    )
    bad = proc("audit", "verify", "--json", check=5)
    assert "runs a replaced function" in bad.stderr
    assert json.loads(bad.stdout)["guards"]
    attack.execute(pg_url, "ALTER TABLE audit_head DISABLE TRIGGER audit_head_forward")
    assert "audit_head_forward on audit_head is disabled" in proc("audit", "verify", check=5).stderr
