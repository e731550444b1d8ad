"""The schema is Alembic's: created from scratch, upgraded in place, idempotent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite

from bot.store import migrate, tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.store.tables import metadata


async def test_migrations_create_every_table(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    before, after = await migrate.upgrade(db)
    assert before is None
    assert after == migrate.head_revision()
    async with db.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        pragmas = await conn.exec_driver_sql("PRAGMA journal_mode")
        assert pragmas.scalar() == "wal"
        foreign = await conn.exec_driver_sql("PRAGMA foreign_keys")
        assert foreign.scalar() == 1
    assert set(metadata.tables) <= names
    assert "alembic_version" in names
    await db.dispose()


@pytest.mark.slow
def test_db_upgrade_twice_is_a_no_op(tmp_path: Path) -> None:
    env = {"OUTAGEBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "PATH": ""}
    cmd = [sys.executable, "-m", "bot.cli", "db", "upgrade"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert "upgraded from empty" in first.stdout
    assert "already at" in second.stdout


def test_conflict_inserts_are_cached_per_conflict_target() -> None:
    """The statement is cached (compiling it per event cost a sixth of ingest CPU), and two
    conflict targets never share a cache entry, which would ignore the wrong conflict."""
    by_id = insert_ignoring_conflicts(tables.schedules, "incident_id")
    by_kind = insert_ignoring_conflicts(tables.schedules, "incident_id", "kind")
    again = insert_ignoring_conflicts(tables.schedules, "incident_id", "kind")
    assert by_kind._generate_cache_key() == again._generate_cache_key()
    assert by_id._generate_cache_key() != by_kind._generate_cache_key()
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        assert str(by_kind.compile(dialect=dialect)).endswith(
            "ON CONFLICT (incident_id, kind) DO NOTHING"
        )
    with pytest.raises(ValueError, match="nope"):
        insert_ignoring_conflicts(tables.schedules, "nope")
