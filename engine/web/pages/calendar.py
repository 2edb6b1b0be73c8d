"""The policy team's calendar: meetings, the pathway's timeline, and moving a meeting.

Moving is two steps, the GOV.UK "check answers" pattern: the preview is the runtime's own move
done and rolled back (every deadline that would move, every notice that would become
infeasible), then the confirmation makes the same move for real, recorded with who made it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from govpath.errors import GovpathError
from govpath.web.auth import Person, require_csrf
from govpath.web.context import render, web
from govpath.web.pages.staff import policy_officer
from govpath.zone import local_date

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from govpath.calendars.meetings import Meeting
    from govpath.calendars.timeline import Timeline

router = APIRouter()


def _meetings(engine: Engine) -> list[Meeting]:
    from govpath.store.meetings import load_meetings

    with engine.connect() as conn:
        return load_meetings(conn)


def _timeline(engine: Engine, pathway_id: str, today: dt.date) -> Timeline | None:
    """The newest published version of PATHWAY_ID resolved against the stored calendar."""
    from govpath.calendars.timeline import build_timeline
    from govpath.store.meetings import load_meetings
    from govpath.store.plans import pathway_for
    from govpath.store.web_reads import newest_version_hash

    with engine.connect() as conn:
        digest = newest_version_hash(conn, pathway_id)
        if digest is None:
            return None
        pathway, _c = pathway_for(conn, digest)
        return build_timeline(pathway, load_meetings(conn), today=today)


def _parse_date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"Enter {what} as a real date, like 2013-01-15.") from None


@router.get("/calendar")
def calendar(
    request: Request, pathway: str = "", person: Person = Depends(policy_officer)
) -> Response:
    from govpath.web.pages.dashboard import pathway_choices

    ctx = web(request)
    today = local_date(ctx.now())
    choices = sorted(pathway_choices(ctx.engine))
    chosen = pathway or (choices[-1] if choices else "")
    return render(
        request,
        "calendar.html",
        title="Calendar",
        meetings=_meetings(ctx.engine),
        timeline=_timeline(ctx.engine, chosen, today) if chosen else None,
        pathways=choices,
        chosen=chosen,
    )


@router.get("/calendar/move")
def move_form(
    request: Request, body: str, date: str, person: Person = Depends(policy_officer)
) -> Response:
    return render(
        request, "move.html", title="Move a meeting", body=body, date=date, new_date="", errors=[]
    )


@router.post("/calendar/move/check", dependencies=[Depends(require_csrf)])
def move_check(
    request: Request,
    body: str = Form(...),
    date: str = Form(...),
    new_date: str = Form(""),
    person: Person = Depends(policy_officer),
) -> Response:
    from govpath.runtime.api import move_meeting

    ctx = web(request)
    try:
        old, new = _parse_date(date, "the meeting's date"), _parse_date(new_date, "the new date")
        if old == new:
            raise ValueError("Enter a new date that is not the meeting's present date.")
        preview = move_meeting(
            ctx.engine,
            body,
            old,
            new,
            actor=person.email,
            now=ctx.now(),
            acting=person.acting,
            dry_run=True,
        )
    except (ValueError, GovpathError) as exc:
        return _move_form_again(request, body, date, new_date, exc)
    return render(
        request,
        "move_check.html",
        title="Check the move before you confirm it",
        body=body,
        date=old.isoformat(),
        new_date=new.isoformat(),
        preview=preview,
    )


@router.post("/calendar/move/confirm", dependencies=[Depends(require_csrf)])
def move_confirm(
    request: Request,
    body: str = Form(...),
    date: str = Form(...),
    new_date: str = Form(...),
    person: Person = Depends(policy_officer),
) -> Response:
    from govpath.runtime.api import move_meeting

    ctx = web(request)
    try:
        old, new = _parse_date(date, "the meeting's date"), _parse_date(new_date, "the new date")
        result = move_meeting(
            ctx.engine, body, old, new, actor=person.email, now=ctx.now(), acting=person.acting
        )
    except (ValueError, GovpathError) as exc:
        return _move_form_again(request, body, date, new_date, exc)
    return render(request, "move_done.html", title="Meeting moved", body=body, result=result)


def _move_form_again(
    request: Request, body: str, date: str, new_date: str, exc: Exception
) -> Response:
    """The move form once more, with what was wrong in its error summary (nothing was moved)."""
    return render(
        request,
        "move.html",
        status_code=400,
        title="Move a meeting",
        body=body,
        date=date,
        new_date=new_date,
        errors=[{"text": str(exc), "href": "#new_date"}],
    )
