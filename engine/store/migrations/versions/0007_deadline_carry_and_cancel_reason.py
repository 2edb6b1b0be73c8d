"""Deadlines carried to the next stage, and why a message was cancelled.

A deadline is met only by its own act. When a plan leaves a stage by another route, a deadline
still owed goes with it to the next stage (the same row): ``deadlines.carried_from`` names the
stage that made it, whose definition says what meets it. ``outbox.cancel_reason`` says, in a
sentence, why a message was not sent (``govpath outbox list`` shows it).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deadlines", sa.Column("carried_from", sa.String(100), nullable=True))
    op.add_column("outbox", sa.Column("cancel_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "cancel_reason")
    op.drop_column("deadlines", "carried_from")
