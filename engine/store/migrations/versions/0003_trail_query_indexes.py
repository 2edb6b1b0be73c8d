"""Indexes for asking the trail in chain order: by body, actor, kind; decisions; states as of.

``audit query`` returns events in ``seq`` order, a page at a time; with (column, seq) indexes the
first page of a filter is read straight off the index instead of sorting every match. The
partial index holds only decision events (transitions whose data carries ``decision``), the
covering (kind, at, plan_id, seq, to_state) index answers ``--as-of`` without touching the
table.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DECISIONS_WHERE = "kind = 'transition' AND data LIKE '%\"decision\":{%'"


def upgrade() -> None:
    op.create_index("ix_audit_events_body_seq", "audit_events", ["body", "seq"])
    op.create_index("ix_audit_events_actor_seq", "audit_events", ["actor", "seq"])
    op.create_index("ix_audit_events_kind_seq", "audit_events", ["kind", "seq"])
    op.create_index(
        "ix_audit_events_state_at", "audit_events", ["kind", "at", "plan_id", "seq", "to_state"]
    )
    op.execute(
        f"CREATE INDEX ix_audit_events_decisions ON audit_events (seq) WHERE {DECISIONS_WHERE}"
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_decisions", table_name="audit_events")
    op.drop_index("ix_audit_events_state_at", table_name="audit_events")
    op.drop_index("ix_audit_events_kind_seq", table_name="audit_events")
    op.drop_index("ix_audit_events_actor_seq", table_name="audit_events")
    op.drop_index("ix_audit_events_body_seq", table_name="audit_events")
