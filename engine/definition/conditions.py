"""Guard expressions: tokenise, parse to a small tree, list the names used, and evaluate.

Grammar (see :class:`govpath.definition.model.Condition`)::

    expr    := and_expr ("or" and_expr)*
    and_expr:= term ("and" term)*
    term    := "not" term | "(" expr ")" | operand [OP operand]
    OP      := ">=" | ">" | "<=" | "<" | "==" | "!="
    operand := NAME | "settings." NAME | NUMBER | "true" | "false" | STRING

>>> from govpath.definition.model import Settings
>>> tree = parse("decision_value >= settings.key_decision_threshold")
>>> sorted(names(tree))
['decision_value', 'settings.key_decision_threshold']
>>> evaluate(tree, {"decision_value": 1_500_000}, Settings())
True
>>> evaluate(parse("not key_decision and value < 1_000"), {"value": "999"}, Settings())
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPS = (">=", "<=", "==", "!=", ">", "<")
KEYWORDS = {"and", "or", "not", "true", "false"}


class ConditionError(ValueError):
    """A guard expression that cannot be parsed; ``column`` is 1-based within the expression."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # name, setting, number, string, op, lparen, rparen, and, or, not, true, false, end
    text: str
    column: int
    value: Any = None


@dataclass(frozen=True)
class Name:
    name: str
    column: int


@dataclass(frozen=True)
class Setting:
    name: str
    column: int


@dataclass(frozen=True)
class Literal:
    value: Any
    column: int


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class Compare:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Expr
    right: Expr


Expr = Name | Setting | Literal | Not | Compare | BoolOp

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<number>\d[\d_]*(?:\.\d+)?)
      | (?P<setting>settings\.[A-Za-z_][A-Za-z0-9_]*)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<string>"[^"]*"|'[^']*')
      | (?P<op>>=|<=|==|!=|>|<)
      | (?P<lparen>\()
      | (?P<rparen>\))""",
    re.VERBOSE,
)


def tokenise(text: str) -> list[Token]:
    """The tokens of an expression (ending with an ``end`` token)."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            ch = text[i]
            if ch in "\"'":
                raise ConditionError(f"unterminated string starting with {ch}", i + 1)
            if ch == "=":
                raise ConditionError("'=' is not an operator; compare with '=='", i + 1)
            raise ConditionError(f"unexpected character {ch!r}", i + 1)
        kind = m.lastgroup or ""
        tok = m.group()
        col = i + 1
        i = m.end()
        if kind == "space":
            continue
        if kind == "number":
            clean = tok.replace("_", "")
            tokens.append(Token("number", tok, col, float(clean) if "." in clean else int(clean)))
        elif kind == "string":
            tokens.append(Token("string", tok, col, tok[1:-1]))
        elif kind == "setting":
            tokens.append(Token("setting", tok, col, tok.split(".", 1)[1]))
        elif kind == "name" and tok in KEYWORDS:
            tokens.append(Token(tok, tok, col))
        else:
            tokens.append(Token(kind, tok, col))
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenise(text)
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expr(self) -> Expr:
        left = self.and_expr()
        while self.peek().kind == "or":
            self.take()
            left = BoolOp("or", left, self.and_expr())
        return left

    def and_expr(self) -> Expr:
        left = self.term()
        while self.peek().kind == "and":
            self.take()
            left = BoolOp("and", left, self.term())
        return left

    def term(self) -> Expr:
        tok = self.peek()
        if tok.kind == "not":
            self.take()
            return Not(self.term())
        if tok.kind == "lparen":
            self.take()
            inner = self.expr()
            close = self.take()
            if close.kind != "rparen":
                raise ConditionError(f"expected ')' {_found(close)}", close.column)
            return inner
        left = self.operand()
        if self.peek().kind == "op":
            op = self.take().text
            return Compare(op, left, self.operand())
        return left

    def operand(self) -> Expr:
        tok = self.take()
        if tok.kind == "name":
            return Name(tok.text, tok.column)
        if tok.kind == "setting":
            return Setting(tok.value, tok.column)
        if tok.kind in ("number", "string"):
            return Literal(tok.value, tok.column)
        if tok.kind in ("true", "false"):
            return Literal(tok.kind == "true", tok.column)
        raise ConditionError(
            f"expected a field, a setting, a number, true, false or a quoted string {_found(tok)}",
            tok.column,
        )


