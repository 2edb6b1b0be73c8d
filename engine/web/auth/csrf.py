"""CSRF: every form carries a token bound to the session (or, signed out, to the browser).

A page puts ``csrf_token(request)`` in a hidden ``csrf_token`` field (the layout's ``csrf_field()``
does it); a POST route depends on :func:`require_csrf`, so a POST without a valid token is refused
before anything is read or written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from govpath.web.auth.tokens import mac, same
from govpath.web.context import web

if TYPE_CHECKING:
    from govpath.web.auth.sessions import Session

FIELD = "csrf_token"


class CsrfRefused(Exception):
    """The form's CSRF token is missing or wrong: nothing was done."""


def _binding(request: Request) -> str:
    session: Session | None = getattr(request.state, "session", None)
    if session is not None:
        return "s:" + session.token
    return "p:" + (getattr(request.state, "pre_token", None) or "")


def csrf_token(request: Request) -> str:
    """The token this visitor's forms must carry."""
    return mac(web(request).key, "csrf", _binding(request))


async def require_csrf(request: Request) -> None:
    """A dependency for every POST route: refuse (403, nothing done) without a valid token."""
    form = await request.form()
    sent = form.get(FIELD)
    binding = _binding(request)
    if not isinstance(sent, str) or binding in ("p:", "s:") or not same(sent, csrf_token(request)):
        raise CsrfRefused()
