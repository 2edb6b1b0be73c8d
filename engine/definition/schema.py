"""The JSON Schema of pathway definition files, generated from the records (run: rewrite it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("pathway.schema.json")
SCHEMA_ID = "https://govpath.example/schemas/pathway.schema.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a pathway definition, as the YAML files spell keys.

    >>> schema = json_schema()
    >>> schema["title"], "stages" in schema["required"]
    ('govpath pathway definition', True)
    """
    from .model import Pathway

    body = Pathway.model_json_schema(by_alias=True)
    head = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "govpath pathway definition",
    }
    body.pop("title", None)
    return {**head, **body}


def schema_text() -> str:
    """The schema as the shipped file holds it (sorted keys, two-space indent, final newline)."""
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    """Rewrite ``engine/definition/pathway.schema.json`` from the records."""
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
