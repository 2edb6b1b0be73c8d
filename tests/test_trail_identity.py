"""Who did it: sign-in required, the emailed code and the OIDC device flow, "on behalf of" only
for administrators, administrative acts naming their operator, and no backdating.

Every command runs in a real process; the e-mailed code travels through a real SMTP server
(aiosmtpd on loopback); the identity provider is a small real HTTP server.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.conftest import Cli
from tests.scheduler_support import SmtpServer
from tests.test_trail_witness import CM, DIR, POL, built

ADMIN = "admin@kent.gov.uk"
REQUIRED = {"GOVPATH_AUTH_REQUIRED": "true"}


def _count(cli: Cli) -> int:
    return json.loads(cli("audit", "verify", "--json", check=0).stdout)["count"]


def _events(cli: Cli, *args: str) -> list[dict]:
    return json.loads(cli("audit", "query", *args, "--format", "json", check=0).stdout)


def _state(cli: Cli, plan: int) -> str:
    return json.loads(cli("plan", "status", str(plan), "--json", check=0).stdout)["state"]


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def _mail_env(smtp: SmtpServer) -> dict[str, str]:
    return {
        **REQUIRED,
        "GOVPATH_SMTP_HOST": "127.0.0.1",
        "GOVPATH_SMTP_PORT": str(smtp.port),
        "GOVPATH_MAIL_FROM": "govpath@kent.gov.uk",
    }


def _code_for(smtp: SmtpServer, email: str, seen: int) -> str:
    for _ in range(300):
        mine = [m for m in smtp.messages if m["To"] == email]
        if len(mine) > seen:
            text = mine[-1].get_body(("plain",)).get_content()
            return re.search(r"\b(\d{8})\b", text).group(1)
        time.sleep(0.1)
    raise AssertionError(f"no sign-in code reached {email}")


def login_interactively(cli: Cli, email: str, smtp: SmtpServer, env: dict[str, str]) -> str:
    """`govpath login --email` as a person runs it: wait for the mail, type the code."""
    seen = len([m for m in smtp.messages if m["To"] == email])
    proc = subprocess.Popen(
        [sys.executable, "-m", "govpath", "login", "--email", email],
        cwd=cli.cwd,
        env=cli._environment(env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    code = _code_for(smtp, email, seen)
    out, err = proc.communicate(code + "\n", timeout=120)
    assert proc.returncode == 0, (out, err)
    return out


def test_sign_in_required_refuses_an_act_and_writes_nothing(tmp_path: Path, db_url: str) -> None:
    _cli, proc = built(tmp_path, db_url)
    before = _count(proc)
    bad = proc("plan", "advance", "1", "agree_cmm", "--actor", CM, env=REQUIRED, check=3)
    assert "requires sign-in" in bad.stderr and "govpath login" in bad.stderr
    assert _count(proc) == before
    assert _state(proc, 1) == "cmm_review"
    # PostgreSQL requires sign-in unless told otherwise
    if db_url.startswith("postgresql"):
        proc(
            "plan",
            "advance",
            "1",
            "agree_cmm",
            "--actor",
            CM,
            env={"GOVPATH_AUTH_REQUIRED": ""},
            check=3,
        )
        assert _count(proc) == before


def test_a_signed_in_person_acts_as_themselves_only(
    tmp_path: Path, db_url: str, smtp: SmtpServer
) -> None:
    _cli, proc = built(tmp_path, db_url)
    env = _mail_env(smtp)
    out = login_interactively(proc, CM, smtp, env)
    assert f"Signed in as {CM}" in out
    cred = tmp_path / ".govpath" / "credentials.json"
    assert stat.S_IMODE(os.stat(cred).st_mode) == 0o600
    assert smtp.messages and "sign-in code" in smtp.messages[-1]["Subject"]

    proc("plan", "advance", "1", "agree_cmm", env=env, check=0)
    event = _events(proc, "--plan", "1", "--kind", "transition")[-1]
    assert event["actor"] == CM and event["by"] == CM and event["channel"] == "cli"
    assert event["on_behalf_of"] is None and event["data"]["acting"]["os_user"]

    before = _count(proc)
    bad = proc("plan", "advance", "2", "agree_cmm", "--actor", DIR, env=env, check=3)
    assert "may act only as themselves" in bad.stderr and "administrator" in bad.stderr
    assert _count(proc) == before

    proc("logout", env=env, check=0)
    assert "requires sign-in" in proc("plan", "advance", "2", "agree_cmm", env=env, check=3).stderr
    kinds = [e["kind"] for e in _events(proc, "--kind", "signed_in", "--kind", "signed_out")]
    assert kinds == ["signed_in", "signed_out"]


def test_a_wrong_code_is_refused_and_counted(tmp_path: Path, sqlite_url: str, smtp) -> None:
    _cli, proc = built(tmp_path, sqlite_url)
    env = _mail_env(smtp)
    first = proc("login", "--email", POL, env=env, check=1)  # nothing typed: how to finish
    assert "--code CODE" in first.stderr
    code = _code_for(smtp, POL, 0)
    wrong = "00000000" if code != "00000000" else "11111111"
    assert (
        "4 attempt(s) left"
        in proc("login", "--email", POL, "--code", wrong, env=env, check=3).stderr
    )
    proc("login", "--email", POL, "--code", code, env=env, check=0)
    # a code works once
    proc("logout", env=env, check=0)
    proc("login", "--email", POL, "--code", code, env=env, check=3)
    assert proc("login", "--email", "nobody@kent.gov.uk", env=env, check=1).stderr


def test_an_administrator_acts_on_behalf_and_both_are_recorded(
    tmp_path: Path, db_url: str, smtp: SmtpServer
) -> None:
    _cli, proc = built(tmp_path, db_url)
    proc("actor", "add", ADMIN, "--name", "Ada Admin", "--role", "administrator", check=0)
    env = _mail_env(smtp)
    # with an administrator in place, people and roles need one signed in
    before = _count(proc)
    grab = proc(
        "actor",
        "add",
        "me@kent.gov.uk",
        "--name",
        "Me",
        "--role",
        "cabinet_member",
        env=env,
        check=3,
    )
    assert "sign" in grab.stderr and _count(proc) == before

    login_interactively(proc, ADMIN, smtp, env)
    proc("plan", "advance", "2", "agree_cmm", "--actor", CM, env=env, check=0)
    event = _events(proc, "--plan", "2", "--kind", "transition")[-1]
    assert (event["actor"], event["by"], event["on_behalf_of"]) == (CM, ADMIN, CM)

    proc("actor", "add", "new@kent.gov.uk", "--name", "New", "--role", "director", env=env, check=0)
    added = _events(proc, "--kind", "actor_added")[-1]
    assert added["actor"] == ADMIN and added["by"] == ADMIN
    assert added["data"]["email"] == "new@kent.gov.uk" and added["data"]["roles"] == ["director"]
    # and a signed-in non-administrator may not grant roles
    login_interactively(proc, CM, smtp, env)
    refused = proc("actor", "add", CM, "--name", "Cm", "--role", "administrator", env=env, check=3)
    assert "not an administrator" in refused.stderr


def test_actor_add_names_the_operator(tmp_path: Path, db_url: str) -> None:
    _cli, proc = built(tmp_path, db_url)
    proc("actor", "add", "x@kent.gov.uk", "--name", "X", "--role", "director", check=0)
    added = _events(proc, "--kind", "actor_added")[-1]
    assert added["data"]["email"] == "x@kent.gov.uk"
    acting = added["data"]["acting"]
    assert acting["channel"] == "cli" and acting["os_user"] and acting["host"]
    assert added["actor"] == f"{acting['os_user']}@{acting['host']}" == added["by"]
    # calendar imports and key operations are named too
    imported = _events(proc, "--kind", "calendar_imported")
    assert imported and imported[0]["by"] == added["by"]


def test_on_a_personal_database_the_os_user_is_recorded_beside_actor(
    tmp_path: Path, sqlite_url: str
) -> None:
    _cli, proc = built(tmp_path, sqlite_url)
    proc("plan", "advance", "1", "agree_cmm", "--actor", CM, check=0)
    event = _events(proc, "--plan", "1", "--kind", "transition")[-1]
    assert event["actor"] == CM and event["on_behalf_of"] == CM
    assert event["data"]["acting"]["os_user"] and event["by"] != CM
    assert proc("plan", "advance", "2", "agree_cmm", "--actor", "", check=1).stderr


def test_backdating_is_refused_unless_the_database_is_a_simulation(
    tmp_path: Path, db_url: str
) -> None:
    _cli, proc = built(tmp_path, db_url)
    before = _count(proc)
    bad = proc(
        "plan", "advance", "1", "agree_cmm", "--actor", CM, "--now", "1999-01-01T10:00", check=3
    )
    assert "real clock" in bad.stderr and "--simulation" in bad.stderr
    assert _count(proc) == before
    proc(
        "plan",
        "start",
        "trail_test",
        "--subject",
        "S",
        "--owner",
        DIR,
        "--now",
        "2040-01-01",
        check=3,
    )
    now = time.strftime("%Y-%m-%dT%H:%M", time.gmtime())
    proc("plan", "advance", "1", "agree_cmm", "--actor", CM, "--now", now + "+00:00", check=0)
    proc("init", "--simulation", check=0)
    proc("plan", "advance", "2", "agree_cmm", "--actor", CM, "--now", "2030-01-01T10:00", check=0)


class _Provider(BaseHTTPRequestHandler):
    """A tiny OpenID provider speaking the device authorization grant."""

    polls: int = 0

    def _send(self, status: int, doc: dict) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/.well-known/openid-configuration":
            self._send(
                200,
                {
                    "issuer": base,
                    "device_authorization_endpoint": f"{base}/device",
                    "token_endpoint": f"{base}/token",
                    "userinfo_endpoint": f"{base}/userinfo",
                },
            )
        elif self.path == "/userinfo":
            ok = self.headers.get("Authorization") == "Bearer at-123"
            doc = {"sub": "kcc-0042", "email": CM, "email_verified": True}
            self._send(200 if ok else 401, doc if ok else {"error": "invalid_token"})
        else:
            self._send(404, {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if self.path == "/device" and form.get("client_id") == "govpath-cli":
            self._send(
                200,
                {
                    "device_code": "dc-1",
                    "user_code": "WDJB-MJHT",
                    "verification_uri": "https://idp.example/device",
                    "expires_in": 60,
                    "interval": 0,
                },
            )
        elif self.path == "/token" and form.get("device_code") == "dc-1":
            type(self).polls += 1
            if type(self).polls < 2:
                self._send(400, {"error": "authorization_pending"})
            else:
                self._send(200, {"access_token": "at-123", "token_type": "Bearer"})
        else:
            self._send(400, {"error": "invalid_request"})


def test_oidc_device_login_records_issuer_and_subject(tmp_path: Path, db_url: str) -> None:
    _cli, proc = built(tmp_path, db_url)
    _Provider.polls = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    issuer = f"http://127.0.0.1:{server.server_port}"
    env = {**REQUIRED, "GOVPATH_OIDC_ISSUER": issuer, "GOVPATH_OIDC_CLIENT_ID": "govpath-cli"}
    try:
        out = proc("login", env=env, check=0)
    finally:
        server.shutdown()
    assert "WDJB-MJHT" in out.stderr and f"Signed in as {CM}" in out.stdout
    proc("plan", "advance", "1", "agree_cmm", env=env, check=0)
    acting = _events(proc, "--plan", "1", "--kind", "transition")[-1]["data"]["acting"]
    assert (acting["person"], acting["issuer"], acting["subject"]) == (CM, issuer, "kcc-0042")


def test_old_events_still_verify_and_the_identity_is_hashed(tmp_path: Path, db_url: str) -> None:
    import datetime as dt

    from govpath.audit.chain import append_event
    from govpath.store.db import open_db

    _cli, proc = built(tmp_path, db_url)
    engine = open_db(db_url)
    with engine.begin() as conn:  # an event as written before identities were recorded
        append_event(
            conn, kind="plan_started", at=dt.datetime.now(dt.UTC), plan_id=9, actor=DIR, data={}
        )
    proc("audit", "verify", check=0)
    old = _events(proc, "--plan", "9")[-1]
    assert old["by"] is None and old["channel"] is None
    # the identity is inside the hash: changing who acted shows
    from tests import trail_attacks as attack

    with attack.raw(db_url) as conn:
        attack.unguard(conn)
        conn.execute(
            'UPDATE audit_events SET data = replace(data, \'"os_user":"\', \'"os_user":"x\') '
            "WHERE kind = 'actor_added'"
        )
        attack.reguard(conn)
    assert "was altered" in proc("audit", "verify", check=5).stderr
