"""iCalendar (.ics) calendars: each VEVENT mapped to a body by its title, times in Europe/London.

Timed events written with a TZID or in UTC are converted to local time (so a summer event at
09:00Z is a 10:00 BST meeting); floating times are taken as local; all-day events have no time.
``STATUS:CANCELLED`` makes the meeting cancelled. A re-import is matched by UID (plus the
RECURRENCE-ID of a changed occurrence). Titles that match no body are skipped with a note.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from govpath.calendars.meetings import Meeting
from govpath.calendars.sources import CalendarFile
from govpath.calendars.sources.bodies import BodyMatcher, Patterns
from govpath.errors import CalendarError, Problem

_CONTENT_LINE = re.compile(
    r'^[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*:'
)


@dataclass
class _Block:
    """Where a VEVENT starts and where each of its properties is (1-based lines)."""

    line: int
    props: dict[str, int] = field(default_factory=dict)


def _scan(text: str, path: str) -> tuple[list[_Block], list[Problem]]:
    """Check the content lines and BEGIN/END nesting, remembering where each VEVENT's lines are."""
    problems: list[Problem] = []
    logical: list[tuple[int, str]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + raw[1:])
        elif raw.strip():
            logical.append((n, raw))
    stack: list[tuple[str, int]] = []
    blocks: list[_Block] = []
    current: _Block | None = None
    if not logical or logical[0][1].strip().upper() != "BEGIN:VCALENDAR":
        first = logical[0][0] if logical else 1
        problems.append(
            Problem(path, first, 1, "an iCalendar file must start with BEGIN:VCALENDAR")
        )
    for n, line in logical:
        if not _CONTENT_LINE.match(line):
            problems.append(Problem(path, n, 1, f"not an iCalendar content line: {line[:60]!r}"))
            continue
        name = re.split(r"[;:]", line, maxsplit=1)[0].upper()
        value = line.split(":", 1)[1].strip().upper() if name in ("BEGIN", "END") else ""
        if name == "BEGIN":
            stack.append((value, n))
            if value == "VEVENT":
                current = _Block(n)
                blocks.append(current)
        elif name == "END":
            if not stack or stack[-1][0] != value:
                open_ = f"{stack[-1][0]} opened on line {stack[-1][1]}" if stack else "nothing open"
                problems.append(Problem(path, n, 1, f"END:{value} does not close {open_}"))
                continue
            stack.pop()
            if value == "VEVENT":
                current = None
        elif current is not None and stack and stack[-1][0] == "VEVENT":
            current.props.setdefault(name, n)
    for comp, n in stack:
        problems.append(Problem(path, n, 1, f"BEGIN:{comp} is never closed with END:{comp}"))
    return blocks, problems


def _local(value: Any, tz: Any) -> tuple[dt.date, dt.time | None]:
    """A DTSTART value as a local date and time (None for an all-day event)."""
    if isinstance(value, dt.datetime):
        local = value.astimezone(tz) if value.tzinfo else value
        return local.date(), local.time().replace(tzinfo=None, second=0, microsecond=0)
    return value, None


def parse_ics(
    text: str, path: str = "<string>", body_patterns: Patterns | None = None
) -> CalendarFile:
    """Parse an iCalendar file; CalendarError with the line of every malformed part."""
    import icalendar

    from govpath.zone import council_zone

    blocks, problems = _scan(text, path)
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError and friends for broken structure
        problems = problems or [Problem(path, 1, 1, f"not a valid iCalendar file: {exc}")]
        raise CalendarError(problems) from None
    if len(blocks) != len(list(cal.walk("VEVENT"))):  # structure too broken to pair events
        raise CalendarError(problems or [Problem(path, 1, 1, "the events cannot be read")])
    matcher = BodyMatcher(body_patterns)
    tz = council_zone()
    events = list(cal.walk("VEVENT"))
    out = CalendarFile(path, "ics", name=str(cal.get("X-WR-CALNAME", "")))
    for i, ev in enumerate(events):
        block = blocks[i] if i < len(blocks) else _Block(1)
        for prop, msg in getattr(ev, "errors", []) or []:
            if prop is None:  # a content line icalendar could not split: reported by _scan
                continue
            line = block.props.get(str(prop).upper(), block.line)
            problems.append(Problem(path, line, 1, f"{prop}: {msg}"))
        start = ev.get("DTSTART")
        if start is None:
            problems.append(Problem(path, block.line, 1, "the event has no DTSTART"))
            continue
        try:
            value = start.dt
        except Exception:  # icalendar's broken-property error
            value = None
        if not isinstance(value, dt.date):
            if not any(str(prop).upper() == "DTSTART" for prop, _ in ev.errors or []):
                line = block.props.get("DTSTART", block.line)
                problems.append(Problem(path, line, 1, "DTSTART is not a date or date-time"))
            continue
        date, time = _local(value, tz)
        title = " ".join(str(ev.get("SUMMARY", "")).split())
        body = matcher.match(title)
        if body is None:
            out.notes.append(
                f"{path}:{block.line}: skipped '{title or '(no title)'}' on {date.isoformat()}: "
                "no body matches its title (add --map 'REGEX=BODY')"
            )
            continue
        uid = str(ev.get("UID", "")).strip() or f"{body}@{date.isoformat()}"
        rid = ev.get("RECURRENCE-ID")
        if rid is not None and isinstance(getattr(rid, "dt", None), dt.date):
            rid_value = rid.dt
            if isinstance(rid_value, dt.datetime) and rid_value.tzinfo:
                rid_value = rid_value.astimezone(dt.UTC)
            uid = f"{uid}#{rid_value.isoformat()}"
        status = str(ev.get("STATUS", "")).strip().upper()
        if ev.get("RRULE") is not None:
            out.notes.append(
                f"{path}:{block.line}: '{title}' repeats (RRULE); only its first meeting "
                f"({date.isoformat()}) was read"
            )
        out.meetings.append(
            Meeting(
                body=body,
                date=date,
                time=time,
                title=title,
                place=" ".join(str(ev.get("LOCATION", "")).split()),
                status="cancelled" if status == "CANCELLED" else "scheduled",
                source="ics",
                source_id=uid,
            )
        )
    if problems:
        raise CalendarError(sorted(problems, key=lambda p: (p.line, p.column)))
    return out
