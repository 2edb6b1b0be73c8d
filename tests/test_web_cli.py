"""`govpath signin-link` and `govpath serve --help`: the administrator's way in, and the server."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import Cli
from tests.web_support import DIRECTOR, seed_council


def test_signin_link_prints_a_link_under_the_base_url_and_records_who_ran_it(
    tmp_path: Path, sqlite_url: str
) -> None:
    seed_council(sqlite_url)
    cli = Cli(tmp_path, db=sqlite_url, env={"GOVPATH_CONFIG": _empty_config(tmp_path)})
    out = cli(
        "signin-link",
        DIRECTOR,
        "--by",
        "Pat.Policy@kent.example",
        env={"GOVPATH_BASE_URL": "https://plans.kent.example/"},
        check=0,
    ).stdout
    assert re.fullmatch(r"https://plans\.kent\.example/sign-in/link/[A-Za-z0-9_\-]{40,}\n", out)
    events = json.loads(cli("audit", "query", "--format", "json", check=0).stdout)
    issued = [e for e in events if e["kind"] == "signin_link_issued"]
    assert issued and issued[-1]["actor"] == "pat.policy@kent.example"
    default = cli("signin-link", DIRECTOR, check=0).stdout
    assert default.startswith("http://127.0.0.1:8000/sign-in/link/")
    token = out.strip().rsplit("/", 1)[1]
    dump = json.dumps(events)
    assert token not in dump, "the link itself is never in the trail"


def test_signin_link_for_an_unknown_person_is_refused_with_a_sentence(
    tmp_path: Path, sqlite_url: str
) -> None:
    seed_council(sqlite_url)
    cli = Cli(tmp_path, db=sqlite_url, env={"GOVPATH_CONFIG": _empty_config(tmp_path)})
    proc = cli("signin-link", "nobody@kent.example", check=1)
    assert "nobody@kent.example is not a registered person" in proc.stderr
    assert proc.stdout == ""


def test_bad_web_settings_are_one_sentence(tmp_path: Path, sqlite_url: str) -> None:
    cli = Cli(tmp_path, db=sqlite_url, env={"GOVPATH_CONFIG": _empty_config(tmp_path)})
    proc = cli("signin-link", DIRECTOR, env={"GOVPATH_COUNCIL_COLOUR": "#ffee00"}, check=1)
    assert "too light" in proc.stderr


def test_serve_has_help_with_an_example(tmp_path: Path) -> None:
    out = Cli(tmp_path)("serve", "--help", check=0).stdout
    assert "--port" in out and "--host" in out and "Example: govpath" in out


def _empty_config(tmp_path: Path) -> str:
    """A settings file with nothing in it: only the environment speaks."""
    empty = tmp_path / "none.toml"
    empty.write_text("")
    return str(empty)


def test_serve_refuses_a_host_it_cannot_listen_on_with_a_sentence(tmp_path: Path) -> None:
    cli = Cli(tmp_path, env={"GOVPATH_CONFIG": _empty_config(tmp_path)})
    proc = cli("serve", "--host", "\x80", check=1)
    assert "is not an address to listen on" in proc.stderr
    assert "Traceback" not in proc.stderr
