"""Read a calendar file (project YAML, iCalendar or ModernGov GetMeetings XML) into meetings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from govpath.errors import CalendarError, Problem

if TYPE_CHECKING:
    from govpath.calendars.meetings import Meeting
    from govpath.calendars.sources.bodies import Patterns


@dataclass
class CalendarFile:
    """What one file gave: its meetings, closure days and notes (e.g. titles matched to no body)."""

    path: str
    format: str  # yaml | ics | moderngov
    meetings: list[Meeting] = field(default_factory=list)
    closures: list[dt.date] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    name: str = ""


def read_text(path: str | Path) -> str:
    """The file as text (UTF-8, a byte-order mark dropped); CalendarError when unreadable."""
    from govpath.safeio import MAX_CALENDAR_BYTES, FileRefused, read_limited

    p = Path(path)
    try:
        return read_limited(p, MAX_CALENDAR_BYTES, "calendar").decode("utf-8-sig")
    except FileRefused as exc:
        raise CalendarError([Problem(str(path), 1, 1, str(exc))]) from None
    except FileNotFoundError:
        raise CalendarError([Problem(str(path), 1, 1, "no such file")]) from None
    except IsADirectoryError:
        raise CalendarError(
            [Problem(str(path), 1, 1, "is a folder, not a calendar file")]
        ) from None
    except UnicodeDecodeError as exc:
        raise CalendarError(
            [Problem(str(path), 1, 1, f"is not UTF-8 text (byte {exc.start})")]
        ) from None
    except OSError as exc:
        raise CalendarError([Problem(str(path), 1, 1, f"cannot be read: {exc.strerror}")]) from None


def detect_format(path: str | Path, text: str) -> str:
    """'ics', 'moderngov' or 'yaml', from the content first and the extension second."""
    head = text.lstrip()[:2000]
    if head.upper().startswith("BEGIN:VCALENDAR"):
        return "ics"
    if head.startswith("<"):
        return "moderngov"
    suffix = Path(path).suffix.lower()
    if suffix in (".ics", ".ical", ".ifb"):
        return "ics"
    if suffix == ".xml":
        return "moderngov"
    return "yaml"


def read_calendar_file(path: str | Path, body_patterns: Patterns | None = None) -> CalendarFile:
    """Read one calendar file; CalendarError with every located problem when it is malformed."""
    text = read_text(path)
    kind = detect_format(path, text)
    if kind == "ics":
        from govpath.calendars.sources.ics import parse_ics

        return parse_ics(text, str(path), body_patterns)
    if kind == "moderngov":
        from govpath.calendars.sources.moderngov import parse_moderngov

        return parse_moderngov(text, str(path), body_patterns)
    from govpath.calendars.sources.yaml_calendar import parse_yaml_calendar

    return parse_yaml_calendar(text, str(path))


def read_calendar(path: str | Path, body_patterns: Patterns | None = None) -> list[Meeting]:
    """The meetings of one calendar file (YAML, .ics or ModernGov XML)."""
    return read_calendar_file(path, body_patterns).meetings


def read_calendars(
    paths: Sequence[str | Path], body_patterns: Patterns | None = None
) -> list[CalendarFile]:
    """Read every file; one CalendarError with the problems of all broken files."""
    files: list[CalendarFile] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            files.append(read_calendar_file(path, body_patterns))
        except CalendarError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CalendarError(problems)
    return files
