"""Where the settings file is found: --config, GOVPATH_CONFIG, ./govpath.toml, user, system."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govpath.config import find_config, load_settings, use_config_file
from govpath.errors import BadInput
from tests.conftest import Cli


def _write(path: Path, host: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[smtp]\nhost = "{host}"\n', encoding="utf-8")
    return path


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    found = {
        "--config": _write(tmp_path / "given.toml", "given"),
        "GOVPATH_CONFIG": _write(tmp_path / "named.toml", "named"),
        "working folder": _write(work / "govpath.toml", "work"),
        "user config folder": _write(tmp_path / "xdg" / "govpath" / "govpath.toml", "user"),
        "system": _write(tmp_path / "etc" / "govpath.toml", "system"),
    }
    yield found
    use_config_file(None)


def test_the_first_file_found_wins_in_the_documented_order(places: dict[str, Path]) -> None:
    env = {
        "GOVPATH_CONFIG": str(places["GOVPATH_CONFIG"]),
        "XDG_CONFIG_HOME": str(places["user config folder"].parent.parent),
        "GOVPATH_SYSTEM_CONFIG": str(places["system"]),
    }
    use_config_file(places["--config"])
    order = ["--config", "GOVPATH_CONFIG", "working folder", "user config folder", "system"]
    for how in order:
        path, found_by = find_config(env)
        assert (path, found_by) == (places[how], how)
        settings = load_settings(env=env)
        assert (settings.config_file, settings.config_found_by) == (str(places[how]), how)
        # take this one away: the next in order wins
        if how == "--config":
            use_config_file(None)
        elif how == "GOVPATH_CONFIG":
            del env["GOVPATH_CONFIG"]
        else:
            places[how].unlink()
    assert find_config(env) == (None, "")
    assert load_settings(env=env).smtp_host == ""


def test_a_named_file_that_does_not_exist_is_an_error_not_a_silent_default(
    tmp_path: Path,
) -> None:
    with pytest.raises(BadInput, match=r"GOVPATH_CONFIG names .*, which is not a file"):
        find_config({"GOVPATH_CONFIG": str(tmp_path / "typo.toml")})
    with pytest.raises(BadInput, match=r"--config .*: no such settings file"):
        use_config_file(tmp_path / "typo.toml")


def test_config_show_says_which_file_won(tmp_path: Path) -> None:
    _write(tmp_path / "govpath.toml", "work.example")
    given = _write(tmp_path / "other.toml", "given.example")
    cli = Cli(tmp_path, env={"XDG_CONFIG_HOME": str(tmp_path / "none")})
    proc = cli("config", "show", check=0)
    assert f"Settings file: {tmp_path / 'govpath.toml'} (found by working folder)" in proc.stderr
    proc = cli("--config", str(given), "config", "show", "--json", check=0)
    shown = json.loads(proc.stdout)
    assert shown["smtp_host"] == "given.example"
    assert (shown["config_file"], shown["config_found_by"]) == (str(given), "--config")
    proc = cli("--config", str(tmp_path / "typo.toml"), "config", "show", check=1)
    assert "no such settings file" in proc.stderr


def test_the_web_reads_its_settings_from_the_same_file_as_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govpath.web.settings import load_web_settings

    monkeypatch.chdir(tmp_path)  # no ./govpath.toml here
    system = tmp_path / "etc" / "govpath.toml"
    system.parent.mkdir()
    system.write_text(
        '[web]\nbase_url = "https://governance.kent.example/"\n'
        'council_name = "Kent County Council"\n[oidc]\nname = "your Kent account"\n',
        encoding="utf-8",
    )
    env = {"GOVPATH_SYSTEM_CONFIG": str(system), "XDG_CONFIG_HOME": str(tmp_path / "none")}
    web = load_web_settings(env=env)
    assert web.council_name == "Kent County Council"
    assert web.oidc_name == "your Kent account"
    # one base URL: the shared setting's, which e-mails link under too
    assert web.base_url == web.core.base_url == "https://governance.kent.example"
    assert web.secure_cookies
    assert load_web_settings(env={**env, "GOVPATH_BASE_URL": "http://127.0.0.1:9000"}).base_url == (
        "http://127.0.0.1:9000"
    )


def test_a_bad_base_url_names_where_it_was_written(tmp_path: Path) -> None:
    from govpath.web.settings import load_web_settings

    given = tmp_path / "govpath.toml"
    given.write_text('[web]\nbase_url = "ftp://x"\n', encoding="utf-8")
    with pytest.raises(BadInput, match=r"govpath.toml: \[web\] base_url must be an http"):
        load_web_settings(env={}, path=given)
