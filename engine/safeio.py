"""Read files people give us within limits: regular files only, bounded size, bounded YAML.

A device such as ``/dev/zero``, a pipe or a socket is refused before it is opened; a file over
its size limit is refused by its size; a YAML document whose aliases expand to more than
``MAX_YAML_NODES`` values ("billion laughs"), that refers to itself, or that nests deeper than
``MAX_YAML_DEPTH`` is refused after it is parsed and before anything walks it.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

MB = 1024 * 1024
MAX_DEFINITION_BYTES = 32 * MB  # a pathway definition (10,000 stages is about 3 MB)
MAX_CALENDAR_BYTES = 128 * MB  # a calendar, forward plan or feed (200,000 meetings: ~25 MB)
MAX_DEFINITION_LINES = 10_000  # a council's pathway is a few hundred lines; bounds reading time
MAX_YAML_NODES = 5_000_000  # values in a YAML document once its aliases are expanded
MAX_YAML_DEPTH = 100  # levels of nesting in a YAML document


class FileRefused(Exception):
    """A file that is not read: the sentence says why (without the file's name)."""


def read_limited(path: str | os.PathLike[str], limit: int, what: str = "file") -> bytes:
    """The bytes of PATH, refused (FileRefused) unless it is a regular file of at most LIMIT bytes.

    OSError (no such file, a folder, no permission) passes through for the caller to word.
    """
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(
            f"is not a regular file (a device, pipe or socket); give the {what} as a file"
        )
    if st.st_size > limit:
        raise FileRefused(
            f"is {_size(st.st_size)}, over the limit of {_size(limit)} for a {what}; "
            "split it or check it is the file you meant"
        )
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew while we read it
        raise FileRefused(f"is over the limit of {_size(limit)} for a {what}")
    return data


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n:,} bytes"


def yaml_node_problem(root: Any) -> tuple[str, int, int] | None:
    """Why a composed YAML node tree is refused, with the 1-based line and column; or None.

    Sizes are counted with each alias expanded, but every node is visited once, so a document
    of nested aliases is measured in the time its text takes to read.
    """
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if root is None:
        return None
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: being measured, 2: measured
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if isinstance(node, MappingNode):
            kids = [n for pair in node.value for n in pair]
        elif isinstance(node, SequenceNode):
            kids = list(node.value)
        else:
            size[key], depth[key], state[key] = 1, 1, 2
            continue
        if children_done:
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            state[key] = 2
            mark = node.start_mark
            where = (mark.line + 1, mark.column + 1)
            if size[key] > MAX_YAML_NODES:
                return (
                    f"the document expands to more than {MAX_YAML_NODES:,} values through its "
                    "aliases (*name); write the values out, or use fewer aliases",
                    *where,
                )
            if depth[key] > MAX_YAML_DEPTH:
                return (f"the document nests more than {MAX_YAML_DEPTH} levels deep", *where)
            continue
        if state.get(key) == 2:
            continue
        if state.get(key) == 1:
            mark = node.start_mark
            return ("an alias refers to the value that contains it", mark.line + 1, mark.column + 1)
        state[key] = 1
        stack.append((node, True))
        for k in kids:
            if state.get(id(k)) == 1:
                mark = k.start_mark
                return (
                    "an alias refers to the value that contains it",
                    mark.line + 1,
                    mark.column + 1,
                )
            if state.get(id(k)) != 2:
                stack.append((k, False))
    return None


def compose_bounded(yaml: Any, text: str) -> Any:
    """Compose TEXT with the ruamel YAML object, then refuse it (ValueError with line and
    column) when its expansion, self-reference or nesting is over the limits."""
    deep = nesting_problem(text)
    if deep:
        raise YamlRefused(*deep)
    try:
        root = yaml.compose(text)
    except RecursionError:
        raise YamlRefused(
            f"the document nests more than {MAX_YAML_DEPTH} levels deep", 1, 1
        ) from None
    problem = yaml_node_problem(root)
    if problem:
        raise YamlRefused(*problem)
    return root


_SPECIAL = re.compile(r"[\[\]{}'\"#]")


def nesting_problem(text: str) -> tuple[str, int, int] | None:
    """A quick look, before the parser recurses, for brackets or indentation nested too deep."""
    limit = f"the document nests more than {MAX_YAML_DEPTH} levels deep"
    depth = 0
    for n, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip(" "))
        if indent > 4 * MAX_YAML_DEPTH:
            return (limit, n, indent + 1)
        quote = ""
        for m in _SPECIAL.finditer(line):
            ch, col = m.group(), m.start() + 1
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                if depth:
                    quote = ch
            elif ch == "#":
                if col == 1 or line[col - 2] in " \t":
                    break
            elif ch in "[{":
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return (limit, n, col)
            else:
                depth = max(depth - 1, 0)
        if depth == 0:
            continue
    return None


class YamlRefused(ValueError):
    """A YAML document over the limits: ``message``, ``line``, ``column``."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _fast_resolver() -> type:
    """ruamel's resolver without its slowdown: its ``resolve`` appends to a shared list on every
    plain scalar (so reading grows quadratically) and looks the YAML version up each time."""
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    class FastResolver(VersionedResolver):
        _cached: Any = None

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                if self._cached is None:
                    self._cached = self.versioned_resolver
                table = self._cached
                for tag, regexp in [
                    *table.get(value[0] if value else "", ()),
                    *table.get(None, ()),
                ]:
                    if regexp.match(value):
                        return Tag(suffix=tag)
            return super().resolve(kind, value, (False, False))

    return FastResolver


def fast_yaml(typ: str = "rt", pure: bool = True) -> Any:
    """A ruamel YAML object of TYP whose reading time grows in step with the document."""
    from ruamel.yaml import YAML

    yaml = YAML(typ=typ, pure=pure)
    yaml.Resolver = _fast_resolver()
    return yaml


def write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write DATA to PATH atomically, readable by its owner only (0600).

    A temporary ``.tmp-*`` file beside it is renamed into place; one left by a killed process is
    removed by :func:`clean_stale_temporaries` at the next start.
    """
    import tempfile

    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clean_stale_temporaries(folder: str | os.PathLike[str], older_than: float = 600.0) -> int:
    """Remove ``.tmp-*`` files in FOLDER older than OLDER_THAN seconds (left by a killed run)."""
    import time

    removed = 0
    limit = time.time() - older_than
    try:
        entries = list(Path(folder).glob(".tmp-*"))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.is_file() and entry.stat().st_mtime < limit:
                entry.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def private_umask() -> None:
    """From now on, files this process creates are its owner's only (0600, folders 0700)."""
    os.umask(0o077)
