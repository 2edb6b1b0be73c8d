"""What reports read: a plan with its pathway definition, the meetings, the gate bodies' names."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govpath.errors import NotFound
from govpath.store import reports
from govpath.store.cache import CACHE

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from govpath.calendars.meetings import Meeting
    from govpath.definition.model import Pathway


@dataclass
class PlanInfo:
    """A plan row and the pathway version it runs on."""

    id: int
    pathway_id: str
    version: int
    subject: str
    owner: str
    state: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    pathway: Pathway


def pathway_of_version(conn: Connection, version_row_id: int) -> Pathway:
    """The Pathway record stored for a published version (its normalised JSON)."""
    from govpath.definition.model import Pathway

    row = reports.stored_definition(conn, version_row_id)
    if row is None:
        raise NotFound(f"There is no published pathway version with id {version_row_id}.")
    key = row.definition
    found = CACHE.report_pathways.get(key)
    if found is None:
        try:
            found = Pathway.model_validate(json.loads(row.definition))
        except ValueError:
            from govpath.definition.loader import load_pathway_text

            found = load_pathway_text(row.source_text, row.source_path or "<db>")
        with CACHE.lock:
            found = CACHE.report_pathways.setdefault(key, found)
    return found


def latest_pathway(conn: Connection, pathway_id: str) -> tuple[int, Pathway]:
    """The newest published version of PATHWAY_ID: (pathway_versions.id, Pathway)."""
    version_id = reports.latest_version_id(conn, pathway_id)
    if version_id is None:
        raise NotFound(
            f"There is no published pathway {pathway_id!r}; publish it first with "
            "'govpath pathway publish PATH'."
        )
    return version_id, pathway_of_version(conn, version_id)


def load_plan(conn: Connection, plan_id: int) -> PlanInfo:
    """The plan with id PLAN_ID and its pathway; NotFound if there is none."""
    row = reports.plan_record(conn, plan_id)
    if row is None:
        raise NotFound(f"There is no plan {plan_id}; 'govpath plan list' shows the plans.")
    return PlanInfo(
        id=row.id,
        pathway_id=row.pathway_id,
        version=row.pv_version,
        subject=row.subject,
        owner=row.owner,
        state=row.state,
        created_at=row.created_at,
        closed_at=row.closed_at,
        pathway=pathway_of_version(conn, row.pathway_version_id),
    )


def load_meetings(conn: Connection) -> list[Meeting]:
    """Every meeting the engine knows (cancelled ones included; MeetingIndex skips them)."""
    from govpath.store.meetings import load_meetings as stored

    return stored(conn)


def meeting_dates(conn: Connection, ids: set[int]) -> dict[int, tuple[str, dt.date]]:
    """(body, date) of the meetings with these ids."""
    return {m.id: (m.body, m.date) for m in reports.meetings_by_id(conn, ids)}


def body_short(pathway: Pathway, body_id: str) -> str:
    """The name a pathway line prints for a body: its ``short`` name, else its name, else its id."""
    try:
        body = pathway.body(body_id)
    except StopIteration:
        return body_id
    return body.short or body.name or body_id


def body_name(pathway: Pathway, body_id: str) -> str:
    try:
        return pathway.body(body_id).name
    except StopIteration:
        return body_id


def key_decision_stages(pathway: Pathway) -> set[str]:
    """Stages whose gate takes a Key Decision: a transition from them needs key-decision notice."""
    return {s for t in pathway.transitions if t.notice == "key_decision" for s in t.source}


def as_date(value: Any) -> dt.date | None:
    """A date from an ISO string or date (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
