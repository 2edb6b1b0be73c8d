"""Run a whole planning year end to end: real scheduler, real SMTP on loopback, a simulated clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govpath import calendars, workflows
from govpath.demo import actors as behaviour
from govpath.demo.cast import Cast, cast_for
from govpath.zone import council_zone, local_date

# Each seed year and the calendar of the meetings its pathway runs through.
YEARS = {
    "2013-14": "2012-13",
    "2014-15": "2013-14",
    "2015-16": "2014-15",
    "2016-17": "2015-16",
    "2019-20": "2018-19",
}


@dataclass
class DemoResult:
    """What the demo did, for its summary table (deterministic for a given year and seed)."""

    year: str
    out: Path
    db_url: str
    mail_dir: Path
    report: Path | None = None
    plans: list[dict[str, Any]] = field(default_factory=list)
    deadlines: Counter[str] = field(default_factory=Counter)
    messages: Counter[str] = field(default_factory=Counter)
    mail_received: int = 0
    decisions: list[str] = field(default_factory=list)
    refusals: int = 0
    events: int = 0
    moved: str = ""
    general_exception: str = ""
    joined: str = ""
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    seconds: float = 0.0
    web: dict[str, Any] = field(default_factory=dict)  # the open plan and sign-in links

    def summary(self) -> dict[str, Any]:
        """The summary as plain data (no timings), the same on every run with the same seed."""
        return {
            "year": self.year,
            "days": [str(self.first_day), str(self.last_day)],
            "plans": self.plans,
            "deadlines": dict(sorted(self.deadlines.items())),
            "messages": dict(sorted(self.messages.items())),
            "mail_received": self.mail_received,
            "decisions": self.decisions,
            "refusals": self.refusals,
            "events": self.events,
            "moved": self.moved,
            "general_exception": self.general_exception,
            "joined": self.joined,
        }


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware UTC instant for a local (Europe/London) wall-clock time on DAY."""
    return dt.datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=council_zone()
    ).astimezone(dt.UTC)


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def seed_files(year: str) -> tuple[Path, Path]:
    """The pathway file and calendar file of a seed year."""
    from govpath.errors import BadInput

    if year not in YEARS:
        raise BadInput(f"there is no seed year {year!r}; choose one of {', '.join(YEARS)}.")
    pathway = Path(workflows.__file__).parent / "kcc" / f"{year}.yaml"
    calendar = Path(calendars.__file__).parent / "data" / "kcc" / f"{YEARS[year]}.yaml"
    return pathway, calendar


MARKER = ".govpath-demo"  # written first into a demo's folder: its files may be replaced
DEMO_FILES = {
    MARKER,
    "govpath.db",
    "govpath.db-wal",
    "govpath.db-shm",
    "govpath.db-journal",
    "year-report.html",
    "mail",
}


def check_demo_folder(out: Path) -> None:
    """Refuse (BadInput) a folder holding anything but an earlier demo's files; touch nothing."""
    from govpath.errors import BadInput

    if not out.exists():
        return
    if not out.is_dir():
        raise BadInput(f"--out {out} is a file, not a folder; choose a new folder with --out.")
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return
    others = [name for name in entries if name not in DEMO_FILES]
    mail = out / "mail"
    if mail.is_dir():
        others += [f"mail/{p.name}" for p in sorted(mail.iterdir()) if not p.name.endswith(".eml")][
            :3
        ]
    if others or MARKER not in entries:
        shown = ", ".join((others or entries)[:3])
        raise BadInput(
            f"--out {out} holds files that are not an earlier demo's ({shown}); the demo "
            "replaces what it finds there, so it touched nothing. Choose a new or empty folder "
            "with --out, e.g. --out ./govpath-demo-2."
        )


def _fresh(out: Path) -> tuple[str, Path]:
    check_demo_folder(out)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    (out / MARKER).write_text("govpath demo: this folder is replaced by the next demo run.\n")
    for name in (
        "govpath.db",
        "govpath.db-wal",
        "govpath.db-shm",
        "govpath.db-journal",
        "year-report.html",
    ):
        (out / name).unlink(missing_ok=True)
    mail = out / "mail"
    shutil.rmtree(mail, ignore_errors=True)  # also the temporary files of a run that was killed
    mail.mkdir(mode=0o700)
    return f"sqlite:///{(out / 'govpath.db').resolve()}", mail


