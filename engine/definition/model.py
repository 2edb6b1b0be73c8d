"""The pathway definition language as frozen records: what a year's YAML file may say.

A definition is pure data. It is read from YAML (:mod:`govpath.definition.loader`), checked
(:mod:`govpath.definition.validate`), rendered (:mod:`govpath.definition.render`), compared
(:mod:`govpath.definition.diff`) and compiled into a state machine
(:mod:`govpath.definition.compiler`). Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="An identifier: lower case letters, digits and underscores, starting with a letter.",
    ),
]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="A month, YYYY-MM.")]

_RULE_HINT = (
    "A deadline rule phrase such as '5 clear working days before', '28 clear days before', "
    "'10 working days before', '3 working days after', '2 weeks before', or a named rule "
    "('agenda-publication', 'key-decision-notice', 'general-exception-notice', 'call-in-end', "
    "'effective-from')."
)


# Named rules of notices the law requires: a deadline with one of these is never closed silently.
STATUTORY_NOTICE_RULES = frozenset(
    {"agenda-publication", "key-decision-notice", "general-exception-notice"}
)


class Record(BaseModel):
    """Base of every definition record: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class PathwayLines(Record):
    """How the pathway's committee papers print their Past and Future Pathway lines."""

    past_label: str = Field(
        "Past Pathway of Paper",
        description="Label of the line of meetings already held, e.g. 'Past Pathway'.",
    )
    future_label: str = Field(
        "Future Pathway of Paper",
        description="Label of the line of steps still ahead, e.g. 'Future Pathway'.",
    )
    past_empty: str = Field(
        "None", description="What the past line says when nothing is behind the paper ('N/A')."
    )
    future_empty: str = Field(
        "N/A", description="What the future line says when nothing is ahead of the paper."
    )


class Settings(Record):
    """Local settings of the council that runs the pathway."""

    key_decision_threshold: int = Field(
        1_000_000,
        ge=0,
        description="Spending or saving (in pounds) at or above which a decision is a Key Decision. KCC: 1000000.",
    )
    working_days: str = Field(
        "england-and-wales",
        description="Name of the working-day policy (bank holidays and closure days) used to count days.",
    )
    timezone: str = Field("Europe/London", description="IANA time zone of the council.")
    reminder_hour: int = Field(
        8, ge=0, le=23, description="Local hour at which reminders are sent on their day."
    )
    rules: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Overrides of named deadline rules for this pathway, e.g. "
            "{agenda-publication: '5 clear working days before'}."
        ),
    )
    pathway_lines: PathwayLines = Field(
        PathwayLines(),
        description="Wording of the Past/Future Pathway lines of this pathway's papers.",
    )

    url_schemes: tuple[str, ...] = Field(
        (),
        description=(
            "Address schemes accepted in url content besides https and http, e.g. [knet] for "
            "the intranet's knet:// addresses."
        ),
    )

    def __hash__(self) -> int:  # ``rules`` is a dict; keep the frozen record hashable
        return hash(
            (
                self.url_schemes,
                self.key_decision_threshold,
                self.working_days,
                self.timezone,
                self.reminder_hour,
                tuple(sorted(self.rules.items())),
                self.pathway_lines,
            )
        )


class Role(Record):
    """A role people hold: Director, Corporate Director, policy team, Cabinet Member…"""

    id: Id
    name: str
    escalates_to: Id | None = Field(
        None,
        description="The role a missed deadline escalates to after this one (Director → Corporate Director → policy team).",
    )
    description: str = ""


class Body(Record):
    """A decision-making or consultative body whose meetings are gates."""

    id: Id
    name: str
    short: str = Field("", description="Short name printed in pathway lines, e.g. 'P&R CC', 'CMM'.")
    kind: Literal[
        "cabinet",
        "cabinet_committee",
        "cabinet_members_meeting",
        "council",
        "officer_board",
        "advisory",
        "political_group",
        "other",
    ] = "other"
    decides: bool = Field(
        False, description="Whether the body takes decisions (not only comments)."
    )
    title_patterns: tuple[str, ...] = Field(
        (),
        description="Regular expressions matching this body's meeting titles in imported calendars.",
    )


class ContentItem(Record):
    """A field or document a plan can carry: QA letter reference, risk register, KPIs…"""

    id: Id
    title: str
    type: Literal["text", "document", "date", "number", "money", "boolean", "email", "url"] = "text"
    description: str = ""


class GateDate(Record):
    """The meeting of BODY on a given date: ``{body: pr_cc, on: 2013-01-08}``."""

    body: Id
    on: dt.date


class GateFirstIn(Record):
    """The first meeting of BODY in a month: ``{body: cabinet, first_in: 2013-03}``."""

    body: Id
    first_in: Month


class GateOnOrAfter(Record):
    """The first meeting of BODY on or after a date: ``{body: cmm, on_or_after: 2015-05-01}``."""

    body: Id
    on_or_after: dt.date


