"""Per-invocation CLI state: the database URL chosen by ``--db``, ``GOVPATH_DB`` or the default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

DEFAULT_DB = "sqlite:///govpath.db"


@dataclass
class CliState:
    db: str | None = None

    @property
    def db_url(self) -> str:
        """``--db``, then ``GOVPATH_DB``, then ``[database] url`` in govpath.toml, then the default."""
        if self.db:
            return self.db
        if os.environ.get("GOVPATH_DB"):
            return os.environ["GOVPATH_DB"]
        from govpath.config import load_settings

        return load_settings().db_url or DEFAULT_DB


def state(ctx: typer.Context) -> CliState:
    """The state of the root command, from any sub-command's context."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
