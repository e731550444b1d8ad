"""feature checks: due runs, results, signals (issue 24)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 07:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC = bot.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "check_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("feature", sa.String(length=100), nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_events.id"],
            name=op.f("fk_check_runs_change_id_change_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_runs")),
        sa.UniqueConstraint("key", name=op.f("uq_check_runs_key")),
    )
    op.create_index("ix_check_runs_due", "check_runs", ["due_at"])
    op.create_table(
        "check_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feature", sa.String(length=100), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_events.id"],
            name=op.f("fk_check_results_change_id_change_events"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_results")),
    )
    op.create_index("ix_check_results_feature_at", "check_results", ["feature", "at"])
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("feature", sa.String(length=100), nullable=True),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("detected_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("flaps", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("muted_until", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_signals_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
        sa.UniqueConstraint("source", "fingerprint", "started_at", name="uq_signals_episode"),
    )
    op.create_index("ix_signals_feature", "signals", ["feature", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_signals_feature", table_name="signals")
    op.drop_table("signals")
    op.drop_index("ix_check_results_feature_at", table_name="check_results")
    op.drop_table("check_results")
    op.drop_index("ix_check_runs_due", table_name="check_runs")
    op.drop_table("check_runs")
