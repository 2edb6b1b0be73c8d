"""The year report on the web: the same content as `govpath report year`, fitted to the screen."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from engine.web.auth import Person, current_person
from engine.web.context import render, web
from engine.web.pages.audit import audit_nav, reader

router = APIRouter()


def _pathways(engine) -> list[dict[str, str]]:
    from sqlalchemy import func, select

    from engine.store.tables import pathway_versions as pv

    with engine.connect() as conn:
        rows = conn.execute(
            select(pv.c.pathway_id, func.max(pv.c.title), func.max(pv.c.year))
            .group_by(pv.c.pathway_id)
            .order_by(pv.c.pathway_id)
        ).all()
    return [{"id": r[0], "title": r[1], "year": r[2]} for r in rows]


@router.get("/reports/year")
def year_report(
    request: Request, pathway: str | None = None, person: Person = Depends(current_person)
) -> Response:
    from engine.reports.year import collect_year, render_year_body
    from engine.web.filters import LONDON

    reader(request, person, "/reports/year")
    ctx = web(request)
    pathways = _pathways(ctx.engine)
    if not pathway and len(pathways) == 1:
        pathway = pathways[0]["id"]
    body = None
    if pathway:
        with ctx.engine.connect() as conn:
            year = collect_year(conn, pathway, today=ctx.now().astimezone(LONDON).date())
        body = Markup(render_year_body(year))  # autoescaped by the report's own templates
    return render(
        request,
        "year_report.html",
        title="Year report",
        pathways=pathways,
        pathway=pathway,
        report=body,
        extra_nav=audit_nav("/reports"),
    )
