"""Deadline rules: the phrase grammar ("5 clear working days before"), named rules, notice checks.

Grammar (case and spacing do not matter; numbers are digits or the words zero to thirty)::

    AMOUNT [clear] (day|days|working day|working days|week|weeks) (before|after)
           [, then the next working day]

"Clear" days leave out both the day of the act and the day of the anchor (the meeting or
decision); "working" days leave out weekends, bank holidays and the policy's closure days. The
result always falls on a working day: a "before" rule that lands on a non-working day moves to
the working day before, an "after" rule to the working day after. For anchor M:

* ``N working days before``: step back N working days from M (0: M, or the working day before).
* ``N clear working days before``: the latest working day with at least N working days strictly
  between it and M, i.e. step back N+1 working days.
* ``N clear days before``: M − (N+1) days (N calendar days strictly between), then the previous
  working day if that is not one. ``N clear weeks`` is 7N clear days.
* ``N days before`` / ``N weeks before``: M − N days / weeks, then the previous working day if
  needed.
* ``after`` rules mirror these, moving forward to the next working day.
* ``…, then the next working day``: the working day after the rule's date.

Named rules (data in ``calendars/policies.yaml``, each overridable by a pathway):
``agenda-publication`` and ``general-exception-notice`` (5 clear working days before),
``key-decision-notice`` (28 clear days before), ``call-in-end`` (5 working days after: a call-in
period of five clear working days after publication, which leaves out the day of publication and
ends with the fifth working day after it) and ``effective-from`` (the working day after
call-in-end).

Worked examples on the England and Wales calendar (checked by counting on the calendar):

>>> import datetime as dt
>>> from govpath.calendars.workdays import get_policy
>>> ew = get_policy("england-and-wales")

P&R Cabinet Committee on Tuesday 8 January 2013; 25 and 26 December 2012 and 1 January 2013 are
bank holidays, so the five clear working days are 31 Dec, 2, 3, 4 and 7 Jan:

>>> parse_rule("agenda-publication").apply(dt.date(2013, 1, 8), ew)
datetime.date(2012, 12, 28)
>>> parse_rule("10 working days before").apply(dt.date(2013, 1, 8), ew)
datetime.date(2012, 12, 20)
>>> parse_rule("28 clear days before").apply(dt.date(2013, 1, 8), ew)
datetime.date(2012, 12, 10)
>>> parse_rule("2 weeks before").apply(dt.date(2013, 1, 8), ew)  # 25 Dec -> 24 Dec
datetime.date(2012, 12, 24)

Key decision at Cabinet on Monday 18 March 2013: 29 days before is Sunday 17 February (28 clear
days, 18 Feb to 17 Mar), so the notice must go out by Friday 15 February. A decision on Thursday
24 January 2013: 29 days before is Boxing Day, so Monday 24 December 2012.

>>> parse_rule("key-decision-notice").apply(dt.date(2013, 3, 18), ew)
datetime.date(2013, 2, 15)
>>> parse_rule("key-decision-notice").apply(dt.date(2013, 1, 24), ew)
datetime.date(2012, 12, 24)

Easter 2013 (Good Friday 29 March, Easter Monday 1 April): a meeting on Thursday 4 April needs
its agenda out by Monday 25 March (26, 27, 28 Mar, 2, 3 Apr between); a decision on Tuesday
2 April needs its general-exception notice by Thursday 21 March (22, 25, 26, 27, 28 Mar):

>>> parse_rule("agenda-publication").apply(dt.date(2013, 4, 4), ew)
datetime.date(2013, 3, 25)
>>> parse_rule("general-exception-notice").apply(dt.date(2013, 4, 2), ew)
datetime.date(2013, 3, 21)

Late May (27 May 2013) and August (26 August 2013) bank holidays:

>>> parse_rule("agenda-publication").apply(dt.date(2013, 5, 31), ew)
datetime.date(2013, 5, 22)
>>> parse_rule("agenda-publication").apply(dt.date(2013, 9, 3), ew)
datetime.date(2013, 8, 23)

A decision record published on Thursday 23 May 2013, before the late May bank holiday weekend:
the call-in period is Fri 24, Tue 28, Wed 29, Thu 30 and Fri 31 May; the decision takes effect on
Monday 3 June. Published on Maundy Thursday 28 March 2013, it ends on Monday 8 April.

>>> parse_rule("call-in-end").apply(dt.date(2013, 5, 23), ew)
datetime.date(2013, 5, 31)
>>> parse_rule("effective-from").apply(dt.date(2013, 5, 23), ew)
datetime.date(2013, 6, 3)
>>> parse_rule("call-in-end").apply(dt.date(2013, 3, 28), ew)
datetime.date(2013, 4, 8)
>>> parse_rule("3 working days after").apply(dt.date(2012, 12, 21), ew)
datetime.date(2012, 12, 28)
>>> parse_rule("1 day after").apply(dt.date(2012, 12, 24), ew)
datetime.date(2012, 12, 27)
>>> str(parse_rule("  Five CLEAR working   Days before "))
'5 clear working days before'
>>> route_needed(dt.date(2013, 2, 15), dt.date(2013, 3, 18), ew)
'key_decision'
>>> route_needed(dt.date(2013, 3, 8), dt.date(2013, 3, 18), ew)
'general_exception'
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from govpath.errors import RuleError

if TYPE_CHECKING:
    from govpath.calendars.workdays import WorkingDayPolicy

Unit = Literal["days", "working_days", "weeks"]
Direction = Literal["before", "after"]
Kind = Literal["deadline", "effective"]
Route = Literal["key_decision", "general_exception", "special_urgency"]

MAX_AMOUNT = 1000
THEN_NEXT = ", then the next working day"
_UNITS = "zero one two three four five six seven eight nine".split()  # noqa: SIM905
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_WORDS = [*_UNITS, *_TEENS.split(), "twenty", *(f"twenty-{w}" for w in _UNITS[1:]), "thirty"]
_NUMBERS = {w: i for i, w in enumerate(_WORDS)}
_PHRASE = re.compile(
    r"^(?P<amount>[0-9]+|[a-z-]+) (?:(?P<clear>clear) )?(?:(?P<kind>working|business|calendar) )?"
    r"(?P<unit>days?|weeks?)(?: (?P<direction>before|after))?"
    r"(?P<then>,? then (?:the )?next working day)?$"
)
_VOCAB = [
    "clear", "working", "business", "calendar", "day", "days", "week", "weeks", "before",
    "after", "then", "the", "next", *_WORDS,
]  # fmt: skip
_EXPECTED = (
    "expected a phrase such as '5 clear working days before' or '3 working days after' "
    "(a whole number, optionally 'clear', then 'days', 'working days' or 'weeks', then "
    "'before' or 'after')"
)


@dataclass(frozen=True)
class Rule:
    """One deadline rule: how far before or after an anchor date, counted how."""

    phrase: str
    amount: int
    unit: Unit
    clear: bool
    direction: Direction
    name: str | None = None
    kind: Kind = "deadline"
    description: str = field(default="", compare=False)
    source: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.phrase

    @property
    def label(self) -> str:
        """The rule's name if it has one, else its phrase."""
        return self.name or self.phrase

    @property
    def span(self) -> int:
        """The amount in the rule's counting unit (working days, or calendar days for weeks)."""
        return self.amount * 7 if self.unit == "weeks" else self.amount

    def apply(self, anchor: dt.date, policy: WorkingDayPolicy) -> dt.date:
        """The date this rule gives for ``anchor``: always a working day of ``policy``."""
        before = self.direction == "before"
        try:
            if self.unit == "working_days":
                steps = self.amount + (1 if self.clear else 0)
                if steps == 0:
                    result = policy.on_or_before(anchor) if before else policy.on_or_after(anchor)
                else:
                    result = policy.add_working_days(anchor, -steps if before else steps)
            else:
                days = dt.timedelta(days=self.span + (1 if self.clear else 0))
                result = anchor - days if before else anchor + days
                result = policy.on_or_before(result) if before else policy.on_or_after(result)
            if self.kind == "effective":
                result = policy.next_working_day(result)
        except OverflowError:
            raise RuleError(
                f"'{self.label}' from {anchor.isoformat()} falls outside the calendar."
            ) from None
        return result

    def satisfied(self, act: dt.date, anchor: dt.date, policy: WorkingDayPolicy) -> bool:
        """Does an act on ``act`` give at least this rule's notice before (or after) ``anchor``?"""
        if self.kind == "effective":
            return act >= self.apply(anchor, policy)
        lo, hi = (act, anchor) if self.direction == "before" else (anchor, act)
        if hi < lo:
            return False
        working = self.unit == "working_days"
        if self.clear:
            return hi > lo and policy.clear_days_between(lo, hi, working=working) >= self.span
        if not working:
            return (hi - lo).days >= self.span
        if self.direction == "before":  # working days from the act up to the day before the anchor
            counted = policy.clear_days_between(lo - dt.timedelta(days=1), hi, working=True)
        else:  # working days from the day after the anchor up to the act
            counted = policy.clear_days_between(lo, hi + dt.timedelta(days=1), working=True)
        return counted >= self.amount


