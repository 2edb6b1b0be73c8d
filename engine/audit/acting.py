"""Who acted and through which channel: the identity every trail event records beside its actor.

>>> Acting(channel="web", person="dana@kent.example", issuer="https://idp", subject="42").to_json()
{'channel': 'web', 'person': 'dana@kent.example', 'issuer': 'https://idp', 'subject': '42'}
>>> Acting.scheduler(host="srv1").to_json()
{'channel': 'scheduler', 'os_user': 'govpath', 'host': 'srv1'}
"""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass, fields
from typing import Any

CHANNELS = ("cli", "web", "api", "scheduler", "link")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's numeric user)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


@dataclass(frozen=True)
class Acting:
    """The identity behind an act: the authenticated person (if any), on whose behalf, and how.

    ``person`` is who signed in (web session, API token, ``govpath login``); ``on_behalf_of`` is
    the ``--actor`` an operator named on the command line; ``os_user`` and ``host`` say where a
    CLI or scheduler process ran; ``issuer``/``subject`` name the identity provider's account;
    ``token_id`` an API token; ``link`` marks a one-time e-mail link.
    """

    channel: str = "cli"
    person: str | None = None
    on_behalf_of: str | None = None
    os_user: str | None = None
    host: str | None = None
    issuer: str | None = None
    subject: str | None = None
    token_id: str | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)} (not {self.channel!r})")

    @classmethod
    def cli(cls, person: str | None = None, on_behalf_of: str | None = None) -> Acting:
        """A command run in this process: the signed-in PERSON (if any), the OS user and host."""
        return cls(
            channel="cli",
            person=person,
            on_behalf_of=on_behalf_of,
            os_user=_os_user(),
            host=socket.gethostname(),
        )

    @classmethod
    def scheduler(cls, host: str | None = None) -> Acting:
        """The scheduler process acting on its own account."""
        return cls(channel="scheduler", os_user="govpath", host=host or socket.gethostname())

    @property
    def who(self) -> str | None:
        """The person the trail names as the operator: the signed-in one, else the OS user."""
        if self.person:
            return self.person
        if self.os_user:
            return f"{self.os_user}@{self.host}" if self.host else self.os_user
        return None

    def to_json(self) -> dict[str, Any]:
        """The fields that are set, in a fixed order (hashed with the event's data)."""
        return {k: v for k in _FIELDS if (v := getattr(self, k)) is not None}


_FIELDS = tuple(f.name for f in fields(Acting))  # (every value is a plain string: no deep copy)

_default: list[Acting] = []


def process_default() -> Acting:
    """The identity of a caller that named none: this process, as a command-line operator."""
    if not _default:
        _default.append(Acting.cli())
    return _default[0]


_scheduler: list[dict[str, Any]] = []


def scheduler_json() -> dict[str, Any]:
    """``data["acting"]`` of the scheduler's own events (built once per process)."""
    if not _scheduler:
        _scheduler.append(Acting.scheduler().to_json())
    return _scheduler[0]


def acting_json(acting: Acting | None, on_behalf_of: str | None = None) -> dict[str, Any]:
    """What an event's ``data["acting"]`` holds: ACTING, or this process acting for ON_BEHALF_OF."""
    if acting is None:
        base = process_default().to_json()
        if on_behalf_of:  # (the event's JSON is written with sorted keys: the order is not kept)
            base["on_behalf_of"] = on_behalf_of
        return base
    return acting.to_json()
