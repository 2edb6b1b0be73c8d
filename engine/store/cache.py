"""The per-process cache: what govpath keeps between calls, and what makes each entry stale."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govpath.calendars.timeline import Timeline
    from govpath.definition.compiler import CompiledPathway
    from govpath.definition.model import Pathway


class ProcessCache:
    """Everything read from the database once and kept for the life of the process.

    Each entry says beside it what invalidates it. The compiled machine of a version keeps its
    own memo of routes and owner roles (``CompiledPathway.routes``, ``owner_scopes``): a
    version's definition never changes, so neither do they.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # content hash -> (definition, compiled machine). Never stale: a published version is
        # addressed by the hash of its content and is never changed in place.
        self.definitions: dict[str, tuple[Pathway, CompiledPathway]] = {}
        # (content hash, calendar revision, council date, engine) -> the meetings' timeline.
        # Stale when the meetings change: every change to ``meetings`` advances
        # ``calendar_revision`` (a trigger), so the next read uses a new key; and when the day
        # changes (reminders already past are dropped), which is in the key too. Bounded: cleared
        # when it holds more than 256.
        self.timelines: dict[tuple[str, int, Any, Any], Timeline] = {}
        # --- web ---
        # issuer -> (time.monotonic() when fetched, its OpenID Connect discovery document).
        # Stale an hour after it was fetched (``govpath.web.auth.oidc.DISCOVERY_TTL``): the
        # provider's configuration rarely changes, and a stale entry is fetched again.
        self.oidc_discovery: dict[str, tuple[float, dict[str, Any]]] = {}

    def timeline(self, key: tuple[str, int, Any, Any]) -> Timeline | None:
        return self.timelines.get(key)

    def keep_timeline(self, key: tuple[str, int, Any, Any], built: Timeline) -> None:
        with self.lock:
            if len(self.timelines) > 256:
                self.timelines.clear()
            self.timelines[key] = built

    def clear(self) -> None:
        """Forget everything (tests; a process that replaced its database)."""
        with self.lock:
            self.definitions.clear()
            self.timelines.clear()
            self.oidc_discovery.clear()


CACHE = ProcessCache()
