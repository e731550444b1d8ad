"""Fixtures shared by the end-to-end tests: the whole bot on loopback with a manual clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.sandbox.stack import SandboxStack

# The outage report's morning: Wednesday 30 April 2025, Europe/Copenhagen.
OUTAGE_DAY = datetime(2025, 4, 30, 10, 40, tzinfo=ZoneInfo("Europe/Copenhagen"))


def database_url(folder: Path) -> str:
    """SQLite in the test's folder, or the PostgreSQL server CI names in the environment."""
    return os.environ.get("OUTAGEBOT_TEST_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{folder / 'outagebot.db'}"
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OUTAGE_DAY)


@pytest.fixture
async def stack(tmp_path: Path, clock: ManualClock) -> AsyncIterator[SandboxStack]:
    settings = {
        "timezone": "Europe/Copenhagen",
        "responders": ["U03LUCA"],
        "features": [
            {"name": "Quotes", "aliases": ["Offerte"]},
            {"name": "Purchases", "aliases": ["Acquisti"]},
        ],
    }
    async with SandboxStack(database_url(tmp_path), clock=clock, settings=settings) as running:
        yield running
