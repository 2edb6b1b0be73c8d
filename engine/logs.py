"""Logging: the one place the standard library's logging is set up, as text or JSON lines.

Every module logs through ``logging.getLogger("govpath.<area>")``; :func:`configure` is called
once per process (by the CLI's root command) and decides where records go and how they look.

- ``text`` (the default): ``TIME LEVEL LOGGER: message [plan=3 deadline=12]`` on stderr.
  A traceback is never printed on the terminal: a record that carries one is written in full to
  the log file (``log_file``, else ``govpath.log`` in the user's state folder) and the terminal
  line names that file.
- ``json``: one JSON object per line on stderr (or the log file), with ``plan_id``,
  ``deadline_id`` and ``message_id`` where known and an exception as fields (``exc_type``,
  ``exc_message``, ``stack``, ``causes``); this is the format for the journal of a service.

Ids are attached with ``extra={"plan_id": 3}`` on one call, or for a block with
:func:`log_context`.

>>> import io
>>> out = io.StringIO()
>>> configure("json", stream=out)
>>> with log_context(plan_id=7):
...     logging.getLogger("govpath.demo").warning("late", extra={"deadline_id": 12})
>>> rec = json.loads(out.getvalue())
>>> rec["level"], rec["logger"], rec["message"], rec["plan_id"], rec["deadline_id"]
('WARNING', 'govpath.demo', 'late', 7, 12)
>>> reset()
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import os
import sys
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
IDS = ("plan_id", "deadline_id", "message_id")
ROOT = "govpath"

_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "govpath_log_context", default=MappingProxyType({})
)
_installed: list[tuple[logging.Logger, logging.Handler]] = []


def default_log_file() -> Path:
    """``govpath.log`` in the user's state folder (``$XDG_STATE_HOME``, else ~/.local/state)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "govpath" / "govpath.log"


@contextlib.contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Attach ids (plan_id, deadline_id, message_id) to every record logged inside the block."""
    token = _context.set({**_context.get(), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class _ContextFilter(logging.Filter):
    """Copies the ids of the current :func:`log_context` onto each record that lacks them."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _stamp(record: logging.LogRecord) -> str:
    at = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the ids known, exc."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": _stamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in IDS:
            value = getattr(record, key, None)
            if value is not None:
                out[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            out.update(_exception(record.exc_info[1]))
        return json.dumps(out, default=str, ensure_ascii=False)


def _exception(exc: BaseException) -> dict[str, Any]:
    """An exception as JSON fields: its type, message, stack (innermost last) and causes."""
    te = traceback.TracebackException.from_exception(exc)
    causes: list[str] = []
    inner = exc.__cause__ or exc.__context__
    while inner is not None and len(causes) < 5:
        causes.append(f"{type(inner).__qualname__}: {inner}")
        inner = inner.__cause__ or inner.__context__
    return {
        "exc_type": type(exc).__qualname__,
        "exc_message": str(exc),
        "stack": [f"{f.filename}:{f.lineno} in {f.name}" for f in te.stack],
        **({"causes": causes} if causes else {}),
    }


class TextFormatter(logging.Formatter):
    """``TIME LEVEL LOGGER: message [plan=… deadline=… message=…]``; with the traceback or not."""

    def __init__(self, with_traceback: bool, traceback_file: Path | None = None) -> None:
        super().__init__()
        self.with_traceback = with_traceback
        self.traceback_file = traceback_file

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(
            f"{key.removesuffix('_id')}={getattr(record, key)}"
            for key in IDS
            if getattr(record, key, None) is not None
        )
        line = f"{_stamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if ids:
            line += f" [{ids}]"
        if record.exc_info:
            if self.with_traceback:
                line += "\n" + self.formatException(record.exc_info)
            elif self.traceback_file is not None:
                line += f" (traceback in {self.traceback_file})"
        return line


class _HasTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.exc_info is not None


def configure(
    fmt: str = "text",
    level: str = "WARNING",
    *,
    log_file: str | os.PathLike[str] | None = None,
    stream: IO[str] | None = None,
) -> None:
    """Set up logging for this process (again: the previous set-up is replaced).

    FMT is ``text`` or ``json``; LEVEL applies to govpath's own loggers (other libraries log
    warnings and above). With LOG_FILE every record goes to that file; without it records go to
    STREAM (stderr), and tracebacks of the text format go to :func:`default_log_file`.
    """
    from govpath.errors import BadInput

    if fmt not in FORMATS:
        raise BadInput(f"--log-format must be one of {', '.join(FORMATS)} (not {fmt!r}).")
    if level.upper() not in LEVELS:
        raise BadInput(f"--log-level must be one of {', '.join(LEVELS)} (not {level!r}).")
    reset()
    root = logging.getLogger()
    ours = logging.getLogger(ROOT)
    ours.setLevel(level.upper())
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    handlers: list[logging.Handler] = []
    if log_file:
        path = Path(log_file)
        file_handler = logging.FileHandler(path, encoding="utf-8", delay=True)
        file_handler.setFormatter(
            JsonFormatter() if fmt == "json" else TextFormatter(with_traceback=True)
        )
        handlers.append(file_handler)
    else:
        console = logging.StreamHandler(stream if stream is not None else sys.stderr)
        if fmt == "json":
            console.setFormatter(JsonFormatter())
        else:
            traceback_file = default_log_file()
            console.setFormatter(TextFormatter(with_traceback=False, traceback_file=traceback_file))
            tb_handler = _LazyFileHandler(traceback_file)
            tb_handler.addFilter(_HasTraceback())
            tb_handler.setFormatter(TextFormatter(with_traceback=True))
            handlers.append(tb_handler)
        handlers.append(console)
    for handler in handlers:
        handler.addFilter(_ContextFilter())
        root.addHandler(handler)
        _installed.append((root, handler))


class _LazyFileHandler(logging.FileHandler):
    """A file handler that creates its folder on the first record (and stays quiet if it cannot)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        super().emit(record)


def configured() -> bool:
    """True once :func:`configure` has installed its handlers in this process."""
    return bool(_installed)


def reset() -> None:
    """Remove the handlers :func:`configure` installed (tests, and a second configure)."""
    while _installed:
        logger, handler = _installed.pop()
        logger.removeHandler(handler)
        handler.close()
