"""Fewer index entries written per transition, with every trail and deadline query still served.

- ``ix_audit_events_kind_at`` (kind, at) goes: it is the leading part of
  ``ix_audit_events_state_at`` (kind, at, plan_id, seq, to_state), which serves what it served.
- The two body indexes keep only events that have a body (a gated transition): most events have
  none, and ``body = ?`` implies ``body IS NOT NULL``, so both SQLite and PostgreSQL still use them.
- ``ix_deadlines_plan`` becomes (plan_id): a plan has a handful of deadlines, and keying the index
  on status as well moved its entry every time a deadline was met or missed.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

HAS_BODY = "body IS NOT NULL"


def upgrade() -> None:
    op.drop_index("ix_audit_events_kind_at", table_name="audit_events")
    for name, columns in (
        ("ix_audit_events_body_at", ["body", "at"]),
        ("ix_audit_events_body_seq", ["body", "seq"]),
    ):
        op.drop_index(name, table_name="audit_events")
        op.execute(f"CREATE INDEX {name} ON audit_events ({', '.join(columns)}) WHERE {HAS_BODY}")
    op.drop_index("ix_deadlines_plan", table_name="deadlines")
    op.create_index("ix_deadlines_plan", "deadlines", ["plan_id"])


def downgrade() -> None:
    op.drop_index("ix_deadlines_plan", table_name="deadlines")
    op.create_index("ix_deadlines_plan", "deadlines", ["plan_id", "status"])
    for name, columns in (
        ("ix_audit_events_body_at", ["body", "at"]),
        ("ix_audit_events_body_seq", ["body", "seq"]),
    ):
        op.drop_index(name, table_name="audit_events")
        op.create_index(name, "audit_events", columns)
    op.create_index("ix_audit_events_kind_at", "audit_events", ["kind", "at"])
