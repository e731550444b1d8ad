"""follow-ups: which tracker (github, jira, linear) holds each exported follow-up (issue 28)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 07:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("followups") as batch:
        batch.add_column(sa.Column("tracker", sa.String(length=20), nullable=True))
    # Until now GitHub was the only tracker.
    op.execute("UPDATE followups SET tracker = 'github' WHERE tracker_ref IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("followups") as batch:
        batch.drop_column("tracker")
