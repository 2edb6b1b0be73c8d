"""The trail for auditors, Democratic Services and the policy team: filter, page, download, verify.

``/audit`` takes `govpath audit query`'s filters as query parameters (``?plan=1&kind=refusal``);
``/audit.csv`` and ``/audit.json`` give the same filter's rows exactly as the CLI's ``--format
csv|json`` (the same query and writer). Nothing here changes anything except ``POST
/audit/verify``, which runs the trail check and records who ran it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from govpath.audit.export import csv_text, json_text
from govpath.audit.trail_query import TrailQuery, query_from_params, run_query, trail_records
from govpath.errors import BadInput
from govpath.runtime.access import require_trail_reader
from govpath.web.auth import Person, current_person, require_csrf
from govpath.web.context import render, web

router = APIRouter()
PAGE_SIZE = 50
KINDS = (
    "transition", "refusal", "plan_started", "deadline_met", "deadline_missed", "reminder_sent",
    "escalation_sent", "meeting_moved", "migration", "pathway_published", "actor_added",
    "audit_verified", "access_refused", "token_created", "token_revoked",
)  # fmt: skip


def reader(request: Request, person: Person, what: str) -> None:
    """Let PERSON read WHAT, or record the refusal and answer 403 (the app's Refused page)."""
    ctx = web(request)
    require_trail_reader(ctx.engine, person.email, what, channel="web", now=ctx.now())


def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key == "kind":
            params.setdefault("kind", []).append(value)
        else:
            params[key] = value
    return params


def _download_query(q: TrailQuery) -> str:
    """The filter of Q without the page's own paging: the CLI's defaults apply to a download."""
    params = q.params()
    for name in ("limit", "offset", "after"):
        params.pop(name, None)
    return urlencode(params, doseq=True)


def _download(request: Request, person: Person, fmt: str) -> Response:
    reader(request, person, "/audit." + fmt)
    try:
        query = query_from_params(_params(request))
        with web(request).engine.connect() as conn:
            result = run_query(conn, query)
    except BadInput as exc:  # a download has no page to show the error on: one sentence
        return PlainTextResponse(str(exc) + "\n", status_code=400)
    if fmt == "csv":
        return Response(
            csv_text(result.rows, result.columns),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="govpath-trail.csv"'},
        )
    return Response(json_text(result.rows), media_type="application/json")


@router.get("/audit.csv")
def audit_csv(request: Request, person: Person = Depends(current_person)) -> Response:
    return _download(request, person, "csv")


@router.get("/audit.json")
def audit_json(request: Request, person: Person = Depends(current_person)) -> Response:
    return _download(request, person, "json")


@router.get("/audit")
def audit(request: Request, person: Person = Depends(current_person)) -> Response:
    reader(request, person, "/audit")
    params = _params(request)
    params.setdefault("limit", str(PAGE_SIZE))
    errors: list[dict[str, str]] = []
    try:
        query = query_from_params(params)
    except BadInput as exc:
        errors = [{"text": str(exc), "href": "#filters"}]
        query = TrailQuery(limit=PAGE_SIZE)
    with web(request).engine.connect() as conn:
        result = run_query(conn, query)
        records = trail_records(conn, result.rows) if result.mode == "events" else []
    base = {k: v for k, v in query.params().items() if k not in ("offset", "after")}
    pages: dict[str, str] = {}
    if query.offset:
        prev = {**base, "offset": max(0, query.offset - (query.limit or PAGE_SIZE))}
        pages["previous"] = "/audit?" + urlencode(prev, doseq=True)
    if result.more:
        pages["next"] = "/audit?" + urlencode(
            {**base, "offset": query.offset + len(result.rows)}, doseq=True
        )
    return render(
        request,
        "audit.html",
        status_code=400 if errors else 200,
        title="Decision trail",
        errors=errors,
        query=query,
        raw=params,
        kinds=KINDS,
        result=result,
        records=records,
        pages=pages,
        download=_download_query(query),
        extra_nav=audit_nav("/audit"),
    )


def audit_nav(active: str) -> list[dict[str, Any]]:
    """The auditors' pages in the service navigation."""
    return [
        {"href": "/audit", "text": "Decision trail", "active": active == "/audit"},
        {"href": "/decisions", "text": "Decisions", "active": active == "/decisions"},
        {"href": "/reports/year", "text": "Year report", "active": active == "/reports"},
        {"href": "/tokens", "text": "API tokens", "active": active == "/tokens"},
    ]


@router.post("/audit/verify", dependencies=[Depends(require_csrf)])
def verify(request: Request, person: Person = Depends(current_person)) -> Response:
    """Run the trail check; the result is shown and the check recorded with who ran it."""
    from govpath.audit.register import last_verified, verify_and_record

    reader(request, person, "verifying the trail")
    ctx = web(request)
    result, seq = verify_and_record(ctx.engine, person.email, channel="web", now=ctx.now())
    with ctx.engine.connect() as conn:
        last = last_verified(conn, result.count) if result.ok else None
    return render(
        request,
        "audit_verify.html",
        title="Trail verified" if result.ok else "The trail does not verify",
        result=result,
        last=last,
        recorded_as=seq,
        extra_nav=audit_nav("/audit"),
    )
