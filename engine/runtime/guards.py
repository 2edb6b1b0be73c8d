"""Guards on a transition: typed content values, required content, conditions, notice periods.

``--set KEY=VALUE`` values are coerced by their content item's type (date, number, money, boolean,
email, url, text, document); unknown keys are refused with a suggestion. Required content is the
transition's ``requires`` plus the source stage's ``requires`` (checked when leaving the stage),
after applying the new values. A ``notice: key_decision`` transition needs
``key_decision_notice_published`` to give at least 28 clear days before the decision date.

>>> coerce_value("money", "£1,250,000")
1250000
>>> coerce_value("boolean", "yes"), coerce_value("date", "2013-02-01")
(True, '2013-02-01')
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from govpath.errors import BadInput, Refused

if TYPE_CHECKING:
    from govpath.definition.model import Pathway, Stage, Transition

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_MONEY = re.compile(r"^(?P<num>\d+(\.\d+)?)(?P<unit>[km]|bn)?$")


def coerce_value(
    kind: str, raw: str, name: str = "value", url_schemes: tuple[str, ...] = ()
) -> Any:
    """RAW (a command-line string) as a value of content type KIND; BadInput when it is not one."""
    text = raw.strip()
    if kind == "url":
        from govpath.safe_output import url_problem

        why = url_problem(text, url_schemes)
        if why:
            raise BadInput(f"{name} {why}, not {raw!r}.")
        return text
    if kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise BadInput(f"{name} is a date: write it as YYYY-MM-DD, not {raw!r}.") from None
    if kind in ("number", "money"):
        clean = text.replace(",", "").replace("_", "").lstrip("£").strip().lower()
        m = _MONEY.match(clean) if kind == "money" else None
        try:
            if m and m["unit"]:
                factor = {"k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}[m["unit"]]
                value = float(m["num"]) * factor
            else:
                value = float(clean)
        except ValueError:
            what = "an amount of money (e.g. 1250000 or £1.25m)" if kind == "money" else "a number"
            raise BadInput(f"{name} is {what}, not {raw!r}.") from None
        return int(value) if value == int(value) else value
    if kind == "boolean":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise BadInput(f"{name} is yes or no (true/false), not {raw!r}.")
    if kind == "email":
        from govpath.runtime.addresses import address_problem

        why = address_problem(text)
        if why:
            raise BadInput(f"{name} is one e-mail address, not {raw!r}: {why}.")
    return text


def parse_assignments(pathway: Pathway, pairs: Mapping[str, str]) -> dict[str, Any]:
    """``--set`` values typed by the pathway's content items; unknown keys refused, with a hint."""
    items = {c.id: c for c in pathway.content}
    out: dict[str, Any] = {}
    for key, raw in pairs.items():
        key = key.strip()
        if key not in items:
            close = difflib.get_close_matches(key, list(items), n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            known = ", ".join(sorted(items)) or "none"
            raise Refused(
                f"'{key}' is not content of pathway '{pathway.id}'.{hint} "
                f"Content it knows: {known}."
            )
        out[key] = coerce_value(
            items[key].type,
            raw,
            f"{key} ({items[key].title})",
            tuple(getattr(pathway.settings, "url_schemes", ())),
        )
    return out


def is_set(value: Any) -> bool:
    """Whether a content value counts as present (False is a value; empty text is not)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def required_content(pathway: Pathway, transition: Transition, source: Stage) -> list[str]:
    """The content a transition needs: its own ``requires`` and its source stage's (on leaving)."""
    needed: list[str] = []
    leaving = transition.dest != source.id
    for cid in (*transition.requires, *(source.requires if leaving else ())):
        if cid not in needed:
            needed.append(cid)
    return needed


def missing_content(pathway: Pathway, needed: list[str], fields: Mapping[str, Any]) -> list[str]:
    """Those of NEEDED not set in FIELDS."""
    return [cid for cid in needed if not is_set(fields.get(cid))]


def describe_missing(pathway: Pathway, missing: list[str]) -> str:
    """'qa_letter_ref (QA letter reference), final_plan (Final plan)'."""
    titles = {c.id: c.title for c in pathway.content}
    return ", ".join(f"{cid} ({titles[cid]})" if cid in titles else cid for cid in missing)


@functools.lru_cache(maxsize=256)
def _parsed(expr: str) -> Any:
    from govpath.definition.conditions import parse

    return parse(expr)


def check_condition(pathway: Pathway, transition: Transition, fields: Mapping[str, Any]) -> None:
    """Refuse when the transition's guard does not hold."""
    guard = transition.guard
    if guard is None:
        return
    from govpath.definition.conditions import evaluate

    if evaluate(_parsed(guard.when), fields, pathway.settings):
        return
    why = guard.message.strip() or f"its condition '{guard.when}' does not hold"
    raise Refused(f"'{transition.trigger}' cannot fire: {why.rstrip('.')}.")


def notice_check(
    pathway: Pathway, transition: Transition, fields: Mapping[str, Any], decision_date: dt.date
) -> dict[str, Any]:
    """The notice route of a decision; Refused when a key decision lacks 28 clear days' notice."""
    if transition.notice is None:
        return {}
    from govpath.calendars.rules import notice_clear_days, parse_rule, route_needed
    from govpath.calendars.workdays import get_policy

    policy = get_policy(pathway.settings.working_days)
    field_name = f"{transition.notice}_notice_published"
    raw = fields.get(field_name)
    published = dt.date.fromisoformat(raw) if isinstance(raw, str) and raw else None
    info: dict[str, Any] = {
        "route": transition.notice,
        "notice_published": published.isoformat() if published else None,
        "clear_days": notice_clear_days(published, decision_date) if published else None,
    }
    if transition.notice != "key_decision":
        return info
    route = route_needed(published, decision_date, policy)
    if route == "key_decision":
        return info
    latest = parse_rule("key-decision-notice").apply(decision_date, policy)
    given = (
        f"the notice was published on {published.isoformat()}, "
        f"{info['clear_days']} clear days before"
        if published
        else "no notice date is recorded"
    )
    alternatives = [
        t.trigger
        for t in pathway.transitions
        if t.notice == route and set(t.source) & set(transition.source)
    ]
    via = f" ('{alternatives[0]}')" if alternatives else ""
    raise Refused(
        f"a key decision on {decision_date.isoformat()} needs its notice published at least "
        "28 clear "
        f"days before (by {latest.isoformat()}); {given}. This decision can only take the "
        f"{route} route{via}."
    )
