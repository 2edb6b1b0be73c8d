"""The per-process cache: what govpath keeps between calls, and what makes each entry stale."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from govpath.calendars.timeline import Timeline
    from govpath.definition.compiler import CompiledPathway
    from govpath.definition.model import Pathway
    from govpath.store.trail import ChainHead


class ProcessCache:
    """Everything read from the database once and kept for the life of the process.

    Each entry says beside it what invalidates it. Memos that live on the object they memoise
    are not here: the compiled machine of a version keeps its routes and owner roles
    (``CompiledPathway.routes``, ``owner_scopes``; a version's definition never changes, so
    neither do they), a hot-path statement its compiled form per dialect (``Prepared``; neither
    the statement nor a dialect changes), a pathway its stages by id (the record is frozen).
    The engines opened are a registry of live resources, not a cache (``db.py`` says why).
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
        # content hash -> the pathway's compiled ``transitions`` machine
        # (``definition.compiler.compile_pathway``). Never stale: the hash is of the whole
        # definition, so other content is another key.
        self.compiled: dict[str, CompiledPathway] = {}
        # (time type, dialect name) -> the hot path's value conversion for it, with its memo of
        # recent values (``prepared.py``). Never stale: a type's conversion for a dialect is fixed;
        # the memo inside holds values, not rows, and empties itself past 512.
        self.time_processors: dict[tuple[type, str], Callable[[Any], Any] | None] = {}
        # --- runtime ---
        # reminder time -> its UTC ISO text, as a deadline's schedule stores it (a timeline's
        # reminder times recur for every plan). Never stale: a moment's UTC text does not change.
        # Bounded: cleared when it holds more than 1024.
        self.reminder_texts: dict[dt.datetime, str] = {}
        # --- audit ---
        # engine -> the chain head (seq, hash) this process's last append left: only a hint. The
        # next append hashes from it and moves the head with ``UPDATE … WHERE seq AND hash`` in
        # one statement. Stale as soon as anyone else appends (another process or thread) or the
        # appending transaction rolls back: no row then matches, the append reads the head under
        # lock instead and the entry is replaced. Keyed by the engine's identity; one per engine.
        self.chain_heads: dict[Engine, ChainHead] = {}
        # stored definition text -> the Pathway the reports read from it. Never stale: the key is
        # the definition itself (a published version is never changed in place).
        self.report_pathways: dict[str, Pathway] = {}
        # --- scheduler ---
        # database URL -> the council's date on which this process made the weekly digests. Never
        # stale: the sweep compares it with today's date, so a new day (or another database)
        # makes the digest again; the outbox's unique key keeps each digest to one a day anyway.
        self.digested: dict[str, dt.date] = {}
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
            self.compiled.clear()
            self.time_processors.clear()
            self.reminder_texts.clear()
            self.chain_heads.clear()
            self.report_pathways.clear()
            self.digested.clear()
            self.oidc_discovery.clear()


CACHE = ProcessCache()