class Year:
    """One simulated planning year: the pathway, the people, the plans and the clock."""

    def __init__(self, year: str, out: Path, seed: int):
        from govpath.calendars.sources import read_calendar
        from govpath.calendars.workdays import get_policy
        from govpath.definition.loader import load_pathway

        self.year = year
        self.rng = random.Random(seed)
        self.pathway_path, self.calendar_path = seed_files(year)
        self.pathway = load_pathway(self.pathway_path)
        self.meetings = read_calendar(self.calendar_path)
        self.policy = get_policy(self.pathway.settings.working_days)
        self.db_url, self.mail_dir = _fresh(out)
        self.result = DemoResult(year=year, out=out, db_url=self.db_url, mail_dir=self.mail_dir)
        self.cast: Cast = cast_for(self.pathway, self.rng)
        self.dist = behaviour.distance_to_end(self.pathway)
        subjects = list(self.cast.owners) or [self.pathway.title]
        self.temper = behaviour.temperaments(subjects, self.rng)
        self.plan_ids: dict[int, str] = {}
        self.move: tuple[str, dt.date, dt.date, dt.date] | None = None  # body, date, new, on
        self._resolved: Any = None

    # -- set-up ---------------------------------------------------------------------------

    def span(self) -> tuple[dt.date, dt.date]:
        """From a few days before the first reminder to a fortnight after the last deadline."""
        from govpath.calendars.timeline import build_timeline

        tl = build_timeline(self.pathway, self.meetings, policy=self.policy)
        dates: list[dt.date] = []
        for stage in tl.stages:
            if stage.gate:
                dates.append(stage.gate.date)
            if stage.window:
                dates.extend(stage.window)
            for d in stage.deadlines:
                if d.due:
                    dates.append(d.due)
                dates.extend(r.on for r in d.reminders)
        return min(dates) - dt.timedelta(days=3), max(dates) + dt.timedelta(days=14)

    def plan_the_drama(self, first: dt.date) -> None:
        """Choose the January meeting that moves, and the plan whose Key Decision notice is late."""
        from govpath.calendars.timeline import build_timeline

        tl = build_timeline(self.pathway, self.meetings, policy=self.policy)
        gates = [s.gate for s in tl.stages if s.gate and s.gate.date.month == 1]
        if gates:
            meeting = gates[0]
            new = self.policy.on_or_after(meeting.date + dt.timedelta(days=7))
            announce = max(first, meeting.date - dt.timedelta(days=28))
            self.move = (meeting.body, meeting.date, new, announce)
        if any(t.notice == "key_decision" for t in self.pathway.transitions) and self.temper:
            late = self.rng.choice(sorted(self.temper))
            # Five working days late: fewer than 28 clear days remain before Cabinet, but more
            # than five clear working days, so the general exception route is open.
            self.temper[late].lateness["key_decision_notice"] = 5
            self.result.general_exception = late

    def set_up(self, first: dt.date) -> None:
        from govpath.runtime import api
        from govpath.store.db import open_db
        from govpath.store.facts import mark_simulation
        from govpath.store.meetings import upsert_meetings

        self.engine = open_db(self.db_url)
        mark_simulation(self.engine)  # a simulated year: its clock is not the real one
        start = at(first, 9)
        with self.engine.begin() as conn:
            upsert_meetings(conn, self.meetings, now=start)
        clerk = self._someone("policy_team")
        api.publish_pathway(self.engine, self.pathway_path, actor=clerk, now=start)
        for person in self.cast.people:
            api.add_actor(
                self.engine,
                person.email,
                person.name,
                list(person.roles),
                reports_to=person.reports_to,
                now=start,
            )
        units = list(self.cast.owners.items())
        if not units:  # a single council-wide plan owned by the initial stage's owner role
            owner_role = self.pathway.stage(self.pathway.initial).owner or "policy_team"
            units = [(self.pathway.title, self._someone(owner_role))]
        for subject, owner in units:
            status = api.start_plan(
                self.engine, self.pathway.id, subject, owner, actor=clerk, now=start
            )
            self.plan_ids[int(status["id"])] = subject

    def _someone(self, role: str) -> str:
        people = self.cast.with_role(role)
        return people[0].email if people else self.cast.people[0].email

    # -- a day ----------------------------------------------------------------------------

    def day(self, today: dt.date, settings: Any) -> None:
        from govpath.runtime import api
        from govpath.scheduler.sweep import run_sweep

        if self.move and self.move[3] == today:
            body, date, new, _ = self.move
            api.move_meeting(
                self.engine,
                body,
                date,
                new,
                actor=self._someone("democratic_services"),
                now=at(today, 9),
            )
            self.result.moved = f"{body} {date.isoformat()} -> {new.isoformat()}"
            self._resolved = None
        run_sweep(self.engine, at(today, 8), settings=settings)
        if self.policy.is_working_day(today):
            for plan_id in sorted(self.plan_ids):
                self.act(plan_id, today)

    def act(self, plan_id: int, today: dt.date) -> None:
        """The people of one plan do what is due today, if anything."""
        from govpath.runtime import api

        now = at(today, 11)
        status = api.plan_status(self.engine, plan_id, now=now)
        stage = self.pathway.stage(status["state"])
        if stage.terminal:
            return
        subject = self.plan_ids[plan_id]
        temper = self.temper.get(subject, behaviour.Temperament())
        choices = behaviour.forward_choices(self.pathway, stage, self.dist)
        specs = {d.id: d for d in stage.deadlines}
        pending = sorted(behaviour.outstanding(status), key=lambda d: d["date"])
        # 1. A deadline whose own trigger meets it: act on it, early or late by temperament.
        for d in pending:
            spec = specs.get(d["name"])
            if spec and spec.met_by and any(t.trigger == spec.met_by for t in choices):
                due = dt.date.fromisoformat(d["date"])
                if today < behaviour.act_on(self.policy, due, temper.offset(d["name"])):
                    return
                self.fire(
                    plan_id, status, stage, [t for t in choices if t.trigger == spec.met_by], now
                )
                return
        # 2. Otherwise the stage ends at its meeting, its window, or its last deadline.
        when = self._stage_moment(stage, pending)
        if when is not None and today >= when:
            forward = [
                t for t in choices if self.dist.get(t.dest, 99) < self.dist.get(stage.id, 99)
            ]
            self.fire(plan_id, status, stage, forward or choices, now)

    def _stage_moment(self, stage: Any, pending: list[dict[str, Any]]) -> dt.date | None:
        if stage.gate is not None:
            resolved = self._timeline().stage(stage.id)
            if resolved and resolved.gate:
                gate_day: dt.date = resolved.gate.date
                return gate_day
        if pending:  # e.g. the call-in period: closed on its last day
            return max(dt.date.fromisoformat(d["date"]) for d in pending)
        if stage.window is not None:
            window_end: dt.date = stage.window.end
            return window_end
        return None

    def _timeline(self) -> Any:
        """The pathway against the meetings as the database has them now (cached until a move)."""
        if self._resolved is None:
            from govpath.calendars.timeline import build_timeline
            from govpath.store.meetings import load_meetings

            with self.engine.connect() as conn:
                meetings = load_meetings(conn)
            self._resolved = build_timeline(self.pathway, meetings, policy=self.policy)
        return self._resolved

    def fire(
        self, plan_id: int, status: dict[str, Any], stage: Any, options: list[Any], now: dt.datetime
    ) -> None:
        """Try the options in order, as their people would; a refusal is recorded and the next tried."""
        from govpath.errors import Refused
        from govpath.runtime import api

        today = local_date(now)
        for transition in options:
            if transition.join is not None and not self._all_in(transition.join.stage):
                return  # the collective step waits for every plan
            needed = behaviour.required_for(self.pathway, stage, transition)
            missing = [n for n in needed if n not in status.get("fields", {})]
            values = behaviour.field_values(
                self.pathway, missing, plan_id, today, self.plan_ids[plan_id]
            )
            if "general_exception_notice_published" in values:
                values["general_exception_notice_published"] = status["fields"].get(
                    "key_decision_notice_published", today.isoformat()
                )
            if transition.decision:  # the record of the decision (reg. 12; reg. 10)
                values.update(behaviour.decision_record(transition, today))
                if "scrutiny_chair_informed" in values:  # told when the notice went out
                    values["scrutiny_chair_informed"] = values.get(
                        "general_exception_notice_published", values["scrutiny_chair_informed"]
                    )
            actor = self._actor_for(transition, status["owner"])
            note = f"{transition.title or transition.trigger} (demo)"
            try:
                api.advance(
                    self.engine,
                    plan_id,
                    transition.trigger,
                    actor,
                    fields=values or None,
                    note=note,
                    now=now,
                )
            except Refused:
                continue
            if transition.join is not None:
                self.result.joined = f"{transition.trigger} for all {len(self.plan_ids)} plans"
            return

    def _all_in(self, stage_id: str) -> bool:
        from govpath.runtime import api

        plans = api.list_plans(self.engine, pathway_id=self.pathway.id)
        return all(p["state"] == stage_id for p in plans)

    def _actor_for(self, transition: Any, owner: str) -> str:
        owner_roles = next((p.roles for p in self.cast.people if p.email == owner), ())
        for role in transition.roles:
            if role in owner_roles:
                return owner
            people = self.cast.with_role(role)
            if people:
                return people[0].email
        return owner

    # -- the end ----------------------------------------------------------------------------

    def finish(self) -> None:
        from govpath.audit.lateness import standing
        from govpath.runtime import api
        from govpath.store import reports

        r = self.result
        with self.engine.connect() as conn:
            # by standing: a deadline met after its day counts as "met late", not "met"
            r.deadlines = Counter(
                standing(d.status, d.due, d.met_at, self.policy).label
                for d in reports.deadline_states(conn)
            )
            r.messages = Counter(
                {f"{k} {s}": n for (k, s), n in reports.message_counts(conn).items()}
            )
            r.refusals = reports.count_events(conn, kind="refusal")
            r.events = reports.count_events(conn)
            decided = reports.triggers_fired(
                conn, [t.trigger for t in self.pathway.transitions if t.decision]
            )
        r.decisions = [
            f"{self.plan_ids.get(d.plan_id, d.plan_id)}: {d.trigger} on {d.at.date().isoformat()}"
            for d in decided
        ]
        for plan in api.list_plans(self.engine, pathway_id=self.pathway.id):
            r.plans.append({"id": plan["id"], "subject": plan["subject"], "state": plan["state"]})
        r.mail_received = len(list(self.mail_dir.glob("*.eml")))


