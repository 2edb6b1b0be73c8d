"""E-mails a Director would read, over real SMTP: who is told what, in sentences, by name.

The seed deadline (tests/scheduler_support.py): Dana Director's "Draft plan to the policy team",
due Thursday 20 December 2012, escalated on 24 December to her Corporate Director, Corin
Corporate, and to the Head of Paid Service, a role nobody holds. Corin is told whose deadline
it is and what is outstanding; the unheld role is recorded in the trail and listed in the
policy team's digest on the next Monday.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from govpath.config import Settings
from govpath.scheduler.sweep import run_sweep
from govpath.store import tables as t
from govpath.store.db import open_db
from tests.scheduler_support import SmtpServer, london, seed


def test_escalations_speak_to_the_manager_and_unheld_roles_reach_the_policy_team(
    db_url: str,
) -> None:
    engine = open_db(db_url)
    ids = seed(
        engine,
        notices=[
            ("reminder", "director@kent.example", london(2012, 12, 17)),
            ("escalation", "role:corporate_director", london(2012, 12, 24)),
            ("escalation", "role:head_of_paid_service", london(2012, 12, 24)),
        ],
    )
    server = SmtpServer().start()
    settings = dataclasses.replace(
        Settings(smtp_host="127.0.0.1", smtp_port=server.port),
        council_name="Kent County Council",
    )
    try:
        run_sweep(engine, london(2012, 12, 17, 9), settings=settings, digest=False)
        run_sweep(engine, london(2012, 12, 24, 9), settings=settings, digest=False)
        run_sweep(engine, london(2012, 12, 31, 9), settings=settings, digest=True)
    finally:
        server.stop()
    by_kind = {}
    for m in server.messages:
        by_kind.setdefault(m["X-Govpath-Kind"], []).append(m)

    (reminder,) = by_kind["reminder"]
    assert reminder["Subject"] == (
        "Reminder: Draft plan to the policy team, due Thursday 20 December 2012 "
        "(Finance business plan)"
    )
    (escalation,) = by_kind["escalation"]
    assert escalation["To"] == "corp@kent.example"
    assert escalation["Subject"] == (
        "Overdue for Dana Director: Draft plan to the policy team, due Thursday 20 December 2012 "
        "(Finance business plan)"
    )
    text = escalation.get_body(("plain",)).get_content()
    html = escalation.get_body(("html",)).get_content()
    assert "Dear Corin Corporate," in text and "\nStage:" in text
    assert 'Dana Director (Director) has not yet done "Draft plan to the policy team"' in text
    assert "it is 4 days overdue" in text
    for body in (text, html):
        assert "@" not in body.replace("kent.example", ""), "no addresses in the body"
        assert "Kent County Council" in body
        assert "make sure that" not in body and "kcc-test" not in body
    assert '<html lang="en-GB">' in html and 'name="viewport"' in html and 'scope="row"' in html

    # the escalation nobody could receive is in the trail and in the policy team's digest
    with engine.connect() as conn:
        unheld = conn.execute(
            select(t.audit_events.c.actor).where(
                t.audit_events.c.kind == "escalation_unheld",
                t.audit_events.c.plan_id == ids["plan"],
            )
        ).all()
    assert [r.actor for r in unheld] == ["role:head_of_paid_service"]
    digests = {m["To"]: m.get_body(("plain",)).get_content() for m in by_kind["digest"]}
    assert "nobody holds the role (1)" in digests["policy@kent.example"]
    assert (
        "escalated to the head of paid service, a role nobody holds"
        in digests["policy@kent.example"]
    )


def test_the_digest_says_met_late_with_calendar_and_working_days(db_url: str) -> None:
    """Dana's draft, due Thursday 20 December 2012, went in on Thursday 27 December: seven days
    late, three working days (Christmas Day and Boxing Day are bank holidays)."""
    from sqlalchemy import update

    engine = open_db(db_url)
    ids = seed(engine)
    with engine.begin() as conn:
        conn.execute(
            update(t.deadlines)
            .where(t.deadlines.c.id == ids["deadline"])
            .values(status="met", met_at=london(2012, 12, 27, 11))
        )
    server = SmtpServer().start()
    try:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=server.port)
        run_sweep(engine, london(2012, 12, 31, 9), settings=settings, digest=True)
    finally:
        server.stop()
    digests = {m["To"]: m.get_body(("plain",)).get_content() for m in server.messages}
    line = "due Thursday 20 December 2012, met late (7 days, 3 working days late)"
    assert "Met late in the last week (1):" in digests["policy@kent.example"]
    assert line in digests["policy@kent.example"]
