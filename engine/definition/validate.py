"""Semantic checks of a pathway: ids, references, reachability, rule phrases and dates."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from govpath.errors import Problem

from .loader import Loc, Positions, where
from .model import GateAfterPrevious, GateDate, GateFirstIn, Pathway, Settings
from .schema_errors import did_you_mean

OWNER = "owner"
ESCALATES_TO = "escalates_to"

# the rule grammar lives in govpath.calendars.rules; this fallback only keeps validation working if
# that module cannot be imported (it raises ValueError with a sentence)
_FALLBACK = re.compile(
    r"^(\d+|[a-z-]+) (clear )?(working |business |calendar )?(days?|weeks?)( (before|after))?"
    r"(,? then (the )?next working day)?$"
)
_FALLBACK_NAMES = (
    "agenda-publication",
    "key-decision-notice",
    "general-exception-notice",
    "call-in-end",
    "effective-from",
)


def _rule_problem(text: str, overrides: Mapping[str, str]) -> str | None:
    """None if ``text`` is a deadline rule, else what is wrong with it."""
    try:
        from govpath.calendars.rules import parse_rule
    except ImportError:  # pragma: no cover - fallback while calendars is incomplete
        norm = " ".join(str(text).lower().split())
        if norm in _FALLBACK_NAMES or norm in overrides or _FALLBACK.match(norm):
            return None
        return f"'{text}' is not a deadline rule"
    try:
        parse_rule(text, overrides)
    except Exception as exc:  # RuleError, or anything the parser trips on
        return str(exc).rstrip(".")
    return None


def _offset_problem(text: str, direction: str) -> str | None:
    """None if ``text`` is an offset counted ``direction``; 'wrong-way' if counted the other way."""
    try:
        from govpath.calendars.rules import parse_offset
    except ImportError:  # pragma: no cover
        norm = " ".join(str(text).lower().split())
        m = _FALLBACK.match(norm)
        if not m:
            return f"'{text}' is not an offset such as '10 working days'"
        return "wrong-way" if m.group(6) and m.group(6) != direction else None
    try:
        parse_offset(text, direction)  # type: ignore[arg-type]
        return None
    except Exception as exc:
        other = "after" if direction == "before" else "before"
        try:
            parse_offset(text, other)  # type: ignore[arg-type]
        except Exception:
            return str(exc).rstrip(".")
        return "wrong-way"


class _Checker:
    def __init__(
        self,
        pathway: Pathway,
        positions: Positions,
        path: str,
        partial: bool,
        dropped: Mapping[str, set[str]],
    ):
        self.p = pathway
        self.pos = positions
        self.path = path
        self.partial = partial
        self.dropped = dropped
        self.problems: list[Problem] = []
        self.roles = {r.id for r in pathway.roles}
        self.bodies = {b.id for b in pathway.bodies}
        self.content = {c.id for c in pathway.content}
        self.stages = {s.id for s in pathway.stages}
        self.overrides = dict(pathway.settings.rules)

    def add(self, loc: Loc, message: str, *, on_key: bool = False) -> None:
        self.problems.append(self.pos.problem(self.path, loc, message, on_key=on_key))

    def line_of(self, loc: Loc) -> int:
        return self.pos.at(loc)[0]

    # ------------------------------------------------------------------ ids and references

    def duplicates(self, items: Iterable[tuple[str, Loc]], kind: str) -> None:
        first: dict[str, Loc] = {}
        for ident, loc in items:
            if ident in first:
                self.add(
                    loc,
                    f"duplicate {kind} id '{ident}' (first defined on line "
                    f"{self.line_of(first[ident])})",
                )
            else:
                first[ident] = loc

    def ref(
        self,
        value: str | None,
        known: set[str],
        kind: str,
        loc: Loc,
        context: str,
        extra: tuple[str, ...] = (),
    ) -> None:
        if value is None or value in known or value in extra:
            return
        list_name = {
            "role": "roles",
            "body": "bodies",
            "stage": "stages",
            "content item": "content",
        }.get(kind, "")
        if self.partial and value in self.dropped.get(list_name, set()):
            return
        hint = did_you_mean(value, [*sorted(known), *extra])
        if not known and not extra:
            hint = f" (the pathway defines no {list_name or kind})"
        self.add(loc, f"unknown {kind} '{value}' {context}{hint}")

    def check_ids(self) -> None:
        p = self.p
        self.duplicates(((r.id, ("roles", i, "id")) for i, r in enumerate(p.roles)), "role")
        self.duplicates(((b.id, ("bodies", i, "id")) for i, b in enumerate(p.bodies)), "body")
        self.duplicates(((c.id, ("content", i, "id")) for i, c in enumerate(p.content)), "content")
        self.duplicates(((s.id, ("stages", i, "id")) for i, s in enumerate(p.stages)), "stage")
        for i, s in enumerate(p.stages):
            self.duplicates(
                ((d.id, ("stages", i, "deadlines", k, "id")) for k, d in enumerate(s.deadlines)),
                f"deadline (in stage '{s.id}')",
            )
        seen: dict[tuple[str, str], int] = {}
        for i, t in enumerate(p.transitions):
            for src in t.source:
                key = (src, t.trigger)
                if key in seen:
                    other = p.transitions[seen[key]]
                    if t.guard is not None and other.guard is not None:
                        continue  # guarded alternatives: the first whose guard holds fires
                    self.add(
                        ("transitions", i, "trigger"),
                        f"trigger '{t.trigger}' from stage '{src}' is defined twice (also on "
                        f"line {self.line_of(('transitions', seen[key], 'trigger'))}); give "
                        "it another name, or give both a guard",
                    )
                else:
                    seen[key] = i

    def check_references(self) -> None:
        p = self.p
        roles = self.roles
        for i, r in enumerate(p.roles):
            self.ref(
                r.escalates_to,
                roles,
                "role",
                ("roles", i, "escalates_to"),
                f"in escalates_to of role '{r.id}'",
            )
            if r.escalates_to == r.id:
                self.add(("roles", i, "escalates_to"), f"role '{r.id}' escalates to itself")
        self.ref(p.initial, self.stages, "stage", ("initial",), "in initial")
        for i, s in enumerate(p.stages):
            at = ("stages", i)
            self.ref(s.owner, roles, "role", (*at, "owner"), f"as owner of stage '{s.id}'")
            if s.gate is not None:
                self.ref(
                    s.gate.body,
                    self.bodies,
                    "body",
                    (*at, "gate", "body"),
                    f"in the gate of stage '{s.id}'",
                )
            for j, c in enumerate(s.requires):
                self.ref(
                    c,
                    self.content,
                    "content item",
                    (*at, "requires", j),
                    f"required by stage '{s.id}'",
                )
            for k, d in enumerate(s.deadlines):
                dl = (*at, "deadlines", k)
                self.ref(
                    d.owner,
                    roles,
                    "role",
                    (*dl, "owner"),
                    f"as owner of deadline '{d.id}' in stage '{s.id}'",
                    (OWNER,),
                )
                for r_i, rem in enumerate(d.reminders):
                    for q, who in enumerate(rem.to):
                        self.ref(
                            who,
                            roles,
                            "role",
                            (*dl, "reminders", r_i, "to", q),
                            f"in a reminder of deadline '{d.id}' in stage '{s.id}'",
                            (OWNER,),
                        )
                for e_i, esc in enumerate(d.escalations):
                    self.ref(
                        esc.to,
                        roles,
                        "role",
                        (*dl, "escalations", e_i, "to"),
                        f"in an escalation of deadline '{d.id}' in stage '{s.id}'",
                        (OWNER, ESCALATES_TO),
                    )
                if d.on_leave is not None and d.met_by is None:
                    self.add(
                        (*dl, "on_leave"),
                        f"deadline '{d.id}' in stage '{s.id}' has on_leave but no met_by: "
                        "without met_by, leaving the stage is what meets it",
                    )
                elif d.on_leave == "supersede" and d.statutory:
                    self.add(
                        (*dl, "on_leave"),
                        f"deadline '{d.id}' in stage '{s.id}' is a statutory notice "
                        f"('{d.rule}') and can never be superseded: use 'carry' (it stays owed "
                        "and is reported missed if late) or 'refuse'",
                    )
                leaving = {t.trigger for t in p.transitions_from(s.id)}
                dropped = self.partial and d.met_by in self.dropped.get("transitions", set())
                if d.met_by is not None and d.met_by not in leaving and not dropped:
                    self.add(
                        (*dl, "met_by"),
                        f"deadline '{d.id}' is met by trigger '{d.met_by}', but no "
                        f"transition of that name leaves stage '{s.id}'"
                        f"{did_you_mean(d.met_by, sorted(leaving))}",
                    )
        for i, t in enumerate(p.transitions):
            at = ("transitions", i)
            for j, src in enumerate(t.source):
                self.ref(
                    src,
                    self.stages,
                    "stage",
                    (*at, "from", j),
                    f"in from of transition '{t.trigger}'",
                )
            self.ref(
                t.dest, self.stages, "stage", (*at, "to"), f"in to of transition '{t.trigger}'"
            )
            if not t.roles and not self.partial:
                self.add(
                    (*at, "roles"),
                    f"transition '{t.trigger}' names no roles, so nobody can fire it",
                )
            for j, role_id in enumerate(t.roles):
                self.ref(
                    role_id,
                    roles,
                    "role",
                    (*at, "roles", j),
                    f"in roles of transition '{t.trigger}'",
                )
            for j, c in enumerate(t.requires):
                self.ref(
                    c,
                    self.content,
                    "content item",
                    (*at, "requires", j),
                    f"required by transition '{t.trigger}'",
                )
            if t.join is not None:
                self.ref(
                    t.join.stage,
                    self.stages,
                    "stage",
                    (*at, "join", "stage"),
                    f"in the join of transition '{t.trigger}'",
                )
            if t.guard is not None:
                self.check_guard(t.guard.when, (*at, "guard", "when"), t.trigger)
        if p.fan_out is not None:
            for i, u in enumerate(p.fan_out.units):
                self.ref(
                    u.owner_role,
                    roles,
                    "role",
                    ("fan_out", "units", i, "owner_role"),
                    f"as owner_role of plan unit '{u.subject}'",
                )

    def check_guard(self, text: str, loc: Loc, trigger: str) -> None:
        from .conditions import ConditionError, Setting, parse, references

        line, col = self.pos.at(loc)
        if self.pos.is_quoted(loc):
            col += 1
        try:
            tree = parse(text)
        except ConditionError as exc:
            self.problems.append(
                Problem(
                    self.path,
                    line,
                    col + exc.column - 1,
                    f"guard of transition '{trigger}': {exc.message} (column "
                    f"{exc.column} of the expression)",
                    where(loc),
                )
            )
            return
        settings = set(Settings.model_fields)
        for ref in references(tree):
            where_col = col + ref.column - 1
            if isinstance(ref, Setting):
                if ref.name not in settings:
                    msg = (
                        f"unknown setting 'settings.{ref.name}' in the guard of transition "
                        f"'{trigger}'{did_you_mean(ref.name, sorted(settings))}"
                    )
                    self.problems.append(Problem(self.path, line, where_col, msg, where(loc)))
            elif ref.name not in self.content:
                hint = did_you_mean(ref.name, sorted(self.content))
                msg = (
                    f"unknown field '{ref.name}' in the guard of transition '{trigger}'"
                    f"{hint or ' (fields are the content ids of the pathway)'}"
                )
                self.problems.append(Problem(self.path, line, where_col, msg, where(loc)))

    # ------------------------------------------------------------------ the graph

    def check_graph(self) -> None:
        p = self.p
        index = {s.id: i for i, s in enumerate(p.stages)}
        out: dict[str, set[str]] = {s: set() for s in self.stages}
        into: dict[str, set[str]] = {s: set() for s in self.stages}
        for t in p.transitions:
            for src in t.source:
                if src in out and t.dest in into:
                    out[src].add(t.dest)
                    into[t.dest].add(src)
        terminals = {s.id for s in p.stages if s.terminal}
        if not terminals and not self.partial:
            self.add(
                ("stages",),
                "no stage is terminal: mark the last stage(s) with 'terminal: true'",
                on_key=True,
            )
        for i, t in enumerate(p.transitions):
            for j, src in enumerate(t.source):
                if src in terminals:
                    self.add(
                        ("transitions", i, "from", j),
                        f"transition '{t.trigger}' leaves terminal stage '{src}'",
                    )
        if self.partial or p.initial not in self.stages:
            return
        reach = _closure({p.initial}, out)
        can_finish = _closure(terminals, into)
        for s in p.stages:
            loc = ("stages", index[s.id], "id")
            if s.id not in reach:
                self.add(
                    loc, f"stage '{s.id}' cannot be reached from the initial stage '{p.initial}'"
                )
            elif not s.terminal and not out[s.id]:
                self.add(loc, f"stage '{s.id}' is not terminal but no transition leaves it")
            elif terminals and s.id not in can_finish:
                self.add(
                    loc, f"stage '{s.id}' is a dead end: no terminal stage can be reached from it"
                )

    # ------------------------------------------------------------------ rules and dates

    def check_rules(self) -> None:
        p = self.p
        names: list[str] = []
        try:
            from govpath.calendars.rules import rule_names

            names = rule_names()
        except Exception:  # pragma: no cover
            names = list(_FALLBACK_NAMES)
        for key in p.settings.rules:
            loc = ("settings", "rules", key)
            if key not in names:
                self.add(
                    loc,
                    f"settings.rules overrides unknown named rule '{key}'"
                    f"{did_you_mean(key, names)}",
                    on_key=True,
                )
            else:
                msg = _rule_problem(key, {key: p.settings.rules[key]})
                if msg:
                    self.add(loc, msg)
        # rules below are checked against the overrides that are themselves sound
        self.overrides = {
            k: v
            for k, v in p.settings.rules.items()
            if k in names and _rule_problem(k, {k: v}) is None
        }
        for i, s in enumerate(p.stages):
            at = ("stages", i)
            if isinstance(s.gate, GateAfterPrevious) and s.gate.min_gap:
                msg = _rule_problem(s.gate.min_gap, self.overrides)
                if msg:
                    self.add(
                        (*at, "gate", "min_gap"), f"min_gap of the gate of stage '{s.id}': {msg}"
                    )
            for k, d in enumerate(s.deadlines):
                dl = (*at, "deadlines", k)
                msg = _rule_problem(d.rule, self.overrides)
                if msg:
                    self.add((*dl, "rule"), f"rule of deadline '{d.id}' in stage '{s.id}': {msg}")
                for r_i, rem in enumerate(d.reminders):
                    msg = _offset_problem(rem.before, "before")
                    if msg == "wrong-way":
                        msg = (
                            f"reminder '{rem.before}' of deadline '{d.id}' falls after the "
                            "deadline; a reminder comes before it (write e.g. '3 working days')"
                        )
                    elif msg:
                        msg = f"reminder of deadline '{d.id}' in stage '{s.id}': {msg}"
                    if msg:
                        self.add((*dl, "reminders", r_i, "before"), msg)
                for e_i, esc in enumerate(d.escalations):
                    msg = _offset_problem(esc.after, "after")
                    if msg == "wrong-way":
                        msg = (
                            f"escalation '{esc.after}' of deadline '{d.id}' comes before the "
                            "deadline; an escalation follows a missed deadline (write e.g. "
                            "'2 working days')"
                        )
                    elif msg:
                        msg = f"escalation of deadline '{d.id}' in stage '{s.id}': {msg}"
                    if msg:
                        self.add((*dl, "escalations", e_i, "after"), msg)

    def check_stages(self) -> None:
        p = self.p
        for i, s in enumerate(p.stages):
            at = ("stages", i)
            if s.id == p.initial and isinstance(s.gate, GateAfterPrevious):
                self.add(
                    (*at, "gate"),
                    f"the gate of initial stage '{s.id}' is 'after: previous', "
                    "but no stage comes before it",
                )
            if s.window is not None and s.gate is not None:
                last = _last_gate_day(s.gate)
                if last is not None and s.window.end > last:
                    self.add(
                        (*at, "window", "end"),
                        f"the window of stage '{s.id}' ends on {s.window.end}, after its "
                        f"gate meeting (by {last})",
                    )
            for k, d in enumerate(s.deadlines):
                dl = (*at, "deadlines", k, "anchor")
                if d.anchor == "gate" and s.gate is None:
                    self.add(
                        (*at, "deadlines", k),
                        f"deadline '{d.id}' counts from the gate (the "
                        f"default anchor), but stage '{s.id}' has no gate",
                    )
                if d.anchor in ("window_start", "window_end") and s.window is None:
                    self.add(
                        dl,
                        f"deadline '{d.id}' counts from the {d.anchor.replace('_', ' ')}, "
                        f"but stage '{s.id}' has no window",
                    )
                if d.anchor == "previous_gate" and s.id == p.initial:
                    self.add(
                        dl,
                        f"deadline '{d.id}' counts from the previous gate, but '{s.id}' "
                        "is the initial stage",
                    )

    def check_pathway_lines(self) -> None:
        """Pathway labels, papers and contingent stages: what the Pathway lines are made of."""
        p = self.p
        for i, s in enumerate(p.stages):
            at = ("stages", i)
            if s.pathway_label and not s.pathway_label.strip():
                self.add((*at, "pathway_label"), f"stage '{s.id}' has a blank pathway_label")
            elif s.pathway_label.strip() != s.pathway_label or "\n" in s.pathway_label:
                self.add(
                    (*at, "pathway_label"),
                    f"the pathway_label of stage '{s.id}' must be one line without leading or "
                    "trailing spaces, as the paper prints it",
                )
            if s.contingent and s.id == p.initial:
                self.add(
                    (*at, "contingent"),
                    f"stage '{s.id}' is contingent, but it is the initial stage: every plan "
                    "starts there",
                )
        last: dict[str | None, int] = {}
        split: set[str | None] = set()
        for i, s in enumerate(p.stages):
            if s.paper in last and last[s.paper] != i - 1 and s.paper not in split:
                split.add(s.paper)
                between = p.stages[last[s.paper] + 1]
                paper = f"paper '{s.paper}'" if s.paper else "the plan's own paper"
                self.add(
                    ("stages", i, "paper"),
                    f"stage '{s.id}' belongs to {paper}, but stage '{between.id}' before it "
                    "belongs to another paper: a paper's stages must follow one another",
                )
            last[s.paper] = i
        wording = p.settings.pathway_lines
        for name in ("past_label", "future_label", "past_empty", "future_empty"):
            value = getattr(wording, name)
            if not value.strip() or value.strip() != value or ":" in value:
                self.add(
                    ("settings", "pathway_lines", name),
                    f"settings.pathway_lines.{name} {value!r} must be non-blank text without a "
                    "colon or leading or trailing spaces",
                )

    def check_decisions(self) -> None:
        p = self.p
        deciding = {b.id for b in p.bodies if b.decides}
        by_id = {s.id: s for s in p.stages}
        for i, t in enumerate(p.transitions):
            if t.notice != "key_decision":
                continue
            for src in t.source:
                stage = by_id.get(src)
                if stage is None:
                    continue
                if stage.gate is not None and stage.gate.body not in self.bodies:
                    continue  # reported as an unknown body
                if stage.gate is None or stage.gate.body not in deciding:
                    has = (
                        f"its gate at body '{stage.gate.body}', which does not decide"
                        if stage.gate
                        else "no gate"
                    )
                    self.add(
                        ("transitions", i, "notice"),
                        f"transition '{t.trigger}' is a Key Decision (notice: key_decision), "
                        f"but its stage '{src}' has {has}: a Key Decision is taken at a "
                        "meeting of a body with 'decides: true'",
                    )
                    break

    def check_settings(self) -> None:
        st = self.p.settings
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(st.timezone)
        except Exception:
            self.add(
                ("settings", "timezone"),
                f"unknown time zone '{st.timezone}' in settings "
                "(an IANA name such as Europe/London)",
            )
        else:
            self.check_zone()
        try:
            from govpath.calendars.workdays import policy_names

            names = policy_names()
        except Exception:  # pragma: no cover
            return
        if st.working_days not in names:
            self.add(
                ("settings", "working_days"),
                f"unknown working-day policy '{st.working_days}' in settings"
                f"{did_you_mean(st.working_days, names)} (known: {', '.join(names)})",
            )

    def check_zone(self) -> None:
        """One zone: the definition's ``settings.timezone`` must be the council's own (the
        ``timezone`` setting read by :mod:`govpath.zone`), which every date of a plan is in."""
        from govpath.zone import zone_name

        council = zone_name()
        given = self.p.settings.timezone
        if given == council:
            return
        written = ("settings", "timezone") in self.pos.keys
        said = f"'{given}'" if written else f"not given, so '{given}' (the default)"
        self.add(
            ("settings", "timezone"),
            f"settings.timezone is {said}, but the council's time zone is '{council}' (the "
            "timezone setting: GOVPATH_TIMEZONE or [scheduler] timezone in govpath.toml); a "
            f"pathway runs in the council's zone: write `timezone: {council}` in its settings",
        )

    def check_title_patterns(self) -> None:
        """A body's title patterns must compile and must not be able to take exponential time."""
        from govpath.safe_regex import dangerous

        for i, b in enumerate(self.p.bodies):
            for j, rx in enumerate(b.title_patterns):
                why = dangerous(rx)
                if why:
                    self.add(
                        ("bodies", i, "title_patterns", j),
                        f"title pattern {rx!r} of body '{b.id}' is refused: {why}",
                    )

    def run(self) -> list[Problem]:
        for check in (
            self.check_ids,
            self.check_references,
            self.check_graph,
            self.check_rules,
            self.check_stages,
            self.check_pathway_lines,
            self.check_decisions,
            self.check_settings,
            self.check_title_patterns,
        ):
            check()
        return self.problems


def _closure(start: set[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(start)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _last_gate_day(gate: object) -> dt.date | None:
    if isinstance(gate, GateDate):
        return gate.on
    if isinstance(gate, GateFirstIn):
        y, m = (int(x) for x in gate.first_in.split("-"))
        return dt.date(y, m, calendar.monthrange(y, m)[1])
    return None


def validate(
    pathway: Pathway,
    positions: Positions | None = None,
    path: str = "<pathway>",
    *,
    partial: bool = False,
    dropped: Mapping[str, set[str]] | None = None,
) -> list[Problem]:
    """Every semantic problem of a parsed pathway, located with ``positions`` (from the loader).

    ``partial`` says the pathway is a repair of a document with schema errors: checks that need
    the whole graph are skipped, and references to the ``dropped`` ids are not reported.
    """
    checker = _Checker(pathway, positions or Positions(), str(path), partial, dropped or {})
    return checker.run()


def check_paths(paths: Iterable[str | Path]) -> list[Problem]:
    """Load and validate many files (folders expanded): every problem of every file."""
    from .loader import collect_paths, parse_pathway_file

    problems: list[Problem] = []
    for file in collect_paths(paths):
        problems.extend(parse_pathway_file(file)[2])
    return problems
