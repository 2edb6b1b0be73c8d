"""A deadline carries its reminder and escalation schedule; the sweep makes the notice rows.

- ``deadlines.schedule``: the reminders and escalations worked out when the plan entered the
  stage, as JSON ``[[kind, recipient, due_at], …]``, committed in the same transaction as the
  deadline. The sweep turns an open deadline's schedule into ``notices`` rows (and clears it)
  before it claims anything; a deadline met before then never gets any. A transition used to
  write three or four notice rows per deadline, each with two index entries on random pages.
- ``ix_deadlines_meeting`` goes: the only query by meeting (a meeting moved) asks for open
  deadlines, which ``ix_deadlines_status_due`` finds, and every deadline written paid for it.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deadlines") as batch:
        batch.add_column(sa.Column("schedule", sa.Text(), nullable=True))
    op.drop_index("ix_deadlines_meeting", table_name="deadlines")


def downgrade() -> None:
    op.create_index("ix_deadlines_meeting", "deadlines", ["meeting_id"])
    with op.batch_alter_table("deadlines") as batch:
        batch.drop_column("schedule")
