"""The year report on the web: the same content as `govpath report year`, fitted to the screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from govpath.web.auth import Person, current_person
from govpath.web.context import render, web
from govpath.web.pages.audit import audit_nav, reader

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from govpath.store.web_reads import PathwaySummary

router = APIRouter()


def _pathways(engine: Engine) -> list[PathwaySummary]:
    from govpath.store.web_reads import pathway_summaries

    with engine.connect() as conn:
        return pathway_summaries(conn)


@router.get("/reports/year")
def year_report(
    request: Request,
    pathway: str | None = None,
    today: str | None = None,
    person: Person = Depends(current_person),
) -> Response:
    """The year for PATHWAY as at TODAY (``YYYY-MM-DD``, as `report year --today`; default today)."""
    import datetime as dt

    from govpath.reports.year import collect_year, render_year_body
    from govpath.zone import local_date

    reader(request, person, "/reports/year")
    ctx = web(request)
    pathways = _pathways(ctx.engine)
    if not pathway and len(pathways) == 1:
        pathway = pathways[0].id
    body, errors = None, []
    try:
        day = dt.date.fromisoformat(today) if today else local_date(ctx.now())
    except ValueError:
        day = local_date(ctx.now())
        errors = [{"text": f"today must be a date written YYYY-MM-DD (not {today!r}).",
                   "href": "#today"}]  # fmt: skip
    if pathway:
        with ctx.engine.connect() as conn:
            year = collect_year(conn, pathway, today=day)
        body = Markup(render_year_body(year))  # autoescaped by the report's own templates
    return render(
        request,
        "year_report.html",
        title="Year report",
        status_code=400 if errors else 200,
        errors=errors,
        today=today or "",
        pathways=pathways,
        pathway=pathway,
        report=body,
        extra_nav=audit_nav("/reports"),
    )
