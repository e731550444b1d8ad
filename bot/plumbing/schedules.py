"""Due work (status nudges, maintenance reminders) kept in the database.

A due row is claimed with a conditional UPDATE — the same on SQLite and PostgreSQL — and moved
to its next due time in the same transaction, so a restart loses nothing and two replicas never
both send one reminder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.time.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    incident_id: int
    kind: str
    due_at: datetime


DueHandler = Callable[[Due], Awaitable[None]]
# Work that claims itself (the weekly follow-up digest): looked at on every tick.
Ticker = Callable[[], Awaitable[object]]


def _family(kind: str) -> str:
    """`maintenance:web` belongs to the `maintenance` handler."""
    return kind.split(":", 1)[0]


class Schedules:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        owner: str,
        *,
        at_once: int = 4,
        timeout: float = 120.0,
    ) -> None:
        """`at_once` due jobs run together (a slow change source delays no reminder), each
        stopped after `timeout` seconds."""
        self.db, self.clock, self.owner = db, clock, owner
        self.handlers: dict[str, tuple[DueHandler, timedelta]] = {}
        self.tickers: list[Ticker] = []
        self.timeout = timeout
        self._slots = asyncio.Semaphore(at_once)

    def on(self, family: str, handler: DueHandler, every: timedelta) -> None:
        """Run `handler` for due items of `family`, then again `every` later until cancelled."""
        self.handlers[family] = (handler, every)

    def every_tick(self, ticker: Ticker) -> None:
        """Run `ticker` on every tick; it claims its own work, once across replicas."""
        self.tickers.append(ticker)

    async def set(
        self, incident_id: int, kind: str, due_at: datetime, conn: AsyncConnection | None = None
    ) -> None:
        """Create or move the one schedule of this kind for the incident."""
        s = tables.schedules
        async with contextlib.AsyncExitStack() as stack:
            if conn is None:
                conn = await stack.enter_async_context(self.db.begin())
            moved = await conn.execute(
                update(s)
                .where(s.c.incident_id == incident_id, s.c.kind == kind)
                .values(due_at=due_at, lease_owner=None, lease_until=None)
            )
            if moved.rowcount == 0:
                await conn.execute(
                    insert_ignoring_conflicts(s, "incident_id", "kind").values(
                        incident_id=incident_id, kind=kind, due_at=due_at
                    )
                )

    async def cancel(
        self, incident_id: int, kind: str, conn: AsyncConnection | None = None
    ) -> None:
        s = tables.schedules
        statement = delete(s).where(s.c.incident_id == incident_id, s.c.kind == kind)
        if conn is not None:
            await conn.execute(statement)
            return
        async with self.db.begin() as own:
            await own.execute(statement)

    async def claim(self) -> list[Due]:
        """Claim what is due now and move each to its next time in the same statement."""
        s = tables.schedules
        now = self.clock.now()
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s).where(s.c.due_at <= now))).mappings().all()
        claimed: list[Due] = []
        for row in rows:
            due = Due(row["incident_id"], row["kind"], row["due_at"])
            registered = self.handlers.get(_family(due.kind))
            if registered is None:
                continue
            async with self.db.begin() as conn:
                won = await conn.execute(
                    update(s)
                    .where(s.c.id == row["id"], s.c.due_at == row["due_at"])
                    .values(due_at=now + registered[1], lease_owner=self.owner)
                )
            if won.rowcount == 1:
                claimed.append(due)
        return claimed

    async def run_due(self) -> int:
        """Run the handler of each claimed due item, and the tickers, `at_once` at a time;
        returns how many due items ran."""
        claimed = await self.claim()
        jobs: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            (f"schedule {due.kind} for INC-{due.incident_id}", partial(self.handler(due), due))
            for due in claimed
        ]
        jobs += [(f"scheduled {getattr(t, '__qualname__', t)}", t) for t in self.tickers]
        await asyncio.gather(*(self._run(name, job) for name, job in jobs))
        return len(claimed)

    def handler(self, due: Due) -> DueHandler:
        return self.handlers[_family(due.kind)][0]

    async def _run(self, name: str, job: Callable[[], Awaitable[object]]) -> None:
        async with self._slots:
            try:
                await asyncio.wait_for(job(), self.timeout)
            except TimeoutError:
                log.error("%s took over %g s and was stopped", name, self.timeout)
            except Exception:
                log.exception("%s failed", name)

    async def loop(self, stop: asyncio.Event, tick: float) -> None:
        """Poll for due work every `tick` seconds until `stop` is set."""
        while not stop.is_set():
            await self.run_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=tick)