def _normalise(text: str) -> str:
    text = " ".join(str(text).lower().replace(",", " , ").split()).strip(" .")
    return text.replace(" ,", ",")


def _phrase(amount: int, unit: Unit, clear: bool, direction: str) -> str:
    word = {"days": "day", "working_days": "working day", "weeks": "week"}[unit]
    return f"{amount} {'clear ' if clear else ''}{word}{'' if amount == 1 else 's'} {direction}"


@functools.lru_cache(maxsize=4096)
def _generic(text: str, direction: str | None = None) -> Rule | None:
    """Parse a phrase (no named rules); None if it does not match the grammar."""
    m = _PHRASE.match(_normalise(text))
    if not m:
        return None
    raw = m["amount"]
    amount = int(raw) if raw.isdigit() else _NUMBERS.get(raw)
    way = m["direction"] or direction
    if amount is None or way is None or amount > MAX_AMOUNT:
        return None
    weeks = m["unit"].startswith("week")
    if weeks and m["kind"] in ("working", "business"):
        return None
    unit: Unit = (
        "weeks" if weeks else ("working_days" if m["kind"] in ("working", "business") else "days")
    )
    clear = bool(m["clear"])
    phrase = _phrase(amount, unit, clear, way)
    kind: Kind = "effective" if m["then"] else "deadline"
    if m["then"]:
        phrase += THEN_NEXT
    return Rule(phrase=phrase, amount=amount, unit=unit, clear=clear, direction=way, kind=kind)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=1)
