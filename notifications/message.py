"""Build e-mail: idempotency key, deterministic Message-ID, text+HTML parts, .ics attachment.

>>> key = message_key(3, 17, "reminder", "dir@kent.example", dt.date(2012, 12, 18))
>>> key
'3|17|reminder|dir@kent.example|2012-12-18'
>>> message_id(key) == message_id(key), message_id(key).endswith("@govpath>")
(True, True)
>>> check_header("subject", "Papers due\\r\\nBcc: victim@example.com")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
govpath.notifications.message.HeaderInjection: the subject contains a line break, which could inject ...
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from govpath.calendars.ics_export import IcsEvent, export_ics
from govpath.errors import BadInput


class HeaderInjection(BadInput):
    """A subject or address carries CR/LF (or NUL): it could add headers, so it is refused."""


def message_key(
    plan_id: int | None, deadline_id: int | None, kind: str, recipient: str, on: dt.date
) -> str:
    """The outbox's unique key: one message per (plan, deadline, kind, recipient, day)."""
    plan = "" if plan_id is None else str(plan_id)
    deadline = "" if deadline_id is None else str(deadline_id)
    return f"{plan}|{deadline}|{kind}|{recipient.lower()}|{on.isoformat()}"


def message_id(key: str) -> str:
    """A Message-ID derived from the key, so a re-sent message is recognisably the same one."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@govpath>"


def file_stem(key: str) -> str:
    """A file name for a message (the .eml fallback), derived from its key: safe and stable."""
    plan, deadline, kind, _recipient, day = (key.split("|") + [""] * 5)[:5]
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    parts = [day or "undated", kind or "message"]
    if plan:
        parts.append(f"plan{plan}")
    if deadline:
        parts.append(f"d{deadline}")
    parts.append(digest)
    return re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(parts))


def check_header(name: str, value: str) -> str:
    """Refuse a header value that contains CR, LF or NUL."""
    if any(c in value for c in "\r\n\x00"):
        raise HeaderInjection(
            f"the {name} contains a line break, which could inject a mail header; "
            "the message was refused."
        )
    return value


def check_address(name: str, value: str) -> str:
    """A single plain address (no display-name tricks, no line breaks)."""
    check_header(name, value)
    if value.count("@") != 1 or any(c in value for c in ' ,;<>"') or value.startswith("@"):
        raise HeaderInjection(
            f"the {name} {value!r} is not a single e-mail address; the message was refused."
        )
    return value


def deadline_ics(events: list[IcsEvent], name: str = "govpath deadlines") -> str:
    """The deadlines as the text of an iCalendar attachment (see :mod:`govpath.calendars.ics_export`)."""
    return export_ics(events, name).decode("utf-8")


def build_email(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    ics: str,
    msg_id: str,
    date: dt.datetime,
    kind: str = "",
) -> EmailMessage:
    """The message as sent: text and HTML alternatives, the .ics attached; headers checked."""
    check_header("sender", sender)
    check_address(
        "sender", parseaddr(sender)[1] or sender
    )  # 'Policy team <plans@kent.gov.uk>' is fine
    check_address("recipient", recipient)
    check_header("subject", subject)
    check_header("Message-ID", msg_id)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Message-ID"] = msg_id
    msg["Date"] = format_datetime(date.astimezone(dt.UTC))
    if kind:
        msg["X-Govpath-Kind"] = kind
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    if ics:
        msg.add_attachment(
            ics.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename="deadline.ics",
            params={"method": "PUBLISH"},
        )
    return msg
