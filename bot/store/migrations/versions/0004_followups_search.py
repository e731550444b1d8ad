"""follow-ups, weekly digests, incident search (FTS5 on SQLite, a GIN index on PostgreSQL)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:30:00
"""

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# External-content FTS5 over incident_search, kept in step by triggers. The body is stemmed
# in Python already, so the plain unicode61 tokenizer is right for Italian and English alike.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE incident_fts USING fts5("
    "body, content='incident_search', content_rowid='incident_id', tokenize='unicode61')",
    "CREATE TRIGGER incident_search_ai AFTER INSERT ON incident_search BEGIN "
    "INSERT INTO incident_fts(rowid, body) VALUES (new.incident_id, new.body); END",
    "CREATE TRIGGER incident_search_ad AFTER DELETE ON incident_search BEGIN "
    "INSERT INTO incident_fts(incident_fts, rowid, body) "
    "VALUES ('delete', old.incident_id, old.body); END",
    "CREATE TRIGGER incident_search_au AFTER UPDATE ON incident_search BEGIN "
    "INSERT INTO incident_fts(incident_fts, rowid, body) "
    "VALUES ('delete', old.incident_id, old.body); "
    "INSERT INTO incident_fts(rowid, body) VALUES (new.incident_id, new.body); END",
]
POSTGRES_INDEX = (
    "CREATE INDEX ix_incident_search_body ON incident_search "
    "USING GIN (to_tsvector('simple', body))"
)


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tracker_url", sa.String(length=500), nullable=True),
        sa.Column("tracker_ref", sa.String(length=200), nullable=True),
        sa.Column("tracker_etag", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("closed_at", bot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_followups_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("incident_id", "seq", name="uq_followups_incident_seq"),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index("ix_followups_status_due", ["status", "due_on"], unique=False)
    op.create_table(
        "followup_digests",
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=False),
        sa.Column("sent_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week", name=op.f("pk_followup_digests")),
    )
    op.create_table(
        "incident_search",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_search_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_search")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        op.execute(POSTGRES_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("incident_search_ai", "incident_search_ad", "incident_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS incident_fts")
    op.drop_table("incident_search")
    op.drop_table("followup_digests")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_status_due")
    op.drop_table("followups")
