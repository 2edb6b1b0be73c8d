"""Sign-in and sign-out: the e-mail link (ask, arrive, use once) and the OpenID Connect start."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from govpath.errors import BadInput
from govpath.web.auth.csrf import require_csrf
from govpath.web.auth.links import LinkRefused, check_rate, consume_link, issue_link, send_link
from govpath.web.auth.sessions import COOKIE, PRE_COOKIE, end_session, start_session
from govpath.web.context import render, web

router = APIRouter()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path on this site only (never another host)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if request.state.session is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "signin.html", next=safe_next(next), errors=[], email="")


@router.post("/sign-in", dependencies=[Depends(require_csrf)])
def ask_for_link(request: Request, email: str = Form(""), next: str = Form("/")) -> Response:
    ctx = web(request)
    address = email.strip().lower()
    if not _EMAIL.match(address):
        error = "Enter an e-mail address in the correct format, like name@council.gov.uk"
        return render(
            request,
            "signin.html",
            status_code=400,
            next=safe_next(next),
            email=email,
            errors=[{"text": error, "href": "#email"}],
        )
    now = ctx.now()
    try:
        check_rate(ctx.engine, ctx.settings, address, client_of(request), now)
        from govpath.web.auth.current import find_person

        if find_person(ctx.engine, address) is not None:  # unknown: the same page, nothing sent
            link = issue_link(ctx.engine, ctx.settings, address, now)
            if next and safe_next(next) != "/":
                from urllib.parse import quote

                link += f"?next={quote(safe_next(next), safe='')}"
            send_link(ctx.settings, address, link, now)
    except BadInput as exc:
        return render(
            request,
            "signin.html",
            status_code=429 if "Too many" in str(exc) else 503,
            next=safe_next(next),
            email=email,
            errors=[{"text": str(exc), "href": "#email"}],
        )
    return render(request, "signin_sent.html", email=address, minutes=ctx.settings.link_minutes)


@router.get("/sign-in/link/{token}")
async def use_link(request: Request, token: str, next: str | None = None) -> Response:
    ctx = web(request)
    try:
        email = await run_in_threadpool(consume_link, ctx.engine, token, ctx.now())
    except LinkRefused as exc:
        return render(request, "signin_refused.html", status_code=400, message=str(exc))
    return await signed_in(request, email, "link", safe_next(next))


async def signed_in(
    request: Request,
    email: str,
    method: str,
    target: str,
    *,
    issuer: str | None = None,
    subject: str | None = None,
) -> Response:
    """A fresh session for EMAIL (a new id: the old one, if any, is ended) and a redirect;
    ISSUER and SUBJECT name the provider's account when it began by OpenID Connect."""
    from govpath.web.app import set_cookie

    ctx = web(request)
    old = request.state.session
    if old is not None:
        await run_in_threadpool(end_session, ctx.engine, old.token)
    token = await run_in_threadpool(
        start_session, ctx.engine, ctx.settings, email, method, ctx.now(), issuer, subject
    )
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, ctx, COOKIE, token)
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.post("/sign-out", dependencies=[Depends(require_csrf)])
def sign_out(request: Request) -> Response:
    ctx = web(request)
    if request.state.session is not None:
        end_session(ctx.engine, request.state.session.token)
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/sign-in/oidc", dependencies=[Depends(require_csrf)])
def oidc_start(request: Request, next: str = Form("/")) -> Response:
    from govpath.web.app import set_signed
    from govpath.web.auth import oidc

    ctx = web(request)
    if not ctx.settings.oidc_enabled:
        return RedirectResponse("/sign-in", status_code=303)
    try:
        url, flow = oidc.start(ctx.settings, ctx.key, safe_next(next))
    except BadInput as exc:
        return render(request, "signin_refused.html", status_code=503, message=str(exc))
    response = RedirectResponse(url, status_code=303)
    set_signed(response, ctx, oidc.COOKIE, flow, max_age=oidc.FLOW_SECONDS)
    return response


@router.get("/sign-in/oidc/callback")
async def oidc_callback(request: Request) -> Response:
    from govpath.web.auth import oidc
    from govpath.web.auth.current import find_person

    ctx = web(request)
    params = dict(request.query_params)
    try:
        verified = await run_in_threadpool(
            oidc.finish, ctx.settings, ctx.key, request.cookies.get(oidc.COOKIE), params
        )
        person = await run_in_threadpool(find_person, ctx.engine, verified.email)
        if person is None:
            raise oidc.OidcRefused(
                f"{verified.email} is not registered in govpath, so you cannot sign in. Ask the "
                "policy team to add you."
            )
    except oidc.OidcRefused as exc:
        response: Response = render(
            request, "signin_refused.html", status_code=403, message=str(exc)
        )
        response.delete_cookie(oidc.COOKIE, path="/")
        return response
    response = await signed_in(
        request,
        person.email,
        "oidc",
        safe_next(verified.target),
        issuer=verified.issuer,
        subject=verified.subject or None,
    )
    response.delete_cookie(oidc.COOKIE, path="/")
    return response