def _named_data() -> dict[str, dict[str, Any]]:
    from govpath.calendars.workdays import _policy_data

    return dict(_policy_data().get("rules", {}))


def rule_names() -> list[str]:
    """The named rules, e.g. ``agenda-publication``."""
    return sorted(_named_data())


def _key(text: str) -> str:
    return "-".join(_normalise(text).replace("_", " ").replace("-", " ").split())


def _named(key: str, overrides: Mapping[str, str], seen: tuple[str, ...] = ()) -> Rule:
    if key in seen:
        raise RuleError(f"Named rule {key!r} is defined in terms of itself.")
    entry = _named_data().get(key, {})
    description = " ".join(str(entry.get("description", "")).split())
    source = " ".join(str(entry.get("source", "")).split())
    if key in overrides:
        rule = _generic(overrides[key])
        if rule is None:
            raise RuleError(
                f"The pathway's rule {key!r}: '{overrides[key]}' is not understood; {_EXPECTED}."
            )
        source = f"pathway override of {key}" + (f" ({source})" if source else "")
    elif "follows" in entry:
        base = _named(_key(entry["follows"]), overrides, (*seen, key))
        if base.kind == "effective":
            raise RuleError(f"Named rule {key!r} cannot follow {entry['follows']!r}.")
        rule = replace(base, phrase=base.phrase + THEN_NEXT, kind="effective")
    else:
        rule = _generic(entry["phrase"])
        if rule is None:
            raise RuleError(f"Named rule {key!r} in calendars/policies.yaml: {_EXPECTED}.")
    return replace(rule, name=key, description=description, source=source)


