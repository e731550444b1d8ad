"""The schema is Alembic's: created from scratch, upgraded in place, idempotent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from bot.store import migrate
from bot.store.database import Database
from bot.store.tables import metadata


async def test_migrations_create_every_table(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    before, after = await migrate.upgrade(db)
    assert before is None and after == migrate.head_revision()
    async with db.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        pragmas = await conn.exec_driver_sql("PRAGMA journal_mode")
        assert pragmas.scalar() == "wal"
        foreign = await conn.exec_driver_sql("PRAGMA foreign_keys")
        assert foreign.scalar() == 1
    assert set(metadata.tables) <= names
    assert "alembic_version" in names
    await db.dispose()


def test_db_upgrade_twice_is_a_no_op(tmp_path: Path) -> None:
    env = {"OUTAGEBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "PATH": ""}
    cmd = [sys.executable, "-m", "bot.cli", "db", "upgrade"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert "upgraded from empty" in first.stdout
    assert "already at" in second.stdout
