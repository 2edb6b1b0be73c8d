"""Output helpers: JSON on stdout and nothing else; tables and progress on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def emit_json(obj: Any) -> None:
    """Print one JSON document on stdout (the same text the web's JSON downloads give)."""
    from govpath.audit.export import json_text

    sys.stdout.write(json_text(obj))


def err_console() -> Console:
    """A rich console writing to stderr (for tables, progress and notes)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def out_console() -> Console:
    """A rich console writing to stdout (for human-readable answers without ``--json``)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def internal_error(exc: BaseException, clean: Callable[[str], str] = lambda text: text) -> None:
    """Report an unexpected failure as one sentence (set GOVPATH_DEBUG=1 for the traceback).

    CLEAN hides secrets (database passwords) in the text.
    """
    import os

    if os.environ.get("GOVPATH_DEBUG"):
        import traceback

        traceback.print_exception(exc)
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    msg = clean(msg)
    print(
        f"govpath: unexpected error ({exc.__class__.__name__}): {msg}. Nothing further was done; "
        "the traceback is in the log (or set GOVPATH_DEBUG=1); please report it.",
        file=sys.stderr,
    )
