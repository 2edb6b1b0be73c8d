"""Guard expressions: the documented grammar, the names they use, evaluation, located errors."""

from __future__ import annotations

import pytest

from govpath.definition.conditions import ConditionError, evaluate, names, parse
from govpath.definition.model import Settings

KCC = Settings(key_decision_threshold=1_000_000)


@pytest.mark.parametrize(
    ("expr", "fields", "result"),
    [
        ("decision_value >= settings.key_decision_threshold", {"decision_value": 1_000_000}, True),
        ("decision_value >= settings.key_decision_threshold", {"decision_value": 999_999}, False),
        (
            "decision_value >= settings.key_decision_threshold",
            {"decision_value": "£1,200,000"},
            True,
        ),
        ("decision_value >= settings.key_decision_threshold", {}, False),
        ("not decision_value >= settings.key_decision_threshold", {"decision_value": 5}, True),
        ("two_divisions or decision_value >= 1_000_000", {"two_divisions": True}, True),
        ("two_divisions or decision_value >= 1_000_000", {"two_divisions": "false"}, False),
        ("a and b or c", {"a": True, "b": False, "c": True}, True),  # and binds tighter
        ("a and (b or c)", {"a": False, "b": True, "c": True}, False),
        ("stage == 'Analyse' or stage == \"Plan\"", {"stage": "Plan"}, True),
        ("stage != 'Analyse'", {"stage": "Analyse"}, False),
        ("flag == true", {"flag": "yes"}, True),
        ("qa_letter_ref", {"qa_letter_ref": "QA/2013/04"}, True),
        ("qa_letter_ref", {"qa_letter_ref": ""}, False),
        ("missing == missing_too", {}, True),
        ("ratio > 0.5", {"ratio": "0.75"}, True),
    ],
)
def test_evaluate(expr: str, fields: dict, result: bool) -> None:
    assert evaluate(parse(expr), fields, KCC) is result


def test_names_lists_fields_and_settings() -> None:
    tree = parse("not (a >= settings.key_decision_threshold) and b == 'x' or 3 < c")
    assert names(tree) == {"a", "b", "c", "settings.key_decision_threshold"}


def test_settings_change_the_outcome() -> None:
    tree = parse("decision_value >= settings.key_decision_threshold")
    assert evaluate(tree, {"decision_value": 600_000}, Settings(key_decision_threshold=500_000))
    assert not evaluate(tree, {"decision_value": 600_000}, KCC)


@pytest.mark.parametrize(
    ("expr", "column", "words"),
    [
        ("", 1, "empty"),
        ("a >= ", 6, "but the expression ends"),
        ("a = 1", 3, "'=' is not an operator"),
        ("a >= 1 b", 8, "expected 'and', 'or'"),
        ("a and or b", 7, "but found 'or'"),
        ("(a or b", 8, "expected ')'"),
        ("name == 'open", 9, "unterminated string"),
        ("a >= £5", 6, "unexpected character"),
    ],
)
def test_parse_errors_give_the_column(expr: str, column: int, words: str) -> None:
    with pytest.raises(ConditionError) as info:
        parse(expr)
    assert info.value.column == column
    assert words in info.value.message
