"""All SQL lives in engine/store/: no other module builds or runs a statement.

Outside the store a module may name ``sqlalchemy.Connection`` and ``Engine`` (types) and catch
``sqlalchemy.exc`` errors; it may not import anything else of SQLAlchemy, read the Core tables
(``govpath.store.tables``) or call ``execute`` on a connection.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("engine", "calendars", "notifications", "workflows")
TYPES_ONLY = {"Connection", "Engine"}
RUNS_SQL = {"execute", "executemany", "exec_driver_sql", "scalar", "scalars"}

# Modules still to be moved into the store (shrinks to nothing).
NOT_YET: set[str] = set()


def _outside_store() -> list[Path]:
    found = []
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("engine/store/"):
                continue
            found.append(path)
    return found


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy":
                    out.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            mod = node.module
            if mod == "sqlalchemy":
                extra = sorted({a.name for a in node.names} - TYPES_ONLY)
                if extra:
                    out.append(f"line {node.lineno}: from sqlalchemy import {', '.join(extra)}")
            elif mod.startswith("sqlalchemy.") and mod != "sqlalchemy.exc":
                out.append(f"line {node.lineno}: from {mod} import …")
            elif mod == "govpath.store.tables" or (
                mod == "govpath.store" and any(a.name == "tables" for a in node.names)
            ):
                out.append(f"line {node.lineno}: reads the Core tables")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in RUNS_SQL
        ):
            out.append(f"line {node.lineno}: .{node.func.attr}(…)")
    return out


def test_no_sql_outside_the_store() -> None:
    bad = {}
    for path in _outside_store():
        rel = path.relative_to(ROOT).as_posix()
        found = _offences(path)
        if found and rel not in NOT_YET:
            bad[rel] = found
    assert not bad, "SQL outside engine/store/:\n" + "\n".join(
        f"{rel}: {'; '.join(lines)}" for rel, lines in sorted(bad.items())
    )


def test_the_list_of_modules_not_yet_moved_is_current() -> None:
    clean = sorted(rel for rel in NOT_YET if not (ROOT / rel).exists() or not _offences(ROOT / rel))
    assert not clean, f"these no longer hold SQL; take them off NOT_YET: {clean}"
