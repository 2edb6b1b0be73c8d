"""Witnessed trail: a database identity, a simulation mark, and signed checkpoints of the head.

``database_facts`` holds facts about the database itself: ``database_id`` (a random identity made
here, signed into every checkpoint so a checkpoint of one database never vouches for another) and
``simulation`` (set by the demo: only a simulated database accepts a clock far from the real one).
``audit_checkpoints`` keeps every signed checkpoint of the chain head; the witnesses (an
append-only file, auditors' e-mail) keep copies the database cannot take back.
``sign_ins`` holds the command line's sessions (only a hash of each token) and
``sign_in_codes`` the one-time codes sent by e-mail (hashed too).
On PostgreSQL, a deferred constraint trigger lets the chain head move only forward and only onto
an event of the trail, checked at commit (the append path moves it, then inserts the events).

Revision ID: 0009
Revises: 0006
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

HEAD_FUNCTION = """
CREATE OR REPLACE FUNCTION govpath_audit_head_forward() RETURNS trigger AS $$
BEGIN
    IF NEW.seq < OLD.seq OR (NEW.seq > 0 AND NOT EXISTS (
        SELECT 1 FROM audit_events WHERE seq = NEW.seq AND hash = NEW.hash)) THEN
        RAISE EXCEPTION 'the chain head only moves forward, onto an event of the trail'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    op.create_table(
        "database_facts",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_database_facts")),
    )
    facts = sa.table("database_facts", sa.column("key"), sa.column("value"))
    op.bulk_insert(facts, [{"key": "database_id", "value": str(uuid.uuid4())}])
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("database_id", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("person", sa.String(320), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("os_user", sa.String(100), nullable=True),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_ins")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_ins_token_hash")),
    )
    op.create_table(
        "sign_in_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(320), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_codes")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(HEAD_FUNCTION)
        op.execute(
            "CREATE CONSTRAINT TRIGGER audit_head_forward AFTER UPDATE ON audit_head "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION govpath_audit_head_forward()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS govpath_audit_head_forward()")
    op.drop_table("sign_in_codes")
    op.drop_table("sign_ins")
    op.drop_table("audit_checkpoints")
    op.drop_table("database_facts")
