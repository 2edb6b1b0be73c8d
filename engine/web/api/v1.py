"""The JSON API, version 1: plans, advancing a plan, the trail, decisions, meetings, verify.

Mounted at ``/api/v1``; its OpenAPI description is ``/api/v1/openapi.json``. Each route finds the
caller (:mod:`govpath.web.api.caller`), calls the same runtime or audit function the CLI calls,
and returns its result. Errors are ``{"error": SENTENCE}`` with the CLI's exit codes as statuses:
bad input 400, unknown 404, refused 403 (the person lacks the role, or the token the scope) or
422 (the transition cannot fire now), conflict 409, trail integrity failure 200 with ``ok: false``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from govpath.errors import BadInput, Conflict, NotFound, NotPermitted, Refused
from govpath.runtime.tokens import InvalidToken, OutOfScope
from govpath.web.api.caller import Caller, api_caller, require_act, web_context

VERSION = "1.0.0"


class Problem(BaseModel):
    """Why a call did nothing: one or more plain sentences."""

    error: str = Field(examples=["'submit_final' does not fire from 'draft'."])


class AdvanceRequest(BaseModel):
    """Fire a transition: the trigger, the content it sets, a note, and the version read."""

    trigger: str = Field(examples=["submit_draft"])
    fields: dict[str, str] = Field(default_factory=dict, examples=[{"draft_plan": "draft.pdf"}])
    note: str | None = None
    expected_version: int | None = Field(
        default=None, description="Refuse with 409 unless the plan is still at this version."
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Bad input: nothing was done."},
    401: {"model": Problem, "description": "No valid token or session."},
    403: {"model": Problem, "description": "Refused: role or token scope; recorded."},
    404: {"model": Problem, "description": "No such plan, decision or pathway."},
}
ACT_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"model": Problem, "description": "Someone else changed the plan first."},
    422: {"model": Problem, "description": "The transition cannot fire now; recorded."},
}


def _problem(status: int, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=status)


def create_api(web: Any) -> FastAPI:
    """The API application over WEB (the main app's shared state: engine, settings, clock)."""
    api = FastAPI(
        title="govpath API",
        version=VERSION,
        description=(
            "Plans, their deadlines and transitions, the decision trail and the decision "
            "register. Authenticate with a personal access token created on the Tokens page "
            "(`Authorization: Bearer gpat_…`): scope `read`, or `act` (read and act)."
        ),
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.web = web

    @api.exception_handler(InvalidToken)
    async def _unauthenticated(request: Request, exc: InvalidToken) -> JSONResponse:
        response = _problem(401, exc)
        response.headers["WWW-Authenticate"] = 'Bearer realm="govpath"'
        return response

    @api.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> JSONResponse:
        return _problem(422 if request.method == "POST" and "/advance" in request.url.path
                        else 403, exc)  # fmt: skip

    # the runtime's answers as HTTP statuses: the same meanings as the CLI's exit codes
    for error, status in (
        (OutOfScope, 403),
        (NotPermitted, 403),
        (Conflict, 409),
        (NotFound, 404),
        (BadInput, 400),
    ):
        api.add_exception_handler(error, _answer_with(status))

    _routes(api)
    return api


def _answer_with(status: int) -> Any:
    """An exception handler answering STATUS with the exception's sentence."""

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return _problem(status, exc)

    return handler


def _trail_reader(request: Request, caller: Caller, what: str) -> None:
    from govpath.runtime.access import require_trail_reader

    ctx = web_context(request)
    token = str(caller.token_id) if caller.token_id is not None else None
    require_trail_reader(
        ctx.engine, caller.email, what, channel="api", now=ctx.now(), context={"token_id": token}
    )


def _routes(api: FastAPI) -> None:
    @api.get("/me", tags=["you"], responses=ERRORS)
    def me(caller: Caller = Depends(api_caller)) -> dict[str, Any]:
        """Who the token or session acts for, and its scope."""
        return {"email": caller.email, "scope": caller.scope, "token": caller.token_id}

    @api.get("/plans", tags=["plans"], responses=ERRORS)
    def plans(
        request: Request,
        pathway: str | None = Query(None, description="Only plans of this pathway id."),
        state: str | None = Query(None, description="Only plans in this stage."),
        caller: Caller = Depends(api_caller),
    ) -> list[dict[str, Any]]:
        """Plans with their next open deadline (as `govpath plan list --json`): every plan for
        auditors, Democratic Services and the policy team; for anyone else, the plans they or
        the people reporting to them own, and those waiting on a council-wide role they hold."""
        from govpath.runtime.access import can_read_trail, roles_of
        from govpath.runtime.api import list_plans
        from govpath.runtime.visibility import reports_under, task_plans

        engine = web_context(request).engine
        rows = list_plans(engine, pathway, state)
        if can_read_trail(engine, caller.email):
            return rows
        owners = {caller.email} | reports_under(engine, caller.email)
        waiting = set(task_plans(engine, caller.email, roles_of(engine, caller.email)))
        return [r for r in rows if r.get("owner") in owners or r.get("id") in waiting]

    @api.get("/plans/{plan_id}", tags=["plans"], responses=ERRORS)
    def plan(
        request: Request, plan_id: int, caller: Caller = Depends(api_caller)
    ) -> dict[str, Any]:
        """One plan: deadlines, history and the transitions available now (`plan status`), for
        someone who may see it (as on its web page), or anyone who reads the trail."""
        from govpath.runtime.access import can_read_trail
        from govpath.runtime.api import plan_status
        from govpath.runtime.visibility import plan_status_for

        ctx = web_context(request)
        if can_read_trail(ctx.engine, caller.email):
            return plan_status(ctx.engine, plan_id, now=ctx.now())
        return plan_status_for(ctx.engine, plan_id, caller.email, now=ctx.now())

    @api.post("/plans/{plan_id}/advance", tags=["plans"], responses=ACT_ERRORS)
    def advance(
        request: Request, plan_id: int, body: AdvanceRequest, caller: Caller = Depends(api_caller)
    ) -> dict[str, Any]:
        """Fire a transition as the caller (needs a token with scope `act`). The trail records
        the act as the caller's, through the API, with the token's id."""
        from govpath.runtime.api import advance as fire

        require_act(request, caller)
        ctx = web_context(request)
        from govpath.audit.acting import Acting

        kwargs: dict[str, Any] = {"acting": Acting(**caller.acting())}
        return fire(
            ctx.engine,
            plan_id,
            body.trigger,
            caller.email,
            fields=body.fields,
            note=body.note,
            now=ctx.now(),
            expected_version=body.expected_version,
            **kwargs,
        )

    @api.get("/trail", tags=["trail"], responses=ERRORS)
    def trail(
        request: Request,
        plan: int | None = Query(None, description="Only events of this plan."),
        actor: str | None = Query(None, description="Only events by this person (e-mail)."),
        body: str | None = Query(None, description="Only events at this body's meetings."),
        kind: list[str] | None = Query(None, description="Only events of these kinds."),
        stage: str | None = Query(None, description="Only events entering or leaving it."),
        since: str | None = Query(None, description="From this date or date-time."),
        until: str | None = Query(None, description="Up to and including this date."),
        decisions: bool = Query(False, description="Only decisions taken at gates."),
        missed: bool = Query(False, description="Missed deadlines instead of events."),
        as_of: str | None = Query(None, description="Each plan's state at this moment."),
        today: str | None = Query(None, description="With missed: count lateness to this day."),
        limit: int = Query(1000, ge=0, description="At most this many rows (0: all)."),
        offset: int = Query(0, ge=0),
        after: int | None = Query(None, description="Only events after this seq."),
        caller: Caller = Depends(api_caller),
    ) -> dict[str, Any]:
        """The trail with every `govpath audit query` filter, by pages. ``rows`` are the
        CLI's JSON rows; events also carry ``actor_name``, ``channel`` and ``signed_in``."""
        from govpath.audit.trail_query import query_from_params, run_query, trail_records

        _trail_reader(request, caller, "the trail")
        params: dict[str, Any] = {k: v for k, v in request.query_params.multi_items()}
        params["kind"] = kind or []
        query = query_from_params(params)
        with web_context(request).engine.connect() as conn:
            result = run_query(conn, query)
            rows = result.rows
            if result.mode == "events":
                people = trail_records(conn, rows)
                rows = [
                    {**r, "actor_name": p.actor_name, "channel": p.channel,
                     "signed_in": p.signed_in, "token": p.token}
                    for r, p in zip(rows, people, strict=True)
                ]  # fmt: skip
        nxt = result.offset + len(rows) if result.more else None
        return {"mode": result.mode, "rows": rows, "more": result.more, "next_offset": nxt}

    @api.get("/decisions", tags=["decisions"], responses=ERRORS)
    def decisions(
        request: Request,
        plan: int | None = Query(None),
        pathway: str | None = Query(None),
        body: str | None = Query(None, description="Only decisions of this body (id)."),
        key: bool = Query(False, description="Only Key Decisions."),
        since: dt.date | None = Query(None),
        until: dt.date | None = Query(None),
        caller: Caller = Depends(api_caller),
    ) -> list[dict[str, Any]]:
        """The decision register: every decision with its notice, route and dates."""
        from govpath.audit.decisions import decision_records
        from govpath.audit.register import route_label, short_notice

        _trail_reader(request, caller, "the decision register")
        with web_context(request).engine.connect() as conn:
            records = decision_records(
                conn, plan=plan, pathway=pathway, body=body, key_only=key, since=since, until=until
            )
        return [
            {**r.to_json(), "route_taken": route_label(r.route), "short_notice": short_notice(r)}
            for r in records
        ]

    @api.get("/decisions/{event_id}", tags=["decisions"], responses=ERRORS)
    def decision(
        request: Request, event_id: int, caller: Caller = Depends(api_caller)
    ) -> dict[str, Any]:
        """One decision, by the id of the trail event that records it."""
        from govpath.audit.register import decision_by_event, route_label, short_notice

        _trail_reader(request, caller, "the decision register")
        with web_context(request).engine.connect() as conn:
            r = decision_by_event(conn, event_id)
        return {**r.to_json(), "route_taken": route_label(r.route), "short_notice": short_notice(r)}

    @api.get("/meetings", tags=["meetings"], responses=ERRORS)
    def meetings(
        request: Request,
        body: str | None = Query(None, description="Only this body's meetings (id)."),
        start: dt.date | None = Query(None, alias="from"),
        end: dt.date | None = Query(None, alias="to"),
        caller: Caller = Depends(api_caller),
    ) -> list[dict[str, Any]]:
        """Meetings known to govpath (as `govpath calendar list --json`)."""
        from govpath.store.meetings import load_meetings

        with web_context(request).engine.connect() as conn:
            return [m.to_json() for m in load_meetings(conn, body=body, start=start, end=end)]

    @api.post("/verify", tags=["trail"], responses=ERRORS)
    def verify(request: Request, caller: Caller = Depends(api_caller)) -> dict[str, Any]:
        """Check the whole trail's integrity (as `govpath audit verify`); the check is recorded
        in the trail with who ran it. ``ok`` false names the first event that fails."""
        from govpath.audit.register import last_verified, verify_and_record

        _trail_reader(request, caller, "verifying the trail")
        ctx = web_context(request)
        token = str(caller.token_id) if caller.token_id is not None else None
        result, seq = verify_and_record(
            ctx.engine, caller.email, channel="api", now=ctx.now(), context={"token_id": token}
        )
        with ctx.engine.connect() as conn:
            last = last_verified(conn, result.count) if result.ok else None
        return {**result.to_json(), "last_verified": last, "recorded_as": seq}
