"""One-time e-mail sign-in links: 15 minutes, once, only the hash stored, requests rate-limited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from govpath.errors import BadInput, NotFound
from govpath.store import sign_in as store
from govpath.web.auth.tokens import digest, new_token

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from govpath.audit.acting import Acting
    from govpath.web.settings import WebSettings

PATH = "/sign-in/link/"


class LinkRefused(BadInput):
    """The link is unknown, used or expired: nobody is signed in."""


class TooManyRequests(BadInput):
    """Too many links were asked for this address or from this client lately."""


def link_url(settings: WebSettings, token: str) -> str:
    return f"{settings.base_url}{PATH}{token}"


def issue_link(
    engine: Engine,
    settings: WebSettings,
    email: str,
    now: dt.datetime,
    *,
    ran_by: str | None = None,
    acting: Acting | None = None,
    actor: str | None = None,
) -> str:
    """A one-time link for the registered person EMAIL (NotFound otherwise).

    With RAN_BY (the ``govpath signin-link`` command), the link's issue is recorded in the trail
    with who ran it; the link itself never is.
    """
    from govpath.audit.chain import append_event

    email = email.strip().lower()
    token = new_token()
    expires = now + dt.timedelta(minutes=settings.link_minutes)
    with engine.begin() as conn:
        if not store.is_registered(conn, email):
            raise NotFound(
                f"{email} is not a registered person; add them first with "
                f"`govpath actor add {email} --name NAME --role ROLE`."
            )
        store.add_link(conn, token_hash=digest(token), email=email, now=now, expires_at=expires)
        if ran_by is not None:
            append_event(
                conn,
                kind="signin_link_issued",
                at=now,
                actor=actor,
                data={
                    "for": email,
                    "ran_by": ran_by,
                    "expires_at": expires.isoformat(),
                    **({"acting": acting.to_json()} if acting else {}),
                },
            )
    return link_url(settings, token)


def check_rate(
    engine: Engine, settings: WebSettings, email: str, client: str, now: dt.datetime
) -> None:
    """Count this request; TooManyRequests (nothing sent) when the address or client is over."""
    since = now - dt.timedelta(minutes=settings.link_window_minutes)
    with engine.begin() as conn:
        store.forget_requests_before(conn, since - dt.timedelta(days=1))
        counts = store.requests_since(conn, email=email, client=client, since=since)
        store.count_request(conn, email=email, client=client, at=now)
    minutes = settings.link_window_minutes
    if counts.by_address >= settings.link_limit_per_address:
        raise TooManyRequests(
            f"Too many sign-in links were asked for this address in the last {minutes} minutes; "
            "use the newest link you were sent, or try again later."
        )
    if counts.by_client >= settings.link_limit_per_client:
        raise TooManyRequests(
            f"Too many sign-in links were asked for from here in the last {minutes} minutes; "
            "try again later."
        )


def send_link(settings: WebSettings, email: str, link: str, now: dt.datetime) -> None:
    """The link by e-mail over the configured SMTP (or into the mail folder without one)."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    from govpath.notifications.delivery import Outgoing, transport_for

    msg = EmailMessage()
    msg["From"] = settings.core.mail_from
    msg["To"] = email
    msg["Subject"] = f"Sign in to {settings.council_name}"
    msg["Message-ID"] = make_msgid(domain="govpath")
    msg["Date"] = format_datetime(now.astimezone(dt.UTC))
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        f"Use this link to sign in to {settings.council_name}:\n\n{link}\n\n"
        f"It works once, for {settings.link_minutes} minutes. If you did not ask for it, "
        "you can ignore this e-mail.\n"
    )
    failures: list[str] = []
    key = "signin-" + digest(link)[:16]
    transport_for(settings.core).send_batch(
        [Outgoing(0, key, msg)], lambda out: failures.append(out.error) if not out.ok else None
    )
    if failures:
        raise BadInput("The sign-in e-mail could not be sent; try again in a few minutes.")


def consume_link(engine: Engine, token: str, now: dt.datetime) -> str:
    """Use the link with TOKEN (once): the person's e-mail, or LinkRefused."""
    hashed = digest(token)
    with engine.begin() as conn:
        used = store.use_link(conn, hashed, now)
        row = store.find_link(conn, hashed)
    if used and row is not None:
        return row.email
    if row is None:
        raise LinkRefused("This sign-in link is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise LinkRefused("This sign-in link has already been used. Ask for a new one.")
    raise LinkRefused("This sign-in link has expired. Ask for a new one.")
