"""The ``govpath`` command line: entry point that turns every error into a sentence and an exit code."""

from __future__ import annotations

import sys
from typing import Any


def main(argv: list[str] | None = None) -> None:
    """Run govpath; never let a traceback reach the user.

    Usage errors (unknown command or flag) exit 2 through typer's own handling; every
    :class:`~govpath.errors.GovpathError` prints its sentences on stderr and exits with its code.
    """
    from govpath.errors import GovpathError
    from govpath.safeio import private_umask

    private_umask()  # databases, reports, exports and mail files: 0600, folders 0700
    try:
        from .fast import answer

        if answer(sys.argv[1:] if argv is None else argv):
            return
        from .app import app

        with _scrubbed_output(argv):  # usage errors and file names echo the values given
            app(args=argv, prog_name="govpath")  # standalone: exits by itself when done
    except GovpathError as exc:
        print(_scrubbed(str(exc), argv), file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("govpath: interrupted.", file=sys.stderr)
        sys.exit(130)
    except ValueError as exc:
        if "null byte" not in str(exc):
            from .output import internal_error

            internal_error(exc, lambda text: _scrubbed(text, argv))
            sys.exit(70)
        print(
            "govpath: a file name or value holds a NUL character; nothing was done.",
            file=sys.stderr,
        )
        sys.exit(1)
    except (OverflowError, RecursionError) as exc:
        print(_scrubbed(_out_of_range(exc), argv), file=sys.stderr)
        sys.exit(1)
    except (
        Exception
    ) as exc:  # the last line of defence: one sentence here, the traceback in the log
        if _is_out_of_range(exc):
            print(_out_of_range(exc), file=sys.stderr)
            sys.exit(1)
        import logging

        from govpath import logs

        from .output import internal_error

        if not logs.configured():
            logs.configure()
        logging.getLogger("govpath.cli").error(
            "unexpected error (%s) running %s", exc.__class__.__name__, _command(argv), exc_info=exc
        )
        internal_error(exc, lambda text: _scrubbed(text, argv))
        sys.exit(70)


def _command(argv: list[str] | None) -> str:
    """The sub-command's words (never its values, which may hold secrets), for the log."""
    words = sys.argv[1:] if argv is None else argv
    return "govpath " + " ".join(
        [w for w in words if w.replace("-", "").isalpha() and w[0] != "-"][:2]
    )


def _is_out_of_range(exc: BaseException) -> bool:
    """A database refusing a number too large for its column (PostgreSQL's 'out of range')."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return exc.__class__.__name__ == "DataError" and "out of range" in text


def _out_of_range(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "govpath: the input is nested too deeply to be read; nothing was written."
    return (
        "govpath: a number given is out of range (ids and counts are at most "
        "9223372036854775807); nothing was written."
    )


def _scrubbed(text: str, argv: list[str] | None) -> str:
    """TEXT with the passwords of every database URL this run was given masked."""
    import os

    from govpath.redact import scrub

    args = list(sys.argv[1:] if argv is None else argv)
    urls = [os.environ.get("GOVPATH_DB", "")]
    urls += [arg for arg in args if "://" in arg]  # a URL given anywhere keeps its password hidden
    for n, arg in enumerate(args):
        if arg == "--db" and n + 1 < len(args):
            urls.append(args[n + 1])
        elif arg.startswith("--db="):
            urls.append(arg[5:])
    text = scrub(text, *urls)
    smtp_password = os.environ.get("GOVPATH_SMTP_PASSWORD", "")
    if len(smtp_password) >= 4:
        text = text.replace(smtp_password, "********")
    return text


class _ScrubbingStream:
    """A text stream that masks database passwords before they reach the terminal."""

    def __init__(self, stream: Any, argv: list[str] | None) -> None:
        self._stream, self._argv = stream, argv

    def write(self, text: str) -> int:
        return int(self._stream.write(_scrubbed(text, self._argv)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _scrubbed_output:  # lower case: it reads as a call in `with`
    """While the command runs, stdout and stderr mask the passwords of any URL on its command
    line (the option parser repeats a bad value; a file name given is repeated as given)."""

    def __init__(self, argv: list[str] | None) -> None:
        words = sys.argv[1:] if argv is None else argv
        self._needed = any("://" in w and "@" in w for w in words)
        self._argv = argv
        self._saved: tuple[Any, Any] | None = None

    def __enter__(self) -> None:
        if self._needed:
            self._saved = (sys.stdout, sys.stderr)
            sys.stdout = _ScrubbingStream(sys.stdout, self._argv)
            sys.stderr = _ScrubbingStream(sys.stderr, self._argv)

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            sys.stdout, sys.stderr = self._saved
