"""How the demo's people behave: each acts to meet the deadline in front of them, most on time, some late."""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from govpath.calendars.workdays import WorkingDayPolicy
from govpath.definition.model import Pathway, Stage, Transition

ALTERNATIVE_ROUTES = ("general_exception", "special_urgency")


@dataclass
class Temperament:
    """How early (negative) or late (positive) one plan's people act, in working days."""

    lateness: dict[str, int] = field(default_factory=dict)  # deadline id -> working days late
    default: int = -2

    def offset(self, deadline: str) -> int:
        return self.lateness.get(deadline, self.default)


def temperaments(subjects: list[str], rng: random.Random) -> dict[str, Temperament]:
    """Most plans on time; one plan late with its draft, one late with its final submission."""
    result = {s: Temperament(default=-rng.randint(1, 4)) for s in subjects}
    if len(subjects) >= 2:
        late_draft, late_final = rng.sample(subjects, 2)
        result[late_draft].lateness["papers_to_policy_team"] = rng.randint(2, 4)
        result[late_final].lateness["final_papers_to_policy_team"] = rng.randint(1, 3)
        result[late_final].lateness["submit_for_qa"] = rng.randint(1, 2)
    return result


def distance_to_end(pathway: Pathway) -> dict[str, int]:
    """Fewest transitions from each stage to a terminal stage (the 'forward' direction)."""
    dist = {s.id: 0 for s in pathway.stages if s.terminal}
    queue = deque(dist)
    while queue:
        stage = queue.popleft()
        for t in pathway.transitions:
            if t.dest == stage:
                for src in t.source:
                    if src not in dist:
                        dist[src] = dist[stage] + 1
                        queue.append(src)
    return dist


def forward_choices(pathway: Pathway, stage: Stage, dist: dict[str, int]) -> list[Transition]:
    """The transitions out of STAGE, the way a plan normally goes first, alternative routes last."""
    out = [t for t in pathway.transitions_from(stage.id) if t.dest != stage.id]
    here = dist.get(stage.id, 99)

    def key(t: Transition) -> tuple[int, int, int]:
        backwards = dist.get(t.dest, 99) >= here
        alternative = t.notice in ALTERNATIVE_ROUTES
        return (int(backwards), int(alternative), dist.get(t.dest, 99))

    return sorted(out, key=key)


def field_values(
    pathway: Pathway, names: list[str], plan_id: int, today: dt.date, subject: str
) -> dict[str, str]:
    """Plausible values for the content a transition needs, by the content item's type."""
    items = {c.id: c for c in pathway.content}
    values: dict[str, str] = {}
    slug = "".join(ch for ch in subject.lower() if ch.isalnum())[:20]
    for name in names:
        item = items.get(name)
        kind = item.type if item else "text"
        if kind == "date":
            values[name] = today.isoformat()
        elif kind in ("money", "number"):
            values[name] = "1500000"
        elif kind == "boolean":
            values[name] = "true"
        elif kind == "url":
            values[name] = f"https://www.kent.example/business-plans/{slug}"
        elif kind == "document":
            values[name] = (
                f"knet://business-planning/{pathway.year.replace('/', '-')}/{slug}/{name}.docx"
            )
        elif kind == "email":
            values[name] = f"policy@{slug}.kent.example"
        else:
            values[name] = _guarded_choice(pathway, name) or f"{name.upper()}-{plan_id:03d}"
    return values


def _guarded_choice(pathway: Pathway, name: str) -> str | None:
    """The first value a guard accepts for a text field (``commissioning_stage == "Analyse"``)."""
    import re

    for t in pathway.transitions:
        if t.guard is not None:
            m = re.search(rf'\b{re.escape(name)}\s*==\s*"([^"]*)"', t.guard.when)
            if m:
                return m[1]
    return None


def act_on(policy: WorkingDayPolicy, due: dt.date, offset: int) -> dt.date:
    """The day a person acts on a deadline due on DUE, OFFSET working days early or late."""
    return policy.add_working_days(due, offset) if offset else due


def required_for(pathway: Pathway, stage: Stage, transition: Transition) -> list[str]:
    """Everything the plan must carry to fire TRANSITION out of STAGE."""
    names = list(dict.fromkeys([*stage.requires, *transition.requires]))
    if transition.notice == "key_decision":
        names.append("key_decision_notice_published")
    elif transition.notice == "general_exception":
        names.append("general_exception_notice_published")
    elif transition.notice == "special_urgency":
        names.append("special_urgency_agreement")
    known = {c.id for c in pathway.content}
    return [n for n in dict.fromkeys(names) if n in known]


def outstanding(status: dict[str, Any]) -> list[dict[str, Any]]:
    """The current stage's deadlines not yet met: open, or missed and still to be done."""
    return [
        d
        for d in status.get("deadlines", [])
        if d.get("status") in ("open", "missed") and d.get("stage") == status.get("state")
    ]


def decision_record(transition: Transition, today: dt.date) -> dict[str, str]:
    """What the decision maker records on a decision: reasons, alternatives, interests (reg. 12);
    under the general exception, when the scrutiny chair was told in writing (reg. 10)."""
    out = {
        "reasons": "The plan sets out the division's priorities for the year within its budget.",
        "alternatives": "Not to approve a plan (rejected: the division would have no agreed "
        "priorities); to defer to a later meeting (rejected: the plan must be live in April).",
        "interests": "None declared.",
    }
    if transition.notice == "general_exception":
        out["scrutiny_chair_informed"] = (today - dt.timedelta(days=7)).isoformat()
    return out
