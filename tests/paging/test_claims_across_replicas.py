"""One page per incident across replicas: two processes' stores race on the same claim.

Each replica has its own engine on one database (SQLite here, PostgreSQL in CI's second pass),
as two `outagebot run` processes do; whichever claims first sends, the other finds the row.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.incidents.service import Incidents
from bot.models import Incident, Severity
from bot.paging.models import PageState, Target
from bot.paging.service import Page, Pages
from bot.plumbing.schedules import Schedules
from bot.store import migrate
from bot.store.database import Database
from bot.time.clock import ManualClock
from bot.timeline import Timeline

from .conftest import at

KEY = "outagebot-INC-1"


@pytest.fixture
async def stores(
    tmp_path: Path, database_for: Callable[[Path], str]
) -> AsyncIterator[tuple[Pages, Pages, Incident]]:
    url, clock = database_for(tmp_path), ManualClock(at(10, 40))
    first, second = Database(url), Database(url)
    await migrate.upgrade(first)
    timeline = Timeline(first, clock)
    incidents = Incidents(
        first,
        clock,
        timeline,
        Schedules(first, clock, owner="a"),
        timezone="Europe/Copenhagen",
        language="en",
        nudge_every=timedelta(minutes=30),
    )
    incident = await incidents.declare("Offerte sparite", severity=Severity.sev2, declared_by="U1")
    yield Pages(first, clock), Pages(second, clock), incident
    for db in (first, second):
        await db.dispose()


async def claim(pages: Pages, incident: Incident) -> Page | None:
    return await pages.claim(
        incident.id,
        KEY,
        provider="pagerduty",
        target=Target("default"),
        reason="auto",
        requested_by="U1",
        message="",
    )


async def test_two_replicas_claiming_one_page_send_it_once(
    stores: tuple[Pages, Pages, Incident],
) -> None:
    a, b, incident = stores
    claimed = await asyncio.gather(*(claim(pages, incident) for pages in (a, b, a, b)))
    winners = [page for page in claimed if page is not None]
    assert len(winners) == 1
    [page] = winners
    # Both then try to mark it sent (a resumed send racing the first): one moves it.
    moved = await asyncio.gather(a.sent(page, None), b.sent(page, None))
    assert sorted(moved) == [False, True]
    assert (await b.by_key(KEY)).state is PageState.sent  # type: ignore[union-attr]


async def test_a_reopening_seen_by_two_replicas_pages_again_once(
    stores: tuple[Pages, Pages, Incident],
) -> None:
    a, b, incident = stores
    page = await claim(a, incident)
    assert page is not None
    assert await a.sent(page, None)
    sent = await a.by_key(KEY)
    assert sent is not None
    assert await a.resolved(sent, at(17, 45))
    resolved = await b.by_key(KEY)
    assert resolved is not None

    again = await asyncio.gather(a.reclaimed(resolved), b.reclaimed(resolved))

    assert len([p for p in again if p is not None]) == 1
    assert (await a.by_key(KEY)).state is PageState.claimed  # type: ignore[union-attr]
