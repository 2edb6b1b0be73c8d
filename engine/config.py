"""Settings: database, mail and scheduler settings from ``govpath.toml`` and GOVPATH_* (env wins).

>>> s = load_settings(env={"GOVPATH_SMTP_HOST": "mail.example", "GOVPATH_SMTP_PASSWORD": "s3cret"},
...                   path="/nonexistent/govpath.toml")
>>> s.smtp_host, s.smtp_port, s.smtp_tls, s.timezone, s.sweep_interval
('mail.example', 25, 'none', 'Europe/London', 60.0)
>>> s.masked()["smtp_password"]
'********'
>>> load_settings(env={"GOVPATH_SMTP_TLS": "ssl"}, path="/nonexistent/govpath.toml")
Traceback (most recent call last):
...
govpath.errors.BadInput: GOVPATH_SMTP_TLS must be one of none, starttls, tls (not 'ssl').
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from govpath.errors import BadInput
from govpath.redact import mask_url

DEFAULT_DB = "sqlite:///govpath.db"
TLS_MODES = ("none", "starttls", "tls")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MASK = "********"
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# The daily checkpoint job calls this function, looked up by name when the job runs: it is
# ``f(engine, settings, now)``; when the module or function does not exist the job logs and skips.
CHECKPOINT_JOB = "govpath.audit.checkpoints:daily_checkpoint"
# Where the settings file is looked for, first found wins (see :func:`find_config`).
CONFIG_ORDER = ("--config", "GOVPATH_CONFIG", "working folder", "user config folder", "system")
SYSTEM_CONFIG = "/etc/govpath/govpath.toml"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Settings:
    """Everything the scheduler, the mailer and the CLI read from configuration."""

    db_url: str = DEFAULT_DB
    db_connect_timeout: float = 10.0  # seconds to wait for the database server to answer
    smtp_host: str = ""  # empty: write .eml files into mail_dir instead of sending
    smtp_port: int = 0  # 0: the usual port for smtp_tls (25, 587, 465)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_tls: str = "none"  # none | starttls | tls
    smtp_timeout: float = 30.0  # seconds for the connection and for each SMTP command
    smtp_allow_plain_auth: str = ""  # "yes": send the password even without TLS (never by default)
    smtp_cafile: str = ""  # CA bundle to verify the SMTP server's certificate (a council's own CA)
    mail_from: str = "govpath@localhost"
    council_name: str = (
        "the council"  # printed at the top of every e-mail, e.g. Kent County Council
    )
    mail_dir: str = "mail"
    templates_dir: str = ""  # a folder whose templates override the packaged ones
    timezone: str = "Europe/London"
    working_days: str = "england-and-wales"
    sweep_interval: float = 60.0  # seconds between sweeps of `scheduler run`
    digest_day: str = "mon"  # weekday of the weekly digest
    digest_hour: int = 7  # local hour of the weekly digest
    digest_roles: tuple[str, ...] = ("policy_team",)  # roles that get the whole-council digest
    papers_due_rules: tuple[str, ...] = (
        "agenda-publication",
    )  # deadlines that are papers for a gate
    papers_due_lead: int = 5  # working days before such a deadline the owner is told papers are due
    reminder_hour: int = 8  # local hour papers-due messages go out
    lease_seconds: int = (
        300  # how long a claimed message stays ours before another process may retry
    )
    max_attempts: int = 8  # delivery attempts before a message is marked failed
    retry_base_seconds: int = 60  # first retry delay; doubles each attempt
    retry_max_seconds: int = 6 * 3600
    batch_size: int = 500
    max_failed_sweeps: int = (
        5  # `scheduler run` exits non-zero after this many failed sweeps in a row
    )
    checkpoint_hour: int = 2  # local hour of the daily trail checkpoint job
    checkpoint_job: str = CHECKPOINT_JOB  # "module:function" the daily checkpoint job calls
    log_format: str = "text"  # text | json
    log_level: str = "WARNING"  # the units in deploy/ run at INFO
    log_file: str = (
        ""  # empty: stderr (tracebacks of the text format go to the user's state folder)
    )
    config_file: str = field(default="", compare=False)  # the settings file that won, if any
    config_found_by: str = field(default="", compare=False)  # how it was found (see CONFIG_ORDER)
    audit_signing_key: str = ""  # Ed25519 private key file for checkpoints (outside the database)
    audit_public_key: str = ""  # its public key (default: the signing key's path + ".pub")
    audit_witness_file: str = ""  # the append-only file the daily checkpoint is witnessed in
    auth_required: str = ""  # "true" | "false" | "" (true on PostgreSQL, false on SQLite)
    oidc_issuer: str = ""  # the identity provider for `govpath login` (device authorization)
    oidc_client_id: str = ""
    session_hours: int = 12  # how long a `govpath login` lasts
    base_url: str = DEFAULT_BASE_URL  # where the web application is reached; e-mails link under it
    source: tuple[str, ...] = field(default=(), compare=False)  # where the settings came from

    def __post_init__(self) -> None:
        if self.smtp_port == 0:
            port = {"none": 25, "starttls": 587, "tls": 465}[self.smtp_tls]
            object.__setattr__(self, "smtp_port", port)

    def masked(self) -> dict[str, Any]:
        """The settings as a dict for display, with the password (and any in the db URL) hidden."""
        out = asdict(self)
        out["smtp_password"] = MASK if self.smtp_password else ""
        out["db_url"] = mask_url(self.db_url)
        out["digest_roles"] = list(self.digest_roles)
        out["papers_due_rules"] = list(self.papers_due_rules)
        out["source"] = list(self.source)
        return out

    @property
    def plain_auth_allowed(self) -> bool:
        """True only when the settings explicitly allow AUTH over an unencrypted connection."""
        return self.smtp_allow_plain_auth.lower() in ("1", "yes", "true", "on")

    def with_(self, **changes: Any) -> Settings:
        """A copy with some settings changed (tests and the CLI's flags)."""
        return replace(self, **changes)


# setting name -> (environment variable, [toml section, toml key])
_KEYS: dict[str, tuple[str, tuple[str, str]]] = {
    "db_url": ("GOVPATH_DB", ("database", "url")),
    "db_connect_timeout": ("GOVPATH_DB_CONNECT_TIMEOUT", ("database", "connect_timeout")),
    "smtp_host": ("GOVPATH_SMTP_HOST", ("smtp", "host")),
    "smtp_port": ("GOVPATH_SMTP_PORT", ("smtp", "port")),
    "smtp_user": ("GOVPATH_SMTP_USER", ("smtp", "user")),
    "smtp_password": ("GOVPATH_SMTP_PASSWORD", ("smtp", "password")),
    "smtp_tls": ("GOVPATH_SMTP_TLS", ("smtp", "tls")),
    "smtp_timeout": ("GOVPATH_SMTP_TIMEOUT", ("smtp", "timeout")),
    "smtp_allow_plain_auth": ("GOVPATH_SMTP_ALLOW_PLAIN_AUTH", ("smtp", "allow_plain_auth")),
    "smtp_cafile": ("GOVPATH_SMTP_CAFILE", ("smtp", "cafile")),
    "mail_from": ("GOVPATH_MAIL_FROM", ("mail", "from")),
    "council_name": ("GOVPATH_COUNCIL_NAME", ("mail", "council_name")),
    "mail_dir": ("GOVPATH_MAIL_DIR", ("mail", "dir")),
    "templates_dir": ("GOVPATH_TEMPLATES", ("mail", "templates")),
    "timezone": ("GOVPATH_TIMEZONE", ("scheduler", "timezone")),
    "working_days": ("GOVPATH_WORKING_DAYS", ("scheduler", "working_days")),
    "sweep_interval": ("GOVPATH_SWEEP_INTERVAL", ("scheduler", "interval")),
    "digest_day": ("GOVPATH_DIGEST_DAY", ("scheduler", "digest_day")),
    "digest_hour": ("GOVPATH_DIGEST_HOUR", ("scheduler", "digest_hour")),
    "digest_roles": ("GOVPATH_DIGEST_ROLES", ("scheduler", "digest_roles")),
    "papers_due_rules": ("GOVPATH_PAPERS_DUE_RULES", ("scheduler", "papers_due_rules")),
    "papers_due_lead": ("GOVPATH_PAPERS_DUE_LEAD", ("scheduler", "papers_due_lead")),
    "reminder_hour": ("GOVPATH_REMINDER_HOUR", ("scheduler", "reminder_hour")),
    "lease_seconds": ("GOVPATH_LEASE_SECONDS", ("scheduler", "lease_seconds")),
    "max_attempts": ("GOVPATH_MAX_ATTEMPTS", ("mail", "max_attempts")),
    "retry_base_seconds": ("GOVPATH_RETRY_BASE_SECONDS", ("mail", "retry_base_seconds")),
    "retry_max_seconds": ("GOVPATH_RETRY_MAX_SECONDS", ("mail", "retry_max_seconds")),
    "batch_size": ("GOVPATH_BATCH_SIZE", ("scheduler", "batch_size")),
    "max_failed_sweeps": ("GOVPATH_MAX_FAILED_SWEEPS", ("scheduler", "max_failed_sweeps")),
    "checkpoint_hour": ("GOVPATH_CHECKPOINT_HOUR", ("scheduler", "checkpoint_hour")),
    "checkpoint_job": ("GOVPATH_CHECKPOINT_JOB", ("scheduler", "checkpoint_job")),
    "log_format": ("GOVPATH_LOG_FORMAT", ("logging", "format")),
    "log_level": ("GOVPATH_LOG_LEVEL", ("logging", "level")),
    "log_file": ("GOVPATH_LOG_FILE", ("logging", "file")),
    "audit_signing_key": ("GOVPATH_AUDIT_SIGNING_KEY", ("audit", "signing_key")),
    "audit_public_key": ("GOVPATH_AUDIT_PUBLIC_KEY", ("audit", "public_key")),
    "audit_witness_file": ("GOVPATH_AUDIT_WITNESS_FILE", ("audit", "witness_file")),
    "auth_required": ("GOVPATH_AUTH_REQUIRED", ("auth", "required")),
    "oidc_issuer": ("GOVPATH_OIDC_ISSUER", ("auth", "oidc_issuer")),
    "oidc_client_id": ("GOVPATH_OIDC_CLIENT_ID", ("auth", "oidc_client_id")),
    "session_hours": ("GOVPATH_SESSION_HOURS", ("auth", "session_hours")),
    "base_url": ("GOVPATH_BASE_URL", ("web", "base_url")),
}


def _read_toml(path: Path) -> dict[str, Any]:
    from govpath.safeio import FileRefused, read_limited

    try:
        text = read_limited(path, 1024 * 1024, "settings file").decode("utf-8")
    except FileNotFoundError:
        return {}
    except FileRefused as exc:
        raise BadInput(f"{path}: the settings file {exc}.") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: the settings file is not UTF-8 text.") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the settings file: {exc.strerror}.") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (m.group(1), m.group(2)) if m else ("1", "1")
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise BadInput(f"{path}:{line}:{col}: error: {msg}") from None


