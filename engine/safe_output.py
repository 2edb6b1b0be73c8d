"""Text written into CSV, Mermaid and Markdown, made unable to change the output's structure.

>>> print(csv_cell("=HYPERLINK('http://x')"))
'=HYPERLINK('http://x')
>>> csv_cell("-2+3"), csv_cell("plain"), csv_cell(7)
("'-2+3", 'plain', 7)
>>> mermaid_label('Draft\\n---\\nconfig: {securityLevel: loose}')
'Draft --- config: {securityLevel: loose}'
>>> markdown_cell("a | b\\n<script>alert(1)</script>")
'a \\\\| b &lt;script&gt;alert(1)&lt;/script&gt;'
"""

from __future__ import annotations

import re
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell; text a spreadsheet would run as a formula gets a leading ``'``.

    As OWASP recommends for CSV injection: cells starting with ``=``, ``+``, ``-``, ``@``, tab
    or carriage return are prefixed with a single quote (numbers are left as they are).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def one_line(text: Any) -> str:
    """TEXT with line breaks and control characters turned into single spaces."""
    return _CONTROL.sub(" ", str(text))


def mermaid_label(text: Any) -> str:
    """Text for a quoted Mermaid label: one line, no quote, no HTML, no comment or directive."""
    out = one_line(text).replace('"', "'").replace("<", "‹").replace(">", "›")
    out = out.replace("%%", "% %").replace("#", "＃").replace("\\", "/")
    return out


def mermaid_id(text: str) -> str:
    """An identifier for Mermaid: letters, digits and underscores only."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text) or "_"


def markdown_text(text: Any) -> str:
    """Text for a Markdown paragraph or heading: one line, no HTML tags (``&`` stays as written)."""
    return one_line(text).replace("<", "&lt;").replace(">", "&gt;")


def markdown_cell(text: Any) -> str:
    """Text for a Markdown table cell: as :func:`markdown_text`, with ``|`` escaped."""
    return markdown_text(text).replace("|", "\\|")


SAFE_URL_SCHEMES = ("https", "http")


def url_problem(text: str, extra_schemes: tuple[str, ...] = ()) -> str | None:
    """Why TEXT is not an address a pathway accepts (https, http, or a scheme it declares)."""
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", text.strip())
    allowed = (*SAFE_URL_SCHEMES, *(s.lower() for s in extra_schemes))
    if not m:
        return f"is an address starting with {' or '.join(a + '://' for a in allowed)}"
    if m.group(1).lower() not in allowed:
        return (
            f"is an address, and the scheme {m.group(1)!r} is not accepted; use "
            f"{', '.join(allowed)} (a pathway can declare others in settings.url_schemes)"
        )
    if any(c.isspace() or ord(c) < 32 for c in text.strip()):
        return "is an address, and an address holds no spaces or line breaks"
    return None
