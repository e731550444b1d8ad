"""Fixtures shared by the end-to-end tests: the whole bot on loopback with a manual clock."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import make_url

from bot.sandbox.cast import LUCA
from bot.sandbox.driver import Transport
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock

# The outage report's morning: Wednesday 30 April 2025, Europe/Copenhagen.
OUTAGE_DAY = datetime(2025, 4, 30, 10, 40, tzinfo=ZoneInfo("Europe/Copenhagen"))


# A PostgreSQL server's admin database (`postgresql+asyncpg://user@host:port/postgres`), set by
# CI's second pass; unset, tests run on SQLite.
TEST_SERVER = "OUTAGEBOT_TEST_DATABASE_URL"
# Databases made for the running test, by its folder: dropped when the test ends.
_made: dict[Path, str] = {}


def database_url(folder: Path) -> str:
    """SQLite in the test's folder, or a fresh database of its own on CI's PostgreSQL server.

    The same folder gets the same database, so a test can restart the bot on its data.
    """
    server = os.environ.get(TEST_SERVER)
    if not server:
        return f"sqlite+aiosqlite:///{folder / 'outagebot.db'}"
    if folder not in _made:
        name = f"outagebot_test_{uuid.uuid4().hex[:16]}"
        _on_server(server, f'CREATE DATABASE "{name}"')
        _made[folder] = make_url(server).set(database=name).render_as_string(hide_password=False)
    return _made[folder]


def _on_server(server: str, statement: str) -> None:
    """Run one statement on the admin database, in a thread: callers may be inside a loop."""
    import asyncpg  # the `postgres` extra; needed only when a server is named

    dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture(autouse=True)
def _drop_made_databases() -> Iterator[None]:
    """Set up before, so torn down after, the fixtures that still hold connections."""
    yield
    while _made:
        _folder, url = _made.popitem()
        server = os.environ[TEST_SERVER]
        _on_server(server, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture
def database_for() -> Callable[[Path], str]:
    """`database_url` for fixtures in other folders (importing a conftest is not reliable)."""
    return database_url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OUTAGE_DAY)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "transports(*names): run each test once per transport the `stack` uses (http, socket)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("transports")
    if marker is not None and "transport" in metafunc.fixturenames:
        metafunc.parametrize("transport", marker.args, indirect=True)


@pytest.fixture
def transport(request: pytest.FixtureRequest) -> Transport:
    """How the bot gets Slack's requests: a `transports` marker's choice, else
    OUTAGEBOT_TEST_TRANSPORT (run the whole suite over Socket Mode), else HTTP."""
    return getattr(request, "param", None) or os.environ.get("OUTAGEBOT_TEST_TRANSPORT", "http")


@pytest.fixture
async def started() -> AsyncIterator[AsyncExitStack]:
    """For fixtures that start stacks on demand: `await started.enter_async_context(stack)`
    starts one, and it is stopped when the test ends."""
    async with AsyncExitStack() as running:
        yield running


StackFactory = Callable[..., Awaitable[SandboxStack]]


@pytest.fixture
def start_stack(
    tmp_path: Path, clock: ManualClock, transport: Transport, started: AsyncExitStack
) -> StackFactory:
    """Start the whole bot with `settings` over Copenhagen time and no status nudges (they would
    count among reminders); it is stopped when the test ends. `sqlite` keeps CI's server out."""

    async def start(settings: dict[str, Any], *, sqlite: bool = False) -> SandboxStack:
        url = f"sqlite+aiosqlite:///{tmp_path / 'outagebot.db'}" if sqlite else None
        stack = SandboxStack(
            url or database_url(tmp_path),
            clock=clock,
            settings={"timezone": "Europe/Copenhagen", "nudge_minutes": 24 * 60, **settings},
            transport=transport,
        )
        return await started.enter_async_context(stack)

    return start


@pytest.fixture
async def stack(
    tmp_path: Path, clock: ManualClock, transport: Transport
) -> AsyncIterator[SandboxStack]:
    settings = {
        "timezone": "Europe/Copenhagen",
        "responders": [LUCA],
        "features": [
            {"name": "Quotes", "aliases": ["Offerte"]},
            {"name": "Purchases", "aliases": ["Acquisti"]},
        ],
    }
    async with SandboxStack(
        database_url(tmp_path), clock=clock, settings=settings, transport=transport
    ) as running:
        yield running


@pytest.fixture
async def channel(stack: SandboxStack) -> str:
    """The channel of INC-1, "Quotes page empty", declared by Marco: most tests start there."""
    incident = await stack.declare("Quotes page empty")
    assert incident.channel_id  # for the type checker: `declare` has checked it
    return incident.channel_id
