"""The trail's rows as CSV and JSON text: one writer for `audit query`, the web downloads and the API.

>>> print(csv_text([{"id": 1, "data": {"b": 1, "a": [2]}, "note": None}], ["id", "note", "data"]), end="")
id,note,data
1,,"{""a"": [2], ""b"": 1}"
>>> print(json_text([{"at": "2013-03-18", "n": 1}]), end="")
[
  {
    "at": "2013-03-18",
    "n": 1
  }
]
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

# `audit query --format csv|json`: every column of an event, in this order
EVENT_COLUMNS = [
    "id",
    "seq",
    "at",
    "plan",
    "kind",
    "trigger",
    "from",
    "to",
    "actor",
    "by",
    "channel",
    "on_behalf_of",
    "body",
    "meeting",
    "note",
    "data",
    "hash",
]
MISSED_COLUMNS = [
    "plan", "subject", "stage", "name", "due", "owner", "status", "standing", "met_on", "days_late",
    "working_days_late", "outstanding", "body", "meeting_date", "deadline", "title",
]  # fmt: skip
ASOF_COLUMNS = ["plan", "pathway", "subject", "state", "since", "seq"]


def _default(obj: Any) -> Any:
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return float(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def json_text(obj: Any) -> str:
    """One JSON document, indented, UTF-8 text, ending in a newline (as the CLI prints it)."""
    return json.dumps(obj, default=_default, indent=2, ensure_ascii=False) + "\n"


def _cell(value: Any) -> Any:
    """One CSV cell: nested values as sorted JSON; a would-be formula neutralised (OWASP)."""
    from govpath.safe_output import csv_cell

    return csv_cell(json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value)


def write_csv(out: Any, rows: Iterable[Mapping[str, Any]], columns: list[str]) -> None:
    """ROWS as CSV with a header of COLUMNS onto OUT; nested values as sorted JSON, None empty."""
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})


def csv_text(rows: Iterable[Mapping[str, Any]], columns: list[str]) -> str:
    """:func:`write_csv` into a string."""
    out = io.StringIO()
    write_csv(out, rows, columns)
    return out.getvalue()
