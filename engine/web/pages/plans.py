"""A plan's page: stage, deadlines, history, and a form for each transition this person may fire.

The form's POST calls ``runtime.advance`` with the signed-in person as the actor; a refusal is
shown in the GOV.UK error summary in the runtime's own words, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from govpath.errors import Conflict, GovpathError, NotFound
from govpath.runtime.visibility import fields_for, plan_status_for
from govpath.store.people import actor_names
from govpath.web.auth import Person, current_person, require_csrf
from govpath.web.context import render, web
from govpath.zone import local_date

router = APIRouter()
# content type -> how its input is shown
INPUTS: dict[str, dict[str, Any]] = {
    "text": {"type": "text"},
    "document": {"type": "url", "hint": "A link to the document, like https://…"},
    "url": {"type": "url", "hint": "A link, like https://…"},
    "date": {"type": "date", "hint": "For example, 2013-01-08", "classes": "govuk-input--width-10"},
    "number": {"type": "text", "inputmode": "numeric", "classes": "govuk-input--width-10"},
    "money": {
        "type": "text",
        "inputmode": "decimal",
        "prefix": {"text": "£"},
        "classes": "govuk-input--width-10",
    },
    "email": {"type": "email", "autocomplete": "off"},
    "boolean": {"type": "boolean"},
}


def deadline_status(d: dict[str, Any], today: dt.date) -> str:
    """met, met late, missed or open, as a person reads a deadline."""
    due = dt.date.fromisoformat(d["date"])
    if d["status"] == "met":
        met = local_date(dt.datetime.fromisoformat(d["met_at"])) if d.get("met_at") else due
        return "met late" if met > due else "met"
    if d["status"] == "missed" or due < today:
        return "missed"
    return "open"


def _page(
    request: Request,
    person: Person,
    plan_id: int,
    *,
    errors: list[dict[str, str]] | None = None,
    failed: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = web(request)
    status = plan_status_for(ctx.engine, plan_id, person.email, now=ctx.now())
    today = local_date(ctx.now())
    for d in status["deadlines"]:
        d["shown"] = deadline_status(d, today)
    done = request.query_params.get("done")
    with ctx.engine.connect() as conn:  # people as the page names them (their e-mail if unknown)
        names = actor_names(conn, [status["owner"], *(h["actor"] for h in status["history"])])
    return render(
        request,
        "plan.html",
        names=names,
        status_code=status_code,
        title=f"{status['subject']} (plan {status['id']})",
        plan=status,
        inputs=INPUTS,
        errors=errors or [],
        failed=failed,
        values=values or {},
        done=done if done in {h["trigger"] for h in status["history"] if h["trigger"]} else None,
    )


@router.get("/plans/{plan_id}")
def plan_page(request: Request, plan_id: int, person: Person = Depends(current_person)) -> Response:
    return _page(request, person, plan_id)


@router.post("/plans/{plan_id}/advance/{trigger}", dependencies=[Depends(require_csrf)])
async def fire(
    request: Request, plan_id: int, trigger: str, person: Person = Depends(current_person)
) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    return await run_in_threadpool(_fire, request, plan_id, trigger, person, dict(form))


def _fire(
    request: Request, plan_id: int, trigger: str, person: Person, form: dict[str, Any]
) -> Response:
    from govpath.runtime.api import advance

    ctx = web(request)
    names = fields_for(ctx.engine, plan_id, person.email, trigger)  # NotFound: 404, nothing done
    fields = {
        n: str(form[n]).strip() for n in names if isinstance(form.get(n), str) and form[n].strip()
    }
    note = str(form.get("note") or "").strip() or None
    expected = str(form.get("plan_version") or "")
    try:
        advance(
            ctx.engine,
            plan_id,
            trigger,
            actor=person.email,
            fields=fields,
            note=note,
            now=ctx.now(),
            expected_version=int(expected) if expected.isdigit() else None,
            acting=person.acting,
        )
    except NotFound:
        raise
    except GovpathError as exc:
        first = f"#{trigger}-{names[0]}" if names else f"#form-{trigger}"
        errors = [{"text": str(exc), "href": first}]
        code = 409 if isinstance(exc, Conflict) else 400
        return _page(
            request,
            person,
            plan_id,
            errors=errors,
            failed=trigger,
            values={k: str(v) for k, v in form.items()},
            status_code=code,
        )
    return RedirectResponse(f"/plans/{plan_id}?done={trigger}", status_code=303)
