"""The web server's settings: base URL, council name and colour, sessions, sign-in and OIDC.

Read from ``[web]`` and ``[oidc]`` of the same settings file every command reads (``--config``,
``GOVPATH_CONFIG``, ``./govpath.toml``, the user's config folder, ``/etc/govpath/govpath.toml``:
:func:`govpath.config.find_config`) and from ``GOVPATH_*`` (environment wins). The base URL is
the shared setting's (:attr:`govpath.config.Settings.base_url`, which e-mails link under too).

>>> s = load_web_settings(env={"GOVPATH_BASE_URL": "https://gov.example/"}, path="/nonexistent")
>>> s.base_url, s.secure_cookies, s.link_minutes
('https://gov.example', True, 15)
>>> load_web_settings(env={"GOVPATH_COUNCIL_COLOUR": "red"}, path="/nonexistent")
Traceback (most recent call last):
...
govpath.errors.BadInput: GOVPATH_COUNCIL_COLOUR must be a colour such as #1d70b8 (not 'red').
>>> round(contrast_with_white("#1d70b8"), 1)
5.2
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from govpath.config import Settings, _read_toml, find_config, load_settings
from govpath.errors import BadInput


@dataclass(frozen=True)
class WebSettings:
    """What the web application reads from configuration (``core`` is the shared Settings)."""

    core: Settings = field(default_factory=Settings)
    council_name: str = "Council governance pathway"
    council_colour: str = "#1d70b8"
    secret_key: str = ""  # signs cookies; empty: a key kept in the database, shared by every copy
    session_idle_minutes: int = 30  # a session ends after this long without a request
    session_max_hours: int = 12  # and this long after sign-in, whatever happens
    link_minutes: int = 15  # a sign-in link works once, for this long
    link_limit_per_address: int = 5  # sign-in links asked for one address per window
    link_limit_per_client: int = 20  # sign-in links asked from one client per window
    link_window_minutes: int = 15
    oidc_issuer: str = ""  # e.g. https://login.microsoftonline.com/TENANT/v2.0
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = "your council account"  # "Sign in with …"

    @property
    def base_url(self) -> str:
        """Where people reach the site: the shared setting, which e-mails link under too."""
        return self.core.base_url

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry ``Secure`` whenever the site is served over https."""
        return self.base_url.startswith("https://")

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    def with_(self, **changes: Any) -> WebSettings:
        """A copy with some settings changed (tests and the CLI's flags); ``base_url`` changes
        the shared setting it comes from."""
        if "base_url" in changes:
            core = changes.get("core", self.core)
            changes["core"] = core.with_(base_url=changes.pop("base_url"))
        return replace(self, **changes)


# setting -> (environment variable, (toml section, key))
_KEYS: dict[str, tuple[str, tuple[str, str]]] = {
    "council_name": ("GOVPATH_COUNCIL_NAME", ("web", "council_name")),
    "council_colour": ("GOVPATH_COUNCIL_COLOUR", ("web", "council_colour")),
    "secret_key": ("GOVPATH_SECRET_KEY", ("web", "secret_key")),
    "session_idle_minutes": ("GOVPATH_SESSION_IDLE_MINUTES", ("web", "session_idle_minutes")),
    "session_max_hours": ("GOVPATH_SESSION_MAX_HOURS", ("web", "session_max_hours")),
    "link_minutes": ("GOVPATH_LINK_MINUTES", ("web", "link_minutes")),
    "link_limit_per_address": ("GOVPATH_LINK_LIMIT_PER_ADDRESS", ("web", "link_limit_per_address")),
    "link_limit_per_client": ("GOVPATH_LINK_LIMIT_PER_CLIENT", ("web", "link_limit_per_client")),
    "link_window_minutes": ("GOVPATH_LINK_WINDOW_MINUTES", ("web", "link_window_minutes")),
    "oidc_issuer": ("GOVPATH_OIDC_ISSUER", ("oidc", "issuer")),
    "oidc_client_id": ("GOVPATH_OIDC_CLIENT_ID", ("oidc", "client_id")),
    "oidc_client_secret": ("GOVPATH_OIDC_CLIENT_SECRET", ("oidc", "client_secret")),
    "oidc_name": ("GOVPATH_OIDC_NAME", ("oidc", "name")),
}
_INTS = {
    "session_idle_minutes",
    "session_max_hours",
    "link_minutes",
    "link_limit_per_address",
    "link_limit_per_client",
    "link_window_minutes",
}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def load_web_settings(
    env: Mapping[str, str] | None = None,
    path: str | os.PathLike[str] | None = None,
    core: Settings | None = None,
) -> WebSettings:
    """WebSettings from PATH (default: the file :func:`~govpath.config.find_config` finds) and the
    environment; the base URL (and everything else shared) from CORE (default: read likewise)."""
    env = os.environ if env is None else env
    found = Path(path) if path is not None else find_config(env)[0]
    path = found or Path("govpath.toml")
    data = _read_toml(found) if found is not None else {}
    values: dict[str, Any] = {}
    for name, (var, (section, key)) in _KEYS.items():
        where: str | None = None
        raw: Any = None
        sect = data.get(section)
        if isinstance(sect, dict) and key in sect:
            where, raw = f"{path}: [{section}] {key}", sect[key]
        if env.get(var, "") != "":
            where, raw = var, env[var]
        if where is None:
            continue
        if name in _INTS:
            try:
                values[name] = int(raw)
                if values[name] <= 0:
                    raise ValueError
            except (TypeError, ValueError):
                raise BadInput(f"{where} must be a whole number above 0 (not {raw!r}).") from None
        else:
            values[name] = str(raw).strip()
    colour = values.get("council_colour", "#1d70b8")
    if not _COLOUR.match(colour):
        raise BadInput(
            f"{_where('council_colour', data, env, path)} must be a colour such as #1d70b8 "
            f"(not {colour!r})."
        )
    if contrast_with_white(colour) < 4.5:
        raise BadInput(
            f"{_where('council_colour', data, env, path)} {colour} is too light: the council's "
            "name is white on it, and needs a contrast ratio of at least 4.5 to 1 (WCAG 2.2 AA)."
        )
    core = core or load_settings(env=env, path=found)
    return WebSettings(core=core, **values)


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on COLOUR (#rrggbb)."""

    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def _where(name: str, data: dict[str, Any], env: Mapping[str, str], path: Path) -> str:
    var, (section, key) = _KEYS[name]
    return var if env.get(var, "") != "" else f"{path}: [{section}] {key}"
