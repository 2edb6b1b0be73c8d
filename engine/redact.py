"""Hide secrets before text reaches a person: passwords in database URLs, whatever they hold.

>>> mask_url("postgresql://user:p@ss:w/rd@db.example:5432/govpath")
'postgresql://user:********@db.example:5432/govpath'
>>> mask_url("postgresql://db.example/govpath?user=u&password=s3cret&sslmode=require")
'postgresql://db.example/govpath?user=u&password=********&sslmode=require'
>>> mask_url("sqlite:///govpath.db")
'sqlite:///govpath.db'
>>> scrub("could not connect to user:Secret123@127.0.0.1", "postgresql://user:Secret123@h/x")
'could not connect to user:********@127.0.0.1'
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "********"
_QUERY_SECRET = re.compile(r"(?i)([?&](?:password|passwd|pwd|sslpassword)=)[^&#]*")


def url_password(url: str) -> str:
    """The password written in URL's authority (between ``user:`` and the last ``@``), or ''."""
    _scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return ""
    userinfo = rest[: rest.rfind("@")]
    _user, colon, password = userinfo.partition(":")
    return password if colon else ""


def server(url: str) -> str:
    """The ``host:port`` a URL names, read after the last ``@``: never any part of a password.

    >>> server("postgresql+psycopg://u:a@b/c@db.example/govpath")
    'db.example:5432'
    """
    _scheme, sep, rest = url.partition("://")
    if not sep:
        return "the database server"
    rest = rest[rest.rfind("@") + 1 :]
    hostport = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if not hostport:
        return "localhost:5432"
    return hostport if ":" in hostport.lstrip("[") else f"{hostport}:5432"


def mask_url(url: str) -> str:
    """URL with any password replaced by ``********``; the user, host and database stay readable."""
    out = url
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        at = rest.rfind("@")
        user, colon, _password = rest[:at].partition(":")
        if colon:
            out = f"{scheme}://{user}:{MASK}{rest[at:]}"
    return _QUERY_SECRET.sub(rf"\g<1>{MASK}", out)


def url_secrets(url: str) -> list[str]:
    """Every spelling of URL's secrets that could turn up in a driver's message."""
    found = [url_password(url)]
    found += [m.group(0).split("=", 1)[1] for m in _QUERY_SECRET.finditer(url)]
    found = [s for s in found if s]
    # A password holding @ or / can be split by a driver that reads the URL its own way: its
    # pieces must not show either.
    pieces = [p for s in found for p in re.split(r"[@/:?#]", s) if len(p) >= 3]
    return sorted({*found, *pieces, *(unquote(s) for s in found)}, key=len, reverse=True)


def scrub(text: str, *urls: str) -> str:
    """TEXT with the passwords of URLS (raw or percent-decoded) and any URL in it masked."""
    for url in urls:
        if not url:
            continue
        text = text.replace(url, mask_url(url))
        for secret in url_secrets(url):
            text = text.replace(secret, MASK)
    return re.sub(r"[a-z][a-z0-9+.-]*://\S+", lambda m: mask_url(m.group(0)), text)
