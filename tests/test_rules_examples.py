"""Worked deadline examples (Christmas/New Year, Easter, late May, August) via the Python API."""

from __future__ import annotations

import datetime as dt

import pytest

from govpath.calendars.rules import (
    Rule,
    named_rules,
    notice_clear_days,
    parse_offset,
    parse_rule,
    route_needed,
    rule_names,
)
from govpath.calendars.workdays import WorkingDayPolicy, get_policy, policy_names
from govpath.errors import BadInput, RuleError

D = dt.date
EW = get_policy("england-and-wales")

# England and Wales bank holidays 2012-2013, typed from the gov.uk list (not from the package).
BANK_HOLIDAYS_2012_2013 = {
    D(2012, 1, 2), D(2012, 4, 6), D(2012, 4, 9), D(2012, 5, 7), D(2012, 6, 4), D(2012, 6, 5),
    D(2012, 8, 27), D(2012, 12, 25), D(2012, 12, 26), D(2013, 1, 1), D(2013, 3, 29),
    D(2013, 4, 1), D(2013, 5, 6), D(2013, 5, 27), D(2013, 8, 26), D(2013, 12, 25),
    D(2013, 12, 26),
}  # fmt: skip


def test_working_days_match_the_published_bank_holidays() -> None:
    day = D(2012, 1, 1)
    while day.year < 2014:
        expected = day.weekday() < 5 and day not in BANK_HOLIDAYS_2012_2013
        assert EW.is_working_day(day) is expected, day
        day += dt.timedelta(days=1)


# (rule, anchor, expected) — each counted by hand on a printed calendar.
WORKED = [
    # P&R CC, Tuesday 8 January 2013: 25, 26 Dec and 1 Jan are bank holidays.
    ("agenda-publication", D(2013, 1, 8), D(2012, 12, 28)),  # 31 Dec, 2, 3, 4, 7 Jan between
    ("general-exception-notice", D(2013, 1, 8), D(2012, 12, 28)),
    ("10 working days before", D(2013, 1, 8), D(2012, 12, 20)),
    ("28 clear days before", D(2013, 1, 8), D(2012, 12, 10)),
    ("2 weeks before", D(2013, 1, 8), D(2012, 12, 24)),  # lands on Christmas Day
    ("key-decision-notice", D(2013, 1, 24), D(2012, 12, 24)),  # lands on Boxing Day
    ("3 working days after", D(2012, 12, 21), D(2012, 12, 28)),
    ("1 day after", D(2012, 12, 24), D(2012, 12, 27)),
    # Cabinet, Monday 18 March 2013: 29 days before is Sunday 17 February.
    ("key-decision-notice", D(2013, 3, 18), D(2013, 2, 15)),
    # Easter 2013: Good Friday 29 March, Easter Monday 1 April.
    ("agenda-publication", D(2013, 4, 4), D(2013, 3, 25)),
    ("general-exception-notice", D(2013, 4, 2), D(2013, 3, 21)),
    ("call-in-end", D(2013, 3, 28), D(2013, 4, 8)),  # 2, 3, 4, 5, 8 April
    ("effective-from", D(2013, 3, 28), D(2013, 4, 9)),
    ("5 working days before", D(2013, 4, 2), D(2013, 3, 22)),
    # Late May bank holiday, Monday 27 May 2013.
    ("agenda-publication", D(2013, 5, 31), D(2013, 5, 22)),
    ("call-in-end", D(2013, 5, 23), D(2013, 5, 31)),  # Fri 24, Tue 28, Wed 29, Thu 30, Fri 31
    ("effective-from", D(2013, 5, 23), D(2013, 6, 3)),
    # August bank holiday, Monday 26 August 2013.
    ("agenda-publication", D(2013, 9, 3), D(2013, 8, 23)),
    ("call-in-end", D(2013, 8, 22), D(2013, 8, 30)),  # Fri 23, Tue 27, Wed 28, Thu 29, Fri 30
    ("0 days before", D(2013, 8, 26), D(2013, 8, 23)),
    ("0 working days after", D(2013, 8, 24), D(2013, 8, 27)),
]


