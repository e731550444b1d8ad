"""Upgrading keeps every row: a database filled at the first migration survives to head."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.models import EntryKind
from bot.store import migrate
from bot.store.database import Database
from bot.time.clock import ManualClock
from bot.timeline import Timeline

FIRST = "0001"
WHEN = datetime(2025, 4, 30, 8, 40, tzinfo=UTC)


async def test_rows_survive_an_upgrade_to_head(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await migrate.upgrade(db, FIRST)
    async with db.begin() as conn:
        for number in (1, 2):
            await conn.execute(
                text(
                    "INSERT INTO incidents (id, title, severity, status, declared_at, declared_by,"
                    " lead, timezone, language, description, last_update_at, channel_id)"
                    " VALUES (:id, :title, 'sev2', 'investigating', :at, 'U1', 'U1',"
                    " 'Europe/Copenhagen', 'it', '', :at, :channel)"
                ),
                {
                    "id": number,
                    "title": f"Offerte giù {number}",
                    "at": WHEN.replace(tzinfo=None),
                    "channel": f"C{number}",
                },
            )
        await conn.execute(
            text(
                "INSERT INTO users (user_id, display_name, fetched_at) VALUES ('U1', 'Marco', :at)"
            ),
            {"at": WHEN.replace(tzinfo=None)},
        )
        await conn.execute(
            text("INSERT INTO processed_events (event_id, received_at) VALUES ('Ev1', :at)"),
            {"at": WHEN.replace(tzinfo=None)},
        )
    timeline = Timeline(db, ManualClock(WHEN))
    entry = await timeline.record(1, EntryKind.note, "deploy in produzione", actor="U1")

    before, after = await migrate.upgrade(db)
    assert (before, after) == (FIRST, migrate.head_revision())

    async with db.connect() as conn:
        titles = (
            (await conn.execute(text("SELECT title FROM incidents ORDER BY id"))).scalars().all()
        )
        names = (await conn.execute(text("SELECT display_name FROM users"))).scalars().all()
        events = (await conn.execute(text("SELECT event_id FROM processed_events"))).scalars().all()
    assert titles == ["Offerte giù 1", "Offerte giù 2"]
    assert names == ["Marco"]
    assert events == ["Ev1"]
    [kept] = await timeline.entries(1)
    assert (kept.id, kept.text, kept.occurred_at) == (entry, "deploy in produzione", WHEN)
    await db.dispose()


@pytest.mark.slow
def test_there_is_no_downgrade_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "downgrade"],
        env={"OUTAGEBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "invalid choice" in result.stderr