def named_rules(overrides: Mapping[str, str] | None = None) -> dict[str, Rule]:
    """Every named rule, after a pathway's overrides."""
    return {name: parse_rule(name, overrides) for name in rule_names()}


def _suggest(text: str, names: list[str]) -> str:
    close = difflib.get_close_matches(_key(text), names, n=1, cutoff=0.6)
    if close:
        return f" Did you mean '{close[0]}'?"
    fixed = []
    for token in _normalise(text).replace(",", " ").split():
        if token.isdigit() or token in _VOCAB:
            fixed.append(token)
        else:
            near = difflib.get_close_matches(token, _VOCAB, n=1, cutoff=0.7)
            fixed.append(near[0] if near else token)
    guess = _generic(" ".join(fixed))
    return f" Did you mean '{guess.phrase}'?" if guess else ""


def parse_rule(text: str, overrides: Mapping[str, str] | None = None) -> Rule:
    """A rule from a phrase or a named rule; RuleError (exit 1) if it is neither.

    ``overrides`` maps rule names to phrases: a pathway's redefinition of a named rule (e.g.
    ``{"call-in-end": "3 working days after"}``, which effective-from then follows) or a local
    named rule of its own (``{"papers-due": "10 working days before"}``).
    """
    over = {_key(k): v for k, v in (overrides or {}).items()}
    key = _key(text)
    names = rule_names()
    if key in over or key in names:
        return _named(key, over)
    rule = _generic(text)
    if rule is not None:
        return rule
    if _generic(text, direction="before") is not None:
        raise RuleError(
            f"'{text.strip()}' does not say which way to count: add 'before' or 'after', "
            f"e.g. '{_normalise(text)} before'."
        )
    raise RuleError(
        f"'{text.strip()}' is not a deadline rule: {_EXPECTED}, or a named rule "
        f"({', '.join(sorted({*names, *over}))}).{_suggest(text, sorted({*names, *over}))}"
    )


def parse_offset(text: str, direction: Direction = "before") -> Rule:
    """A reminder or escalation offset such as '10 working days' or '0 days', counted ``direction``.

    >>> parse_offset("3 working days", direction="after").phrase
    '3 working days after'
    """
    rule = _generic(text, direction=direction)
    if rule is None:
        raise RuleError(
            f"'{str(text).strip()}' is not a reminder or escalation offset: expected a phrase such "
            f"as '10 working days', '3 working days', '2 weeks' or '0 days'.{_suggest(text, [])}"
        )
    if rule.direction != direction:
        raise RuleError(
            f"'{str(text).strip()}' counts {rule.direction}, but this offset counts {direction}."
        )
    if rule.kind == "effective":
        raise RuleError(f"'{str(text).strip()}': an offset cannot add 'then the next working day'.")
    return rule


def notice_clear_days(published: dt.date, decision: dt.date) -> int:
    """Calendar days strictly between publishing a notice and the decision (0 if none).

    >>> notice_clear_days(dt.date(2013, 2, 15), dt.date(2013, 3, 18))
    30
    """
    return max(0, (decision - published).days - 1)


def route_needed(
    published: dt.date | None,
    decision: dt.date,
    policy: WorkingDayPolicy | None = None,
    overrides: Mapping[str, str] | None = None,
) -> Route:
    """Which notice route a key decision can take, given when its notice was published.

    2012 Regulations (SI 2012/2089): reg 9, notice at least 28 clear days before ->
    ``key_decision``; reg 10 (general exception), notice at least five clear working days
    before -> ``general_exception``; otherwise (or no notice at all) reg 11 ``special_urgency``,
    which needs the agreement of the chair of the overview and scrutiny committee.
    """
    if published is None or published >= decision:
        return "special_urgency"
    if policy is None:
        from govpath.calendars.workdays import get_policy

        policy = get_policy()
    if parse_rule("key-decision-notice", overrides).satisfied(published, decision, policy):
        return "key_decision"
    if parse_rule("general-exception-notice", overrides).satisfied(published, decision, policy):
        return "general_exception"
    return "special_urgency"
