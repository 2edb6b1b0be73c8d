"""Scheduler test support: rows inserted with Core, and a real SMTP server (aiosmtpd over TCP)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine, insert, select

from govpath.store import tables as t

UTC = dt.UTC
T0 = dt.datetime(2012, 11, 1, tzinfo=UTC)

DEFINITION = {
    "id": "kcc-test",
    "roles": [
        {"id": "director", "name": "Director", "escalates_to": "corporate_director"},
        {"id": "corporate_director", "name": "Corporate Director", "escalates_to": "policy_team"},
        {"id": "policy_team", "name": "Policy team"},
    ],
    "stages": [
        {
            "id": "draft",
            "title": "Draft plan to the Cabinet Committee",
            "deadlines": [
                {
                    "id": "draft_to_policy",
                    "title": "Draft plan to the policy team",
                    "action": "Send the draft business plan to the policy team.",
                },
                {"id": "papers", "title": "Agenda papers published", "action": ""},
            ],
        },
    ],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Collector:
    """An aiosmtpd handler that keeps every message it accepts (and can refuse on demand)."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP reply
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        with self.lock:
            self.messages.append(msg)
        return "250 Message accepted for delivery"

    def ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = Collector()
        self.controller = None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages


def seed(
    engine: Engine,
    *,
    due: dt.date = dt.date(2012, 12, 20),
    meeting_date: dt.date = dt.date(2013, 1, 8),
    rule: str = "10 working days before",
    name: str = "draft_to_policy",
    owner: str = "director@kent.example",
    reports_to: str | None = "corp@kent.example",
    notices: list[tuple[str, str, dt.datetime]] = (),
    plan_subject: str = "Finance business plan",
    extra_plans: int = 0,
) -> dict[str, Any]:
    """A pathway version, people, a meeting, one plan with one open deadline and its notices."""
    now = T0
    with engine.begin() as conn:
        pv = conn.execute(
            select(t.pathway_versions.c.id).where(t.pathway_versions.c.pathway_id == "kcc-test")
        ).scalar()
        if pv is None:
            pv = conn.execute(
                insert(t.pathway_versions).values(
                    pathway_id="kcc-test",
                    version=1,
                    content_hash="kcc-test-hash",
                    title="Test",
                    year="2013-14",
                    source_path="",
                    source_text="",
                    definition=json.dumps(DEFINITION),
                    published_at=now,
                )
            ).inserted_primary_key[0]
        people = [
            (owner, "Dana Director", reports_to, ["director"]),
            ("corp@kent.example", "Corin Corporate", None, ["corporate_director"]),
            ("policy@kent.example", "Poppy Policy", None, ["policy_team"]),
            ("policy2@kent.example", "Pat Policy", None, ["policy_team"]),
        ]
        for email_, nm, rt, roles in people:
            existing = conn.execute(t.actors.select().where(t.actors.c.email == email_)).first()
            if existing:
                continue
            aid = conn.execute(
                insert(t.actors).values(
                    email=email_, name=nm, reports_to=rt, created_at=now, updated_at=now
                )
            ).inserted_primary_key[0]
            for role in roles:
                conn.execute(insert(t.actor_roles).values(actor_id=aid, role=role))
        mid = conn.execute(
            select(t.meetings.c.id).where(
                t.meetings.c.body == "pr_cc", t.meetings.c.date == meeting_date
            )
        ).scalar()
        if mid is None:
            mid = conn.execute(
                insert(t.meetings).values(
                    body="pr_cc",
                    title="Policy and Resources Cabinet Committee",
                    date=meeting_date,
                    time=dt.time(10, 0),
                    place="Darent Room, Sessions House",
                    source="yaml",
                    source_id=f"pr_cc-{meeting_date}",
                    updated_at=now,
                )
            ).inserted_primary_key[0]
        plan_ids = []
        for i in range(1 + extra_plans):
            plan_ids.append(
                conn.execute(
                    insert(t.plans).values(
                        pathway_version_id=pv,
                        pathway_id="kcc-test",
                        subject=plan_subject if i == 0 else f"Plan {i}",
                        owner=owner,
                        state="draft",
                        fields="{}",
                        version=1,
                        created_at=now,
                        updated_at=now,
                    )
                ).inserted_primary_key[0]
            )
        did = conn.execute(
            insert(t.deadlines).values(
                plan_id=plan_ids[0],
                stage="draft",
                name=name,
                title=_title(name),
                rule=rule,
                anchor_date=meeting_date,
                meeting_id=mid,
                due=due,
                owner=owner,
                status="open",
                updated_at=now,
            )
        ).inserted_primary_key[0]
        nids = []
        for kind, recipient, at in notices:
            nids.append(
                conn.execute(
                    insert(t.notices).values(
                        deadline_id=did,
                        plan_id=plan_ids[0],
                        kind=kind,
                        recipient=recipient,
                        due_at=at.astimezone(UTC),
                        status="scheduled",
                    )
                ).inserted_primary_key[0]
            )
    return {"plan": plan_ids[0], "deadline": did, "meeting": mid, "notices": nids, "version": pv}


def _title(name: str) -> str:
    return {
        "draft_to_policy": "Draft plan to the policy team",
        "papers": "Agenda papers published",
    }.get(name, name.replace("_", " ").capitalize())


def london(y: int, m: int, d: int, h: int = 8) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(y, m, d, h, tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)
