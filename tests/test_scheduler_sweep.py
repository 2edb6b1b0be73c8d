"""The sweep on SQLite and PostgreSQL: reminders on their day, once; early completion; digest."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from govpath.config import Settings
from govpath.scheduler.sweep import run_sweep
from govpath.store import tables as t
from govpath.store.db import open_db
from tests.scheduler_support import SmtpServer, london, seed

DIRECTOR = "director@kent.example"
REMINDER_DAYS = (6, 17, 20)  # 10 and 3 working days before 20 December 2012, and the day itself


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def _settings(smtp: SmtpServer) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=smtp.port)


def _seed_year(engine) -> dict:
    return seed(
        engine,
        notices=[
            *[("reminder", DIRECTOR, london(2012, 12, d)) for d in REMINDER_DAYS],
            ("escalation", "role:corporate_director", london(2012, 12, 24)),
            ("escalation", "escalates_to", london(2012, 12, 28)),
        ],
    )


def _step(engine, settings: Settings, first: dt.date, last: dt.date, hour: int = 9, **kw) -> dict:
    """Sweep once a day at HOUR (twice on each day, to show that repeats add nothing)."""
    days: dict[dt.date, list] = {}
    day = first
    while day <= last:
        for _ in range(2):
            run_sweep(engine, london(day.year, day.month, day.day, hour), settings=settings, **kw)
        day += dt.timedelta(days=1)
    return days


def _by_day(smtp: SmtpServer) -> list[tuple[str, str, str]]:
    out = []
    for m in smtp.messages:
        out.append((m["Date"], m["To"], m["Subject"].split(":")[0]))
    return out


def test_reminders_arrive_on_their_day_once_and_escalations_only_when_missed(
    db_url: str, smtp: SmtpServer
) -> None:
    engine = open_db(db_url)
    ids = _seed_year(engine)
    settings = _settings(smtp)
    seen: dict[str, dt.date] = {}
    day = dt.date(2012, 12, 1)
    while day <= dt.date(2013, 1, 4):
        before = len(smtp.messages)
        for hour in (7, 9):  # before and after the 08:00 reminder hour
            run_sweep(
                engine, london(day.year, day.month, day.day, hour), settings=settings, digest=False
            )
        for m in smtp.messages[before:]:
            seen[m["Message-ID"]] = day
        day += dt.timedelta(days=1)
    assert Counter(smtp.handler.ids()).most_common(1)[0][1] == 1, "no message twice"
    got = sorted(
        (seen[m["Message-ID"]], m["To"], m["Subject"].split(":")[0]) for m in smtp.messages
    )
    assert got == [
        (dt.date(2012, 12, 6), DIRECTOR, "Reminder"),
        (dt.date(2012, 12, 17), DIRECTOR, "Reminder"),
        (dt.date(2012, 12, 20), DIRECTOR, "Reminder"),
        # escalates_to: the owner's manager, told whose deadline it is
        (dt.date(2012, 12, 24), "corp@kent.example", "Overdue for Dana Director"),
        (dt.date(2012, 12, 28), "corp@kent.example", "Overdue for Dana Director"),
    ]
    with engine.connect() as conn:
        status = conn.execute(
            select(t.deadlines.c.status, t.deadlines.c.escalation_level).where(
                t.deadlines.c.id == ids["deadline"]
            )
        ).one()
        kinds = Counter(conn.execute(select(t.audit_events.c.kind)).scalars())
    assert tuple(status) == ("missed", 2)
    assert (
        kinds["deadline_missed"] == 1
        and kinds["reminder_sent"] == 3
        and kinds["escalation_sent"] == 2
    )
    from govpath.audit.chain import verify

    with engine.connect() as conn:
        assert verify(conn).ok


def test_a_director_who_completes_early_gets_no_further_reminders(
    db_url: str, smtp: SmtpServer
) -> None:
    engine = open_db(db_url)
    ids = _seed_year(engine)
    settings = _settings(smtp)
    _step(engine, settings, dt.date(2012, 12, 5), dt.date(2012, 12, 7), digest=False)
    assert len(smtp.messages) == 1
    # The Director sends the draft on 10 December: the deadline is met. Even if the runtime had
    # not cancelled the remaining notices, the sweep must not send them.
    with engine.begin() as conn:
        conn.execute(
            update(t.deadlines)
            .where(t.deadlines.c.id == ids["deadline"])
            .values(status="met", met_at=london(2012, 12, 10, 11))
        )
    _step(engine, settings, dt.date(2012, 12, 8), dt.date(2013, 1, 10), digest=False)
    assert len(smtp.messages) == 1
    with engine.connect() as conn:
        statuses = Counter(conn.execute(select(t.notices.c.status)).scalars())
    assert statuses == {"queued": 1, "cancelled": 4}


def test_a_message_queued_before_completion_is_not_sent_after_it(
    db_url: str, smtp: SmtpServer
) -> None:
    engine = open_db(db_url)
    ids = _seed_year(engine)
    run_sweep(engine, london(2012, 12, 6, 9), settings=_settings(smtp), deliver=False, digest=False)
    with engine.begin() as conn:
        conn.execute(
            update(t.deadlines).where(t.deadlines.c.id == ids["deadline"]).values(status="met")
        )
    result = run_sweep(engine, london(2012, 12, 6, 10), settings=_settings(smtp), digest=False)
    assert smtp.messages == [] and result.delivered == 0 and result.cancelled_at_delivery == 1
    with engine.connect() as conn:
        assert conn.execute(select(t.outbox.c.status)).scalar_one() == "cancelled"


def test_missed_reminders_collapse_into_one_late_message(db_url: str, smtp: SmtpServer) -> None:
    engine = open_db(db_url)
    _seed_year(engine)
    # The scheduler was down from 1 to 19 December: two reminders are overdue when it returns.
    result = run_sweep(engine, london(2012, 12, 19, 12), settings=_settings(smtp), digest=False)
    assert (result.notices_claimed, result.messages_created, result.notices_collapsed) == (2, 1, 1)
    (msg,) = smtp.messages
    # sent late, but the deadline (20 December) is not yet due: a reminder, not "[Late]"
    assert msg["Subject"].startswith("Reminder: ") and "Late" not in msg["Subject"]
    assert "takes the place of 2 reminders" in msg.get_body(("plain",)).get_content()
    with engine.connect() as conn:
        row = conn.execute(select(t.outbox)).mappings().one()
    assert row["late"] and row["key"].endswith("|2012-12-17")


def test_reminders_after_the_deadline_passed_are_dropped(db_url: str, smtp: SmtpServer) -> None:
    engine = open_db(db_url)
    _seed_year(engine)
    # Down until 27 December: the deadline was missed, so no reminder, only the first escalation.
    result = run_sweep(engine, london(2012, 12, 27, 9), settings=_settings(smtp), digest=False)
    assert result.deadlines_missed == 1 and result.notices_cancelled == 3
    assert [m["Subject"].split(":")[0] for m in smtp.messages] == ["Overdue for Dana Director"]


def test_papers_due_before_a_gate_meeting_and_the_monday_digest(
    db_url: str, smtp: SmtpServer
) -> None:
    engine = open_db(db_url)
    seed(
        engine,
        name="papers",
        rule="agenda-publication",
        due=dt.date(2012, 12, 27),
        meeting_date=dt.date(2013, 1, 8),
    )
    settings = _settings(smtp)
    got: list[tuple[dt.date, str, str]] = []
    day = dt.date(2012, 12, 10)
    while day <= dt.date(2012, 12, 28):
        before = len(smtp.messages)
        for hour in (6, 9, 15):
            run_sweep(engine, london(day.year, day.month, day.day, hour), settings=settings)
        got += [(day, m["To"], m["Subject"]) for m in smtp.messages[before:]]
        day += dt.timedelta(days=1)
    papers = [(d, to) for d, to, s in got if s.startswith("Papers due")]
    # Five working days before Thursday 27 December 2012, counting over Christmas and Boxing Day.
    assert papers == [(dt.date(2012, 12, 18), DIRECTOR)]
    digests = sorted((d, to, s.split(":")[0]) for d, to, s in got if s.startswith("Weekly"))
    assert digests == [
        (dt.date(2012, 12, 17), DIRECTOR, "Weekly digest 2012-12-17"),
        (dt.date(2012, 12, 17), "policy2@kent.example", "Weekly digest 2012-12-17"),
        (dt.date(2012, 12, 17), "policy@kent.example", "Weekly digest 2012-12-17"),
        (dt.date(2012, 12, 24), DIRECTOR, "Weekly digest 2012-12-24"),
        (dt.date(2012, 12, 24), "policy2@kent.example", "Weekly digest 2012-12-24"),
        (dt.date(2012, 12, 24), "policy@kent.example", "Weekly digest 2012-12-24"),
    ]
    # 10 December is a Monday too, but nothing was due within the fortnight: no empty digest.
    assert Counter(smtp.handler.ids()).most_common(1)[0][1] == 1


_TEMPLATE: dict[str, str] = {}


@settings(max_examples=12, deadline=None)
@given(
    reminder_days=st.sets(st.integers(1, 19), min_size=1, max_size=6),
    sweep_days=st.sets(st.integers(1, 24), min_size=1, max_size=12),
)
def test_any_sweep_schedule_sends_each_reminder_at_most_once_and_loses_none(
    reminder_days: set[int], sweep_days: set[int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whenever the scheduler happens to run, each sweep that finds reminders due sends one
    message for them (the latest, marked late if any was missed), and nothing is sent twice."""
    import shutil

    from govpath.store.db import forget_engines

    if "path" not in _TEMPLATE:  # one migrated database, copied for each example
        path = tmp_path_factory.mktemp("template") / "govpath.db"
        open_db(f"sqlite:///{path}")
        forget_engines()
        _TEMPLATE["path"] = str(path)
    db = tmp_path_factory.mktemp("example") / "govpath.db"
    shutil.copy(_TEMPLATE["path"], db)
    engine = open_db(f"sqlite:///{db}")
    seed(engine, notices=[("reminder", DIRECTOR, london(2012, 12, d)) for d in reminder_days])
    mail = tmp_path_factory.mktemp("mail")
    conf = Settings(mail_dir=str(mail))
    expected = []
    previous = 0
    for day in sorted(sweep_days):
        run_sweep(engine, london(2012, 12, day, 9), settings=conf, digest=False)
        run_sweep(engine, london(2012, 12, day, 10), settings=conf, digest=False)
        due = [r for r in reminder_days if previous < r <= day]
        if due and day <= 20:  # from 21 December the deadline is missed: reminders are dropped
            expected.append((max(due), len(due) > 1 or max(due) < day))
        previous = day
    with engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.key, t.outbox.c.late, t.outbox.c.status)).all()
    got = sorted((int(key.rsplit("-", 1)[1]), bool(late)) for key, late, _ in rows)
    assert got == sorted(expected)
    assert {status for *_, status in rows} <= {"sent"}
    assert len(list(mail.glob("*.eml"))) == len(expected)
    forget_engines()


