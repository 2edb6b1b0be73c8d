"""Property: no mutation of a valid definition crashes the loader; every problem is located."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govpath.definition.loader import load_pathway_text, parse_text
from govpath.definition.model import Pathway
from govpath.errors import DefinitionError

DATA = Path(__file__).resolve().parent / "data" / "definitions"
TEXTS = [(DATA / name).read_text(encoding="utf-8") for name in ("tiny.yaml", "cycle.yaml")]
DATAS = [parse_text(text).data for text in TEXTS]
GARBAGE = st.text(
    alphabet=st.sampled_from(
        [*":{}[]-,#&*!|>'\"\t\n ?%@`\\", "\x00", "\x07", "é", "→", "\ufeff", *"abz019"]
    ),
    min_size=1,
    max_size=8,
)


def outcome(text: str) -> None:
    """Either a Pathway, or a DefinitionError whose every problem is located in the text."""
    try:
        result = load_pathway_text(text, "fuzz.yaml")
    except DefinitionError as exc:
        assert exc.problems, "a DefinitionError with no problems"
        lines = text.count("\n") + 2
        for p in exc.problems:
            assert p.path == "fuzz.yaml"
            assert 1 <= p.line <= lines, p
            assert p.column >= 1, p
            assert p.message and "\n" not in p.message, p
            assert str(p).startswith(f"fuzz.yaml:{p.line}:{p.column}: error: ")
    else:
        assert isinstance(result, Pathway)


@st.composite
def text_mutations(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    lines = text.splitlines(keepends=True)
    op = draw(st.sampled_from(["truncate", "insert", "delete_line", "duplicate_line", "swap"]))
    if op == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if op == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(GARBAGE) + text[at:]
    i = draw(st.integers(0, len(lines) - 1))
    if op == "delete_line":
        return "".join(lines[:i] + lines[i + 1 :])
    if op == "duplicate_line":
        return "".join(lines[: i + 1] + lines[i:])
    j = draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(_paths(v, (*prefix, i)))
    return out


REPLACEMENTS = st.one_of(
    st.none(),
    st.integers(-5, 10**7),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["director", "cabinet", "draft", "approved", "drafting", "published", "x"]),
    st.just([]),
    st.just({}),
    st.just(["a", 1]),
    st.just({"body": "cabinet"}),
    st.just(dt.date(2014, 1, 1)),
)


@st.composite
def data_mutations(draw: st.DrawFn) -> str:
    data = copy.deepcopy(draw(st.sampled_from(DATAS)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        op = draw(st.sampled_from(["delete", "replace", "rename_id", "duplicate"]))
        if op == "delete":
            del parent[last]
        elif op == "replace":
            parent[last] = draw(REPLACEMENTS)
        elif op == "rename_id":
            target = parent[last]
            if isinstance(target, dict) and "id" in target:
                target["id"] = draw(st.sampled_from(["director", "draft", "renamed", "Bad Id"]))
            else:
                parent[last] = draw(st.text(alphabet="abc_", min_size=1, max_size=6))
        elif isinstance(parent, list):
            parent.insert(last, json.loads(json.dumps(parent[last], default=str)))
        else:
            parent[f"{last}_copy"] = parent[last]
    return json.dumps(data, indent=2, default=str, ensure_ascii=False)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_mutations())
def test_text_mutations_never_crash(text: str) -> None:
    outcome(text)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data_mutations())
def test_data_mutations_never_crash(text: str) -> None:
    outcome(text)


def test_the_unmutated_fixtures_load() -> None:
    for text in TEXTS:
        outcome(text)
        assert isinstance(load_pathway_text(text), Pathway)