def _found(tok: Token) -> str:
    return "but the expression ends" if tok.kind == "end" else f"but found '{tok.text}'"


def parse(text: str) -> Expr:
    """Parse a guard expression; raise :class:`ConditionError` with the column of the problem.

    >>> try:
    ...     parse("a >= ")
    ... except ConditionError as exc:
    ...     print(exc.column, exc.message[:17])
    6 expected a field,
    """
    if not str(text).strip():
        raise ConditionError("the expression is empty", 1)
    parser = _Parser(str(text))
    tree = parser.expr()
    end = parser.peek()
    if end.kind != "end":
        raise ConditionError(
            f"expected 'and', 'or' or the end of the expression {_found(end)}", end.column
        )
    return tree


def names(tree: Expr) -> set[str]:
    """Field names and ``settings.NAME`` references used by an expression."""
    if isinstance(tree, Name):
        return {tree.name}
    if isinstance(tree, Setting):
        return {f"settings.{tree.name}"}
    if isinstance(tree, Not):
        return names(tree.operand)
    if isinstance(tree, Compare | BoolOp):
        return names(tree.left) | names(tree.right)
    return set()


def references(tree: Expr) -> list[Name | Setting]:
    """Every field and setting reference, with its column, in order."""
    if isinstance(tree, Name | Setting):
        return [tree]
    if isinstance(tree, Not):
        return references(tree.operand)
    if isinstance(tree, Compare | BoolOp):
        return references(tree.left) + references(tree.right)
    return []


_FALSE_WORDS = {"", "false", "no", "0", "off", "none"}


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        clean = value.strip().replace(",", "").replace("_", "").lstrip("£$€")
        try:
            return float(clean) if "." in clean else int(clean)
        except ValueError:
            return None
    return None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_WORDS
    return bool(value)


def _value(tree: Expr, fields: Mapping[str, Any], settings: Any) -> Any:
    if isinstance(tree, Name):
        return fields.get(tree.name)
    if isinstance(tree, Setting):
        return getattr(settings, tree.name, None)
    if isinstance(tree, Literal):
        return tree.value
    return evaluate(tree, fields, settings)


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        if op == "==":
            return left is right
        if op == "!=":
            return left is not right
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        left, right = _truthy(left), _truthy(right)
    else:
        ln, rn = _number(left), _number(right)
        if (
            ln is not None
            and rn is not None
            and not (isinstance(left, str) and isinstance(right, str))
        ):
            left, right = ln, rn
        elif not (isinstance(left, str) and isinstance(right, str)):
            left, right = str(left), str(right)
    try:
        return bool({
            ">=": left >= right, ">": left > right, "<=": left <= right, "<": left < right,
            "==": left == right, "!=": left != right,
        }[op])  # fmt: skip
    except TypeError:
        return False


def evaluate(tree: Expr, fields: Mapping[str, Any], settings: Any) -> bool:
    """Whether the guard holds for a plan's ``fields`` (missing ones are empty) and ``settings``."""
    if isinstance(tree, BoolOp):
        if tree.op == "and":
            return evaluate(tree.left, fields, settings) and evaluate(tree.right, fields, settings)
        return evaluate(tree.left, fields, settings) or evaluate(tree.right, fields, settings)
    if isinstance(tree, Not):
        return not evaluate(tree.operand, fields, settings)
    if isinstance(tree, Compare):
        return _compare(
            tree.op, _value(tree.left, fields, settings), _value(tree.right, fields, settings)
        )
    return _truthy(_value(tree, fields, settings))