class GateAfterPrevious(Record):
    """The next meeting of BODY after the previous stage's gate: ``{body: cabinet, after: previous}``."""

    body: Id
    after: Literal["previous"] = "previous"
    min_gap: str | None = Field(
        None,
        description="Optional rule phrase the meeting must be at least this far after, e.g. '28 clear days after'.",
    )


Gate = GateDate | GateFirstIn | GateOnOrAfter | GateAfterPrevious


class Window(Record):
    """A period of work not tied to a meeting: 'February: formal QA'."""

    start: dt.date
    end: dt.date
    description: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")
        return self


class Reminder(Record):
    """A reminder sent ``before`` a deadline (a phrase: '10 working days', '3 working days', '0 days')."""

    before: str = Field(
        description="How long before the deadline, e.g. '10 working days', '0 days' (the morning of it)."
    )
    to: tuple[str, ...] = Field(
        ("owner",), description="Who gets it: 'owner' (the plan's owner) or role ids."
    )


class Escalation(Record):
    """An escalation ``after`` a deadline is missed (a phrase: '2 working days'), to a role."""

    after: str = Field(description="How long overdue, e.g. '2 working days'.")
    to: str = Field(
        description="'owner', a role id, or 'escalates_to' (the role above the owner's)."
    )


class Deadline(Record):
    """A deadline computed by a rule from an anchor: the stage's gate meeting or window."""

    id: Id
    title: str
    rule: str = Field(description=_RULE_HINT)
    anchor: Literal["gate", "window_start", "window_end", "previous_gate", "decision_record"] = (
        Field(
            "gate",
            description=(
                "What the rule counts from. 'decision_record': the publication of the record of "
                "the decision that brought the plan to this stage (the call-in period), taken "
                "from `--set decision_record_published=DATE` on the decision, else the decision "
                "day; planned from the previous gate."
            ),
        )
    )
    owner: str = Field("owner", description="'owner' (the plan's owner) or a role id.")
    action: str = Field("", description="What the owner must do, in a sentence for the reminder.")
    met_by: str | None = Field(
        None,
        description=(
            "Trigger whose firing meets this deadline, and nothing else does (default: leaving "
            "the stage)."
        ),
    )
    on_leave: Literal["carry", "supersede", "refuse"] | None = Field(
        None,
        description=(
            "What happens to this deadline (one with `met_by`) when the plan leaves its stage by "
            "another trigger and the next stage does not have the same deadline (if it has, the "
            "deadline is carried there, the same row): 'carry' keeps it open and owed, with its "
            "reminders and escalations, until its own trigger fires; 'supersede' closes it as "
            "superseded, saying so in the trail; 'refuse' refuses the transition, naming the "
            "deadline still owed. Default: 'carry' for a statutory notice (agenda-publication, "
            "key-decision-notice, general-exception-notice), which may never be superseded; "
            "'supersede' otherwise."
        ),
    )
    reminders: tuple[Reminder, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    source: str = Field(
        "", description="Where this deadline comes from (statute, seed paper, or 'local practice')."
    )

    @property
    def statutory(self) -> bool:
        """Whether this is a statutory notice deadline, which never closes silently."""
        return self.rule.strip().lower() in STATUTORY_NOTICE_RULES

    @property
    def leave_policy(self) -> str:
        """``on_leave`` with its default filled in."""
        if self.on_leave is not None:
            return self.on_leave
        return "carry" if self.statutory else "supersede"


class Stage(Record):
    """A stage of the pathway: who owns it, which meeting or window it leads to, what it needs."""

    id: Id
    title: str
    owner: Id | None = Field(None, description="Role that owns the work of this stage.")
    description: str = ""
    gate: Gate | None = Field(None, description="The meeting this stage leads to.")
    window: Window | None = None
    requires: tuple[Id, ...] = Field(
        (), description="Content the plan must contain to leave this stage (ids from `content`)."
    )
    deadlines: tuple[Deadline, ...] = ()
    terminal: bool = False
    publishes: Literal["kent_gov", "knet", "intranet", "website"] | None = Field(
        None, description="Where plans reaching this stage are published."
    )
    pathway_label: str = Field(
        "",
        description=(
            "How this step reads in the Past/Future Pathway lines when it is not a dated meeting: "
            "an undated body ('Cabinet Members Meeting') or an approval by office holders ('For "
            "approval by relevant Cabinet Members and Corporate Director'). Printed instead of "
            "the gate meeting; stages sharing a label print it once. Empty: the gate meeting, "
            "if any, is printed as 'SHORT (dd.mm.yy)'."
        ),
    )
    paper: Id | None = Field(
        None,
        description=(
            "The committee paper this stage belongs to when one pathway carries several (an "
            "approach paper before the plan it sets up). A paper's Pathway lines list only its "
            "own stages. Default: the plan's own paper."
        ),
    )
    contingent: bool = Field(
        False,
        description=(
            "Taken only if something goes wrong (a call-in, a reconsideration): left out of the "
            "Pathway lines until the plan is in it."
        ),
    )


class Condition(Record):
    """A guard: ``when`` is an expression over the plan's fields and the settings.

    Grammar: ``term (and|or term)*``; a term is ``[not] operand [OP operand]`` with OP one of
    ``>= > <= < == !=``; an operand is a content id, ``settings.NAME``, a number, ``true``,
    ``false``, or a quoted string. Example: ``"decision_value >= settings.key_decision_threshold"``.
    """

    when: str
    message: str = Field("", description="What to tell the actor when the guard fails.")


class Join(Record):
    """A collective step: waits for every plan of the cycle to reach ``stage``, then fires for all."""

    stage: Id
    scope: Literal["cycle"] = "cycle"


class Transition(Record):
    """A trigger that moves a plan from one stage to another, if the actor's role and guards allow."""

    trigger: Id
    source: tuple[Id, ...] = Field(alias="from", description="Stage or stages it fires from.")
    dest: Id = Field(alias="to")
    roles: tuple[Id, ...] = Field(description="Roles allowed to fire it.")
    requires: tuple[Id, ...] = Field((), description="Content that must be set to fire it.")
    guard: Condition | None = None
    notice: Literal["key_decision", "general_exception", "special_urgency"] | None = Field(
        None,
        description=(
            "Statutory notice this decision route needs: 28 clear days (key_decision), the general "
            "exception notice (5 clear working days), or special urgency (chair's agreement)."
        ),
    )
    decision: bool = Field(False, description="Whether firing it records a decision at the gate.")
    join: Join | None = None
    title: str = ""

    @model_validator(mode="before")
    @classmethod
    def _one_source(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("from"), str):
            data = {**data, "from": (data["from"],)}
        return data


class PlanUnit(Record):
    """One plan of the fan-out: a directorate or division, and the Director who owns it."""

    subject: str
    owner_role: Id = Field("director", description="Role of the person who owns this plan.")


class FanOut(Record):
    """One plan per directorate or division."""

    per: Literal["directorate", "division", "council"] = "directorate"
    units: tuple[PlanUnit, ...] = ()


class Pathway(Record):
    """A year's governance pathway: the whole definition file."""

    id: Id
    title: str
    year: Annotated[
        str, Field(pattern=r"^\d{4}/\d{2}$", description="Financial year, e.g. 2013/14.")
    ]
    version_notes: str = ""
    sources: tuple[str, ...] = Field((), description="The papers this definition is taken from.")
    settings: Settings = Settings()
    roles: tuple[Role, ...]
    bodies: tuple[Body, ...]
    content: tuple[ContentItem, ...] = ()
    initial: Id = Field(description="The stage every plan starts in.")
    stages: tuple[Stage, ...]
    transitions: tuple[Transition, ...]
    fan_out: FanOut | None = None

    # lookups (not serialised; the record is frozen, so the index is built once)
    @cached_property
    def stages_by_id(self) -> dict[str, Stage]:
        """The stages by id (the first of a repeated id, as a scan would find)."""
        index: dict[str, Stage] = {}
        for s in self.stages:
            index.setdefault(s.id, s)
        return index

    def stage(self, stage_id: str) -> Stage:
        """The stage STAGE_ID (StopIteration when there is none, as ``next`` raises)."""
        found = self.stages_by_id.get(stage_id)
        if found is None:
            raise StopIteration(stage_id)
        return found

    def body(self, body_id: str) -> Body:
        return next(b for b in self.bodies if b.id == body_id)

    def role(self, role_id: str) -> Role:
        return next(r for r in self.roles if r.id == role_id)

    def transitions_from(self, stage_id: str) -> list[Transition]:
        return [t for t in self.transitions if stage_id in t.source]

    @property
    def terminal_stages(self) -> list[Stage]:
        return [s for s in self.stages if s.terminal]


def gate_kind(gate: Gate) -> str:
    """A short name for the way a gate names its meeting."""
    return {
        GateDate: "on",
        GateFirstIn: "first_in",
        GateOnOrAfter: "on_or_after",
        GateAfterPrevious: "after",
    }[type(gate)]


def describe_gate(gate: Gate, body_name: str | None = None) -> str:
    """The gate in words: 'the Cabinet meeting on 2013-03-18'."""
    name = body_name or gate.body
    if isinstance(gate, GateDate):
        return f"the {name} meeting on {gate.on.isoformat()}"
    if isinstance(gate, GateFirstIn):
        y, m = gate.first_in.split("-")
        month = dt.date(int(y), int(m), 1).strftime("%B %Y")
        return f"the first {name} meeting in {month}"
    if isinstance(gate, GateOnOrAfter):
        return f"the first {name} meeting on or after {gate.on_or_after.isoformat()}"
    return f"the next {name} meeting after the previous gate"


ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
