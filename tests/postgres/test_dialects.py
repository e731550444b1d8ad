"""What the store promises on both dialects: SQLite here, PostgreSQL in CI's second pass.

Each test gets its own database (`db_url`); every statement goes through the one code path the
bot uses, so a dialect difference shows up as a failure here first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, func, inspect, select

from bot.incidents.service import NUDGE, Incidents
from bot.models import EntryKind, Severity
from bot.plumbing.schedules import Due, Schedules
from bot.store import migrate, tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.time.clock import ManualClock
from bot.timeline import Timeline

# The PostgreSQL suite (CI runs it again on PostgreSQL): not in the inner loop.
pytestmark = pytest.mark.slow

START = datetime(2025, 4, 30, 8, 40, 12, 345678, tzinfo=UTC)


class Replica:
    """One bot process's view of the store: its own engine, clock and schedule owner."""

    def __init__(self, url: str, name: str) -> None:
        self.db = Database(url)
        self.clock = ManualClock(START)
        self.timeline = Timeline(self.db, self.clock)
        self.schedules = Schedules(self.db, self.clock, owner=name)
        self.incidents = Incidents(
            self.db,
            self.clock,
            self.timeline,
            self.schedules,
            timezone="Europe/Copenhagen",
            language="en",
            nudge_every=timedelta(minutes=30),
        )
        self.ran: list[Due] = []

        async def handler(due: Due) -> None:
            self.ran.append(due)

        self.schedules.on(NUDGE, handler, timedelta(minutes=30))


@pytest.fixture
async def replicas(
    tmp_path: Path, database_for: Callable[[Path], str]
) -> AsyncIterator[tuple[Replica, Replica]]:
    url = database_for(tmp_path)
    pair = Replica(url, "a"), Replica(url, "b")
    # Both start at once, as two processes of a deployment do: migrations take turns.
    results = await asyncio.gather(*(migrate.upgrade(r.db) for r in pair))
    assert sorted(before or "" for before, _after in results) == ["", migrate.head_revision()]
    yield pair
    for replica in pair:
        await replica.db.dispose()


async def count(db: Database, table: tables.Table) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_every_table_is_created(replicas: tuple[Replica, Replica]) -> None:
    db = replicas[0].db
    async with db.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert set(tables.metadata.tables) | {"alembic_version"} <= names
    assert await migrate.upgrade(db) == (migrate.head_revision(), migrate.head_revision())


async def test_instants_come_back_aware_utc_and_exact(replicas: tuple[Replica, Replica]) -> None:
    a, _b = replicas
    incident = await a.incidents.declare("Quotes gone", severity=Severity.sev1, declared_by="U1")
    copenhagen = datetime(2025, 4, 30, 10, 45, 0, 123456, tzinfo=ZoneInfo("Europe/Copenhagen"))
    await a.timeline.record(incident.id, EntryKind.note, "offline", occurred_at=copenhagen)
    entries = await a.timeline.entries(incident.id)
    note = next(e for e in entries if e.kind == EntryKind.note)
    assert note.occurred_at == copenhagen
    assert note.occurred_at.tzinfo == UTC
    assert incident.declared_at == START
    assert (await a.incidents.get(incident.id)).declared_at == START
    # Comparisons happen in the database, across the summer-time offset.
    t = tables.timeline_entries
    async with a.db.connect() as conn:
        later = select(func.count()).where(
            t.c.occurred_at > datetime(2025, 4, 30, 8, 44, tzinfo=UTC)
        )
        assert (await conn.execute(later)).scalar_one() == 1


