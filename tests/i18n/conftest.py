"""The bot in an Italian workspace, for the tests of this folder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock


@pytest.fixture
def italian_settings() -> dict[str, Any]:
    """Settings beyond the language and the time zone; a test module overrides this."""
    return {}


@pytest.fixture
async def italian(
    tmp_path: Path,
    clock: ManualClock,
    database_for: Callable[[Path], str],
    italian_settings: dict[str, Any],
) -> AsyncIterator[SandboxStack]:
    settings = {"language": "it", "timezone": "Europe/Copenhagen", **italian_settings}
    async with SandboxStack(database_for(tmp_path), clock=clock, settings=settings) as stack:
        yield stack
