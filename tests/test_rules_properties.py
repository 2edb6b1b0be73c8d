"""Property tests: any phrase, any date 2010-2035: deadlines are working days and honour counts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from govpath.calendars.rules import Rule, parse_rule, route_needed
from govpath.calendars.workdays import WorkingDayPolicy, get_policy

POLICIES = [get_policy("england-and-wales"), get_policy("england-and-wales-with-christmas-closure")]
ONE = dt.timedelta(days=1)
SETTINGS = settings(max_examples=200, deadline=None)

dates = st.dates(min_value=dt.date(2010, 1, 1), max_value=dt.date(2035, 12, 31))
policies = st.sampled_from(POLICIES)


@st.composite
def phrases(draw: st.DrawFn, direction: str | None = None) -> str:
    amount = draw(st.integers(0, 40))
    unit = draw(st.sampled_from(["day", "working day", "week"]))
    clear = draw(st.booleans())
    way = direction or draw(st.sampled_from(["before", "after"]))
    plural = draw(st.booleans()) if amount == 1 else True
    words = [str(amount), "clear" if clear else "", unit + ("s" if plural and amount != 1 else "")]
    text = " ".join(w for w in words if w) + " " + way
    spaced = text.replace(" ", draw(st.sampled_from([" ", "  ", "\t"])))
    return draw(st.sampled_from([spaced, spaced.upper(), spaced.title()]))


def between(a: dt.date, b: dt.date, policy: WorkingDayPolicy, working: bool) -> int:
    """Brute force: days strictly between a < b, only working ones if asked."""
    return sum(
        1
        for k in range(1, (b - a).days)
        if not working or policy.is_working_day(a + dt.timedelta(days=k))
    )


def honours(rule: Rule, act: dt.date, anchor: dt.date, policy: WorkingDayPolicy) -> bool:
    """Brute-force reading of the rule's definition (independent of Rule.satisfied)."""
    lo, hi = (act, anchor) if rule.direction == "before" else (anchor, act)
    if hi < lo:
        return False
    working = rule.unit == "working_days"
    if rule.clear:
        return hi > lo and between(lo, hi, policy, working) >= rule.span
    if not working:
        return (hi - lo).days >= rule.span
    # working days counted in [act, anchor) before, or (anchor, act] after
    if rule.direction == "before":
        return between(lo - ONE, hi, policy, True) >= rule.amount
    return between(lo, hi + ONE, policy, True) >= rule.amount


@SETTINGS
@given(phrases(direction="before"), dates, policies)
def test_before_deadlines(text: str, anchor: dt.date, policy: WorkingDayPolicy) -> None:
    rule = parse_rule(text)
    deadline = rule.apply(anchor, policy)
    assert policy.is_working_day(deadline)
    assert deadline <= anchor
    if rule.clear:
        assert deadline < anchor
    assert honours(rule, deadline, anchor, policy)
    assert rule.satisfied(deadline, anchor, policy)
    # the latest such working day: the next one would give too little notice
    later = policy.next_working_day(deadline)
    assert not honours(rule, later, anchor, policy)
    assert not rule.satisfied(later, anchor, policy)
    if rule.unit == "working_days" and (rule.amount or rule.clear):  # exactly N steps
        counted = between(deadline, anchor, policy, True) + (0 if rule.clear else 1)
        assert counted == rule.amount


@SETTINGS
@given(phrases(direction="after"), dates, policies)
def test_after_deadlines(text: str, anchor: dt.date, policy: WorkingDayPolicy) -> None:
    rule = parse_rule(text)
    deadline = rule.apply(anchor, policy)
    assert policy.is_working_day(deadline)
    assert deadline >= anchor
    if rule.clear:
        assert deadline > anchor
    assert honours(rule, deadline, anchor, policy)
    assert rule.satisfied(deadline, anchor, policy)
    # the earliest such working day
    earlier = policy.previous_working_day(deadline)
    assert not honours(rule, earlier, anchor, policy)
    assert not rule.satisfied(earlier, anchor, policy)
    if rule.unit == "working_days" and (rule.amount or rule.clear):
        counted = between(anchor, deadline, policy, True) + (0 if rule.clear else 1)
        assert counted == rule.amount


@SETTINGS
@given(phrases())
def test_phrases_round_trip(text: str) -> None:
    rule = parse_rule(text)
    assert parse_rule(str(rule)) == rule
    assert str(parse_rule(str(rule))) == str(rule)


@SETTINGS
@given(phrases(), dates, dates, policies)
def test_satisfied_matches_the_definition(
    text: str, act: dt.date, anchor: dt.date, policy: WorkingDayPolicy
) -> None:
    rule = parse_rule(text)
    if abs((act - anchor).days) > 400:
        act = anchor + dt.timedelta(days=(act - anchor).days % 400 - 200)
    assert rule.satisfied(act, anchor, policy) == honours(rule, act, anchor, policy)


@SETTINGS
@given(dates, st.integers(0, 800), policies, st.booleans())
def test_clear_days_between_counts_like_brute_force(
    start: dt.date, length: int, policy: WorkingDayPolicy, working: bool
) -> None:
    end = start + dt.timedelta(days=length)
    assert policy.clear_days_between(start, end, working=working) == between(
        start, end, policy, working
    )
    assert policy.clear_days_between(end, start, working=working) == between(
        start, end, policy, working
    )


@SETTINGS
@given(dates, st.integers(-40, 40), policies)
def test_add_working_days_steps_over_working_days(
    start: dt.date, n: int, policy: WorkingDayPolicy
) -> None:
    moved = policy.add_working_days(start, n)
    if n == 0:
        assert moved == start
        return
    assert policy.is_working_day(moved)
    lo, hi = sorted((start, moved))
    # n working days in (start, moved] (or [moved, start))
    inner = between(lo, hi, policy, True) + 1
    assert inner == abs(n)


@SETTINGS
@given(dates, policies)
def test_effective_from_is_the_working_day_after_call_in(
    published: dt.date, policy: WorkingDayPolicy
) -> None:
    end = parse_rule("call-in-end").apply(published, policy)
    assert between(published, end, policy, True) + 1 == 5
    effective = parse_rule("effective-from").apply(published, policy)
    assert effective == policy.next_working_day(end)
    assert effective == parse_rule("5 clear working days after").apply(published, policy)


@SETTINGS
@given(dates, st.integers(0, 60), policies)
def test_route_needed(decision: dt.date, notice: int, policy: WorkingDayPolicy) -> None:
    published = decision - dt.timedelta(days=notice)
    route = route_needed(published, decision, policy)
    if notice - 1 >= 28:
        assert route == "key_decision"
    elif notice >= 1 and between(published, decision, policy, True) >= 5:
        assert route == "general_exception"
    else:
        assert route == "special_urgency"
