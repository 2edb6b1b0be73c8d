"""The database schema as SQLAlchemy Core tables: the single source of truth for plans and the trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.types import TypeDecorator

from govpath.store.backend import backend_named


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC on every backend and read back aware (SQLite keeps no zone).

    An aware value is converted to UTC before it is written, so a reminder at 08:00 BST is
    stored as 07:00 UTC; a naive value is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not isinstance(value, dt.datetime):
            return value
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        # a backend that keeps no zone (SQLite) is given the UTC wall time
        return value if backend_named(dialect.name).aware_timestamps else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not isinstance(value, dt.datetime):
            return value
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _where(predicate: str) -> dict[str, Any]:
    """A partial index's predicate, the same on SQLite and PostgreSQL."""
    return {"sqlite_where": text(predicate), "postgresql_where": text(predicate)}


# Stable constraint names so that Alembic migrations are identical on SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite rowid aliasing needs INTEGER

pathway_versions = Table(
    "pathway_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pathway_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),  # 1, 2, 3… per pathway_id
    Column("content_hash", String(64), nullable=False, unique=True),  # sha256 of normalised JSON
    Column("title", Text, nullable=False),
    Column("year", String(7), nullable=False),
    Column("source_path", Text, nullable=False, default=""),
    Column("source_text", Text, nullable=False),  # the YAML as published
    Column("definition", Text, nullable=False),  # normalised JSON of the Pathway record
    Column("published_at", UtcDateTime(), nullable=False),
    UniqueConstraint("pathway_id", "version"),
)

actors = Table(
    "actors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("reports_to", String(320), nullable=True),  # e-mail of the manager (escalation)
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

actor_roles = Table(
    "actor_roles",
    metadata,
    Column("actor_id", Integer, ForeignKey("actors.id"), primary_key=True),
    Column("role", String(100), primary_key=True),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", String(100), nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("date", Date, nullable=False),
    Column("time", Time, nullable=True),  # local (Europe/London) start time
    Column("place", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False, default="scheduled"),  # scheduled|moved|cancelled
    Column("original_date", Date, nullable=True),  # set when the meeting moved
    Column("source", String(40), nullable=False, default="yaml"),  # yaml|ics|moderngov|cli
    Column("source_id", String(255), nullable=False),  # UID / meetingid / body+date
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("source", "source_id"),
    Index("ix_meetings_body_date", "body", "date"),
)

# One row: a counter that triggers on ``meetings`` advance at every change (migration 0006), so
# a cached timeline learns in one lookup whether the calendar changed.
calendar_revision = Table(
    "calendar_revision",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("revision", BigInteger, nullable=False),
)

plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pathway_version_id", Integer, ForeignKey("pathway_versions.id"), nullable=False),
    Column("pathway_id", String(100), nullable=False),
    Column("subject", Text, nullable=False),
    Column("owner", String(320), nullable=False),  # e-mail of the owning actor
    Column("state", String(100), nullable=False),
    Column("fields", Text, nullable=False, default="{}"),  # JSON object of content values
    Column("version", Integer, nullable=False, default=1),  # optimistic concurrency counter
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),  # reached a terminal stage
    Index("ix_plans_pathway_state", "pathway_id", "state"),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("stage", String(100), nullable=False),
    Column("name", String(100), nullable=False),  # the deadline id in the definition
    Column("title", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("anchor_date", Date, nullable=True),  # the meeting or window date counted from
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=True),
    Column("due", Date, nullable=False),
    Column("owner", String(320), nullable=False),  # e-mail
    Column(
        "status", String(20), nullable=False, default="open"
    ),  # open|met|missed|cancelled|superseded
    Column("met_at", UtcDateTime(), nullable=True),
    Column("escalation_level", Integer, nullable=False, default=0),
    Column("infeasible", Boolean, nullable=False, default=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # reminders and escalations not yet made into notices: JSON [[kind, recipient, due_at], …]
    # (written with the deadline; the sweep makes the notice rows and clears it; see 0005)
    Column("schedule", Text, nullable=True),
    # the stage that made this deadline, when the plan carried it on to another (see 0007)
    Column("carried_from", String(100), nullable=True),
    Index("ix_deadlines_status_due", "status", "due"),
    Index("ix_deadlines_plan", "plan_id"),
)

