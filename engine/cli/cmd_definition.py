"""Commands on definition files: ``validate``, ``pathway show`` and ``pathway diff``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from . import groups

if TYPE_CHECKING:
    from govpath.definition.model import Pathway
    from govpath.errors import Problem


@groups.app.command("validate")
def validate_cmd(
    paths: list[str] = typer.Argument(
        ..., help="Definition files, or folders of them (*.yaml, *.yml).", metavar="PATH"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> None:
    """Check pathway definition files: exit 0, or 1 with every error located (PATH:LINE:COLUMN).

    Example: govpath validate workflows/kcc/
    """
    from pathlib import Path

    from govpath.definition.loader import collect_paths, parse_pathway_file
    from govpath.errors import BadInput, DefinitionError

    for given in paths:
        folder = Path(given)
        if folder.is_dir() and not collect_paths([folder]):
            raise BadInput(f"{given}: no definition files (*.yaml, *.yml) in this folder.")
    files = collect_paths(paths)
    results = []
    problems = []
    for file in files:
        pathway, _positions, found = parse_pathway_file(file)
        problems.extend(found)
        good = pathway if not found else None
        ok = good is not None
        results.append(
            {
                "path": str(file),
                "ok": ok,
                "id": good.id if good else None,
                "year": good.year if good else None,
                "stages": len(good.stages) if good else None,
                "transitions": len(good.transitions) if good else None,
                "errors": [
                    {"line": p.line, "column": p.column, "message": p.message, "where": p.where}
                    for p in found
                ],
            }
        )
    if as_json:
        from .output import emit_json

        emit_json({"ok": not problems, "files": results})
    else:
        for r in results:
            if r["ok"]:
                print(f"{r['path']}: ok ({r['stages']} stages, {r['transitions']} transitions)")
        sys.stdout.flush()
    if problems:
        raise DefinitionError(problems)


@groups.pathway.command("show")
def show_cmd(
    path: str = typer.Argument(..., help="A pathway definition file.", metavar="PATH"),
    fmt: str = typer.Option(
        "outline", "--format", "-f", help="outline (readable), mermaid (state diagram) or json."
    ),
) -> None:
    """Show a pathway as a readable outline, a Mermaid state diagram, or its normalised JSON.

    Example: govpath pathway show workflows/kcc/2013-14.yaml --format mermaid
    """
    from govpath.errors import BadInput

    if fmt not in ("outline", "mermaid", "json"):
        raise BadInput(f"--format {fmt!r} is not one of outline, mermaid, json.")
    from govpath.definition.loader import load_pathway
    from govpath.definition.render import mermaid, outline, to_json

    pathway = load_pathway(path)
    if fmt == "json":
        from .output import emit_json

        emit_json(to_json(pathway))
    elif fmt == "mermaid":
        sys.stdout.write(mermaid(pathway))
    else:
        sys.stdout.write(outline(pathway))


@groups.pathway.command("diff")
def diff_cmd(
    old: str = typer.Argument(..., help="The older pathway definition file.", metavar="OLD"),
    new: str = typer.Argument(..., help="The newer pathway definition file.", metavar="NEW"),
    as_json: bool = typer.Option(False, "--json", help="Print the changes as JSON on stdout."),
) -> None:
    """What changed between two pathways: stages, gates, rules, roles, required content.

    Example: govpath pathway diff workflows/kcc/2013-14.yaml workflows/kcc/2014-15.yaml
    """
    from govpath.definition.diff import changes_json, diff_pathways, format_changes
    from govpath.definition.loader import parse_pathway_file
    from govpath.errors import DefinitionError

    loaded: list[Pathway] = []
    problems: list[Problem] = []
    for path in (old, new):
        pathway, _positions, found = parse_pathway_file(path)
        problems.extend(found)
        if pathway is not None:
            loaded.append(pathway)
    if problems or len(loaded) != 2:
        raise DefinitionError(problems)
    a, b = loaded
    changes = diff_pathways(a, b)
    if as_json:
        from .output import emit_json

        emit_json(changes_json(a, b, changes))
    else:
        sys.stdout.write(format_changes(a, b, changes))
