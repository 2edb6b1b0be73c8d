"""Render a pathway: a readable outline, a Mermaid state diagram, and the JSON the CLI prints."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .model import Pathway, Stage, Transition, describe_gate

Edge = tuple[str, str, str]  # (source stage, trigger, destination stage)


def _body_name(pathway: Pathway, body_id: str) -> str:
    body = next((b for b in pathway.bodies if b.id == body_id), None)
    return (body.short or body.name) if body else body_id


def _stage_flags(stage: Stage, pathway: Pathway) -> str:
    flags = []
    if stage.id == pathway.initial:
        flags.append("initial")
    if stage.terminal:
        flags.append("terminal")
    if stage.publishes:
        flags.append(f"publishes to {stage.publishes}")
    if stage.contingent:
        flags.append("contingent")
    if stage.paper:
        flags.append(f"paper {stage.paper}")
    return f"  [{', '.join(flags)}]" if flags else ""


def _transition_line(t: Transition) -> str:
    extras = []
    if t.guard is not None:
        extras.append(f"when {t.guard.when}")
    if t.requires:
        extras.append("needs " + ", ".join(t.requires))
    if t.notice:
        extras.append(f"notice: {t.notice}")
    if t.decision:
        extras.append("records a decision")
    if t.join is not None:
        extras.append(f"joins every plan of the {t.join.scope} at {t.join.stage}")
    tail = f" ({'; '.join(extras)})" if extras else ""
    return f"{t.trigger} → {t.dest} [{', '.join(t.roles)}]{tail}"


def outline(pathway: Pathway) -> str:
    """The pathway as readable text: settings, roles, bodies, then each stage in order."""
    p = pathway
    lines = [f"{p.title} ({p.year})", f"id: {p.id}"]
    if p.version_notes:
        lines.append(f"notes: {' '.join(p.version_notes.split())}")
    for src in p.sources:
        lines.append(f"source: {src}")
    s = p.settings
    lines += [
        "",
        "Settings:",
        f"  key decision threshold: £{s.key_decision_threshold:,}",
        f"  working days: {s.working_days}; time zone: {s.timezone}; "
        f"reminders at {s.reminder_hour:02d}:00",
    ]
    for name, phrase in sorted(s.rules.items()):
        lines.append(f"  rule {name}: {phrase}")
    lines += ["", "Roles:"]
    for r in p.roles:
        up = f" (escalates to {r.escalates_to})" if r.escalates_to else ""
        lines.append(f"  {r.id}: {r.name}{up}")
    lines += ["", "Bodies:"]
    for b in p.bodies:
        short = f" ({b.short})" if b.short and b.short != b.name else ""
        decides = ", decides" if b.decides else ""
        lines.append(f"  {b.id}: {b.name}{short}, {b.kind.replace('_', ' ')}{decides}")
    if p.content:
        lines += ["", "Content:"]
        for c in p.content:
            lines.append(f"  {c.id}: {c.title} ({c.type})")
    if p.fan_out is not None and p.fan_out.units:
        lines += ["", f"One plan per {p.fan_out.per}:"]
        for u in p.fan_out.units:
            lines.append(f"  {u.subject} (owner: {u.owner_role})")
    lines += ["", "Stages:"]
    for n, st in enumerate(p.stages, 1):
        lines.append(f"{n}. {st.id}: {st.title}{_stage_flags(st, p)}")
        if st.owner:
            lines.append(f"   owner: {st.owner}")
        if st.gate is not None:
            gate = describe_gate(st.gate, _body_name(p, st.gate.body))
            gap = getattr(st.gate, "min_gap", None)
            lines.append(f"   gate: {gate}" + (f" (at least {gap})" if gap else ""))
        if st.window is not None:
            desc = f" — {st.window.description}" if st.window.description else ""
            lines.append(f"   window: {st.window.start} to {st.window.end}{desc}")
        if st.pathway_label:
            lines.append(f"   in pathway lines: {st.pathway_label}")
        if st.requires:
            lines.append(f"   requires: {', '.join(st.requires)}")
        for d in st.deadlines:
            who = f", owner {d.owner}" if d.owner != "owner" else ""
            lines.append(
                f"   deadline {d.id}: {d.title} — {d.rule} ({d.anchor.replace('_', ' ')}){who}"
            )
            for rem in d.reminders:
                lines.append(f"     reminder {rem.before} before, to {', '.join(rem.to)}")
            for esc in d.escalations:
                lines.append(f"     escalation {esc.after} after, to {esc.to}")
        for t in p.transitions_from(st.id):
            lines.append(f"   {_transition_line(t)}")
    return "\n".join(lines) + "\n"


def edges(pathway: Pathway) -> list[Edge]:
    """(source, trigger, destination) for every transition, in definition order."""
    return [(src, t.trigger, t.dest) for t in pathway.transitions for src in t.source]


def mermaid(pathway: Pathway) -> str:
    """A Mermaid ``stateDiagram-v2`` of the pathway, drawn from the compiled state machine.

    The diagram comes from the same ``transitions`` machine the runtime runs
    (:func:`govpath.definition.compiler.mermaid`); :func:`model_mermaid` draws it from the
    definition alone when the compiler is not available.

    >>> from govpath.definition.loader import load_pathway
    >>> text = mermaid(load_pathway("tests/data/definitions/tiny.yaml"))
    >>> lines = [line.strip() for line in text.splitlines()]
    >>> "stateDiagram-v2" in lines, "draft --> approved: approve" in lines
    (True, True)
    """
    try:
        from .compiler import mermaid as machine_mermaid
    except ImportError:  # pragma: no cover - the compiler ships with the package
        return model_mermaid(pathway)
    return machine_mermaid(pathway)


def model_mermaid(pathway: Pathway, transitions: Iterable[Edge] | None = None) -> str:
    """A Mermaid ``stateDiagram-v2`` drawn from the definition (or from given edges).

    >>> from govpath.definition.loader import load_pathway
    >>> lines = model_mermaid(load_pathway("tests/data/definitions/tiny.yaml")).splitlines()
    >>> lines[0]
    'stateDiagram-v2'
    >>> for line in lines[-3:]:
    ...     print(line.strip())
    draft --> approved: approve
    approved --> published: publish
    published --> [*]
    """
    from govpath.safe_output import mermaid_label

    lines = ["stateDiagram-v2"]
    for st in pathway.stages:
        label = mermaid_label(st.title)
        lines.append(f'    state "{label}" as {st.id}')
    lines.append(f"    [*] --> {pathway.initial}")
    for src, trigger, dest in transitions if transitions is not None else edges(pathway):
        lines.append(f"    {src} --> {dest}: {trigger}")
    for st in pathway.stages:
        if st.terminal:
            lines.append(f"    {st.id} --> [*]")
    return "\n".join(lines) + "\n"


def to_json(pathway: Pathway) -> dict[str, Any]:
    """The normalised JSON of the pathway, for ``pathway show --format json``.

    As :func:`~govpath.definition.loader.normalised_json`, except that each transition appears
    once per source stage with ``from`` a single stage id (``sources`` keeps the full list).
    """
    from .loader import normalised_json

    data = normalised_json(pathway)
    flat = []
    for t in data["transitions"]:
        for src in t["from"]:
            flat.append({**t, "from": src, "sources": t["from"]})
    data["transitions"] = flat
    return data
