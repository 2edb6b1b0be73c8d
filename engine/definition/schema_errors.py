"""Turn pydantic's schema errors into located sentences; repair data so semantic checks can run."""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from govpath.errors import Problem

from .loader import Loc, Positions
from .model import GateAfterPrevious, GateDate, GateFirstIn, GateOnOrAfter, Pathway

GATE_MEMBERS = {
    "GateDate": "on",
    "GateFirstIn": "first_in",
    "GateOnOrAfter": "on_or_after",
    "GateAfterPrevious": "after",
}
GATE_KEYS = ("on", "first_in", "on_or_after", "after")
GATE_HINT = "a gate names a body and one of: on, first_in, on_or_after, after"
_GATE_CLASSES = (GateDate, GateFirstIn, GateOnOrAfter, GateAfterPrevious)

# what the items of each list are called in sentences
ITEM_KIND = {
    "roles": "role",
    "bodies": "body",
    "content": "content item",
    "stages": "stage",
    "transitions": "transition",
    "deadlines": "deadline",
    "reminders": "reminder",
    "escalations": "escalation",
    "units": "plan unit",
}
_ID_KEYS = ("id", "trigger", "subject")


# --------------------------------------------------------------------------- the models at a path


def _models_in(ann: Any) -> list[type[BaseModel]]:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [ann]
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        out: list[type[BaseModel]] = []
        for arg in typing.get_args(ann):
            out.extend(_models_in(arg))
        return out
    if origin is typing.Annotated:
        return _models_in(typing.get_args(ann)[0])
    return []


def _item_type(ann: Any) -> Any:
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(ann):
            inner = _item_type(arg)
            if inner is not None:
                return inner
        return None
    if origin in (tuple, list):
        args = typing.get_args(ann)
        return args[0] if args else None
    return None


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """The model's YAML keys (aliases where given) → annotations."""
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def annotation_at(loc: Loc) -> Any:
    """The type annotation of the node at ``loc`` in a pathway document (None if unknown)."""
    ann: Any = Pathway
    for step in loc:
        if isinstance(step, int):
            ann = _item_type(ann)
        else:
            nxt = None
            for model in _models_in(ann):
                nxt = _fields(model).get(step, nxt)
                if nxt is not None:
                    break
            ann = nxt
        if ann is None:
            return None
    return ann


def keys_at(loc: Loc) -> list[str]:
    """The keys a mapping at ``loc`` may have."""
    keys: list[str] = []
    for model in _models_in(annotation_at(loc)):
        keys.extend(k for k in _fields(model) if k not in keys)
    return keys


def required_keys_at(loc: Loc) -> list[str]:
    out: list[str] = []
    for model in _models_in(annotation_at(loc)):
        for name, f in model.model_fields.items():
            if f.is_required() and (f.alias or name) not in out:
                out.append(f.alias or name)
    return out


# --------------------------------------------------------------------------- sentences


def _node(data: Any, loc: Loc) -> Any:
    for step in loc:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def context(data: Any, loc: Loc) -> str:
    """Words for the container at ``loc``: "in stage 'draft'", "in the gate of stage 'draft'"."""
    if not loc:
        return "at the top level"
    last = loc[-1]
    if isinstance(last, int):
        kind = ITEM_KIND.get(str(loc[-2]) if len(loc) > 1 else "", "item")
        item = _node(data, loc)
        name = None
        if isinstance(item, dict):
            name = next((item[k] for k in _ID_KEYS if isinstance(item.get(k), str)), None)
        label = f"{kind} '{name}'" if name else f"{kind} {last + 1}"
        if kind in ("deadline", "reminder", "escalation", "plan unit") and len(loc) > 2:
            label += " " + context(data, loc[:-2])
        return f"in {label}"
    if len(loc) == 1:
        return f"in {last}"
    return f"in the {last} " + context(data, loc[:-1]).replace("in ", "of ", 1)


def _label(loc: Loc) -> str:
    if not loc:
        return "the document"
    if isinstance(loc[-1], int):
        return f"item {loc[-1] + 1} of '{loc[-2]}'" if len(loc) > 1 else f"item {loc[-1] + 1}"
    return f"'{loc[-1]}'"


