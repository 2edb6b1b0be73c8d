"""A web session keeps the identity provider's account it began with: issuer and subject.

- ``web_sessions.issuer``, ``web_sessions.subject``: for a session begun by OpenID Connect, the
  ID token's ``iss`` and ``sub``, as checked at sign-in. Every act in that session records them
  (``data.acting``), so the trail names the provider's account itself, not only the e-mail it
  was matched by, and not an issuer read from the settings at the time of the act. Null for a
  session begun by a one-time e-mail link, and for sessions begun before this revision.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("issuer", sa.String(500), nullable=True))
        batch.add_column(sa.Column("subject", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("subject")
        batch.drop_column("issuer")
