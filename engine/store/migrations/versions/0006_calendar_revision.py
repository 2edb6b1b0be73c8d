"""A calendar revision: one counter the meetings' own triggers advance at every change.

Deadlines are worked out from a timeline of the committee calendar, cached per pathway and
calendar state. The state was read as (count, latest ``updated_at``, highest id) of the meetings
at every transition: two scans of the whole meetings table, slower as a council's calendar grows,
and blind to an edit stamped with an earlier time. Now ``calendar_revision.revision`` goes up by
one with every INSERT, UPDATE or DELETE on ``meetings`` (by govpath or anyone else), and the
cache asks for that one row.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BUMP = "UPDATE calendar_revision SET revision = revision + 1 WHERE id = 1"
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION govpath_calendar_revision() RETURNS trigger AS $$
BEGIN
    {_BUMP};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
_OPS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "calendar_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_revision")),
    )
    op.execute("INSERT INTO calendar_revision (id, revision) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER meetings_revision AFTER INSERT OR UPDATE OR DELETE ON meetings "
            "FOR EACH STATEMENT EXECUTE FUNCTION govpath_calendar_revision()"
        )
    else:
        for name in _OPS:
            op.execute(
                f"CREATE TRIGGER meetings_revision_{name.lower()} AFTER {name} ON meetings "
                f"BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS meetings_revision ON meetings")
        op.execute("DROP FUNCTION IF EXISTS govpath_calendar_revision()")
    else:
        for name in _OPS:
            op.execute(f"DROP TRIGGER IF EXISTS meetings_revision_{name.lower()}")
    op.drop_table("calendar_revision")
