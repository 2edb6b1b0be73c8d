"""The shipped documentation is generated from the code, and never goes stale."""

from __future__ import annotations

from govpath.definition.reference import REFERENCE_FILE, render


def test_definition_reference_is_current() -> None:
    """docs/definition-language.md equals what the records generate (rewrite it if this fails)."""
    assert REFERENCE_FILE.read_text(encoding="utf-8") == render(), (
        "run: python -m govpath.definition.reference"
    )


def test_reference_documents_every_record_and_the_gate_forms() -> None:
    text = REFERENCE_FILE.read_text(encoding="utf-8")
    for heading in ("## Stage", "## Transition", "## Deadline", "## GateFirstIn", "## Join"):
        assert heading in text
    assert "`first_in`" in text and "`on_or_after`" in text