def test_a_late_submission_withdraws_the_escalation_still_waiting_to_go(db_url: str) -> None:
    """The deadline was missed and its escalation queued, but not yet sent, when the Director
    submits: the transition cancels it in the same transaction (the deadline stays ``missed``,
    so delivery alone would still send it), and leaves other plans' messages alone."""
    from govpath.runtime.api import advance
    from tests.test_runtime_cli import two_plans

    engine, fin, edu = two_plans(db_url, dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    # papers were due on 24 December; the escalation falls two working days after
    late = london(2027, 1, 4, 9)
    swept = run_sweep(engine, late, settings=Settings(), deliver=False, digest=False)
    assert swept.deadlines_missed == 2 and swept.messages_created >= 2

    def waiting(plan: int) -> list[str]:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    select(t.outbox.c.kind).where(
                        t.outbox.c.plan_id == plan, t.outbox.c.status == "pending"
                    )
                ).scalars()
            )

    assert "escalation" in waiting(fin) and "escalation" in waiting(edu)
    advance(engine, fin, "submit_draft", "fin@kent.gov.uk", {"draft_plan": "d.pdf"}, now=late)
    assert waiting(fin) == [] and "escalation" in waiting(edu)
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.deadlines.c.status, t.deadlines.c.due, t.deadlines.c.met_at).where(
                t.deadlines.c.plan_id == fin
            )
        ).all()
    statuses = Counter(r.status for r in rows)
    # the missed deadline was met late by its own act: met, after its day (no longer "missed",
    # which would keep escalating work already done)
    assert statuses["missed"] == 0
    assert any(r.status == "met" and r.met_at.date() > r.due for r in rows)


