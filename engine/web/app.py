"""The web application: ``create_app(settings)`` builds it; page modules add their routes.

Nothing is kept in the process between requests but read-only settings: sessions, links and
rate-limit counts live in the database, so several copies can run behind a load balancer.
"""

from __future__ import annotations

import importlib
import secrets
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from govpath.web.auth.csrf import CsrfRefused
from govpath.web.auth.current import SignInRequired
from govpath.web.auth.sessions import COOKIE, PRE_COOKIE, load_session, sign, unsign
from govpath.web.auth.tokens import cookie_key, new_token
from govpath.web.context import HERE, WebContext, make_jinja, render

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Awaitable, Callable

    from govpath.web.settings import WebSettings

# Each module has ``router`` (a fastapi.APIRouter); see engine/web/README.md.
PAGE_MODULES = (
    "govpath.web.pages.signin",
    "govpath.web.pages.tasks",
    "govpath.web.pages.plans",
    "govpath.web.pages.dashboard",
    "govpath.web.pages.calendar",
    "govpath.web.pages.people",
    "govpath.web.pages.audit",
    "govpath.web.pages.decisions",
    "govpath.web.pages.reports",
    "govpath.web.pages.tokens",
    "govpath.web.pages.api_docs",
)


def create_app(settings: WebSettings, clock: Callable[[], dt.datetime] | None = None) -> FastAPI:
    """The ASGI application over the database in SETTINGS (its schema brought up to date)."""
    from govpath.store.db import open_db, utcnow

    engine = open_db(settings.core.db_url)
    key = cookie_key(engine, settings.secret_key, utcnow())
    app = FastAPI(title=settings.council_name, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebContext(
        settings=settings, engine=engine, key=key, jinja=make_jinja(), clock=clock
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.middleware("http")(_sessions)
    _handlers(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        from govpath.store.web_reads import ping

        try:
            with engine.connect() as conn:
                ping(conn)
        except Exception:
            return PlainTextResponse("the database does not answer\n", status_code=503)
        return PlainTextResponse("ok\n")

    @app.get("/council.css", include_in_schema=False)
    def council_css() -> Response:
        colour = settings.council_colour
        return Response(
            f":root{{--govuk-brand-colour:{colour};}}\n"
            f".govpath-header{{background-color:{colour};border-bottom-color:{colour};}}\n",
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=300"},
        )

    for name in PAGE_MODULES:
        app.include_router(importlib.import_module(name).router)
    from govpath.web.api.v1 import create_api

    app.mount("/api/v1", create_api(app.state.web))
    return app


def app_from_environment() -> FastAPI:
    """The app from ``govpath.toml`` and ``GOVPATH_*`` alone (each ``serve --workers`` process)."""
    from govpath.web.settings import load_web_settings

    return create_app(load_web_settings())


async def _sessions(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Find the session (or the signed-out visitor's CSRF binding) and set safe headers."""
    ctx: WebContext = request.app.state.web
    request.state.session = None
    request.state.person = None
    request.state.pre_token = None
    request.state.nonce = secrets.token_urlsafe(16)
    new_pre = None
    path = request.url.path
    looked = not path.startswith(("/static/", "/healthz"))
    if looked:
        token = unsign(ctx.key, request.cookies.get(COOKIE))
        if token:
            from starlette.concurrency import run_in_threadpool

            request.state.session = await run_in_threadpool(
                load_session, ctx.engine, ctx.settings, token, ctx.now()
            )
        if request.state.session is None:
            request.state.pre_token = unsign(ctx.key, request.cookies.get(PRE_COOKIE))
            if request.state.pre_token is None:
                new_pre = request.state.pre_token = new_token()
    response = await call_next(request)
    if new_pre is not None and not _sets(response, COOKIE):
        set_cookie(response, ctx, PRE_COOKIE, new_pre)
    if (
        looked
        and request.state.session is None
        and request.cookies.get(COOKIE)
        and not _sets(response, COOKIE)
    ):
        response.delete_cookie(COOKIE, path="/")
    if not path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'nonce-{request.state.nonce}'; "
        "style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    )
    return response


def _sets(response: Response, name: str) -> bool:
    """Whether RESPONSE already sets (or deletes) cookie NAME."""
    return any(h.startswith(f"{name}=") for h in response.headers.getlist("set-cookie"))


def set_signed(
    response: Response, ctx: WebContext, name: str, value: str, max_age: int | None = None
) -> None:
    """A cookie whose value is already signed (the OIDC flow's), with the same safe flags."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
        path="/",
    )


def set_cookie(response: Response, ctx: WebContext, name: str, token: str) -> None:
    """A signed, HttpOnly, SameSite=Lax cookie; Secure when the site is served over https."""
    response.set_cookie(
        name,
        sign(ctx.key, token),
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
        path="/",
    )


def _handlers(app: FastAPI) -> None:
    from urllib.parse import quote

    from govpath.errors import NotFound, Refused
    from govpath.web.pages.staff import NotAllowed

    @app.exception_handler(SignInRequired)
    async def _signed_out(request: Request, exc: SignInRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "sign in first."}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        where = "/sign-in" if target == "/" else f"/sign-in?next={quote(target, safe='')}"
        return RedirectResponse(where, status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return render(
            request,
            "problem.html",
            status_code=403,
            title="Your form could not be sent",
            message="The form had expired or did not come from this site, so nothing was "
            "changed. Go back, reload the page and try again.",
        )

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        return render(request, "problem.html", status_code=403,
                      title="You cannot open this page", message=str(exc))  # fmt: skip

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> Response:
        return render(
            request,
            "problem.html",
            status_code=403,
            title="You cannot use this page",
            message=exc.sentence,
        )

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return render(
            request, "problem.html", status_code=404, title="Page not found", message=str(exc)
        )

    @app.exception_handler(404)
    async def _404(request: Request, exc: Exception) -> Response:
        return render(
            request,
            "problem.html",
            status_code=404,
            title="Page not found",
            message="There is nothing at this address.",
        )