@pytest.mark.parametrize(("text", "anchor", "expected"), WORKED)
def test_worked_examples(text: str, anchor: dt.date, expected: dt.date) -> None:
    assert parse_rule(text).apply(anchor, EW) == expected


def test_jubilee_2012() -> None:
    # Meeting Thursday 7 June 2012; 4 and 5 June are bank holidays. Working days strictly
    # between Tuesday 29 May and 7 June: 30, 31 May, 1, 6 June = 4, too few; Monday 28 May
    # has 29, 30, 31 May, 1, 6 June = 5.
    assert parse_rule("agenda-publication").apply(D(2012, 6, 7), EW) == D(2012, 5, 28)


def test_christmas_closure_policy() -> None:
    xmas = get_policy("england-and-wales-with-christmas-closure")
    # 27, 28, 31 Dec closed too: 2, 3, 4, 7 Jan, 24 Dec... the sixth working day back is 21 Dec.
    assert parse_rule("agenda-publication").apply(D(2013, 1, 8), xmas) == D(2012, 12, 21)
    assert xmas.holiday_name(D(2013, 12, 30)) == "closure day"
    assert not xmas.is_working_day(D(2030, 12, 27))
    assert xmas.is_working_day(D(2030, 12, 24))


def test_extra_closure_days() -> None:
    closed = get_policy(closures=["2012-12-31"])
    assert parse_rule("agenda-publication").apply(D(2013, 1, 8), closed) == D(2012, 12, 27)
    assert EW.with_closures([D(2012, 12, 31)]) == closed
    assert EW.is_working_day(D(2012, 12, 31))  # the original is unchanged


def test_clear_days_count() -> None:
    assert EW.clear_days_between(D(2012, 12, 28), D(2013, 1, 8), working=True) == 5
    assert EW.clear_days_between(D(2013, 1, 8), D(2012, 12, 28), working=False) == 10
    assert EW.clear_days_between(D(2013, 1, 8), D(2013, 1, 9), working=True) == 0
    assert notice_clear_days(D(2013, 2, 15), D(2013, 3, 18)) == 30
    assert notice_clear_days(D(2013, 3, 18), D(2013, 3, 18)) == 0


def test_satisfied_notice() -> None:
    key = parse_rule("key-decision-notice")
    # Sunday 17 Feb 2013 still gives 28 clear days before Monday 18 March; Monday 18 Feb does not.
    assert key.satisfied(D(2013, 2, 17), D(2013, 3, 18), EW)
    assert not key.satisfied(D(2013, 2, 18), D(2013, 3, 18), EW)
    agenda = parse_rule("agenda-publication")
    assert agenda.satisfied(D(2012, 12, 28), D(2013, 1, 8), EW)
    assert not agenda.satisfied(D(2012, 12, 31), D(2013, 1, 8), EW)
    assert not agenda.satisfied(D(2013, 1, 9), D(2013, 1, 8), EW)


def test_route_needed() -> None:
    decision = D(2013, 3, 18)
    assert route_needed(D(2013, 2, 15), decision, EW) == "key_decision"
    assert route_needed(D(2013, 2, 17), decision, EW) == "key_decision"  # exactly 28 clear days
    assert route_needed(D(2013, 2, 18), decision, EW) == "general_exception"
    assert route_needed(D(2013, 3, 8), decision, EW) == "general_exception"  # 11-15 March
    assert route_needed(D(2013, 3, 11), decision, EW) == "special_urgency"
    assert route_needed(None, decision, EW) == "special_urgency"
    assert route_needed(decision, decision) == "special_urgency"


