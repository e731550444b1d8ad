"""status page: published updates and the hosted page's incident ids

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_updates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("proposed_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("proposed_by", sa.String(length=32), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("decided_at", bot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("synced_at", bot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("request_key", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_status_updates_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_updates")),
        sa.UniqueConstraint("request_key", name=op.f("uq_status_updates_request_key")),
    )
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.create_index("ix_status_updates_incident", ["incident_id", "state"], unique=False)
    op.create_table(
        "status_links",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_status_links_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_status_links")),
    )


def downgrade() -> None:
    op.drop_table("status_links")
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_status_updates_incident")
    op.drop_table("status_updates")
