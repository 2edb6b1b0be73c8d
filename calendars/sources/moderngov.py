"""ModernGov ``GetMeetings`` XML: committees mapped to bodies by title, meetings by meetingid.

Shape read::

    <getmeetings><committee><committeeid>144</committeeid>
      <committeetitle>Cabinet</committeetitle>
      <committeemeetings><meeting><meetingid>4712</meetingid>
        <meetingdate>18/03/2013</meetingdate><meetingtime>10.00 am</meetingtime>
        <meetingstatus>Confirmed</meetingstatus><meetinglocation>…</meetinglocation>
      </meeting></committeemeetings></committee></getmeetings>

Documents with a DOCTYPE are refused (no entity expansion), and the parser is ``defusedxml``'s.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from govpath.calendars.meetings import Meeting
from govpath.calendars.sources import CalendarFile
from govpath.calendars.sources.bodies import BodyMatcher, Patterns
from govpath.errors import CalendarError, Problem

_TIME = re.compile(
    r"^\s*(\d{1,2})(?:[.:](\d{2}))?\s*([ap])\.?\s*m\.?\s*$|^\s*(\d{1,2})[.:](\d{2})\s*$", re.I
)


def parse_time(text: str) -> dt.time | None:
    """'10.00 am', '2.30 pm', '2pm', '14:00' → a time; None for '' or anything else.

    >>> parse_time("2.30 pm"), parse_time("10.00 am"), parse_time("12.00 pm"), parse_time("14:05")
    (datetime.time(14, 30), datetime.time(10, 0), datetime.time(12, 0), datetime.time(14, 5))
    """
    m = _TIME.match(text or "")
    if m is None:
        return None
    if m[4] is not None:
        hour, minute = int(m[4]), int(m[5])
    else:
        hour, minute = int(m[1]) % 12, int(m[2] or 0)
        if m[3].lower() == "p":
            hour += 12
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def _parse_xml(text: str, path: str) -> Any:
    from xml.etree.ElementTree import ParseError

    from defusedxml.ElementTree import fromstring

    found = re.search(r"<!DOCTYPE|<!ENTITY", text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        col = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        raise CalendarError(
            [Problem(path, line, col, "DOCTYPE and ENTITY declarations are not accepted")]
        )
    try:
        return fromstring(text.encode("utf-8"))
    except ParseError as exc:
        line, col = getattr(exc, "position", (1, 0))
        msg = str(exc).split(":")[0]
        raise CalendarError([Problem(path, line, col + 1, f"not well-formed XML: {msg}")]) from None
    except Exception as exc:  # defusedxml's refusals
        raise CalendarError([Problem(path, 1, 1, f"refused XML: {exc}")]) from None


def _text(el: Any, tag: str) -> str:
    child = el.find(tag)
    return " ".join((child.text or "").split()) if child is not None else ""


def _line_of(text: str, needle: str, start: int = 0) -> tuple[int, int]:
    """The line of the first ``needle`` at or after ``start`` (the XML tree keeps no lines)."""
    i = text.find(needle, start)
    return (text.count("\n", 0, i) + 1, i) if i >= 0 else (1, start)


def parse_moderngov(
    text: str, path: str = "<string>", body_patterns: Patterns | None = None
) -> CalendarFile:
    """Parse a GetMeetings document; CalendarError with line and column of each problem."""
    root = _parse_xml(text, path)
    problems: list[Problem] = []
    if root.tag.lower() != "getmeetings":
        raise CalendarError([Problem(path, 1, 1, f"expected <getmeetings>, found <{root.tag}>")])
    matcher = BodyMatcher(body_patterns)
    out = CalendarFile(path, "moderngov")
    cursor = 0
    for committee in root.iter("committee"):
        title = _text(committee, "committeetitle")
        cline, cursor = _line_of(text, "<committee>", cursor)
        body = matcher.match(title)
        meetings = committee.findall("./committeemeetings/meeting")
        if body is None:
            out.notes.append(
                f"{path}:{cline}: skipped committee '{title}' ({len(meetings)} meetings): "
                "no body matches its title (add --map 'REGEX=BODY')"
            )
        for meeting in meetings:
            mline, cursor = _line_of(text, "<meeting>", cursor + 1)
            if body is None:
                continue
            mid = _text(meeting, "meetingid")
            raw_date = _text(meeting, "meetingdate")
            try:
                date = dt.datetime.strptime(raw_date, "%d/%m/%Y").date()
            except ValueError:
                try:
                    date = dt.date.fromisoformat(raw_date[:10])
                except ValueError:
                    problems.append(
                        Problem(
                            path,
                            mline,
                            1,
                            f"meeting {mid or '?'}: date {raw_date!r} is not dd/mm/yyyy",
                        )
                    )
                    continue
            if not mid:
                problems.append(Problem(path, mline, 1, "the meeting has no <meetingid>"))
                continue
            raw_time = _text(meeting, "meetingtime")
            time = parse_time(raw_time)
            if raw_time and time is None:
                out.notes.append(f"{path}:{mline}: meeting {mid}: time {raw_time!r} not understood")
            status = _text(meeting, "meetingstatus").lower()
            out.meetings.append(
                Meeting(
                    body=body,
                    date=date,
                    time=time,
                    title=title,
                    place=_text(meeting, "meetinglocation"),
                    status="cancelled" if status.startswith("cancel") else "scheduled",
                    source="moderngov",
                    source_id=mid,
                )
            )
    if problems:
        raise CalendarError(problems)
    return out
