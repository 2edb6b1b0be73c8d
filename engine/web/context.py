"""What every request can reach: the settings, the database engine, the cookie key, the templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse

if TYPE_CHECKING:
    from collections.abc import Callable

    from jinja2 import Environment
    from sqlalchemy import Engine

    from govpath.web.settings import WebSettings

HERE = Path(__file__).parent


@dataclass
class WebContext:
    """The application's shared, read-only state (no per-person state lives in the process)."""

    settings: WebSettings
    engine: Engine
    key: str
    jinja: Environment
    clock: Callable[[], dt.datetime] | None = None  # "now" (tests, the demo); None: the real time

    def now(self) -> dt.datetime:
        if self.clock is not None:
            return self.clock()
        from govpath.store.db import utcnow

        return utcnow()


def make_jinja() -> Environment:
    """Our templates, with govuk-frontend-jinja's under the ``govuk_frontend_jinja/`` prefix."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

    loader = ChoiceLoader(
        [
            FileSystemLoader(str(HERE / "templates")),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    env = Environment(
        loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False
    )
    from govpath.web.filters import install

    install(env)
    return env


def web(request: Request) -> WebContext:
    """The application's WebContext from a request."""
    ctx: WebContext = request.app.state.web
    return ctx


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """TEMPLATE rendered with VALUES and what every page needs (person, CSRF token, council)."""
    from govpath.web.auth.csrf import csrf_token

    ctx = web(request)
    page = ctx.jinja.get_template(template)
    html = page.render(
        request=request,
        person=getattr(request.state, "person", None),
        signed_in=getattr(request.state, "session", None) is not None,
        csrf=csrf_token(request),
        council=ctx.settings,
        nonce=getattr(request.state, "nonce", ""),
        path=request.url.path,
        **values,
    )
    return HTMLResponse(html, status_code=status_code)