def test_a_queued_reminder_is_not_sent_once_the_plan_has_left_its_stage(
    db_url: str, smtp: SmtpServer, tmp_path
) -> None:
    """The deadline still open (nothing met it), but the plan moved on: not owed, and
    `outbox list` says why."""
    from tests.conftest import Cli

    engine = open_db(db_url)
    ids = _seed_year(engine)
    run_sweep(engine, london(2012, 12, 6, 9), settings=_settings(smtp), deliver=False, digest=False)
    with engine.begin() as conn:  # a move committed after the sweep made the message
        conn.execute(update(t.plans).where(t.plans.c.id == ids["plan"]).values(state="committee"))
    result = run_sweep(engine, london(2012, 12, 6, 10), settings=_settings(smtp), digest=False)
    assert smtp.messages == [] and result.cancelled_at_delivery == 1
    with engine.connect() as conn:
        row = conn.execute(select(t.outbox.c.status, t.outbox.c.cancel_reason)).one()
    assert tuple(row) == ("cancelled", "the plan has left stage 'draft' (it is now in 'committee')")
    cli = Cli(tmp_path, db=db_url)
    listed = cli("outbox", "list").stdout
    assert (
        "Message 1 was not sent: the plan has left stage 'draft' (it is now in 'committee')."
        in listed
    )
    (shown,) = json.loads(cli("outbox", "list", "--json").stdout)
    assert shown["cancel_reason"].startswith("the plan has left stage 'draft'")