async def test_conflicting_inserts_are_ignored_and_counted(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    incident = await a.incidents.declare("Purchases", severity=Severity.sev2, declared_by="U1")
    fields = {
        "channel_id": "C1",
        "ts": "1746002400.000100",
        "occurred_at": START,
        "actor": "U2",
        "text": "same symptom",
        "data": {"files": ["log.txt"]},
    }
    # The same message from two replicas at once: one row, exactly one of them says "new".
    news = await asyncio.gather(
        *(r.timeline.record_message(incident.id, **fields) for r in (a, b, a, b))
    )
    assert sorted(news) == [False, False, False, True]
    entries = [e for e in await b.timeline.entries(incident.id) if e.kind == EntryKind.message]
    assert len(entries) == 1
    assert entries[0].data == {"files": ["log.txt"]}

    claim = insert_ignoring_conflicts(tables.processed_events, "event_id")
    async with a.db.begin() as conn:
        first = await conn.execute(claim.values(event_id="Ev1", received_at=START))
        again = await conn.execute(claim.values(event_id="Ev1", received_at=START))
    assert (first.rowcount, again.rowcount) == (1, 0)


async def test_one_trip_transactions_commit_or_roll_back_whole(
    replicas: tuple[Replica, Replica],
) -> None:
    """`run_transaction` (SQLite: its own thread and engine) commits all or nothing, and the
    other replica's `run_read` and async engine see what it committed."""
    a, b = replicas
    incident = await a.incidents.declare("Quotes gone", severity=Severity.sev1, declared_by="U1")
    note = a.timeline.entry(incident.id, EntryKind.note, "half-done")

    def fails_half_way(conn: Connection) -> None:
        conn.execute(tables.timeline_entries.insert(), note)
        raise RuntimeError("boom")

    before = await count(b.db, tables.timeline_entries)
    with pytest.raises(RuntimeError, match="boom"):
        await a.db.run_transaction(fails_half_way)
    assert await count(b.db, tables.timeline_entries) == before

    await a.incidents.note(incident, "10:40 deploy", actor="U2", at=START, data={})
    assert await count(b.db, tables.timeline_entries) == before + 1
    found = await b.incidents.by_channel("C-none")
    assert found is None
    assert (await b.incidents.get(incident.id)).title == "Quotes gone"


async def test_each_due_item_runs_once_across_replicas(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    declared = [
        await a.incidents.declare(f"Outage {n}", severity=Severity.sev2, declared_by="U1")
        for n in range(6)
    ]
    for _round in range(3):
        for replica in replicas:
            replica.clock.advance(timedelta(minutes=31))
        ran = await asyncio.gather(*(r.schedules.run_due() for r in (a, b, a, b)))
        assert sum(ran) == len(declared)
    runs = sorted((d.incident_id, d.due_at) for d in a.ran + b.ran)
    assert len(runs) == len(set(runs)) == 3 * len(declared)
    assert await count(a.db, tables.schedules) == len(declared)


async def test_batched_inserts_say_which_rows_were_new(
    replicas: tuple[Replica, Replica],
) -> None:
    a, _b = replicas
    incident = await a.incidents.declare("Search", severity=Severity.sev3, declared_by="U1")
    t = tables.timeline_entries

    def row(ts: str, incident_id: int = incident.id) -> dict[str, object]:
        return {
            "incident_id": incident_id,
            "kind": "message",
            "occurred_at": START,
            "recorded_at": START,
            "text": ts,
            "channel_id": "C1",
            "ts": ts,
            "data": {},
        }

    # Concurrent callers share transactions; within one, the first row with a key wins.
    asks = [[row("1.1"), row("1.2")], [row("1.2")], [row("1.1"), row("1.3")], [row("1.3")]]
    answers = await asyncio.gather(
        *(a.db.insert_new(t, ["channel_id", "ts"], rows) for rows in asks)
    )
    assert sum(sum(flags) for flags in answers) == 3
    assert answers[0] == [True, True]
    assert answers[1] == [False]
    # A row that breaks a constraint fails its own caller only.
    bad, good = await asyncio.gather(
        a.db.insert_new(t, ["channel_id", "ts"], [row("2.1", incident_id=999)]),
        a.db.insert_new(t, ["channel_id", "ts"], [row("2.2")]),
        return_exceptions=True,
    )
    assert isinstance(bad, Exception)
    assert good == [True]
    assert await count(a.db, t) == 1 + 4  # "declared" and four messages
