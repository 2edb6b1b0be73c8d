"""The decision register: every decision with its notice, route and dates; one record per decision.

``/decisions`` lists them (filters: body, key, since, until), ``/decisions.csv`` downloads the same
rows, and ``/decisions/{event}`` is the council's record of one decision, laid out to print on A4.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from govpath.audit.decisions import ROUTE_TEXT, decision_records
from govpath.audit.export import csv_text
from govpath.audit.register import (
    REGISTER_COLUMNS,
    decision_by_event,
    register_row,
    route_label,
    short_notice,
)
from govpath.errors import BadInput
from govpath.web.auth import Person, current_person
from govpath.web.context import render, web
from govpath.web.pages.audit import audit_nav, reader

router = APIRouter()


def _filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    out: dict[str, Any] = {"body": (q.get("body") or "").strip() or None}
    out["key_only"] = (q.get("key") or "") in ("1", "on", "true")
    for name in ("since", "until"):
        text = (q.get(name) or "").strip()
        try:
            out[name] = dt.date.fromisoformat(text) if text else None
        except ValueError:
            raise BadInput(f"{name} must be a date written YYYY-MM-DD (not {text!r}).") from None
    return out


def _records(request: Request) -> tuple[list[Any], list[dict[str, str]], dict[str, Any]]:
    errors: list[dict[str, str]] = []
    try:
        filters = _filters(request)
    except BadInput as exc:
        errors, filters = [{"text": str(exc), "href": "#since"}], {}
    with web(request).engine.connect() as conn:
        return decision_records(conn, **filters), errors, filters


@router.get("/decisions.csv")
def decisions_csv(request: Request, person: Person = Depends(current_person)) -> Response:
    reader(request, person, "/decisions.csv")
    records, errors, _ = _records(request)
    if errors:  # a download has no page to show the error on: one sentence, as text
        return PlainTextResponse(errors[0]["text"] + "\n", status_code=400)
    return Response(
        csv_text([register_row(r) for r in records], REGISTER_COLUMNS),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="govpath-decisions.csv"'},
    )


@router.get("/decisions")
def decisions(request: Request, person: Person = Depends(current_person)) -> Response:
    reader(request, person, "/decisions")
    records, errors, _filters = _records(request)
    rows = [(r, route_label(r.route), short_notice(r)) for r in records]
    return render(
        request,
        "decisions.html",
        status_code=400 if errors else 200,
        title="Decision register",
        errors=errors,
        rows=rows,
        raw=dict(request.query_params),
        query=request.url.query,
        extra_nav=audit_nav("/decisions"),
    )


@router.get("/decisions/{event_id}")
def decision(request: Request, event_id: int, person: Person = Depends(current_person)) -> Response:
    reader(request, person, f"/decisions/{event_id}")
    with web(request).engine.connect() as conn:
        rec = decision_by_event(conn, event_id)
    return render(
        request,
        "decision.html",
        title=f"Record of decision: {rec.decision}",
        rec=rec,
        route=route_label(rec.route),
        route_text=ROUTE_TEXT.get(rec.route or "", "") if rec.key_decision else "",
        short=short_notice(rec),
        extra_nav=audit_nav("/decisions"),
    )
