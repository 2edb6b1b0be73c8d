"""Directors' "Your tasks": every open plan they own or act for, as a GOV.UK task list."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from govpath.runtime.overview import overview
from govpath.runtime.visibility import task_plans
from govpath.web.auth import Person, current_person
from govpath.web.context import render, web
from govpath.zone import local_date

router = APIRouter()


@router.get("/")
def your_tasks(request: Request, person: Person = Depends(current_person)) -> Response:
    ctx = web(request)
    today = local_date(ctx.now())
    ids = task_plans(ctx.engine, person.email, set(person.roles))
    lines, total = overview(ctx.engine, today, ids=ids, limit=200)
    lines.sort(key=lambda x: (x.rag != "red", (x.next_deadline or {}).get("date", "9999"), x.id))
    return render(request, "tasks.html", title="Your tasks", lines=lines, total=total, today=today)
