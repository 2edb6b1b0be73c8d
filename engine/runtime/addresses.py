"""E-mail addresses of people: exactly one address, with a domain, and nothing else.

>>> address_problem("dana.finch@kent.example") is None
True
>>> address_problem("a@x.example,victim@y.example")
'it holds a comma; give one address'
>>> address_problem("  ")
'it is empty'
"""

from __future__ import annotations

import re

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$")


def address_problem(text: str) -> str | None:
    """Why TEXT is not one plain e-mail address (``name@domain.example``), or None."""
    if not text.strip():
        return "it is empty"
    if any(c in text for c in ",;"):
        return "it holds a comma; give one address" if "," in text else "it holds a semicolon"
    if any(c.isspace() for c in text.strip()) or any(ord(c) < 32 for c in text):
        return "it holds a space or a line break"
    if len(text) > 254:
        return "it is longer than an address can be (254 characters)"
    if text.count("@") != 1:
        return "an address has exactly one @"
    if not _ADDRESS.match(text.strip()):
        return "write it as name@domain.example"
    return None
