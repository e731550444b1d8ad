"""Feature fixtures: the services alone on a real SQLite file (no Slack), an incident, and a
declared incident channel on the sandbox stack (`stack` and `clock` come from tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.models import Incident, Severity
from bot.sandbox.cast import MARCO
from bot.services import Services, build_services
from bot.time.clock import ManualClock

from .helpers import FEATURES


@pytest.fixture
async def services(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Services]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'features.db'}",
        timezone="Europe/Copenhagen",
        features=FEATURES,
    )
    built = build_services(settings, clock)
    built.schedule_tick = 0
    await built.start()
    yield built
    await built.stop()


@pytest.fixture
async def incident(services: Services) -> Incident:
    return await services.incidents.declare(
        "Quotes page empty", severity=Severity.sev2, declared_by=MARCO
    )