def _base_url() -> str:
    """Where the demo's e-mails link to: GOVPATH_BASE_URL (checked), as for `govpath serve`."""
    import os

    from govpath.config import load_settings

    given = {"GOVPATH_BASE_URL": os.environ.get("GOVPATH_BASE_URL", "")}
    return load_settings(env=given, path="/nonexistent/govpath.toml").base_url


def run_demo(
    year: str = "2013-14",
    out: Path = Path("govpath-demo"),
    seed: int = 2013,
    on_day: Callable[[dt.date, int, int], None] | None = None,
) -> DemoResult:
    """Run the year; ON_DAY(date, index, total) is called as the clock advances (progress)."""
    from govpath.config import Settings
    from govpath.demo.mailcatcher import MailCatcher

    started = time.perf_counter()
    sim = Year(year, Path(out), seed)
    first, last = sim.span()
    sim.plan_the_drama(first)
    sim.result.first_day, sim.result.last_day = first, last
    sim.set_up(first)
    total = (last - first).days + 1
    with MailCatcher(sim.mail_dir) as smtp:
        settings = dataclasses.replace(
            Settings(),
            db_url=sim.db_url,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_tls="none",
            mail_from="business.planning@kent.example",
            council_name="Kent County Council",  # the seed papers are KCC's
            mail_dir=str(sim.mail_dir),
            timezone=sim.pathway.settings.timezone,
            working_days=sim.pathway.settings.working_days,
            base_url=_base_url(),
        )
        for index, today in enumerate(days(first, last)):
            sim.day(today, settings)
            if on_day:
                on_day(today, index + 1, total)
            if (
                all(p["state"] in {s.id for s in sim.pathway.terminal_stages} for p in _plans(sim))
                and index > 0
            ):
                sim.result.last_day = today
                if on_day:
                    on_day(today, total, total)
                break
        # Deliver anything still queued before the server closes.
        from govpath.scheduler.sweep import run_sweep

        run_sweep(sim.engine, at(sim.result.last_day or last, 18), settings=settings)
    sim.finish()
    sim.result.report = _year_report(sim)
    from govpath.demo.web import open_for_web

    sim.result.web = open_for_web(sim)
    sim.result.seconds = time.perf_counter() - started
    return sim.result


def _plans(sim: Year) -> list[dict[str, Any]]:
    from govpath.runtime import api

    return api.list_plans(sim.engine, pathway_id=sim.pathway.id)


def _year_report(sim: Year) -> Path:
    """The HTML year report the policy team sends to Corporate Board."""
    from govpath.reports.year import collect_year, render_year

    path = sim.result.out / "year-report.html"
    with sim.engine.connect() as conn:
        report = collect_year(conn, sim.pathway.id, today=sim.result.last_day or dt.date.today())
    path.write_text(render_year(report, "html"), encoding="utf-8")
    return path
