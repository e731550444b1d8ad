"""Apply the Alembic migrations from code: at start-up and by `outagebot db upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from bot.store.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")
# Advisory lock key: replicas starting together migrate one after the other.
MIGRATION_LOCK = 0x6F757461


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(db: Database) -> str | None:
    async with db.connect() as conn:
        return await conn.run_sync(_current)


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade to `revision`; returns (before, after) so callers can say whether it changed."""
    async with db.begin() as conn:
        await db.lock(conn, MIGRATION_LOCK)
        before = await conn.run_sync(_current)
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), revision))
        after = await conn.run_sync(_current)
    return before, after
