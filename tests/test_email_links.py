"""Every reminder, escalation, papers-due message and digest links to where the person acts on it."""

from __future__ import annotations

import re

import pytest

from govpath.config import Settings, load_settings
from govpath.errors import BadInput
from govpath.scheduler.sweep import run_sweep
from govpath.store.db import open_db
from tests.scheduler_support import SmtpServer, london
from tests.test_scheduler_kcc import _setup

BASE = "https://govpath.kent.example/council"


def test_every_message_links_to_its_plan_page_or_the_dashboard(sqlite_url: str) -> None:
    engine = open_db(sqlite_url)
    fin, edu = _setup(engine)
    server = SmtpServer().start()
    settings = Settings(smtp_host="127.0.0.1", smtp_port=server.port, base_url=BASE)
    try:
        for month, day, hour in [(10, 19, 10), (10, 22, 7), (11, 1, 10), (11, 6, 10), (11, 9, 10)]:
            run_sweep(engine, london(2012, month, day, hour), settings=settings)
    finally:
        server.stop()
    kinds = {m["X-Govpath-Kind"] for m in server.messages}
    assert {"reminder", "escalation", "papers_due", "digest"} <= kinds, kinds
    with engine.connect() as conn:
        subjects = dict(conn.exec_driver_sql("SELECT id, subject FROM plans").all())
    for m in server.messages:
        text = m.get_body(("plain",)).get_content()
        html = m.get_body(("html",)).get_content()
        links = set(re.findall(r"https?://\S+", text))
        if m["X-Govpath-Kind"] == "digest":
            assert links == {f"{BASE}/"}, (m["Subject"], links)
            assert f'href="{BASE}/"' in html
        else:
            # the link names the plan the message is about (subjects carry no ids)
            plan = int(re.findall(rf"{re.escape(BASE)}/plans/(\d+)", text)[0])
            assert plan in (fin, edu)
            assert subjects[plan] in text, (m["Subject"], plan)
            assert links == {f"{BASE}/plans/{plan}"}, (m["Subject"], links)
            assert f'href="{BASE}/plans/{plan}"' in html
    # no secret and no address ever rides in a link
    for link in re.findall(r"https?://\S+", "".join(m.as_string() for m in server.messages)):
        assert "@" not in link and "?" not in link and "token" not in link.lower()


def test_the_base_url_comes_from_the_environment_and_is_checked(tmp_path) -> None:
    none = tmp_path / "none.toml"
    assert load_settings(env={}, path=none).base_url == "http://127.0.0.1:8000"
    got = load_settings(env={"GOVPATH_BASE_URL": "https://plans.kent.example/"}, path=none)
    assert got.base_url == "https://plans.kent.example"
    toml = tmp_path / "govpath.toml"
    toml.write_text('[web]\nbase_url = "https://toml.kent.example"\n')
    assert load_settings(env={}, path=toml).base_url == "https://toml.kent.example"
    for bad in (
        "ftp://x.example",
        "plans.kent.example",
        "https://u:pw@x.example",
        "https://x/?t=1",
    ):
        with pytest.raises(BadInput, match="GOVPATH_BASE_URL"):
            load_settings(env={"GOVPATH_BASE_URL": bad}, path=none)


def test_every_reminder_of_the_demo_links_to_its_plan(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import sqlite3
    from email import message_from_bytes, policy

    from tests.demo_support import demo_database

    db = demo_database(tmp_path_factory.getbasetemp())
    mail = db.parent / "mail"
    with sqlite3.connect(db) as raw:
        subjects = dict(raw.execute("SELECT id, subject FROM plans").fetchall())
    kinds: dict[str, int] = {}
    for path in sorted(mail.glob("*.eml")):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        kind = msg["X-Govpath-Kind"]
        kinds[kind] = kinds.get(kind, 0) + 1
        text = msg.get_body(("plain",)).get_content()
        if kind in ("reminder", "escalation", "papers_due"):
            plans = set(re.findall(r"http://127\.0\.0\.1:8000/plans/(\d+)", text))
            assert len(plans) == 1, path.name  # one link, to the plan's page
            assert subjects[int(plans.pop())] in text, path.name
        elif kind == "digest":
            assert re.search(r"http://127.0.0.1:8000/\s", text), path.name
    assert kinds.get("reminder", 0) > 50 and kinds.get("digest", 0) > 0
