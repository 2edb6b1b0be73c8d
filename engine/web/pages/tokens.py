"""Personal access tokens for the JSON API: create one (shown once), see yours, revoke one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from govpath.errors import BadInput
from govpath.runtime.tokens import SCOPES, create_token, list_tokens, revoke_token
from govpath.web.auth import Person, current_person, require_csrf
from govpath.web.context import render, web
from govpath.web.pages.audit import audit_nav

router = APIRouter()
EXPIRY_DAYS = (7, 30, 90, 180, 365)


def _nav(person: Person) -> list[dict[str, Any]]:
    from govpath.runtime.access import TRAIL_READERS

    if person.has(*TRAIL_READERS):
        return audit_nav("/tokens")
    return [{"href": "/tokens", "text": "API tokens", "active": True}]


def _page(request: Request, person: Person, status: int = 200, **values: object) -> Response:
    ctx = web(request)
    values.setdefault("errors", [])
    values.setdefault("form", {"name": "", "scope": "read", "days": "90"})
    return render(
        request,
        "tokens.html",
        status_code=status,
        title="API tokens",
        tokens=list_tokens(ctx.engine, person.email, now=ctx.now()),
        scopes=SCOPES,
        expiry_days=EXPIRY_DAYS,
        api_url=f"{ctx.settings.base_url}/api/v1",
        extra_nav=_nav(person),
        **values,
    )


@router.get("/tokens")
def tokens(request: Request, person: Person = Depends(current_person)) -> Response:
    revoked = request.query_params.get("revoked")
    return _page(request, person, revoked=revoked)


@router.post("/tokens", dependencies=[Depends(require_csrf)])
def create(
    request: Request,
    person: Person = Depends(current_person),
    name: str = Form(""),
    scope: str = Form("read"),
    days: str = Form("90"),
) -> Response:
    ctx = web(request)
    form = {"name": name, "scope": scope, "days": days}
    try:
        number = int(days)
    except ValueError:
        number = 0
    try:
        made = create_token(ctx.engine, person.email, name, scope, days=number, now=ctx.now())
    except BadInput as exc:
        field = "name" if "name" in str(exc) else ("scope" if "scope" in str(exc) else "days")
        return _page(
            request, person, 400, form=form, errors=[{"text": str(exc), "href": f"#{field}"}]
        )
    return _page(request, person, created=made)


@router.post("/tokens/{token_id}/revoke", dependencies=[Depends(require_csrf)])
def revoke(request: Request, token_id: int, person: Person = Depends(current_person)) -> Response:
    ctx = web(request)
    revoke_token(ctx.engine, person.email, token_id, now=ctx.now())
    return RedirectResponse(f"/tokens?revoked={token_id}", status_code=303)