def _convert(name: str, raw: Any, where: str) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if kind == "int":
            if isinstance(raw, bool):
                raise ValueError
            return int(raw)
        if kind == "float":
            if isinstance(raw, bool):
                raise ValueError
            number = float(raw)
            if not math.isfinite(number):
                raise ValueError
            return number
        if kind.startswith("tuple"):
            items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
            return tuple(str(i).strip() for i in items if str(i).strip())
    except (TypeError, ValueError):
        raise BadInput(f"{where} must be a number (not {raw!r}).") from None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if not isinstance(raw, str):
        raise BadInput(f"{where} must be a string (not {raw!r}).")
    return raw.strip()


def _check(values: dict[str, Any], where: dict[str, str]) -> None:
    def bad(name: str, msg: str) -> BadInput:
        return BadInput(f"{where.get(name, name)} {msg}")

    tls = values.get("smtp_tls", "none").lower()
    if tls not in TLS_MODES:
        raise bad("smtp_tls", f"must be one of {', '.join(TLS_MODES)} (not {tls!r}).")
    values["smtp_tls"] = tls
    day = values.get("digest_day", "mon").lower()[:3]
    if day not in WEEKDAYS:
        raise bad("digest_day", f"must be a weekday such as mon or monday (not {day!r}).")
    values["digest_day"] = day
    fmt = values.get("log_format", "text").lower()
    if fmt not in LOG_FORMATS:
        raise bad("log_format", f"must be one of {', '.join(LOG_FORMATS)} (not {fmt!r}).")
    values["log_format"] = fmt
    level = values.get("log_level", "WARNING").upper()
    if level not in LOG_LEVELS:
        raise bad("log_level", f"must be one of {', '.join(LOG_LEVELS)} (not {level!r}).")
    values["log_level"] = level
    if ":" not in values.get("checkpoint_job", CHECKPOINT_JOB):
        raise bad("checkpoint_job", "must be written module:function.")
    for name in ("digest_hour", "reminder_hour", "checkpoint_hour"):
        if name in values and not 0 <= values[name] <= 23:
            raise bad(name, f"must be an hour from 0 to 23 (not {values[name]}).")
    for name in (
        "sweep_interval",
        "lease_seconds",
        "max_attempts",
        "retry_base_seconds",
        "batch_size",
        "smtp_timeout",
        "max_failed_sweeps",
        "session_hours",
        "db_connect_timeout",
    ):
        if name in values and not values[name] > 0:
            raise bad(name, f"must be more than 0 (not {values[name]}).")
    if "smtp_port" in values and not 0 <= values["smtp_port"] <= 65535:
        raise bad("smtp_port", f"must be a port number (not {values['smtp_port']}).")
    tz = values.get("timezone")
    if tz:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise bad("timezone", f"is not a known time zone (not {tz!r}).") from None
    required = values.get("auth_required", "").lower()
    if required not in ("", "true", "false", "1", "0", "yes", "no"):
        raise bad("auth_required", f"must be true or false (not {required!r}).")
    if required:
        values["auth_required"] = "true" if required in ("true", "1", "yes") else "false"
    if "base_url" in values:
        values["base_url"] = _base_url(values["base_url"], where.get("base_url", "base_url"))
    for name in ("mail_from",):
        if name in values and ("\r" in values[name] or "\n" in values[name]):
            raise bad(name, "must not contain a line break.")


