"""Who calls the JSON API: a personal access token (``Authorization: Bearer gpat_…``) or, for
same-site calls from a signed-in page, the session (acts then also need the ``X-CSRF-Token``
header the page's forms carry)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from govpath.runtime.tokens import InvalidToken, OutOfScope, check_token


class SignInNeeded(InvalidToken):
    """No token and no session (HTTP 401)."""


@dataclass(frozen=True)
class Caller:
    """The person an API call acts for, how they proved it, and how far they may go."""

    email: str
    scope: str  # read | act
    token_id: int | None = None  # None: the browser session

    def acting(self) -> dict[str, Any]:
        """The record of who acted, for the trail (``data["acting"]``)."""
        from govpath.audit.trail_query import acting

        token = str(self.token_id) if self.token_id is not None else None
        return acting("api", self.email, token_id=token)


def web_context(request: Request) -> Any:
    """The application's shared state (engine, settings, clock)."""
    return request.app.state.web


def api_caller(request: Request) -> Caller:
    """A dependency: the caller, or 401 (InvalidToken) when the call proves nobody."""
    ctx = web_context(request)
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise InvalidToken("send the token as 'Authorization: Bearer gpat_…'.")
        who = check_token(ctx.engine, value.strip(), need="read", now=ctx.now())
        return Caller(who.actor, who.scope, who.id)
    session = getattr(request.state, "session", None)
    if session is not None:
        return Caller(session.email, "act", None)
    raise SignInNeeded(
        "sign in, or send a personal access token as 'Authorization: Bearer gpat_…'."
    )


def require_act(request: Request, caller: Caller) -> None:
    """Refuse (403) a token that can only read; a session act must carry its CSRF token."""
    if caller.token_id is not None:
        if caller.scope != "act":
            raise OutOfScope(
                "this access token can only read: create a token with the scope "
                "'read and act' to change plans."
            )
        return
    from govpath.web.auth.csrf import csrf_token
    from govpath.web.auth.tokens import same

    sent = request.headers.get("x-csrf-token", "")
    if not sent or not same(sent, csrf_token(request)):
        raise OutOfScope(
            "a change made with the browser session must carry the page's X-CSRF-Token header."
        )
