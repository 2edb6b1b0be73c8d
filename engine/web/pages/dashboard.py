"""The policy team's dashboard: every plan of a pathway, red/amber/green, with filters."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from govpath.runtime.overview import overview
from govpath.web.auth import Person
from govpath.web.context import render, web
from govpath.web.pages.staff import policy_officer
from govpath.zone import local_date

if TYPE_CHECKING:
    from sqlalchemy import Engine

router = APIRouter()
PAGE_SIZE = 50


def pathway_choices(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    """Each published pathway's stages (id, title), from its newest version."""
    from govpath.store.plans import pathway_for
    from govpath.store.web_reads import published_versions

    out: dict[str, list[tuple[str, str]]] = {}
    with engine.connect() as conn:
        for version in published_versions(conn):
            pathway, _c = pathway_for(conn, version.content_hash)
            out[version.pathway_id] = [(s.id, s.title) for s in pathway.stages]
    return out


def owners(engine: Engine) -> list[tuple[str, str]]:
    """Everyone who owns a plan, for the owner filter: (e-mail, name), by name."""
    from govpath.store.people import actor_names
    from govpath.store.web_reads import plan_owners

    with engine.connect() as conn:
        emails = plan_owners(conn)
        names = actor_names(conn, emails)
    return sorted(((e, names.get(e, e)) for e in emails), key=lambda o: (o[1].lower(), o[0]))


@router.get("/dashboard")
def dashboard(
    request: Request,
    pathway: str = "",
    stage: str = "",
    owner: str = "",
    overdue: str = "",
    closed: str = "",
    page: int = 1,
    person: Person = Depends(policy_officer),
) -> Response:
    ctx = web(request)
    today = local_date(ctx.now())
    choices = pathway_choices(ctx.engine)
    if not pathway and choices:
        pathway = sorted(choices)[-1]
    page = max(page, 1)
    lines, total = overview(
        ctx.engine,
        today,
        pathway=pathway or None,
        state=stage or None,
        owner=owner or None,
        overdue_only=bool(overdue),
        include_closed=bool(closed),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-total // PAGE_SIZE))
    everyone = owners(ctx.engine)
    query = {
        "pathway": pathway,
        "stage": stage,
        "owner": owner,
        "overdue": overdue,
        "closed": closed,
    }

    def href(n: int) -> str:
        return "/dashboard?" + urlencode({**{k: v for k, v in query.items() if v}, "page": n})

    return render(
        request,
        "dashboard.html",
        title="Dashboard",
        lines=lines,
        total=total,
        today=today,
        choices=choices,
        owners=everyone,
        owner_names=dict(everyone),
        query=query,
        page=page,
        pages=pages,
        href=href,
    )
