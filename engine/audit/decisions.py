"""Decision records: each decision taken at a gate, who took it, why, and whether notice was lawful.

A decision is a ``transition`` event whose data carries ``decision``. For a Key Decision the
record also gives the date its notice was published, the clear days that gave
(:func:`govpath.calendars.rules.notice_clear_days`), and the call-in end and effective-from dates (named
rules ``call-in-end`` / ``effective-from`` counted from the day the decision record was
published: the decision day unless the trail records another). A Key Decision is flagged when its
notice was short of 28 clear days, and when it was taken without the general-exception or
special-urgency route that short notice needs.

>>> import datetime as dt
>>> notice_flags("key_decision", dt.date(2013, 2, 15), dt.date(2013, 3, 18))
[]
>>> notice_flags(  # doctest: +NORMALIZE_WHITESPACE
...     "key_decision", dt.date(2013, 3, 8), dt.date(2013, 3, 18))
['short notice: published 2013-03-08, 9 clear days before the decision; 28 are required',
 'taken without the general exception route that short notice needs']
>>> notice_flags("general_exception", dt.date(2013, 3, 8), dt.date(2013, 3, 18))
['short notice: published 2013-03-08, 9 clear days before the decision; 28 are required']
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

ROUTE_TEXT = {
    "key_decision": "key decision notice (28 clear days)",
    "general_exception": "general exception (notice 5 clear working days before)",
    "special_urgency": "special urgency (agreement of the scrutiny chair)",
}
_STRENGTH = {"key_decision": 0, "general_exception": 1, "special_urgency": 2}
KEY_NOTICE_DAYS = 28


@dataclass
class DecisionRecord:
    """One decision taken at a gate, as the trail records it."""

    plan: int
    subject: str
    pathway: str
    event: int
    seq: int
    trigger: str
    decision: str
    from_stage: str | None
    to_stage: str | None
    body: str | None
    body_name: str | None
    meeting: int | None
    meeting_date: str | None
    date: str
    recorded_at: str
    decision_maker: str | None
    reasons: str
    alternatives: str
    interests: str
    note: str | None
    key_decision: bool
    route: str | None
    notice_published: str | None
    clear_days: int | None
    record_published: str | None
    call_in_end: str | None
    effective_from: str | None
    flags: list[str] = field(default_factory=list)
    dispensations: str = ""
    scrutiny_chair_informed: str | None = None
    notice_deadline: str | None = None  # how the plan's notice deadline stands: "met late (…)"

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "flagged": self.flagged}


def notice_flags(
    route: str | None, published: dt.date | None, decided: dt.date, policy: Any = None
) -> list[str]:
    """What is wrong with a Key Decision's notice (empty when it was given in time)."""
    from govpath.calendars.rules import notice_clear_days, route_needed

    flags: list[str] = []
    needed = route_needed(published, decided, policy)
    if published is None:
        flags.append("no notice of this key decision was published")
    elif needed != "key_decision":
        days = notice_clear_days(published, decided)
        flags.append(
            f"short notice: published {published.isoformat()}, {days} clear days before the "
            f"decision; {KEY_NOTICE_DAYS} are required"
        )
    if _STRENGTH.get(route or "key_decision", 0) < _STRENGTH[needed]:
        flags.append(f"taken without the {needed.replace('_', ' ')} route that short notice needs")
    return flags


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value if str(v).strip())
    return str(value)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def decision_records(
    conn: Connection,
    *,
    plan: int | None = None,
    pathway: str | None = None,
    key_only: bool = False,
    body: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[DecisionRecord]:
    """Every decision in the trail matching the filters (decision date within since..until)."""
    from govpath.audit.query import local
    from govpath.calendars.rules import notice_clear_days, parse_rule
    from govpath.calendars.workdays import get_policy
    from govpath.reports.context import as_date, body_name, meeting_dates, pathway_of_version
    from govpath.store.trail_reads import decision_events

    rows = decision_events(conn, plan=plan, pathway=pathway, body=body)
    dates = meeting_dates(conn, {r.meeting_id for r in rows if r.meeting_id is not None})
    out: list[DecisionRecord] = []
    for r in rows:
        data = json.loads(r.data or "{}")
        d = data.get("decision")
        if not isinstance(d, dict) or r.plan_id is None:  # a transition always has its plan
            continue
        definition = (
            pathway_of_version(conn, r.pathway_version_id) if r.pathway_version_id else None
        )
        policy = get_policy(definition.settings.working_days) if definition else get_policy()
        recorded = local(r.at)
        body_id = d.get("body") or r.body
        meeting_date = as_date(d.get("meeting_date"))
        if meeting_date is None and r.meeting_id in dates:
            meeting_date = dates[r.meeting_id][1]
        decided = meeting_date or recorded.date()
        if (since and decided < since) or (until and decided > until):
            continue
        transition = None
        if definition is not None:
            transition = next(
                (
                    t
                    for t in definition.transitions
                    if t.trigger == r.trigger and (r.from_state in t.source)
                ),
                None,
            )
        route = d.get("route") or (transition.notice if transition else None)
        key = bool(d.get("key_decision") or d.get("key") or route)
        if key_only and not key:
            continue
        published = as_date(d.get("notice_published"))
        clear_days = d.get("clear_days")
        if clear_days is None and published is not None:
            clear_days = notice_clear_days(published, decided)
        record_published = as_date(d.get("record_published") or d.get("published")) or decided
        call_in_end = as_date(d.get("call_in_end"))
        effective_from = as_date(d.get("effective_from"))
        flags: list[str] = []
        if key:
            call_in_end = call_in_end or parse_rule("call-in-end").apply(record_published, policy)
            effective_from = effective_from or parse_rule("effective-from").apply(
                record_published, policy
            )
            flags = notice_flags(route, published, decided, policy)
            if route == "general_exception" and not d.get("scrutiny_chair_informed"):
                flags.append(
                    "general exception taken with no record that the chair of the overview and "
                    "scrutiny committee was told in writing (reg. 10)"
                )
        title = transition.title if transition and transition.title else (r.trigger or "")
        out.append(
            DecisionRecord(
                plan=r.plan_id,
                subject=r.subject or "",
                pathway=r.pathway_id or "",
                event=r.id,
                seq=r.seq,
                trigger=r.trigger or "",
                decision=_text(d.get("decision") or d.get("text") or title),
                from_stage=r.from_state,
                to_stage=r.to_state,
                body=body_id,
                body_name=body_name(definition, body_id) if definition and body_id else body_id,
                meeting=r.meeting_id,
                meeting_date=_iso(meeting_date),
                date=decided.isoformat(),
                recorded_at=recorded.isoformat(),
                decision_maker=d.get("decision_maker") or r.actor,
                reasons=_text(d.get("reasons")),
                alternatives=_text(d.get("alternatives")),
                interests=_text(d.get("interests")),
                note=r.note,
                key_decision=key,
                route=route,
                notice_published=_iso(published),
                clear_days=clear_days,
                record_published=_iso(record_published) if key else None,
                call_in_end=_iso(call_in_end) if key else None,
                effective_from=_iso(effective_from) if key else None,
                flags=flags,
                dispensations=_text(d.get("dispensations")),
                scrutiny_chair_informed=d.get("scrutiny_chair_informed"),
            )
        )
    _notice_standing(conn, out)
    return out


_NOTICE_RULES = ("key-decision-notice", "general-exception-notice")


def _notice_standing(conn: Connection, records: list[DecisionRecord], today: Any = None) -> None:
    """Each Key Decision's statutory notice deadline, as every report says it ("met late (…)")."""
    from govpath.audit.lateness import standing
    from govpath.calendars.workdays import get_policy
    from govpath.store.trail_reads import notice_deadlines

    plans = sorted({r.plan for r in records if r.key_decision})
    if not plans:
        return
    rows = notice_deadlines(conn, plans, _NOTICE_RULES)
    policy = get_policy()
    latest = {r.plan_id: r for r in rows}  # the last notice deadline the plan had
    for rec in records:
        row = latest.get(rec.plan) if rec.key_decision else None
        if row is not None:
            s = standing(row.status, row.due, row.met_at, policy, today)
            rec.notice_deadline = f"{row.title}, due {row.due.isoformat()}: {s.text}"


def record_markdown(records: list[DecisionRecord]) -> str:
    """Decision records as Markdown, one section per decision."""
    if not records:
        return "No decisions have been recorded for this plan.\n"
    from govpath.safe_output import markdown_text as md  # one line each, HTML escaped

    first = records[0]
    lines = [f"# Decision record: plan {first.plan} — {md(first.subject)}", ""]
    for i, rec in enumerate(records, 1):
        meeting = f"{rec.body_name or rec.body or 'no body'}"
        if rec.meeting_date:
            meeting += f", meeting of {rec.meeting_date}"
        lines += [
            f"## {i}. {md(rec.decision)}",
            "",
            f"- **Decision:** {rec.decision} "
            f"({rec.from_stage} → {rec.to_stage}, trigger `{rec.trigger}`)",
            f"- **Body and meeting:** {meeting}",
            f"- **Date of decision:** {rec.date} (recorded {rec.recorded_at})",
            f"- **Decision maker:** {md(rec.decision_maker or 'not recorded')}",
            f"- **Reasons:** {md(rec.reasons or 'not recorded')}",
            f"- **Alternatives considered and rejected:** {md(rec.alternatives or 'not recorded')}",
            f"- **Conflicts of interest declared:** {md(rec.interests or 'none recorded')}",
            f"- **Dispensations granted:** {md(rec.dispensations or 'none recorded')}",
            f"- **Key Decision:** {'yes' if rec.key_decision else 'no'}",
        ]
        if rec.key_decision:
            notice = rec.notice_published or "not published"
            if rec.clear_days is not None:
                notice += f" ({rec.clear_days} clear days before the decision)"
            lines += [
                f"- **Route:** {ROUTE_TEXT.get(rec.route or '', rec.route or 'key decision')}",
                f"- **Notice published:** {notice}",
                *([f"- **Notice deadline:** {rec.notice_deadline}"] if rec.notice_deadline else []),
                *(
                    [
                        "- **Overview and scrutiny chair told in writing (reg. 10):** "
                        + (rec.scrutiny_chair_informed or "not recorded")
                    ]
                    if rec.route == "general_exception"
                    else []
                ),
                f"- **Decision record published:** {rec.record_published}",
                f"- **Call-in period ends:** {rec.call_in_end}",
                f"- **Effective from:** {rec.effective_from}",
            ]
        if rec.note:
            lines.append(f"- **Note:** {md(rec.note)}")
        for flag in rec.flags:
            lines.append(f"- **FLAG:** {flag}")
        lines.append("")
    return "\n".join(lines)
