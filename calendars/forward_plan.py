"""Check a forward plan of key decisions: does each notice give 28 clear days before its decision?

A forward plan is a YAML list (or ``items:`` list) or a CSV file with a header. Each item has a
``reference``, a ``decision_date`` and a ``notice_published`` date (blank: no notice yet);
``title`` is optional. Header spellings such as "Decision date" and "Notice published" work.
Dates may be written as forward plans print them: "Not before 30th Sep 2025", "6 Feb 2018",
"30/09/2025" or ISO "2025-09-30".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govpath.errors import CalendarError, Problem

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


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*,?\s+)?"
_WORDY = re.compile(
    _WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})", re.IGNORECASE
)
_NUMERIC = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NOT_BEFORE = re.compile(r"^(?:not\s+before|no\s+earlier\s+than|on\s+or\s+after)\s+", re.I)
DATE_FORMS = "30/09/2025, 30 Sep 2025, 30th September 2025 or 2025-09-30"


def parse_printed_date(text: str) -> dt.date:
    """A date as forward plans print it; ValueError(text) when it is none of the forms.

    "Not before" (the decision is due on that day at the earliest) counts as the day itself.

    >>> parse_printed_date("Not before 30th Sep 2025"), parse_printed_date("6 Feb 2018")
    (datetime.date(2025, 9, 30), datetime.date(2018, 2, 6))
    >>> parse_printed_date("30/09/2025"), parse_printed_date("2025-09-30")
    (datetime.date(2025, 9, 30), datetime.date(2025, 9, 30))
    """
    body = _NOT_BEFORE.sub("", text.strip()).strip()
    try:
        if m := _ISO.fullmatch(body):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.fullmatch(body):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if (m := _WORDY.fullmatch(body)) and m[2].lower() in _MONTHS:
            return dt.date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    except ValueError:
        pass  # a day the month does not have: 31/09/2025
    raise ValueError(text.strip())


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    return parse_printed_date(text)


Row = tuple[int, dict[str, Any], dict[str, int]]  # line, fields, column of each field's value


def _csv_rows(text: str) -> list[Row]:
    lines = text.splitlines()
    reader = csv.DictReader(io.StringIO(text))
    rows: list[Row] = []
    for row in reader:
        raw = lines[reader.line_num - 1] if 0 < reader.line_num <= len(lines) else ""
        cols = {}
        for k, v in row.items():
            at = raw.find(str(v)) if isinstance(v, str) and v.strip() else -1
            cols[str(k)] = at + 1 if at >= 0 else 1
        rows.append((reader.line_num, dict(row), cols))
    return rows


def _rows(text: str, path: str) -> list[Row]:
    if Path(path).suffix.lower() == ".csv":
        return _csv_rows(text)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from govpath.safeio import YamlRefused, compose_bounded

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
    rows: list[Row] = []
    for i, item in enumerate(doc):
        line = doc.lc.item(i)[0] + 1 if hasattr(doc, "lc") else 1
        cols: dict[str, int] = {}
        if isinstance(item, dict) and hasattr(item, "lc"):
            for k in item:
                try:
                    vline, vcol = item.lc.value(k)
                except (KeyError, TypeError):
                    continue
                if vline + 1 == line:  # flow style on one line: the column locates the value
                    cols[str(k)] = vcol + 1
        rows.append((line, dict(item) if isinstance(item, dict) else {}, cols))
    return rows


def read_forward_plan(path: str | Path) -> list[ForwardPlanItem]:
    """Items of a YAML or CSV forward plan; CalendarError with every located problem."""
    from govpath.calendars.sources import read_text

    text = read_text(path)
    items: list[ForwardPlanItem] = []
    problems: list[Problem] = []
    for line, row, cols in _rows(text, str(path)):
        data = {_key(k): v for k, v in row.items() if _key(k)}
        where = {_key(k): c for k, c in cols.items() if _key(k)}
        ref = str(data.get("reference") or "").strip()
        if not ref:
            problems.append(Problem(str(path), line, 1, "the item has no reference"))
            continue
        dates: dict[str, dt.date | None] = {}
        for field, words in (
            ("decision_date", "decision date"),
            ("notice_published", "notice date"),
        ):
            try:
                dates[field] = _date(data.get(field))
            except ValueError as exc:
                problems.append(
                    Problem(
                        str(path),
                        line,
                        where.get(field, 1),
                        f"{ref}: {words} {exc} is not a date: write it as {DATE_FORMS}",
                    )
                )
                break
        else:
            decision, published = dates["decision_date"], dates["notice_published"]
            if decision is None:
                problems.append(Problem(str(path), line, 1, f"{ref}: no decision date"))
                continue
            items.append(
                ForwardPlanItem(ref, str(data.get("title") or ""), decision, published, line)
            )
    if problems:
        raise CalendarError(problems)
    return items


def check_items(items: list[ForwardPlanItem], policy: Any = None) -> list[NoticeCheck]:
    """Each item's clear days of notice and the route it needs; flagged unless key_decision."""
    from govpath.calendars.rules import notice_clear_days, route_needed

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
