"""What changed between two pathways (two years): stages, gates, rules, roles, content, settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .model import Deadline, Pathway, Stage, Transition, describe_gate


@dataclass(frozen=True)
class Change:
    """One difference: its kind (e.g. ``stage_added``), the id it concerns, and a sentence."""

    kind: str
    subject: str
    detail: str


def _gate_words(p: Pathway, stage: Stage) -> str:
    if stage.gate is None:
        return "no gate"
    body = next((b for b in p.bodies if b.id == stage.gate.body), None)
    return describe_gate(stage.gate, (body.short or body.name) if body else None)


def key_decision_routes(p: Pathway) -> list[Transition]:
    """Transitions that take the plan's decision as a Key Decision.

    Those with ``notice: key_decision``, and decisions taken at a gate of a body of kind cabinet.
    """
    cabinets = {b.id for b in p.bodies if b.kind == "cabinet"}
    stages = {s.id: s for s in p.stages}
    out = []
    for t in p.transitions:
        at_cabinet = t.decision and any(
            (stage := stages.get(src)) is not None
            and stage.gate is not None
            and stage.gate.body in cabinets
            for src in t.source
        )
        if t.notice == "key_decision" or at_cabinet:
            out.append(t)
    return out


def _pair_stages(old: Pathway, new: Pathway) -> tuple[dict[str, str], list[Stage], list[Stage]]:
    """old id → new id for stages present in both (renames included), then removed, added."""
    new_ids = {s.id for s in new.stages}
    old_ids = {s.id for s in old.stages}
    pairs = {s.id: s.id for s in old.stages if s.id in new_ids}
    removed = [s for s in old.stages if s.id not in new_ids]
    added = [s for s in new.stages if s.id not in old_ids]
    old_pos = {s.id: i for i, s in enumerate(old.stages)}
    new_pos = {s.id: i for i, s in enumerate(new.stages)}
    for r in list(removed):
        match = next((a for a in added if a.title == r.title), None)
        if match is None:
            match = next(
                (
                    a
                    for a in added
                    if new_pos[a.id] == old_pos[r.id] and a.gate is not None and a.gate == r.gate
                ),
                None,
            )
        if match is not None:
            pairs[r.id] = match.id
            removed.remove(r)
            added.remove(match)
    return pairs, removed, added


def _by_id(items: Any) -> dict[str, Any]:
    return {i.id: i for i in items}


def _diff_set(
    kind: str, old: dict[str, Any], new: dict[str, Any], noun: str, name: str = "name"
) -> list[Change]:
    out = []
    for ident in new.keys() - old.keys():
        out.append(
            Change(f"{kind}_added", ident, f"{noun} '{ident}' ({getattr(new[ident], name)}) added")
        )
    for ident in old.keys() - new.keys():
        out.append(
            Change(
                f"{kind}_removed", ident, f"{noun} '{ident}' ({getattr(old[ident], name)}) removed"
            )
        )
    for ident in old.keys() & new.keys():
        if old[ident] != new[ident]:
            fields = [
                f
                for f in type(old[ident]).model_fields
                if getattr(old[ident], f) != getattr(new[ident], f)
            ]
            out.append(
                Change(f"{kind}_changed", ident, f"{noun} '{ident}' changed: {', '.join(fields)}")
            )
    return sorted(out, key=lambda c: (c.kind, c.subject))


def _diff_deadlines(sid: str, old: tuple[Deadline, ...], new: tuple[Deadline, ...]) -> list[Change]:
    out = []
    o, n = _by_id(old), _by_id(new)
    for d in new:
        if d.id not in o:
            out.append(
                Change(
                    "deadline_added",
                    f"{sid}.{d.id}",
                    f"stage '{sid}': deadline '{d.id}' added ({d.rule})",
                )
            )
    for d in old:
        if d.id not in n:
            out.append(
                Change(
                    "deadline_removed",
                    f"{sid}.{d.id}",
                    f"stage '{sid}': deadline '{d.id}' removed (was {d.rule})",
                )
            )
    for d in old:
        nd = n.get(d.id)
        if nd is None:
            continue
        subject = f"{sid}.{d.id}"
        if (d.rule, d.anchor) != (nd.rule, nd.anchor):
            out.append(
                Change(
                    "rule_changed",
                    subject,
                    f"stage '{sid}': deadline '{d.id}' rule "
                    f"'{d.rule}' ({d.anchor}) → '{nd.rule}' "
                    f"({nd.anchor})",
                )
            )
        if d.reminders != nd.reminders:
            before = ", ".join(r.before for r in d.reminders) or "none"
            after = ", ".join(r.before for r in nd.reminders) or "none"
            out.append(
                Change(
                    "reminders_changed",
                    subject,
                    f"stage '{sid}': reminders of '{d.id}': {before} → {after}",
                )
            )
        if d.escalations != nd.escalations:
            before = ", ".join(f"{e.after} to {e.to}" for e in d.escalations) or "none"
            after = ", ".join(f"{e.after} to {e.to}" for e in nd.escalations) or "none"
            out.append(
                Change(
                    "escalations_changed",
                    subject,
                    f"stage '{sid}': escalations of '{d.id}': {before} → {after}",
                )
            )
        if d.owner != nd.owner:
            out.append(
                Change(
                    "deadline_owner_changed",
                    subject,
                    f"stage '{sid}': deadline '{d.id}' owner {d.owner} → {nd.owner}",
                )
            )
    return out


def _diff_stage(old_p: Pathway, new_p: Pathway, o: Stage, n: Stage) -> list[Change]:
    sid = n.id
    out: list[Change] = []
    if o.id != n.id:
        out.append(Change("stage_renamed", sid, f"stage '{o.id}' renamed '{n.id}' ('{n.title}')"))
    elif o.title != n.title:
        out.append(
            Change("stage_retitled", sid, f"stage '{sid}' retitled: '{o.title}' → '{n.title}'")
        )
    if o.gate != n.gate:
        og, ng = _gate_words(old_p, o), _gate_words(new_p, n)
        moved = (
            "moved to another body"
            if o.gate and n.gate and o.gate.body != n.gate.body
            else "changed"
        )
        out.append(Change("gate_changed", sid, f"stage '{sid}': gate {moved}: {og} → {ng}"))
    if o.window != n.window:
        ow = f"{o.window.start} to {o.window.end}" if o.window else "none"
        nw = f"{n.window.start} to {n.window.end}" if n.window else "none"
        out.append(Change("window_changed", sid, f"stage '{sid}': window {ow} → {nw}"))
    if o.owner != n.owner:
        out.append(Change("owner_changed", sid, f"stage '{sid}': owner {o.owner} → {n.owner}"))
    for c in n.requires:
        if c not in o.requires:
            out.append(Change("requires_added", sid, f"stage '{sid}' now requires '{c}'"))
    for c in o.requires:
        if c not in n.requires:
            out.append(Change("requires_removed", sid, f"stage '{sid}' no longer requires '{c}'"))
    if o.terminal != n.terminal or o.publishes != n.publishes:
        out.append(
            Change(
                "stage_end_changed",
                sid,
                f"stage '{sid}': terminal {o.terminal} → "
                f"{n.terminal}, publishes {o.publishes} → "
                f"{n.publishes}",
            )
        )
    for name in ("pathway_label", "paper", "contingent"):
        a, b = getattr(o, name), getattr(n, name)
        if a != b:
            out.append(Change("stage_lines_changed", sid, f"stage '{sid}': {name} {a!r} → {b!r}"))
    out.extend(_diff_deadlines(sid, o.deadlines, n.deadlines))
    return out


def _edge_key(t: Transition, rename: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    return t.trigger, tuple(sorted(rename.get(s, s) for s in t.source))


def _diff_transitions(old: Pathway, new: Pathway, rename: dict[str, str]) -> list[Change]:
    out = []
    o = {_edge_key(t, rename): t for t in old.transitions}
    n = {_edge_key(t, {}): t for t in new.transitions}
    for key, t in n.items():
        if key not in o:
            out.append(
                Change(
                    "transition_added",
                    t.trigger,
                    f"transition '{t.trigger}' from {', '.join(t.source)} to {t.dest} added",
                )
            )
    for key, t in o.items():
        if key not in n:
            out.append(
                Change(
                    "transition_removed",
                    t.trigger,
                    f"transition '{t.trigger}' from {', '.join(t.source)} to {t.dest} removed",
                )
            )
    for key, t in o.items():
        nt = n.get(key)
        if nt is None:
            continue
        if (t.join is None) != (nt.join is None) or t.join != nt.join:
            if nt.join is None:
                assert t.join is not None  # they differ, and the new one has none
                detail = f"transition '{t.trigger}' no longer joins the plans at {t.join.stage}"
                kind = "join_removed"
            elif t.join is None:
                detail = (
                    f"transition '{t.trigger}' now joins every plan of the cycle at {nt.join.stage}"
                )
                kind = "join_added"
            else:
                detail = f"transition '{t.trigger}' join {t.join.stage} → {nt.join.stage}"
                kind = "join_changed"
            out.append(Change(kind, t.trigger, detail))
        parts = []
        if rename.get(t.dest, t.dest) != nt.dest:
            parts.append(f"to {t.dest} → {nt.dest}")
        for f in ("roles", "requires"):
            plus = [x for x in getattr(nt, f) if x not in getattr(t, f)]
            minus = [x for x in getattr(t, f) if x not in getattr(nt, f)]
            if plus or minus:
                parts.append(
                    f"{f} " + " ".join([*(f"+{x}" for x in plus), *(f"-{x}" for x in minus)])
                )
        for f in ("guard", "notice", "decision"):
            if getattr(t, f) != getattr(nt, f):
                parts.append(f"{f} {_short(getattr(t, f))} → {_short(getattr(nt, f))}")
        if parts:
            words = "; ".join(parts)
            out.append(
                Change("transition_changed", t.trigger, f"transition '{t.trigger}': {words}")
            )
    return out


def _short(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if hasattr(value, "when"):
        return f"when {value.when}"
    return str(value)


def diff_pathways(old: Pathway, new: Pathway) -> list[Change]:
    """Every difference between two pathways, most significant first."""
    changes: list[Change] = []
    if (old.id, old.year, old.title) != (new.id, new.year, new.title):
        changes.append(
            Change(
                "pathway_changed", new.id, f"pathway {old.id} ({old.year}) → {new.id} ({new.year})"
            )
        )
    old_kd, new_kd = key_decision_routes(old), key_decision_routes(new)
    if old_kd and not new_kd:
        names = ", ".join(t.trigger for t in old_kd)
        changes.append(
            Change(
                "key_decision_dropped",
                new.id,
                f"the decision is no longer a Key Decision (the old pathway took it "
                f"as one by {names})",
            )
        )
    elif new_kd and not old_kd:
        names = ", ".join(t.trigger for t in new_kd)
        changes.append(
            Change("key_decision_added", new.id, f"the decision is now a Key Decision (by {names})")
        )
    pairs, removed, added = _pair_stages(old, new)
    for s in added:
        changes.append(
            Change(
                "stage_added",
                s.id,
                f"stage '{s.id}' ({s.title}) added, gate: {_gate_words(new, s)}",
            )
        )
    for s in removed:
        changes.append(Change("stage_removed", s.id, f"stage '{s.id}' ({s.title}) removed"))
    if pairs.get(old.initial, old.initial) != new.initial:
        changes.append(
            Change("initial_changed", new.initial, f"initial stage {old.initial} → {new.initial}")
        )
    new_stages = _by_id(new.stages)
    for o in old.stages:
        if o.id in pairs:
            changes.extend(_diff_stage(old, new, o, new_stages[pairs[o.id]]))
    changes.extend(_diff_transitions(old, new, pairs))
    changes.extend(_diff_set("role", _by_id(old.roles), _by_id(new.roles), "role"))
    changes.extend(_diff_set("body", _by_id(old.bodies), _by_id(new.bodies), "body"))
    changes.extend(
        _diff_set("content", _by_id(old.content), _by_id(new.content), "content item", "title")
    )
    for f in type(old.settings).model_fields:
        a, b = getattr(old.settings, f), getattr(new.settings, f)
        if a != b:
            changes.append(Change("settings_changed", f, f"setting {f}: {a} → {b}"))
    old_units, new_units = _units(old), _units(new)
    if old_units != new_units:
        gone = sorted(old_units[1] - new_units[1])
        came = sorted(new_units[1] - old_units[1])
        words = [f"+{s}" for s, _ in came] + [f"-{s}" for s, _ in gone]
        if old_units[0] != new_units[0]:
            words.insert(
                0, f"one plan per {old_units[0] or 'nothing'} → {new_units[0] or 'nothing'}"
            )
        changes.append(Change("fan_out_changed", new.id, "plans: " + "; ".join(words)))
    return changes


def _units(p: Pathway) -> tuple[str, set[tuple[str, str]]]:
    if p.fan_out is None:
        return "", set()
    return p.fan_out.per, {(u.subject, u.owner_role) for u in p.fan_out.units}


def changes_json(old: Pathway, new: Pathway, changes: list[Change]) -> dict[str, Any]:
    """The JSON form: both pathways' ids and years, and the list of changes."""
    return {
        "old": {"id": old.id, "year": old.year, "title": old.title},
        "new": {"id": new.id, "year": new.year, "title": new.title},
        "changes": [asdict(c) for c in changes],
    }


def format_changes(old: Pathway, new: Pathway, changes: list[Change]) -> str:
    """The readable form, one change a line."""
    head = f"{old.title} ({old.year}) → {new.title} ({new.year}): "
    if not changes:
        return head + "no changes\n"
    lines = [head + f"{len(changes)} change{'s' if len(changes) != 1 else ''}"]
    width = max(len(c.kind) for c in changes)
    lines += [f"  {c.kind:<{width}}  {c.detail}" for c in changes]
    return "\n".join(lines) + "\n"
