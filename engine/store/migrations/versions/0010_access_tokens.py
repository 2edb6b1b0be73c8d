"""Personal access tokens for the JSON API: stored hashed, with a scope, an expiry and revocation.

- ``access_tokens``: one row per token a signed-in person created. Only the SHA-256 of the token
  is kept (the token itself is shown once); ``scope`` is ``read`` or ``act`` (read and act);
  ``expires_at`` is required; ``revoked_at`` is set when the person revokes it. A token belongs to
  an actor by e-mail, as plans and deadlines do.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_access_tokens_token_hash"),
    )
    op.create_index("ix_access_tokens_actor", "access_tokens", ["actor"])


def downgrade() -> None:
    op.drop_index("ix_access_tokens_actor", table_name="access_tokens")
    op.drop_table("access_tokens")
