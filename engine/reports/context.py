"""What reports read: a plan with its pathway definition, the meetings, the gate bodies' names."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govpath.errors import NotFound

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


_pathways: dict[str, Pathway] = {}  # by stored definition text


def pathway_of_version(conn: Connection, version_row_id: int) -> Pathway:
    """The Pathway record stored for a published version (its normalised JSON)."""
    from sqlalchemy import select

    from govpath.definition.model import Pathway
    from govpath.store.tables import pathway_versions as pv

    row = conn.execute(
        select(pv.c.definition, pv.c.source_text, pv.c.source_path).where(pv.c.id == version_row_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no published pathway version with id {version_row_id}.")
    key = row.definition
    if key not in _pathways:
        try:
            _pathways[key] = Pathway.model_validate(json.loads(row.definition))
        except ValueError:
            from govpath.definition.loader import load_pathway_text

            _pathways[key] = load_pathway_text(row.source_text, row.source_path or "<db>")
    return _pathways[key]


def latest_pathway(conn: Connection, pathway_id: str) -> tuple[int, Pathway]:
    """The newest published version of PATHWAY_ID: (pathway_versions.id, Pathway)."""
    from sqlalchemy import select

    from govpath.store.tables import pathway_versions as pv

    row = conn.execute(
        select(pv.c.id).where(pv.c.pathway_id == pathway_id).order_by(pv.c.version.desc()).limit(1)
    ).one_or_none()
    if row is None:
        raise NotFound(
            f"There is no published pathway {pathway_id!r}; publish it first with "
            "'govpath pathway publish PATH'."
        )
    return row.id, pathway_of_version(conn, row.id)


def load_plan(conn: Connection, plan_id: int) -> PlanInfo:
    """The plan with id PLAN_ID and its pathway; NotFound if there is none."""
    from sqlalchemy import select

    from govpath.store.db import as_utc
    from govpath.store.tables import pathway_versions as pv
    from govpath.store.tables import plans

    row = conn.execute(
        select(plans, pv.c.version.label("pv_version"))
        .join(pv, pv.c.id == plans.c.pathway_version_id)
        .where(plans.c.id == plan_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no plan {plan_id}; 'govpath plan list' shows the plans.")
    m = row._mapping
    return PlanInfo(
        id=m["id"],
        pathway_id=m["pathway_id"],
        version=m["pv_version"],
        subject=m["subject"],
        owner=m["owner"],
        state=m["state"],
        created_at=as_utc(m["created_at"]),  # type: ignore[arg-type]
        closed_at=as_utc(m["closed_at"]),
        pathway=pathway_of_version(conn, m["pathway_version_id"]),
    )


def load_meetings(conn: Connection) -> list[Meeting]:
    """Every meeting the engine knows (cancelled ones included; MeetingIndex skips them)."""
    from govpath.calendars.store import load_meetings as stored

    return stored(conn)


def meeting_dates(conn: Connection, ids: set[int]) -> dict[int, tuple[str, dt.date]]:
    """(body, date) of the meetings with these ids."""
    from sqlalchemy import select

    from govpath.store.tables import meetings as mt

    if not ids:
        return {}
    rows = conn.execute(select(mt.c.id, mt.c.body, mt.c.date).where(mt.c.id.in_(sorted(ids))))
    return {r.id: (r.body, r.date) for r in rows}


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
