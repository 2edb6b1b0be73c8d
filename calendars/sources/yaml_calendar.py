"""The project's own YAML calendar format, read with the line and column of every problem.

Format::

    calendar: kcc-2012-13
    timezone: Europe/London        # optional; times are local to it
    closures: [2012-12-27]         # optional: dates, or {from: DATE, to: DATE}
    meetings:
      - {body: pr_cc, date: 2013-01-08, time: "10:00", title: "...", place: "...",
         status: scheduled, id: optional-stable-id}

A meeting's ``id`` is its identity on re-import; without one, body and date are.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any

from govpath.calendars.meetings import STATUSES, Meeting
from govpath.calendars.sources import CalendarFile
from govpath.errors import CalendarError, Problem

TOP_KEYS = ("calendar", "timezone", "closures", "meetings", "description", "source")
MEETING_KEYS = ("body", "date", "time", "title", "place", "status", "id", "original_date")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class Map(dict[Any, Any]):
    """A YAML mapping with the (line, column) of its start, each key and each value."""

    at: tuple[int, int] = (1, 1)
    keys_at: dict[Any, tuple[int, int]]
    values_at: dict[Any, tuple[int, int]]


class Seq(list[Any]):
    """A YAML sequence with the (line, column) of its start and of each item."""

    at: tuple[int, int] = (1, 1)
    items_at: list[tuple[int, int]]


def _mark(node: Any) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: Any) -> Any:
    """A scalar's value; dates that are not real dates stay text (and are reported as such)."""
    tag = node.tag if isinstance(node.tag, str) else str(getattr(node.tag, "value", node.tag))
    value = node.value
    if node.style in ("'", '"'):
        return value
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return value.lower() in ("true", "yes", "on")
    if tag.endswith(":int"):
        try:
            return int(value, 0)
        except ValueError:
            return value
    if tag.endswith(":float"):
        try:
            return float(value)
        except ValueError:
            return value
    if tag.endswith(":timestamp"):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _plain(node: Any) -> Any:
    """The composed node tree as Map / Seq / scalars, keeping positions."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if isinstance(node, MappingNode):
        out = Map()
        out.at, out.keys_at, out.values_at = _mark(node), {}, {}
        for key_node, value_node in node.value:
            key = (
                _scalar(key_node)
                if not isinstance(key_node, MappingNode | SequenceNode)
                else str(key_node)
            )
            out[key] = _plain(value_node)
            out.keys_at[key] = _mark(key_node)
            out.values_at[key] = _mark(value_node)
        return out
    if isinstance(node, SequenceNode):
        seq = Seq(_plain(item) for item in node.value)
        seq.at, seq.items_at = _mark(node), [_mark(item) for item in node.value]
        return seq
    return _scalar(node)


class _Reader:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def pos(self, node: Any, key: Any = None, item: int | None = None) -> tuple[int, int]:
        if isinstance(node, Map):
            return node.values_at.get(key, node.at) if key is not None else node.at
        if isinstance(node, Seq):
            if item is not None and 0 <= item < len(node.items_at):
                return node.items_at[item]
            return node.at
        return (1, 1)

    def key_pos(self, node: Any, key: Any) -> tuple[int, int]:
        if isinstance(node, Map):
            return node.keys_at.get(key, node.at)
        return self.pos(node)

    def error(self, at: tuple[int, int], message: str, where: str = "") -> None:
        self.problems.append(Problem(self.path, at[0], at[1], message, where))


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _closures(r: _Reader, node: Any) -> list[dt.date]:
    out: list[dt.date] = []
    if node is None:
        return out
    if not isinstance(node, list):
        r.error(r.pos(node), "closures must be a list of dates or {from, to} ranges", "closures")
        return out
    for i, item in enumerate(node):
        at = r.pos(node, item=i)
        if isinstance(item, dict):
            start, end = _as_date(item.get("from")), _as_date(item.get("to"))
            if start is None or end is None or end < start:
                r.error(
                    at, "a closure range needs 'from' and 'to' dates, in order", f"closures[{i}]"
                )
                continue
            out.extend(start + dt.timedelta(days=n) for n in range((end - start).days + 1))
        else:
            d = _as_date(item)
            if d is None:
                r.error(at, f"closure {item!r} is not a date (YYYY-MM-DD)", f"closures[{i}]")
            else:
                out.append(d)
    return out


def _meeting(r: _Reader, node: Any, i: int, tz: Any) -> Meeting | None:
    from govpath.zone import council_zone

    where = f"meetings[{i}]"
    if not isinstance(node, dict):
        r.error(r.pos(node), "a meeting must be a mapping with body, date, time, title…", where)
        return None
    ok = True
    for key in node:
        if key not in MEETING_KEYS:
            near = difflib.get_close_matches(str(key), MEETING_KEYS, n=1)
            hint = (
                f"; did you mean '{near[0]}'?" if near else f" (allowed: {', '.join(MEETING_KEYS)})"
            )
            r.error(r.key_pos(node, key), f"unknown key '{key}'{hint}", f"{where}.{key}")
            ok = False
    body = node.get("body")
    if body is None:
        r.error(r.pos(node), "the meeting has no 'body'", where)
        ok = False
    elif not isinstance(body, str) or not _ID.match(body):
        r.error(
            r.pos(node, "body"),
            f"body {body!r} is not a body id (lower case, digits, _)",
            f"{where}.body",
        )
        ok = False
    raw_date = node.get("date")
    date = _as_date(raw_date)
    if raw_date is None:
        r.error(r.pos(node), "the meeting has no 'date'", where)
        ok = False
    elif date is None:
        r.error(
            r.pos(node, "date"), f"date {raw_date!r} is not a date (YYYY-MM-DD)", f"{where}.date"
        )
        ok = False
    time: dt.time | None = None
    raw_time = node.get("time")
    if raw_time is not None and raw_time != "":
        m = _TIME.match(str(raw_time).strip()) if isinstance(raw_time, str) else None
        if m is None:
            hint = ' (write it in quotes, e.g. "10:00")' if isinstance(raw_time, int) else ""
            r.error(r.pos(node, "time"), f"time {raw_time!r} is not HH:MM{hint}", f"{where}.time")
            ok = False
        else:
            time = dt.time(int(m[1]), int(m[2]))
    status = node.get("status", "scheduled")
    if status not in STATUSES:
        r.error(
            r.pos(node, "status"),
            f"status {status!r} is not one of {', '.join(STATUSES)}",
            f"{where}.status",
        )
        ok = False
    original = node.get("original_date")
    if original is not None and _as_date(original) is None:
        r.error(
            r.pos(node, "original_date"),
            f"original_date {original!r} is not a date",
            f"{where}.original_date",
        )
        ok = False
    for key in ("title", "place"):
        if node.get(key) is not None and not isinstance(node.get(key), str):
            r.error(r.pos(node, key), f"{key} must be text", f"{where}.{key}")
            ok = False
    mid = node.get("id")
    if mid is not None and (
        not isinstance(mid, str | int) or isinstance(mid, bool) or str(mid) == ""
    ):
        r.error(r.pos(node, "id"), f"id {mid!r} must be text or a number", f"{where}.id")
        ok = False
    if not ok:
        return None
    assert body is not None and date is not None
    council = council_zone()
    if time is not None and tz is not None and str(tz) != council.key:
        local = dt.datetime.combine(date, time, tzinfo=tz).astimezone(council)
        date, time = local.date(), local.time().replace(tzinfo=None)
    return Meeting(
        body=body,
        date=date,
        time=time,
        title=str(node.get("title") or ""),
        place=str(node.get("place") or ""),
        status=str(status),
        source="yaml",
        source_id=str(mid) if mid is not None else f"{body}@{date.isoformat()}",
        original_date=_as_date(original) if original is not None else None,
    )


def parse_yaml_calendar(text: str, path: str = "<string>") -> CalendarFile:
    """Parse the YAML calendar; CalendarError listing every problem with its line and column."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from govpath.safeio import YamlRefused, compose_bounded, fast_yaml

    # The C composer (libyaml) keeps positions, and 200,000 meetings are read in seconds.
    yaml = fast_yaml("safe", pure=False)
    try:
        root = compose_bounded(yaml, text)  # aliases, self-reference and nesting bounded
        doc = _plain(root) if root is not None else None
    except YamlRefused as exc:
        raise CalendarError([Problem(path, exc.line, exc.column, exc.message)]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = " ".join(str(exc.problem or exc.context or "is not valid YAML").split())
        raise CalendarError([Problem(path, line, col, f"not valid YAML: {msg}")]) from None
    except YAMLError as exc:
        raise CalendarError([Problem(path, 1, 1, f"not valid YAML: {exc}")]) from None
    r = _Reader(path)
    if not isinstance(doc, dict):
        raise CalendarError(
            [Problem(path, 1, 1, "a calendar must be a mapping with 'calendar' and 'meetings'")]
        )
    for key in doc:
        if key not in TOP_KEYS:
            near = difflib.get_close_matches(str(key), TOP_KEYS, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else f" (allowed: {', '.join(TOP_KEYS)})"
            r.error(r.key_pos(doc, key), f"unknown key '{key}'{hint}", str(key))
    name = doc.get("calendar")
    if name is not None and not isinstance(name, str):
        r.error(r.pos(doc, "calendar"), "calendar must be a name", "calendar")
    tz = None
    from govpath.zone import zone_name

    tz_name = doc.get("timezone") or zone_name()
    try:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(str(tz_name))
    except (KeyError, ValueError):
        r.error(
            r.pos(doc, "timezone"), f"timezone {tz_name!r} is not an IANA time zone", "timezone"
        )
    closures = _closures(r, doc.get("closures"))
    meetings_node = doc.get("meetings")
    meetings: list[Meeting] = []
    if meetings_node is None:
        r.error(r.pos(doc), "the calendar has no 'meetings' list", "meetings")
    elif not isinstance(meetings_node, list):
        r.error(r.pos(doc, "meetings"), "meetings must be a list", "meetings")
    else:
        ids: dict[str, int] = {}
        for i, node in enumerate(meetings_node):
            m = _meeting(r, node, i, tz)
            if m is None:
                continue
            if m.source_id in ids:
                r.error(
                    r.pos(node),
                    f"meeting {m.source_id!r} appears twice "
                    f"(first as meetings[{ids[m.source_id]}])",
                    f"meetings[{i}]",
                )
                continue
            ids[m.source_id] = i
            meetings.append(m)
    if r.problems:
        raise CalendarError(sorted(r.problems, key=lambda p: (p.line, p.column)))
    return CalendarFile(path, "yaml", meetings, closures, [], str(name or ""))
