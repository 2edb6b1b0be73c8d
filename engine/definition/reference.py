"""The definition language reference (docs/definition-language.md), generated from the records' schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REFERENCE_FILE = Path(__file__).resolve().parents[2] / "docs" / "definition-language.md"

# The order a reader meets the records in a pathway file.
ORDER = [
    "Pathway",
    "Settings",
    "Role",
    "Body",
    "ContentItem",
    "Stage",
    "GateDate",
    "GateFirstIn",
    "GateOnOrAfter",
    "GateAfterPrevious",
    "Window",
    "Deadline",
    "Reminder",
    "Escalation",
    "Transition",
    "Condition",
    "Join",
    "FanOut",
    "PlanUnit",
]

INTRO = """\
# The pathway definition language

A pathway is one YAML file per planning year in `workflows/`. This page is generated from the
records in `engine/definition/model.py` (run `python -m govpath.definition.reference`); the same
records give the JSON Schema shipped at `engine/definition/pathway.schema.json`, which editors can
use for validation and completion (for VS Code's YAML extension, put
`# yaml-language-server: $schema=../../engine/definition/pathway.schema.json` at the top of a file).

Check a file with `govpath validate PATH`; read it back with `govpath pathway show PATH`; compare
two years with `govpath pathway diff OLD NEW`. The seed years in `workflows/kcc/` are worked
examples, each line citing the committee paper it comes from.

Rule phrases (deadlines, reminders, escalations) are those of `govpath deadline`:
`"10 working days before"`, `"5 clear working days before"`, `"28 clear days before"`,
`"3 working days after"`, `"2 weeks before"`, or a named statutory rule: `agenda-publication`,
`key-decision-notice`, `general-exception-notice`, `call-in-end`, `effective-from`. A pathway may
redefine a named rule under `settings.rules`.

A gate names a meeting, never a bare date: `{body: pr_cc, on: 2013-01-08}`,
`{body: cabinet, first_in: 2013-03}`, `{body: cmm, on_or_after: 2015-05-01}` or
`{body: cabinet, after: previous}`. When the meeting moves, every deadline counted from it moves.

The "Past Pathway of Paper" and "Future Pathway of Paper" lines of a committee paper
(`govpath report pathway`) are made from the stages: a gated stage prints its meeting as
`P&R CC (14.03.16)` (`Cabinet Key Decision (18.03.13)` where it takes a Key Decision); a stage with
a `pathway_label` prints the label instead (`Cabinet Members Meeting`, `For approval by relevant
Cabinet Members and Corporate Director`); each step prints once. A meeting is past only once held;
`contingent` stages (a called-in reconsideration) are left out until the plan is in them; a
pathway that carries more than one paper (an approach paper before the plan) gives each stage its
`paper`, and a paper's lines list only its own stages. The wording ("Past Pathway of Paper" or
"Past Pathway") and the empty values ("None" or "N/A") are `settings.pathway_lines`.

A deadline is met only by its own act. With `met_by`, only that trigger meets it (on time, early,
or late once missed: it then reads "met late"). If the plan leaves the stage by another trigger,
the deadline is carried — the same deadline, not a second one — to the next stage when that stage
has a deadline of the same id; otherwise its `on_leave` says what happens: `carry` (still owed,
reminded and escalated where the plan now is), `supersede` (closed, and the transition's trail
event lists it under `deadlines_superseded`) or `refuse` (the transition is refused, naming the
deadline still owed). Statutory notices (`agenda-publication`, `key-decision-notice`,
`general-exception-notice`) default to `carry` and may never be superseded. Without `met_by`,
leaving the stage is the act (a period such as the call-in period).

A decision transition (`decision: true`) may record with `--set` the statutory content of its
record (reg. 12): `reasons`, `alternatives` (considered and rejected), `interests` (conflicts of
interest declared) and `dispensations` (granted); on the general exception route,
`scrutiny_chair_informed` (the day the overview and scrutiny chair was told in writing, reg. 10);
and `decision_record_published`, from which call-in runs (a deadline with
`anchor: decision_record`).
"""


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"] if p.get("type") != "null") + (
            " (optional)" if any(p.get("type") == "null" for p in prop["anyOf"]) else ""
        )
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object" and "additionalProperties" in prop:
        return f"mapping to {_type(prop['additionalProperties'])}"
    fmt = prop.get("format")
    if prop.get("pattern"):
        return f"{kind} matching `{prop['pattern']}`"
    return f"{kind} ({fmt})" if fmt else kind


def _default(prop: dict[str, Any]) -> str:
    if "default" not in prop:
        return ""
    value = prop["default"]
    if isinstance(value, dict):
        return "see its section" if value else "empty"
    if value in ((), [], None, ""):
        return "empty" if value not in (None,) else "none"
    return f"`{value}`"


def render() -> str:
    """The whole reference as Markdown."""
    from .schema import json_schema

    schema = json_schema()
    defs = dict(schema.get("$defs", {}))
    defs["Pathway"] = {k: v for k, v in schema.items() if k not in ("$defs", "$schema", "$id")}
    defs["Pathway"]["title"] = "Pathway"
    lines = [INTRO]
    for name in ORDER + sorted(set(defs) - set(ORDER)):
        d = defs.get(name)
        if not d:
            continue
        from . import model

        doc = (getattr(model, name).__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        lines.append(f"## {name}\n\n{doc}\n")
        required = set(d.get("required", []))
        lines.append("| key | type | required | default | meaning |")
        lines.append("| --- | --- | --- | --- | --- |")
        for key, prop in d.get("properties", {}).items():
            desc = (prop.get("description") or "").replace("|", "\\|").replace("\n", " ")
            lines.append(
                f"| `{key}` | {_type(prop)} | {'yes' if key in required else ''} "
                f"| {_default(prop)} | {desc} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    """Rewrite docs/definition-language.md."""
    REFERENCE_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {REFERENCE_FILE}")


if __name__ == "__main__":
    main()
