"""Map meeting titles in imported calendars to body ids by regular expressions.

>>> m = BodyMatcher()
>>> m.match("Policy and Resources Cabinet Committee - 8 January 2013")
'pr_cc'
>>> m.match("Cabinet"), m.match("Cabinet Members' Meeting"), m.match("Staff party")
('cabinet', 'cmm', None)
>>> BodyMatcher(parse_maps(["^Leader's briefing=cabinet"])).match("Leader's Briefing")
'cabinet'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from govpath.errors import BadInput

# Built-in patterns for the KCC bodies, most specific first ("Cabinet" comes last).
DEFAULT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"policy\s*(and|&)\s*resources\s+cabinet\s+committee", "pr_cc"),
    (r"\bP\s*&\s*R\s*CC\b", "pr_cc"),
    (
        r"growth,?\s+economic\s+development\s*(,|and|&)?\s*(and|&)?\s*communities\s+cabinet",
        "gedc_cc",
    ),
    (r"\bGEDC\s*CC\b", "gedc_cc"),
    (r"cabinet\s+members['’]?\s+meeting", "cmm"),
    (r"\bCMM\b", "cmm"),
    (r"corporate\s+management\s+team", "cmt"),
    (r"\bCMT\b", "cmt"),
    (r"commissioning\s+advisory\s+board", "commissioning_advisory_board"),
    (r"corporate\s+board", "corporate_board"),
    (r"^(kent\s+)?county\s+council\b", "county_council"),
    (r"political\s+groups?\b", "political_groups"),
    (r"^cabinet\s*$", "cabinet"),
    (r"^cabinet\s*([-–—,:(]|meeting\b)", "cabinet"),
)

Patterns = Sequence[tuple[str, str]] | Mapping[str, Iterable[str]]


def _pairs(patterns: Patterns | None) -> list[tuple[str, str]]:
    if not patterns:
        return []
    if isinstance(patterns, Mapping):
        return [(rx, body) for body, rxs in patterns.items() for rx in rxs]
    return [(rx, body) for rx, body in patterns]


class BodyMatcher:
    """Title → body id: the given (regex, body) pairs first, then the built-in defaults.

    Matching is a case-insensitive search; ``patterns`` is a list of (regex, body) pairs or a
    mapping of body id → regexes (e.g. :func:`patterns_from_pathway`).
    """

    def __init__(self, patterns: Patterns | None = None, *, defaults: bool = True):
        from govpath.safe_regex import compile_title_pattern

        self.rules: list[tuple[re.Pattern[str], str]] = []
        for rx, body in _pairs(patterns):
            try:
                self.rules.append((compile_title_pattern(rx), body))
            except ValueError as exc:
                raise BadInput(
                    f"the title pattern {rx!r} for {body!r} is refused: {exc}."
                ) from None
        if defaults:
            self.rules += [(re.compile(rx, re.IGNORECASE), body) for rx, body in DEFAULT_PATTERNS]

    def match(self, title: str) -> str | None:
        from govpath.safe_regex import MAX_TEXT

        text = " ".join(str(title).split())[:MAX_TEXT]  # bounds the time any pattern can take
        for rx, body in self.rules:
            if rx.search(text):
                return body
        return None


def parse_maps(options: Iterable[str]) -> list[tuple[str, str]]:
    """``--map 'REGEX=BODY'`` options as (regex, body) pairs (split at the last '=')."""
    pairs = []
    for opt in options:
        rx, sep, body = opt.rpartition("=")
        body = body.strip()
        if not sep or not rx or not re.fullmatch(r"[a-z][a-z0-9_]*", body):
            raise BadInput(
                f"cannot read --map {opt!r}: write it as REGEX=BODY, e.g. --map '^P&R=pr_cc'."
            )
        pairs.append((rx, body))
    return pairs


def patterns_from_pathway(pathway: Any) -> dict[str, tuple[str, ...]]:
    """Each body's ``title_patterns`` from a pathway (bodies without any are left out)."""
    return {b.id: tuple(b.title_patterns) for b in pathway.bodies if b.title_patterns}
