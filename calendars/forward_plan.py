"""Check a forward plan of key decisions: does each notice give 28 clear days before its decision?

A forward plan is a YAML list (or ``items:`` list) or a CSV file with a header. Each item has a
``reference``, a ``decision_date`` and a ``notice_published`` date (blank: no notice yet);
``title`` is optional. Header spellings such as "Decision date" and "Notice published" work.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import CalendarError, Problem

_ALIASES = {
    "reference": "reference",
    "ref": "reference",
    "id": "reference",
    "decision_date": "decision_date",
    "decision": "decision_date",
    "date_of_decision": "decision_date",
    "notice_published": "notice_published",
    "notice_published_date": "notice_published",
    "notice_date": "notice_published",
    "published": "notice_published",
    "title": "title",
    "subject": "title",
}


@dataclass
class ForwardPlanItem:
    reference: str
    title: str
    decision_date: dt.date
    notice_published: dt.date | None
    line: int


@dataclass
class NoticeCheck:
    item: ForwardPlanItem
    clear_days: int | None
    route: str  # key_decision | general_exception | special_urgency
    flagged: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.item.reference,
            "title": self.item.title,
            "decision_date": self.item.decision_date.isoformat(),
            "notice_published": self.item.notice_published.isoformat()
            if self.item.notice_published
            else None,
            "clear_days": self.clear_days,
            "route": self.route,
            "flagged": self.flagged,
            "message": self.message,
        }


def _key(name: Any) -> str:
    return _ALIASES.get(re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_"), "")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(text)


def _rows(text: str, path: str) -> list[tuple[int, dict[str, Any]]]:
    if Path(path).suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        return [(reader.line_num, dict(row)) for row in reader]
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from engine.safeio import YamlRefused, compose_bounded

    try:
        compose_bounded(YAML(typ="rt"), text)  # aliases, self-reference and nesting bounded
        doc = YAML(typ="rt").load(text)
    except YamlRefused as exc:
        raise CalendarError([Problem(path, exc.line, exc.column, exc.message)]) from None
    except (YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise CalendarError([Problem(path, line, col, f"not valid YAML: {exc}")]) from None
    if isinstance(doc, dict):
        doc = doc.get("items", doc.get("decisions"))
    if not isinstance(doc, list):
        raise CalendarError([Problem(path, 1, 1, "expected a list of items (or 'items:')")])
    rows = []
    for i, item in enumerate(doc):
        line = doc.lc.item(i)[0] + 1 if hasattr(doc, "lc") else 1
        rows.append((line, dict(item) if isinstance(item, dict) else {}))
    return rows


def read_forward_plan(path: str | Path) -> list[ForwardPlanItem]:
    """Items of a YAML or CSV forward plan; CalendarError with every located problem."""
    from calendars.sources import read_text

    text = read_text(path)
    items: list[ForwardPlanItem] = []
    problems: list[Problem] = []
    for line, row in _rows(text, str(path)):
        data = {_key(k): v for k, v in row.items() if _key(k)}
        ref = str(data.get("reference") or "").strip()
        if not ref:
            problems.append(Problem(str(path), line, 1, "the item has no reference"))
            continue
        try:
            decision = _date(data.get("decision_date"))
        except ValueError as exc:
            problems.append(
                Problem(str(path), line, 1, f"{ref}: decision date {exc} is not a date")
            )
            continue
        if decision is None:
            problems.append(Problem(str(path), line, 1, f"{ref}: no decision date"))
            continue
        try:
            published = _date(data.get("notice_published"))
        except ValueError as exc:
            problems.append(Problem(str(path), line, 1, f"{ref}: notice date {exc} is not a date"))
            continue
        items.append(ForwardPlanItem(ref, str(data.get("title") or ""), decision, published, line))
    if problems:
        raise CalendarError(problems)
    return items


def check_items(items: list[ForwardPlanItem], policy: Any = None) -> list[NoticeCheck]:
    """Each item's clear days of notice and the route it needs; flagged unless key_decision."""
    from calendars.rules import notice_clear_days, route_needed

    out = []
    for item in items:
        route = route_needed(item.notice_published, item.decision_date, policy)
        if item.notice_published is None:
            clear = None
            text = "no notice published yet"
        else:
            clear = notice_clear_days(item.notice_published, item.decision_date)
            text = f"{clear} clear days of notice"
        flagged = route != "key_decision"
        if flagged:
            text += f": fewer than 28, so the decision needs the {route.replace('_', ' ')} route"
        out.append(NoticeCheck(item, clear, route, flagged, text))
    return out
