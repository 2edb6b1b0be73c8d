"""Commands: login and logout (the command line signed in as a person)."""

from __future__ import annotations

import sys

import typer

from . import groups
from .parse import open_engine


@groups.app.command("login")
def login(
    ctx: typer.Context,
    email: str = typer.Option(
        None, "--email", help="Your e-mail address (sign-in by a code sent there)."
    ),
    code: str = typer.Option(
        None, "--code", help="The code from the e-mail, if you already have it."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Sign the command line in as a person, for [auth] session_hours (default 12).

    With an identity provider configured ([auth] oidc_issuer and oidc_client_id), this shows a
    link and a code to approve in a browser (OpenID Connect device authorization). Otherwise a
    one-time code is e-mailed to your registered address and you type it in. The credential is
    kept in your config folder (mode 0600); `govpath logout` ends it.

    Example: govpath login --email dana.finch@kent.example
    """
    from govpath.config import load_settings
    from govpath.errors import BadInput, Refused
    from govpath.signin.sessions import start_session
    from govpath.store.db import utcnow
    from govpath.store.facts import database_id

    from .output import emit_json, err_console

    settings = load_settings()
    engine = open_engine(ctx)
    with engine.connect() as conn:
        db = database_id(conn)
    issuer = subject = None
    if settings.oidc_issuer:
        from govpath.signin.device import device_login

        who = device_login(
            settings.oidc_issuer,
            settings.oidc_client_id,
            announce=lambda text: err_console().print(text),
        )
        person, issuer, subject, method = who.email, who.issuer, who.subject, "oidc"
        from govpath.store.sign_in import is_registered

        with engine.connect() as conn:
            known = is_registered(conn, person)
        if not known:
            raise Refused(f"{person} signed in, but is not a registered person of this database.")
    else:
        from govpath.signin.email_code import redeem_code, send_code

        if not email:
            raise BadInput("give your e-mail address: govpath login --email YOU@COUNCIL.")
        person, method = email.strip().lower(), "email-code"
        if code is None:
            send_code(engine, settings, person, utcnow())
            err_console().print(f"A sign-in code was sent to {person}. Type it here:")
            code = sys.stdin.readline().strip()
            if not code:
                raise BadInput(
                    f"no code was typed; finish with `govpath login --email {person} --code CODE` "
                    "within 10 minutes."
                )
        redeem_code(engine, person, code, utcnow())
    me = start_session(
        engine,
        db,
        person,
        method=method,
        now=utcnow(),
        hours=settings.session_hours,
        issuer=issuer,
        subject=subject,
    )
    if as_json:
        emit_json({"person": me.person, "method": me.method, "expires": me.expires_at})
        return
    print(f"Signed in as {me.person} until {me.expires_at.isoformat(timespec='minutes')}.")


@groups.app.command("logout")
def logout(ctx: typer.Context) -> None:
    """End this command line's sign-in to the database.

    Example: govpath logout
    """
    from govpath.signin.sessions import end_session
    from govpath.store.db import utcnow
    from govpath.store.facts import database_id

    engine = open_engine(ctx)
    with engine.connect() as conn:
        db = database_id(conn)
    who = end_session(engine, db, utcnow())
    print(f"Signed out {who}." if who else "Not signed in.")