# A message the scheduler will create when its time comes (reminder, escalation, papers due);
# made by the sweep from an open deadline's ``schedule``.
notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deadline_id", Integer, ForeignKey("deadlines.id"), nullable=False),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # reminder|escalation|papers_due
    Column(
        "recipient", String(320), nullable=False
    ),  # e-mail, or "role:ROLE" resolved at send time
    Column("due_at", UtcDateTime(), nullable=False),
    Column("status", String(20), nullable=False, default="scheduled"),  # scheduled|queued|cancelled
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("lease_owner", String(100), nullable=True),
    Index("ix_notices_status_due", "status", "due_at"),
    Index("ix_notices_deadline", "deadline_id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(400), nullable=False, unique=True),  # plan|deadline|kind|recipient|date
    Column("message_id", String(400), nullable=False),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=True),
    Column("deadline_id", Integer, ForeignKey("deadlines.id"), nullable=True),
    Column("kind", String(20), nullable=False),  # reminder|escalation|papers_due|digest|notice
    Column("recipient", String(320), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False, default=""),
    Column("ics", Text, nullable=False, default=""),
    Column("due_at", UtcDateTime(), nullable=False),
    Column(
        "status", String(20), nullable=False, default="pending"
    ),  # pending|sending|sent|failed|cancelled
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("lease_owner", String(100), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("late", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("cancel_reason", Text, nullable=True),  # why it was not sent, in a sentence (0007)
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
    Index("ix_outbox_plan", "plan_id"),
)

# The decision trail: append-only, hash-chained. ``seq`` is the chain order (1, 2, 3…).
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("plan_id", Integer, nullable=True),
    Column("kind", String(40), nullable=False),
    Column("trigger", String(100), nullable=True),
    Column("from_state", String(100), nullable=True),
    Column("to_state", String(100), nullable=True),
    Column("actor", String(320), nullable=True),
    Column("body", String(100), nullable=True),
    Column("meeting_id", Integer, nullable=True),
    Column("note", Text, nullable=True),
    Column("data", Text, nullable=False, default="{}"),  # canonical JSON of the event's fields
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # as of migration 0004: what `audit query`, `--as-of` and decision records read through
    Index("ix_audit_events_plan_seq", "plan_id", "seq"),
    Index("ix_audit_events_actor_at", "actor", "at"),
    Index("ix_audit_events_actor_seq", "actor", "seq"),
    Index("ix_audit_events_kind_seq", "kind", "seq"),
    Index("ix_audit_events_state_at", "kind", "at", "plan_id", "seq", "to_state"),
    Index("ix_audit_events_at", "at"),
    # only events with a body (gated transitions)
    Index("ix_audit_events_body_at", "body", "at", **_where("body IS NOT NULL")),
    Index("ix_audit_events_body_seq", "body", "seq", **_where("body IS NOT NULL")),
    # only decision events
    Index(
        "ix_audit_events_decisions",
        "seq",
        **_where("kind = 'transition' AND data LIKE '%\"decision\":{%'"),
    ),
)

# One row: the head of the audit chain. Appenders lock it, so the chain has one order.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# Facts about the database itself (migration 0009): ``database_id``, a random identity signed
# into checkpoints, and ``simulation`` ("1" on a demo's database: any clock is accepted).
database_facts = Table(
    "database_facts",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

# Signed checkpoints of the chain head (migration 0009); witnesses hold copies outside the database.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("database_id", String(64), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("statement", Text, nullable=False),  # the canonical JSON that was signed
    Column("signature", Text, nullable=False),  # base64 Ed25519 signature of the statement
)

# The command line's sign-ins (migration 0009): only the sha256 of each session token is kept.
sign_ins = Table(
    "sign_ins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("person", String(320), nullable=False),  # e-mail of the person signed in
    Column("method", String(20), nullable=False),  # email-code | oidc
    Column("issuer", Text, nullable=True),  # the identity provider (oidc)
    Column("subject", Text, nullable=True),  # the person's subject at that provider
    Column("os_user", String(100), nullable=True),
    Column("host", String(255), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime(), nullable=True),  # logout
)

# One-time sign-in codes sent by e-mail (migration 0009): hashed, short-lived, few attempts.
sign_in_codes = Table(
    "sign_in_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person", String(320), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
)

# Personal access tokens for the JSON API (migration 0010): only the token's SHA-256 is stored.
access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor", String(320), nullable=False),  # e-mail of the person it acts for
    Column("name", Text, nullable=False),  # what the person called it
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the token
    Column("prefix", String(16), nullable=False),  # the first characters, to recognise it by
    Column("scope", String(10), nullable=False),  # read | act (read and act)
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("last_used_at", UtcDateTime(), nullable=True),
    Index("ix_access_tokens_actor", "actor"),
)

# The web interface (migration 0008): one-time sign-in links (only their hashes), server-side
# sessions (only the hash of the cookie's identifier), sign-in requests counted for rate limits,
# and the key that signs cookies when none is configured (shared by every copy of the server).
web_signin_links = Table(
    "web_signin_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the link's token
    Column("email", String(320), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the cookie's id
    Column("email", String(320), nullable=False),
    Column("method", String(20), nullable=False),  # link | oidc
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),  # moves on with activity
    # OpenID Connect: the ID token's iss and sub, as checked at sign-in (see 0011)
    Column("issuer", String(500), nullable=True),
    Column("subject", String(255), nullable=True),
)

web_signin_requests = Table(
    "web_signin_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False),
    Column("client", String(100), nullable=False),  # the requesting client's address
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_web_signin_requests_email_at", "email", "at"),
    Index("ix_web_signin_requests_client_at", "client", "at"),
)

web_keys = Table(
    "web_keys",
    metadata,
    Column("name", String(40), primary_key=True),  # "cookie"
    Column("secret", String(128), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
