"""The ``govpath`` command line: entry point that turns every error into a sentence and an exit code."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Run govpath; never let a traceback reach the user.

    Usage errors (unknown command or flag) exit 2 through typer's own handling; every
    :class:`~engine.errors.GovpathError` prints its sentences on stderr and exits with its code.
    """
    from engine.errors import GovpathError

    try:
        from .fast import answer

        if answer(sys.argv[1:] if argv is None else argv):
            return
        from .app import app

        app(args=argv, prog_name="govpath")  # standalone: exits by itself on success/usage error
    except GovpathError as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("govpath: interrupted.", file=sys.stderr)
        sys.exit(130)
    except (
        Exception
    ) as exc:  # the last line of defence: one sentence here, the traceback in the log
        import logging

        from engine import logs

        from .output import internal_error

        if not logs.configured():
            logs.configure()
        logging.getLogger("govpath.cli").error(
            "unexpected error (%s) running %s", exc.__class__.__name__, _command(argv), exc_info=exc
        )
        internal_error(exc)
        sys.exit(70)


def _command(argv: list[str] | None) -> str:
    """The sub-command's words (never its values, which may hold secrets), for the log."""
    words = sys.argv[1:] if argv is None else argv
    return "govpath " + " ".join(
        [w for w in words if w.replace("-", "").isalpha() and w[0] != "-"][:2]
    )