def _base_url(raw: str, where: str) -> str:
    """The web application's address: http(s), a host, an optional path; no query or secret."""
    from urllib.parse import urlsplit

    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"{where} must be an http:// or https:// address (not {raw!r}).")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise BadInput(f"{where} must not carry a query, a fragment or a password.")
    return url


_chosen: list[Path] = []  # the file named by the CLI's --config, for every load in this process


def use_config_file(path: str | os.PathLike[str] | None) -> None:
    """Make PATH (the CLI's ``--config``) the settings file of this process; None forgets it."""
    _chosen.clear()
    if path is not None:
        chosen = Path(path)
        if not chosen.is_file():
            raise BadInput(f"--config {chosen}: no such settings file.")
        _chosen.append(chosen)


def user_config_file(env: Mapping[str, str] | None = None) -> Path:
    """``govpath/govpath.toml`` in the user's config folder (``$XDG_CONFIG_HOME``, else ~/.config)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "govpath" / "govpath.toml"


def find_config(env: Mapping[str, str] | None = None) -> tuple[Path | None, str]:
    """The settings file that wins, and how it was found; ``(None, "")`` when there is none.

    In order: ``--config``, ``GOVPATH_CONFIG``, ``./govpath.toml``, the user's config folder,
    ``/etc/govpath/govpath.toml``. A file named by ``--config`` or ``GOVPATH_CONFIG`` must exist.

    >>> find_config({"GOVPATH_CONFIG": "/nonexistent/g.toml"})
    Traceback (most recent call last):
    ...
    govpath.errors.BadInput: GOVPATH_CONFIG names /nonexistent/g.toml, which is not a file.
    """
    env = os.environ if env is None else env
    if _chosen:
        return _chosen[0], "--config"
    named = env.get("GOVPATH_CONFIG", "")
    if named:
        if not Path(named).is_file():
            raise BadInput(f"GOVPATH_CONFIG names {named}, which is not a file.")
        return Path(named), "GOVPATH_CONFIG"
    for path, how in (
        (Path.cwd() / "govpath.toml", "working folder"),
        (user_config_file(env), "user config folder"),
        (Path(env.get("GOVPATH_SYSTEM_CONFIG", SYSTEM_CONFIG)), "system"),
    ):
        if path.is_file():
            return path, how
    return None, ""


def load_settings(
    env: Mapping[str, str] | None = None, path: str | os.PathLike[str] | None = None
) -> Settings:
    """Settings from the settings file (PATH, else :func:`find_config`) overridden by ``GOVPATH_*``.

    Every command and the scheduler read the same file; ``config show`` says which one won.
    """
    env = os.environ if env is None else env
    found: Path | None
    if path is not None:
        found, how = Path(path), "given"
    else:
        found, how = find_config(env)
    data = _read_toml(found) if found is not None else {}
    values: dict[str, Any] = {}
    where: dict[str, str] = {}
    source: list[str] = []
    if data:
        source.append(str(found))
    for name, (var, (section, key)) in _KEYS.items():
        sect = data.get(section)
        if isinstance(sect, dict) and key in sect:
            label = f"{found}: [{section}] {key}"
            values[name] = _convert(name, sect[key], label)
            where[name] = label
        if env.get(var, "") != "":
            values[name] = _convert(name, env[var], var)
            where[name] = var
            if "environment" not in source:
                source.append("environment")
    _check(values, where)
    won = str(found) if found is not None and found.is_file() else ""
    return Settings(
        **values, config_file=won, config_found_by=how if won else "", source=tuple(source)
    )