def test_named_rules_carry_their_source() -> None:
    rules = named_rules()
    assert set(rules) == {
        "agenda-publication", "key-decision-notice", "general-exception-notice",
        "call-in-end", "effective-from",
    }  # fmt: skip
    assert "reg 9" in rules["key-decision-notice"].source
    assert "100B" in rules["agenda-publication"].source
    assert rules["agenda-publication"].phrase == "5 clear working days before"
    assert rules["key-decision-notice"] == Rule(
        "28 clear days before", 28, "days", True, "before", name="key-decision-notice"
    )
    assert str(rules["effective-from"]) == "5 working days after, then the next working day"
    assert rule_names() == sorted(rules)


def test_overrides_redefine_named_rules() -> None:
    over = {"call-in-end": "3 working days after"}
    end = parse_rule("call-in-end", over)
    assert (end.name, end.amount) == ("call-in-end", 3)
    assert "override" in end.source
    # effective-from follows the overridden call-in period: 24, 28, 29 May, then 30 May.
    assert parse_rule("effective-from", over).apply(D(2013, 5, 23), EW) == D(2013, 5, 30)
    assert (
        parse_rule(
            "Agenda Publication", {"agenda_publication": "3 clear working days before"}
        ).amount
        == 3
    )
    with pytest.raises(RuleError, match="call-in-end"):
        parse_rule("call-in-end", {"call-in-end": "soon after"})
    local = parse_rule("papers-due", {"papers-due": "10 working days before"})
    assert (local.name, local.apply(D(2013, 1, 8), EW)) == ("papers-due", D(2012, 12, 20))


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("  5 CLEAR Working   days BEFORE ", "5 clear working days before"),
        ("1 working days after", "1 working day after"),
        ("one week before", "1 week before"),
        ("twenty-eight clear days before", "28 clear days before"),
        ("3 business days after", "3 working days after"),
        ("2 calendar days before.", "2 days before"),
        ("0 day before", "0 days before"),
    ],
)
def test_phrases_normalise(text: str, phrase: str) -> None:
    assert parse_rule(text).phrase == phrase


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("agenda-publicaton", "Did you mean 'agenda-publication'?"),
        ("key decision notice", None),
        ("5 clear wrking days before", "Did you mean '5 clear working days before'?"),
        ("2 weeks", "add 'before' or 'after'"),
        ("fortnight before", "expected a phrase"),
        ("2 working weeks before", "expected a phrase"),
        ("-3 days before", "expected a phrase"),
        ("", "expected a phrase"),
    ],
)
def test_bad_rules_explain_themselves(text: str, hint: str | None) -> None:
    if hint is None:  # a named rule written with spaces is still the named rule
        assert parse_rule(text).name == "key-decision-notice"
        return
    with pytest.raises(RuleError) as caught:
        parse_rule(text)
    assert hint in str(caught.value)
    assert isinstance(caught.value, BadInput)


def test_offsets() -> None:
    assert parse_offset("10 working days").phrase == "10 working days before"
    assert parse_offset("0 days").apply(D(2013, 1, 8), EW) == D(2013, 1, 8)
    assert parse_offset("2 working days", direction="after").apply(D(2012, 12, 21), EW) == D(
        2012, 12, 27
    )
    with pytest.raises(RuleError, match="counts after"):
        parse_offset("2 days after", direction="before")
    with pytest.raises(RuleError, match="reminder or escalation offset"):
        parse_offset("agenda-publication")


def test_policies() -> None:
    assert "england-and-wales" in policy_names()
    assert isinstance(EW, WorkingDayPolicy)
    assert "Banking and Financial Dealings Act 1971" in EW.source
    with pytest.raises(BadInput, match="Did you mean 'england-and-wales'"):
        get_policy("england-and-wale")
    with pytest.raises(BadInput, match="not a date"):
        get_policy(closures=["31/12/2012"])
    assert EW.holiday_name(D(2013, 3, 29)) == "Good Friday"
    assert EW.holiday_name(D(2013, 3, 30)) is None
