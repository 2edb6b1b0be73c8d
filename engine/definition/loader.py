"""Read pathway YAML into frozen records, keeping the line and column of every key and item."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govpath.errors import DefinitionError, Problem

if TYPE_CHECKING:
    from govpath.definition.model import Pathway

Loc = tuple[str | int, ...]
Pos = tuple[int, int]
MAX_NODES = 100_000


class _TooLarge(Exception):
    """The document expands to more values than a definition could reasonably hold."""


def where(loc: Loc) -> str:
    """A location as a path inside the document.

    >>> where(("stages", 2, "gate", "body"))
    'stages[2].gate.body'
    """
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


@dataclass
class Positions:
    """Where each node of a document starts (1-based line and column), by its path in the data.

    ``values`` holds the start of every value (mappings, lists, scalars); ``keys`` the start of
    every mapping key. ``origin`` maps paths of a repaired copy back to the original document.
    """

    values: dict[Loc, Pos] = field(default_factory=dict)
    keys: dict[Loc, Pos] = field(default_factory=dict)
    origin: dict[Loc, Loc] = field(default_factory=dict)
    quoted: set[Loc] = field(default_factory=set)
    count: int = 0  # values converted so far (a guard against alias bombs)

    def is_quoted(self, loc: Loc) -> bool:
        """Whether the scalar at ``loc`` was quoted (its text starts one column later)."""
        return self._original(loc) in self.quoted

    def _original(self, loc: Loc) -> Loc:
        loc = tuple(loc)
        return self.origin.get(loc, loc)

    def at(self, loc: Loc) -> Pos:
        """The start of the value at ``loc``, or of its nearest ancestor that has one."""
        loc = self._original(loc)
        while loc:
            if loc in self.values:
                return self.values[loc]
            loc = loc[:-1]
        return self.values.get((), (1, 1))

    def key(self, loc: Loc) -> Pos:
        """The start of the key at ``loc`` (for a mapping entry), else :meth:`at`."""
        orig = self._original(loc)
        if orig in self.keys:
            return self.keys[orig]
        return self.at(loc)

    def problem(self, path: str, loc: Loc, message: str, *, on_key: bool = False) -> Problem:
        """A :class:`Problem` located at ``loc`` (its key with ``on_key``)."""
        line, column = self.key(loc) if on_key else self.at(loc)
        return Problem(str(path), line, column, message, where(self._original(loc)))


@dataclass
class Parsed:
    """A document read from YAML: plain data (or None), positions, and problems found so far."""

    path: str
    data: Any
    positions: Positions
    problems: list[Problem]


# --------------------------------------------------------------------------- reading


def _read_text(path: Path) -> tuple[str | None, list[Problem]]:
    from govpath.safeio import MAX_DEFINITION_BYTES, FileRefused, read_limited

    name = str(path)
    try:
        raw = read_limited(path, MAX_DEFINITION_BYTES, "pathway definition")
    except FileRefused as exc:
        return None, [Problem(name, 1, 1, str(exc))]
    except IsADirectoryError:
        return None, [Problem(name, 1, 1, "is a folder, not a definition file")]
    except FileNotFoundError:
        return None, [Problem(name, 1, 1, "no such file")]
    except OSError as exc:
        return None, [Problem(name, 1, 1, f"cannot read the file: {exc.strerror or exc}")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [
            Problem(
                name,
                line,
                column,
                "the file is not UTF-8 text (byte "
                f"0x{raw[exc.start]:02x} cannot be read); save it as UTF-8",
            )
        ]


def _yaml(allow_duplicate_keys: bool) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = allow_duplicate_keys
    yaml.preserve_quotes = True
    return yaml


def _mark_problem(path: str, exc: Exception) -> Problem:
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.reader import ReaderError

    if isinstance(exc, ReaderError):
        return Problem(
            path,
            1,
            1,
            f"the file contains a character YAML does not allow "
            f"(code {exc.character!r}); is it a text file?",
        )
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = (exc.problem or exc.context or "invalid YAML").strip()
        if exc.context and exc.problem:
            what = f"{exc.context.strip()}: {exc.problem.strip()}"
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return Problem(path, line, col, f"invalid YAML: {what}")
    return Problem(
        path, 1, 1, f"invalid YAML: {str(exc).strip().splitlines()[0] if str(exc) else exc}"
    )


def _duplicate_keys(text: str, path: str) -> list[Problem]:
    """Every duplicated key in every mapping of the document (ruamel stops at the first)."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    problems: list[Problem] = []
    try:
        root = _yaml(True).compose(text)
    except Exception:  # the load that follows reports the syntax error
        return problems
    stack, seen_nodes = [root], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[str, int] = {}
            for knode, vnode in node.value:
                key = str(getattr(knode, "value", knode))
                if key in first:
                    m = knode.start_mark
                    problems.append(
                        Problem(
                            path,
                            m.line + 1,
                            m.column + 1,
                            f"duplicate key '{key}' (first given on line {first[key]})",
                        )
                    )
                else:
                    first[key] = knode.start_mark.line + 1
                stack.append(vnode)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return problems


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, str):
        return str(key)
    if isinstance(key, tuple | list):
        return "[" + ", ".join(_key_text(k) for k in key) + "]"
    return str(key)