def printable(text: str) -> str:
    """TEXT with its unprintable characters (a line break, a tab, a control code) written as
    escapes, so that a message about it stays on one line.

    >>> print(printable("draft\\nplan"))
    draft\\nplan
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def describe_value(value: Any) -> str:
    """A few words for a YAML value, for 'should be X, not Y' sentences."""
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dt.datetime):
        return f"the date-time {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        return f"'{printable(value[:40])}'" if value else "an empty string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def did_you_mean(word: str, candidates: Any) -> str:
    """' (did you mean 'x'?)' when a close candidate exists, else ''.

    >>> did_you_mean("cabinett", ["cabinet", "cmm"])
    " (did you mean 'cabinet'?)"
    """
    close = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


_SHOULD = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date without a time (YYYY-MM-DD)",
    "date_future": "a date",
    "tuple_type": "a list",
    "list_type": "a list",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "dict_type": "a mapping of keys",
    "missing_argument": "given",
}

_PATTERN_WORDS = {
    r"^[a-z][a-z0-9_]*$": (
        "an id: lower case letters, digits and underscores, starting with a letter"
    ),
    r"^\d{4}-(0[1-9]|1[0-2])$": "a month written YYYY-MM, e.g. 2013-03",
    r"^\d{4}/\d{2}$": "a financial year written like 2013/14",
}


def _sentence(err: Mapping[str, Any], loc: Loc, data: Any) -> tuple[str, bool]:
    """(message, located on the key?) for one pydantic error at ``loc`` (tags removed)."""
    kind = err["type"]
    value = err.get("input")
    parent = loc[:-1]
    ctx = context(data, parent)
    if kind == "missing":
        return f"missing required key {_label(loc)} {ctx}", False
    if kind == "extra_forbidden":
        key = loc[-1]
        return f"unknown key '{key}' {ctx}{did_you_mean(str(key), keys_at(parent))}", True
    if kind == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern", "")
        words = _PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        return f"{_label(loc)} {ctx} should be {words}, not {describe_value(value)}", False
    if kind == "literal_error":
        expected = (err.get("ctx") or {}).get("expected", "")
        return (
            f"{_label(loc)} {ctx} should be one of {expected}, not {describe_value(value)}",
            False,
        )
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(iter((err.get("ctx") or {}).values()), "")
        words = {
            "greater_than_equal": "at least",
            "less_than_equal": "at most",
            "greater_than": "more than",
            "less_than": "less than",
        }[kind]
        return f"{_label(loc)} {ctx} should be {words} {bound}, not {describe_value(value)}", False
    if kind == "value_error":
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        return f"{msg} ({_label(loc)} {ctx})", False
    if kind == "string_type" and loc == ("year",):
        return (
            f"'year' should be a financial year written like 2013/14, not {describe_value(value)}",
            False,
        )
    if kind in _SHOULD:
        return f"{_label(loc)} {ctx} should be {_SHOULD[kind]}, not {describe_value(value)}", False
    return f"{_label(loc)} {ctx}: {err.get('msg', 'is not valid')}", False


def _gate_member(gate: Any) -> str | None:
    """The gate form a mapping means by its keys, or None when it names none or several."""
    if not isinstance(gate, dict):
        return None
    present = [k for k in GATE_KEYS if k in gate]
    if len(present) == 1:
        return next(m for m, k in GATE_MEMBERS.items() if k == present[0])
    if not present:
        return "GateAfterPrevious"
    return None


def _split_gate(loc: Loc) -> tuple[Loc, str | None, Loc]:
    """(gate loc, union member, rest) when ``loc`` passes through a gate; else (loc, None, ())."""
    for i, step in enumerate(loc):
        if isinstance(step, str) and step in GATE_MEMBERS and i > 0 and loc[i - 1] == "gate":
            return loc[:i], step, loc[i + 1 :]
    return loc, None, ()


def humanise(exc: ValidationError, data: Any, positions: Positions, path: str) -> list[Problem]:
    """One located sentence per real problem (the gate union's four-way failures become one)."""
    problems: list[Problem] = []
    gates_done: set[Loc] = set()
    for err in exc.errors(include_url=False):
        raw = tuple(err["loc"])
        gate_loc, member, rest = _split_gate(raw)
        if member is not None:
            gate = _node(data, gate_loc)
            meant = _gate_member(gate)
            if meant is not None and meant == member and isinstance(gate, dict):
                if not rest and err["type"] in ("model_type", "model_attributes_type"):
                    continue
                loc = gate_loc + rest
            elif meant is not None and isinstance(gate, dict):
                continue  # another form's complaint: not what this gate means
            else:
                if gate_loc in gates_done:
                    continue
                gates_done.add(gate_loc)
                found = ""
                if isinstance(gate, dict):
                    present = [k for k in GATE_KEYS if k in gate]
                    found = f"; this one has {' and '.join(present)}" if present else ""
                else:
                    found = f"; got {describe_value(gate)}"
                ctx = context(data, gate_loc[:-1])
                problems.append(positions.problem(path, gate_loc, f"{GATE_HINT} ({ctx}{found})"))
                continue
        else:
            loc = raw
        message, on_key = _sentence(err, loc, data)
        problems.append(positions.problem(path, loc, message, on_key=on_key))
    return problems


# --------------------------------------------------------------------------- repair

_DELETE = object()
_PLACEHOLDER = {"title": "", "name": "", "roles": [], "year": "2000/01", "id": "unnamed"}


def _materialise(
    data: Any, patches: dict[Loc, Any], loc: Loc, new_loc: Loc, origin: dict[Loc, Loc]
) -> Any:
    origin[new_loc] = loc
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            sub = (*loc, k)
            if patches.get(sub) is _DELETE:
                continue
            if sub in patches:
                out[k] = patches[sub]
                origin[(*new_loc, k)] = sub
            else:
                out[k] = _materialise(v, patches, sub, (*new_loc, k), origin)
        for sub, v in patches.items():
            if sub[:-1] == loc and v is not _DELETE and sub[-1] not in out:
                out[sub[-1]] = v
                origin[(*new_loc, sub[-1])] = sub
        return out
    if isinstance(data, list):
        items: list[Any] = []
        for i, v in enumerate(data):
            sub = (*loc, i)
            if patches.get(sub) is _DELETE:
                continue
            items.append(_materialise(v, patches, sub, (*new_loc, len(items)), origin))
        return items
    return data


def repair(data: dict[str, Any]) -> tuple[Pathway | None, dict[Loc, Loc], dict[str, set[str]]]:
    """Leave out what does not validate until the rest does.

    Returns (pathway or None, map from repaired paths to original paths, ids of the items left
    out by list name) so that semantic checks on the rest are located in the original document
    and do not complain about references to items that were only left out.
    """
    patches: dict[Loc, Any] = {}
    dropped: dict[str, set[str]] = {}
    for _round in range(15):
        origin: dict[Loc, Loc] = {}
        copy = _materialise(data, patches, (), (), origin)
        try:
            return Pathway.model_validate(copy), origin, dropped
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        except RecursionError:
            return None, {}, dropped
        progress = False
        for err in errors:
            loc, member, _rest = _split_gate(tuple(err["loc"]))
            target = (loc, _DELETE) if member is not None else _target(loc, err["type"], copy)
            if target is None:
                return None, {}, dropped
            new_loc, value = target
            orig = _to_original(new_loc, origin)
            if orig is None:
                return None, {}, dropped
            if value is _DELETE and len(orig) >= 2 and isinstance(orig[-1], int):
                item = _node(data, orig)
                if isinstance(item, dict):
                    ident = next((item[k] for k in _ID_KEYS if isinstance(item.get(k), str)), None)
                    if ident:
                        dropped.setdefault(str(orig[-2]), set()).add(ident)
            if orig not in patches or patches[orig] is not value:
                progress = True
            patches[orig] = value
        if not progress:
            return None, {}, dropped
    return None, {}, dropped


def _to_original(new_loc: Loc, origin: dict[Loc, Loc]) -> Loc | None:
    if new_loc in origin:
        return origin[new_loc]
    if new_loc[:-1] in origin:
        return (*origin[new_loc[:-1]], new_loc[-1])
    return None


def _target(loc: Loc, kind: str, copy: Any) -> tuple[Loc, Any] | None:
    """What to patch for one error: (path in the copy, replacement or _DELETE); None gives up."""
    if kind == "missing":
        key = loc[-1]
        if key in ("title", "name") or (key == "roles" and len(loc) == 3):
            return loc, _PLACEHOLDER[str(key)]
        loc = loc[:-1]
    if not loc:
        return None
    if len(loc) == 1:
        if loc[0] in ("id", "title", "year"):
            return loc, _PLACEHOLDER[str(loc[0])]
        if loc[0] == "initial":
            stages = copy.get("stages") if isinstance(copy, dict) else None
            first = stages[0].get("id") if stages and isinstance(stages[0], dict) else None
            return (loc, first) if isinstance(first, str) else None
        if loc[0] in ("roles", "bodies", "stages", "transitions"):
            return None
        return loc, _DELETE
    # a key of a list item that identifies it: drop the whole item
    if isinstance(loc[-2], int) and loc[-1] in _ID_KEYS:
        return loc[:-1], _DELETE
    return loc, _DELETE
