"""Patterns written by people: refuse those that can take exponential time, match bounded text.

Python's ``re`` backtracks, so a pattern such as ``^(a+)+$`` can run for minutes on a title of
thirty letters. A pattern is refused when a repetition that can run on for ever holds another
such repetition (``(a+)+``, ``(a*)*``, ``(\\w+\\s?)*``) or alternatives that can match the same
text (``(a|a)*``, ``(a|ab)*``); what is matched is cut to ``MAX_TEXT`` characters, so the time a
match can take is bounded.

>>> dangerous("^(a+)+$")
'a repetition inside a repetition, (…+)+ or (…*)*, can take exponential time'
>>> dangerous("^(Kent )?County Council") is None
True
"""

from __future__ import annotations

import re
import re._constants as _c  # type: ignore[import-not-found]  # (the parser's own; 3.11+)
import re._parser as _p  # type: ignore[import-not-found]
from typing import Any

MAX_PATTERN = 500  # characters in one pattern
MAX_TEXT = 500  # characters of a title a pattern is matched against
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT))
_UNBOUNDED = _c.MAXREPEAT


def _walk(items: Any, in_repeat: bool) -> str | None:
    for op, av in items:
        if op in _REPEATS:
            _lo, hi, body = av
            unbounded = hi == _UNBOUNDED or hi > 100
            if hi > 1 and _can_repeat_text(body):
                return "a repetition inside a repetition, (…+)+ or (…*)*, can take exponential time"
            if unbounded and _overlapping_branch(body):
                return (
                    "a repeated group whose alternatives can match the same text, such as "
                    "(a|ab)*, can take exponential time"
                )
            found = _walk(body, in_repeat or unbounded)
        elif op == _c.SUBPATTERN:
            found = _walk(av[-1], in_repeat)
        elif op == _c.BRANCH:
            found = None
            for branch in av[1]:
                found = found or _walk(branch, in_repeat)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            found = _walk(av[1], in_repeat)
        elif op == _c.GROUPREF:
            found = "back-references are not accepted in title patterns"
        else:
            found = None
        if found:
            return found
    return None


def _can_repeat_text(items: Any) -> bool:
    """True when ITEMS holds an unbounded repetition (at any depth)."""
    for op, av in items:
        if op in _REPEATS:
            if av[1] == _UNBOUNDED or av[1] > 100 or _can_repeat_text(av[2]):
                return True
        elif (op == _c.SUBPATTERN and _can_repeat_text(av[-1])) or (
            op == _c.BRANCH and any(_can_repeat_text(b) for b in av[1])
        ):
            return True
    return False


def _first_chars(items: Any) -> set[Any] | None:
    """What the first character of ITEMS can be (None: anything, or too hard to say)."""
    for op, av in items:
        if op == _c.LITERAL:
            return {av}
        if op == _c.SUBPATTERN:
            return _first_chars(av[-1])
        if op in _REPEATS and av[0] > 0:
            return _first_chars(av[2])
        if op == _c.BRANCH:
            out: set[Any] = set()
            for b in av[1]:
                first = _first_chars(b)
                if first is None:
                    return None
                out |= first
            return out
        if op in (_c.AT,):
            continue
        return None
    return set()


def _overlapping_branch(items: Any) -> bool:
    """True when ITEMS is (or wraps) an alternation whose branches can start alike."""
    for op, av in items:
        if op == _c.SUBPATTERN:
            return _overlapping_branch(av[-1])
        if op == _c.BRANCH:
            seen: set[Any] = set()
            for b in av[1]:
                first = _first_chars(b)
                if first is None or first & seen:
                    return True
                seen |= first
            return False
        return False
    return False


def dangerous(pattern: str) -> str | None:
    """Why PATTERN is refused (or None when it is safe to run): size, syntax or blow-up."""
    if len(pattern) > MAX_PATTERN:
        return f"a title pattern may be at most {MAX_PATTERN} characters long"
    try:
        parsed = _p.parse(pattern, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"it is not a regular expression: {exc}"
    try:
        return _walk(list(parsed), False)
    except RecursionError:
        return "it is nested too deeply"


def compile_title_pattern(pattern: str) -> re.Pattern[str]:
    """PATTERN compiled case-insensitively; ValueError (with the reason) when it is refused."""
    why = dangerous(pattern)
    if why:
        raise ValueError(why)
    return re.compile(pattern, re.IGNORECASE)