def _plain(node: Any, loc: Loc, pos: Positions, depth: int = 0) -> Any:
    """Round-trip YAML objects → plain Python (dict, list, str, int, float, bool, date, None)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if depth > 60:
        return None
    pos.count += 1
    if pos.count > MAX_NODES:
        raise _TooLarge
    if isinstance(node, CommentedMap | dict):
        out: dict[str, Any] = {}
        lc = getattr(node, "lc", None)
        for k, v in node.items():
            key = _key_text(k)
            sub = (*loc, key)
            if lc is not None:
                try:
                    kl, kc = lc.key(k)
                    pos.keys[sub] = (kl + 1, kc + 1)
                    vl, vc = lc.value(k)
                    pos.values[sub] = (vl + 1, vc + 1)
                except (KeyError, TypeError, IndexError):
                    pass
            out[key] = _plain(v, sub, pos, depth + 1)
        return out
    if isinstance(node, CommentedSeq | list | tuple):
        items = []
        lc = getattr(node, "lc", None)
        for i, v in enumerate(node):
            sub = (*loc, i)
            if lc is not None:
                try:
                    il, ic = lc.item(i)
                    pos.values[sub] = (il + 1, ic + 1)
                except (KeyError, TypeError, IndexError):
                    pass
            items.append(_plain(v, sub, pos, depth + 1))
        return items
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        if type(node).__name__ in ("DoubleQuotedScalarString", "SingleQuotedScalarString"):
            pos.quoted.add(loc)
        return str(node)
    if isinstance(node, dt.datetime):
        return dt.datetime(
            node.year,
            node.month,
            node.day,
            node.hour,
            node.minute,
            node.second,
            node.microsecond,
            node.tzinfo,
        )
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    value = getattr(node, "value", None)  # TaggedScalar and friends
    return str(value if value is not None else node)


def parse_text(text: str, path: str = "<string>") -> Parsed:
    """Parse YAML text into plain data with positions; never raises for bad input."""
    from ruamel.yaml.constructor import DuplicateKeyError

    from govpath.safeio import MAX_DEFINITION_LINES, nesting_problem

    pos = Positions()
    problems: list[Problem] = []
    deep = nesting_problem(text)
    if deep:
        return Parsed(path, None, pos, [Problem(path, deep[1], deep[2], deep[0])])
    lines = text.count("\n") + 1
    if lines > MAX_DEFINITION_LINES:
        msg = (
            f"the definition is {lines:,} lines long, over the limit of "
            f"{MAX_DEFINITION_LINES:,} lines for a pathway (a council's pathway is a few "
            "hundred); split it into smaller pathways"
        )
        return Parsed(path, None, pos, [Problem(path, MAX_DEFINITION_LINES + 1, 1, msg)])
    try:
        doc = _yaml(False).load(text)
    except DuplicateKeyError:
        problems.extend(_duplicate_keys(text, path))
        try:
            doc = _yaml(True).load(text)
        except Exception as exc:
            return Parsed(path, None, pos, [*problems, _mark_problem(path, exc)])
    except RecursionError:
        return Parsed(path, None, pos, [Problem(path, 1, 1, "invalid YAML: nested too deeply")])
    except Exception as exc:  # every YAML error, whatever ruamel raises
        return Parsed(path, None, pos, [_mark_problem(path, exc)])
    try:
        lc = getattr(doc, "lc", None)
        if lc is not None and lc.line is not None:
            pos.values[()] = (lc.line + 1, lc.col + 1)
        data = _plain(doc, (), pos)
    except RecursionError:
        return Parsed(path, None, pos, [Problem(path, 1, 1, "invalid YAML: nested too deeply")])
    except _TooLarge:
        msg = f"the document holds more than {MAX_NODES} values (are aliases expanding it?)"
        return Parsed(path, None, Positions(), [Problem(path, 1, 1, msg)])
    return Parsed(path, data, pos, problems)


# --------------------------------------------------------------------------- building


@dataclass
class Built:
    """A parsed document checked against the schema.

    ``pathway`` is None when nothing sensible is left. With schema problems, it is a repaired
    copy (offending keys and items left out) whose ``positions`` point into the original, so
    that the semantic checks can run too; ``dropped`` holds the ids of the items left out.
    """

    pathway: Any
    positions: Positions
    problems: list[Problem]
    dropped: dict[str, set[str]] = field(default_factory=dict)


def build(parsed: Parsed) -> Built:
    """Validate parsed data as a :class:`~govpath.definition.model.Pathway` (never raises)."""
    path, data, positions = parsed.path, parsed.data, parsed.positions
    if data is None:
        if parsed.problems:
            return Built(None, positions, [])
        return Built(
            None,
            positions,
            [
                Problem(
                    path,
                    1,
                    1,
                    "the file is empty; a pathway "
                    "definition is a mapping with id, title, year, "
                    "roles, bodies, initial, stages and transitions",
                )
            ],
        )
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
        line, col = positions.at(())
        return Built(
            None,
            positions,
            [
                Problem(
                    path,
                    line,
                    col,
                    "a pathway definition is a "
                    "mapping of keys (id, title, year, roles, bodies, "
                    f"initial, stages, transitions), not {kind}",
                )
            ],
        )
    from pydantic import ValidationError

    from .model import Pathway
    from .schema_errors import humanise, repair

    try:
        return Built(Pathway.model_validate(data), positions, [])
    except ValidationError as exc:
        problems = humanise(exc, data, positions, path)
    except RecursionError:
        return Built(None, positions, [Problem(path, 1, 1, "the document is nested too deeply")])
    repaired, origin, dropped = repair(data)
    fixed = Positions(positions.values, positions.keys, origin, positions.quoted)
    return Built(repaired, fixed, problems, dropped)


def parse_pathway_text(
    text: str, path: str = "<string>"
) -> tuple[Pathway | None, Positions, list[Problem]]:
    """Parse, check the schema and validate: (pathway or None, positions, every problem).

    Never raises for bad input. With problems, the pathway (if any) is only a repaired copy.
    """
    from .validate import validate

    parsed = parse_text(text, path)
    built = build(parsed)
    problems = [*parsed.problems, *built.problems]
    if built.pathway is not None:
        problems.extend(
            validate(
                built.pathway,
                built.positions,
                path,
                partial=bool(built.problems),
                dropped=built.dropped,
            )
        )
    return built.pathway, built.positions, _sorted(problems)


def parse_pathway_file(path: str | Path) -> tuple[Pathway | None, Positions, list[Problem]]:
    """Like :func:`parse_pathway_text` for a file; unreadable files are problems too."""
    text, problems = _read_text(Path(path))
    if text is None:
        return None, Positions(), problems
    return parse_pathway_text(text, str(path))


def _sorted(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[int, int, str]] = set()
    out = []
    for p in sorted(problems, key=lambda p: (p.line, p.column)):
        if (p.line, p.column, p.message) not in seen:
            seen.add((p.line, p.column, p.message))
            out.append(p)
    return out


def load_pathway_text(text: str, path: str = "<string>") -> Pathway:
    """Read a pathway from YAML text; raise :class:`DefinitionError` with every problem found.

    >>> try:
    ...     load_pathway_text("id: [")
    ... except DefinitionError as exc:
    ...     print(exc.problems[0].line, exc.problems[0].column, exc.problems[0].message[:40])
    1 6 invalid YAML: while parsing a flow node:
    """
    pathway, _positions, problems = parse_pathway_text(text, path)
    if problems or pathway is None:
        raise DefinitionError(problems)
    return pathway


def load_pathway(path: str | Path) -> Pathway:
    """Read a pathway definition file; raise :class:`DefinitionError` with every problem found."""
    pathway, _positions, problems = parse_pathway_file(path)
    if problems or pathway is None:
        raise DefinitionError(problems)
    return pathway


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders expanded to their *.yaml and *.yml files (recursively, sorted)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(
                sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
            )
        else:
            out.append(p)
    return out


# --------------------------------------------------------------------------- versions


def normalised_json(pathway: Any) -> dict[str, Any]:
    """The pathway as JSON data with YAML key names and sorted keys (the basis of its hash)."""
    data = pathway.model_dump(mode="json", by_alias=True)
    out: dict[str, Any] = json.loads(json.dumps(data, sort_keys=True))
    return out


def content_hash(pathway: Any) -> str:
    """sha256 of the canonical normalised JSON: the same content always has the same hash."""
    canonical = json.dumps(
        normalised_json(pathway), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
