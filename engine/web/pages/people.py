"""People and roles: the policy team adds people and changes their roles and managers.

Every change goes through ``runtime.add_actor`` with the signed-in officer as who made it, so it
is in the trail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from govpath.errors import GovpathError
from govpath.web.auth import Person, require_csrf
from govpath.web.context import render, web
from govpath.web.pages.staff import policy_officer

if TYPE_CHECKING:
    from sqlalchemy import Engine

router = APIRouter()


def known_roles(engine: Engine) -> list[str]:
    from govpath.runtime.api import _known_roles

    with engine.connect() as conn:
        return sorted(_known_roles(conn))


def _form(
    request: Request,
    who: dict[str, Any] | None,
    errors: list[dict[str, str]],
    status_code: int = 200,
) -> Response:
    from govpath.runtime.api import list_actors

    ctx = web(request)
    return render(
        request,
        "person_form.html",
        status_code=status_code,
        title=("Change " + who["name"]) if who and who.get("existing") else "Add a person",
        who=who or {"email": "", "name": "", "roles": [], "reports_to": ""},
        roles=known_roles(ctx.engine),
        people=list_actors(ctx.engine),
        errors=errors,
    )


@router.get("/people")
def people(request: Request, person: Person = Depends(policy_officer)) -> Response:
    from govpath.runtime.api import list_actors

    ctx = web(request)
    saved = request.query_params.get("saved")
    return render(
        request, "people.html", title="People", people=list_actors(ctx.engine), saved=saved
    )


@router.get("/people/add")
def add_form(request: Request, person: Person = Depends(policy_officer)) -> Response:
    return _form(request, None, [])


@router.get("/people/change")
def change_form(request: Request, email: str, person: Person = Depends(policy_officer)) -> Response:
    from govpath.errors import NotFound
    from govpath.runtime.api import list_actors

    found = next((p for p in list_actors(web(request).engine) if p["email"] == email), None)
    if found is None:
        raise NotFound(f"There is no person {email}.")
    return _form(request, {**found, "existing": True}, [])


@router.post("/people/save", dependencies=[Depends(require_csrf)])
async def save(request: Request, person: Person = Depends(policy_officer)) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    who = {
        "email": str(form.get("email", "")).strip(),
        "name": str(form.get("name", "")).strip(),
        "roles": [str(r) for r in form.getlist("roles")],
        "reports_to": str(form.get("reports_to", "")).strip(),
        "existing": form.get("existing") == "1",
    }
    return await run_in_threadpool(_save, request, person, who)


def _save(request: Request, person: Person, who: dict[str, Any]) -> Response:
    from govpath.runtime.api import add_actor

    ctx = web(request)
    errors = []
    if not who["email"]:
        errors.append({"text": "Enter the person's e-mail address.", "href": "#email"})
    if not who["name"]:
        errors.append({"text": "Enter the person's name.", "href": "#name"})
    if not who["roles"]:
        errors.append({"text": "Choose at least one role.", "href": "#roles"})
    if not errors:
        try:
            add_actor(
                ctx.engine,
                who["email"],
                who["name"],
                who["roles"],
                reports_to=who["reports_to"] or None,
                now=ctx.now(),
                acting=person.acting,
            )
        except GovpathError as exc:
            errors.append({"text": str(exc), "href": "#email"})
    if errors:
        return _form(request, who, errors, status_code=400)
    return RedirectResponse(f"/people?saved={who['email'].lower()}", status_code=303)
