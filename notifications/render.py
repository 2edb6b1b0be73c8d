"""Render notification templates with Jinja2: an override folder first, then the packaged templates.

>>> r = Renderer()
>>> r.render("papers_due.subject.j2", {"plan": {"id": 3, "subject": "Finance"},
...     "deadline": {"title": "Papers to Democratic Services", "due": "2013-01-02"},
...     "meeting": None, "late": False}).strip()
'Papers due Wednesday 2 January 2013: Papers to Democratic Services (Finance)'
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

PACKAGED = Path(__file__).with_name("templates")
KINDS = ("reminder", "escalation", "papers_due", "digest")


class Renderer:
    """A Jinja2 environment: HTML autoescaped, undefined names are errors, overrides win."""

    def __init__(self, override_dir: str | Path | None = None) -> None:
        from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

        loaders = []
        if override_dir:
            loaders.append(FileSystemLoader(str(override_dir)))
        loaders.append(FileSystemLoader(str(PACKAGED)))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=lambda name: name is not None and name.endswith((".html.j2", ".html")),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["longdate"] = _longdate

    def render(self, name: str, context: dict[str, Any]) -> str:
        return self.env.get_template(name).render(**context)

    def render_kind(self, kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, text, html) of a message of KIND."""
        subject = " ".join(self.render(f"{kind}.subject.j2", context).split())
        return (
            subject,
            self.render(f"{kind}.txt.j2", context),
            self.render(f"{kind}.html.j2", context),
        )


@functools.lru_cache(maxsize=8)
def renderer_for(override_dir: str | None = None) -> Renderer:
    """A shared renderer per override folder (Jinja2 keeps compiled templates; edits are seen)."""
    return Renderer(override_dir)


def _longdate(value: Any) -> str:
    """A date as people write it in letters: 'Tuesday 8 January 2013'."""
    import datetime as dt

    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, dt.date):
        return f"{value:%A} {value.day} {value:%B %Y}"
    return str(value)
