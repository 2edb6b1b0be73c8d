"""One-time e-mail sign-in links: 15 minutes, once, only the hash stored, requests rate-limited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from govpath.errors import BadInput, NotFound
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
    from sqlalchemy import select

    from govpath.audit.chain import append_event
    from govpath.store.tables import actors
    from govpath.store.tables import web_signin_links as wl

    email = email.strip().lower()
    token = new_token()
    expires = now + dt.timedelta(minutes=settings.link_minutes)
    with engine.begin() as conn:
        if conn.execute(select(actors.c.id).where(actors.c.email == email)).first() is None:
            raise NotFound(
                f"{email} is not a registered person; add them first with "
                f"`govpath actor add {email} --name NAME --role ROLE`."
            )
        conn.execute(
            wl.insert().values(
                token_hash=digest(token), email=email, created_at=now, expires_at=expires
            )
        )
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
    from sqlalchemy import delete, func, select

    from govpath.store.tables import web_signin_requests as wr

    since = now - dt.timedelta(minutes=settings.link_window_minutes)
    with engine.begin() as conn:
        conn.execute(delete(wr).where(wr.c.at < since - dt.timedelta(days=1)))
        by_address = conn.execute(
            select(func.count()).where(wr.c.email == email, wr.c.at >= since)
        ).scalar_one()
        by_client = conn.execute(
            select(func.count()).where(wr.c.client == client, wr.c.at >= since)
        ).scalar_one()
        conn.execute(wr.insert().values(email=email, client=client[:100], at=now))
    minutes = settings.link_window_minutes
    if by_address >= settings.link_limit_per_address:
        raise TooManyRequests(
            f"Too many sign-in links were asked for this address in the last {minutes} minutes; "
            "use the newest link you were sent, or try again later."
        )
    if by_client >= settings.link_limit_per_client:
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
    from sqlalchemy import select, update

    from govpath.store.tables import web_signin_links as wl

    hashed = digest(token)
    with engine.begin() as conn:
        done = conn.execute(
            update(wl)
            .where(wl.c.token_hash == hashed, wl.c.used_at.is_(None), wl.c.expires_at > now)
            .values(used_at=now)
        )
        row = conn.execute(
            select(wl.c.email, wl.c.used_at, wl.c.expires_at).where(wl.c.token_hash == hashed)
        ).first()
    if done.rowcount == 1 and row is not None:
        return row.email
    if row is None:
        raise LinkRefused("This sign-in link is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise LinkRefused("This sign-in link has already been used. Ask for a new one.")
    raise LinkRefused("This sign-in link has expired. Ask for a new one.")
