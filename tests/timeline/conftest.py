"""Timeline fixtures: the whole bot on loopback with a manual clock, in a chosen timezone, and
the services alone on a real database (SQLite, or CI's PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.models import Incident
from bot.sandbox.cast import GIULIA, LUCA
from bot.sandbox.driver import Transport
from bot.sandbox.stack import SandboxStack
from bot.services import Services, build_services
from bot.time.clock import ManualClock

from .helpers import MORNING, ROME, TITLE

StartStack = Callable[..., Awaitable[SandboxStack]]


@pytest.fixture
async def start_stack(
    tmp_path: Path, transport: Transport, database_for: Callable[[Path], str]
) -> AsyncIterator[StartStack]:
    """Start a stack whose incidents live in `tz`, its clock at `at`; stopped at the end."""
    started: list[SandboxStack] = []

    async def start(tz: str = ROME, at: datetime = MORNING) -> SandboxStack:
        folder = tmp_path / f"stack{len(started)}"
        folder.mkdir()
        settings = {"timezone": tz, "responders": [GIULIA, LUCA]}
        stack = SandboxStack(
            database_for(folder), clock=ManualClock(at), settings=settings, transport=transport
        )
        started.append(stack)
        return await stack.start()

    yield start
    for stack in started:
        await stack.stop()


@pytest.fixture
async def stack(start_stack: StartStack) -> SandboxStack:
    return await start_stack()


@pytest.fixture
async def incident(stack: SandboxStack) -> Incident:
    return await stack.declare(TITLE)


@pytest.fixture
async def services(tmp_path: Path, database_for: Callable[[Path], str]) -> AsyncIterator[Services]:
    """The services on a migrated database of their own; Slack is never called."""
    settings = Settings(database_url=database_for(tmp_path))
    built = build_services(settings, ManualClock(MORNING))
    built.schedule_tick = 0
    await built.start()
    yield built
    await built.stop()