def test_a_deadline_met_between_claim_and_send_stops_the_message(
    db_url: str, smtp: SmtpServer
) -> None:
    """The race the claim cannot see: the work is done after the message was claimed but before
    it is handed to SMTP. The check in the transaction that marks it sent stops it."""
    from govpath.notifications.delivery import SmtpTransport

    engine = open_db(db_url)
    ids = _seed_year(engine)
    run_sweep(engine, london(2012, 12, 6, 9), settings=_settings(smtp), deliver=False, digest=False)

    class DoneMeanwhile(SmtpTransport):
        def send_batch(self, batch, on_result, ready=None) -> None:
            with engine.begin() as conn:  # committed after the claim, before the hand-over
                conn.execute(
                    update(t.deadlines)
                    .where(t.deadlines.c.id == ids["deadline"])
                    .values(status="met", met_at=london(2012, 12, 6, 9))
                )
            super().send_batch(batch, on_result, ready)

    result = run_sweep(
        engine,
        london(2012, 12, 6, 10),
        settings=_settings(smtp),
        digest=False,
        transport=DoneMeanwhile("127.0.0.1", smtp.port),
    )
    assert smtp.messages == [] and result.delivered == 0 and result.cancelled_at_delivery == 1
    with engine.connect() as conn:
        row = conn.execute(select(t.outbox.c.status, t.outbox.c.cancel_reason)).one()
    assert tuple(row) == ("cancelled", "its deadline was met on 6 December 2012")
