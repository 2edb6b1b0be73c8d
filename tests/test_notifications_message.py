"""Messages: header injection refused, stable Message-IDs, text+HTML+.ics read back, settings."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import ics
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govpath.calendars.ics_export import IcsEvent, uid_for
from govpath.config import load_settings
from govpath.errors import BadInput
from govpath.notifications.message import (
    HeaderInjection,
    build_email,
    deadline_ics,
    message_id,
    message_key,
)
from govpath.notifications.render import Renderer

NOW = dt.datetime(2012, 12, 6, 8, tzinfo=dt.UTC)


def _email(**overrides: str):
    args = {
        "sender": "govpath@kent.example",
        "recipient": "director@kent.example",
        "subject": "Reminder: draft plan due 2012-12-20",
        "text": "Dear Director,\nplease send the draft.\n",
        "html": "<p>Dear Director,</p>",
        "ics": deadline_ics(
            [IcsEvent(uid_for("deadline", 1), "Due: draft", "Send it", dt.date(2012, 12, 20))]
        ),
        "msg_id": message_id("1|1|reminder|director@kent.example|2012-12-06"),
        "date": NOW,
    }
    args.update(overrides)
    return build_email(**args)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Reminder\r\nBcc: everyone@example.com"),
        ("subject", "Reminder\nX-Evil: 1"),
        ("recipient", "director@kent.example\r\nBcc: everyone@example.com"),
        ("recipient", "a@kent.example, b@kent.example"),
        ("sender", "govpath@kent.example\nBcc: x@example.com"),
    ],
)
def test_header_injection_is_refused(field: str, value: str) -> None:
    with pytest.raises(HeaderInjection) as info:
        _email(**{field: value})
    assert "refused" in str(info.value)
    assert isinstance(info.value, BadInput)  # a sentence and exit 1 at the CLI, never a traceback


@given(st.text(alphabet=st.sampled_from("ab \r\n:"), min_size=1, max_size=20))
def test_no_subject_with_a_line_break_gets_through(subject: str) -> None:
    if "\r" in subject or "\n" in subject:
        with pytest.raises(HeaderInjection):
            _email(subject=subject)
    else:
        assert "\n" not in str(_email(subject=subject)["Subject"])


def test_the_sender_may_carry_a_display_name() -> None:
    msg = _email(sender="KCC Policy team <plans@kent.example>")
    assert msg["From"].addresses[0].addr_spec == "plans@kent.example"


def test_message_id_is_derived_from_the_key_alone() -> None:
    key = message_key(7, 31, "reminder", "Director@Kent.example", dt.date(2013, 1, 2))
    assert key == "7|31|reminder|director@kent.example|2013-01-02"
    assert message_id(key) == message_id(
        message_key(7, 31, "reminder", "director@kent.example", dt.date(2013, 1, 2))
    )
    assert message_id(key) != message_id(
        message_key(7, 31, "reminder", "director@kent.example", dt.date(2013, 1, 3))
    )


def test_the_message_has_text_html_and_an_ics_that_another_library_reads() -> None:
    raw = _email().as_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/mixed"
    assert "please send the draft" in msg.get_body(("plain",)).get_content()
    assert "<p>Dear Director,</p>" in msg.get_body(("html",)).get_content()
    (att,) = list(msg.iter_attachments())
    assert att.get_content_type() == "text/calendar" and att.get_filename() == "deadline.ics"
    data = att.get_content()
    cal = ics.Calendar(data if isinstance(data, str) else data.decode())
    (event,) = cal.events
    assert event.all_day and event.begin.date() == dt.date(2012, 12, 20)
    assert event.uid == uid_for("deadline", 1) == "deadline-1@govpath"


def _context(subject: str = "Finance") -> dict:
    return {
        "recipient": {"email": "d@kent.example", "name": "Dana"},
        "plan": {
            "id": 1,
            "subject": subject,
            "pathway": "kcc-2013-14",
            "owner": "d@kent.example",
            "owner_name": "Dana",
        },
        "deadline": {
            "title": "Draft to the policy team",
            "due": dt.date(2012, 12, 20),
            "stage_title": "Draft",
            "action": "Send the draft",
            "rule": "10 working days before",
        },
        "meeting": {
            "title": "P&R CC",
            "body": "pr_cc",
            "date": dt.date(2013, 1, 8),
            "time": "10:00",
            "place": "",
        },
        "late": False,
        "collapsed": 1,
        "level": 0,
        "today": dt.date(2012, 12, 6),
        "days_left": 14,
        "council": "Kent County Council",
        "pathway_title": "KCC divisional business plans 2013/14",
        "responsible": "Dana",
        "Responsible": "Dana",
        "responsible_title": "Director",
        "to_responsible": True,
        "instruction": "Send the draft.",
        "outstanding": "Dana still has to send the draft.",
        "link": "http://127.0.0.1:8000/plans/1",
    }


def test_html_is_escaped_and_text_is_not() -> None:
    subject, text, html = Renderer().render_kind(
        "reminder", _context("Roads <script>alert(1)</script>")
    )
    assert "<script>" in text and "<script>" not in html and "&lt;script&gt;" in html
    assert "Thursday 20 December 2012" in text and "P&R CC" in text and "P&amp;R CC" in html
    assert "Send the draft" in text
    assert subject.startswith("Reminder: Draft to the policy team, due Thursday 20 December 2012")
    assert "Kent County Council" in html and 'lang="en-GB"' in html and "d@kent.example" not in text


def test_a_missing_template_variable_is_an_error_not_a_blank() -> None:
    from jinja2 import UndefinedError

    context = _context()
    del context["meeting"]
    with pytest.raises(UndefinedError):
        Renderer().render_kind("reminder", context)


def test_override_folder_wins_over_packaged_templates(tmp_path: Path) -> None:
    (tmp_path / "reminder.subject.j2").write_text("KCC: {{ deadline.title }}\n")
    subject, text, _ = Renderer(tmp_path).render_kind("reminder", _context())
    assert subject == "KCC: Draft to the policy team"
    assert "Dear Dana" in text  # the other templates still come from the package


def test_settings_env_wins_over_toml_and_secrets_are_masked(tmp_path: Path) -> None:
    toml = tmp_path / "govpath.toml"
    toml.write_text(
        '[smtp]\nhost = "toml.example"\nport = 2525\npassword = "pw"\ntls = "starttls"\n'
        '[mail]\nfrom = "plans@kent.example"\n[scheduler]\ninterval = 15\n'
    )
    s = load_settings(env={"GOVPATH_SMTP_HOST": "env.example"}, path=toml)
    assert (s.smtp_host, s.smtp_port, s.smtp_tls, s.mail_from, s.sweep_interval) == (
        "env.example",
        2525,
        "starttls",
        "plans@kent.example",
        15.0,
    )
    assert s.masked()["smtp_password"] == "********" and "pw" not in str(s.masked())
    assert load_settings(env={}, path=toml).smtp_host == "toml.example"
    assert load_settings(env={}, path=tmp_path / "none.toml").smtp_port == 25


def test_bad_settings_say_where(tmp_path: Path) -> None:
    toml = tmp_path / "govpath.toml"
    toml.write_text('[smtp]\nhost = "x"\nport = "many"\n')
    with pytest.raises(BadInput, match=r"\[smtp\] port must be a number"):
        load_settings(env={}, path=toml)
    toml.write_text("[smtp\nhost = 1\n")
    with pytest.raises(BadInput, match=r"govpath.toml:1:\d+: error:"):
        load_settings(env={}, path=toml)
    with pytest.raises(BadInput, match="GOVPATH_SMTP_PORT must be a number"):
        load_settings(env={"GOVPATH_SMTP_PORT": "x"}, path=tmp_path / "none.toml")
