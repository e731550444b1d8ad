"""Claims in `processed_events` that only matter for a while, and their pruning.

A signed request is claimed by its signature (`sig:`): Slack's and `POST /changes`' refuse a
timestamp more than 5 minutes from now, so after 15 minutes a replay is refused anyway. A
Slack event is claimed by its id (`Ev…`): Slack's retries come within minutes, and a message
is also unique by channel and `ts`. Other claims (one set-up per incident, one switch per
Confirm) are kept: they say that something happened once, for good.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete

from bot.store import tables
from bot.store.database import Database

log = logging.getLogger(__name__)

SIGNATURE = "sig:"
EVENT = "Ev"
KEEP = {SIGNATURE: timedelta(minutes=15), EVENT: timedelta(hours=1)}
PRUNE_EVERY = timedelta(minutes=10)


def signature_key(signature: str) -> str:
    """The claim of one signed request, whatever the scheme (`v0=…`, `sha256=…`)."""
    return SIGNATURE + hashlib.sha256(signature.encode(errors="replace")).hexdigest()[:56]


class Claims:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self.db, self.now = db, now
        self._pruned: datetime | None = None

    async def claim(self, key: str) -> bool:
        """True the first time `key` is claimed, in any replica."""
        [new] = await self.db.insert_new(
            tables.processed_events, ["event_id"], [{"event_id": key, "received_at": self.now()}]
        )
        return bool(new)

    async def signature(self, signature: str) -> bool:
        """True the first time this signed request is seen: a replay is refused."""
        return await self.claim(signature_key(signature))

    async def prune(self) -> int:
        """Delete the claims past their window (a schedule tick; at most every 10 minutes)."""
        now = self.now()
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return 0
        self._pruned = now
        p, removed = tables.processed_events, 0
        async with self.db.begin() as conn:
            for prefix, keep in KEEP.items():
                old = p.c.event_id.startswith(prefix, autoescape=True) & (
                    p.c.received_at < now - keep
                )
                removed += (await conn.execute(delete(p).where(old))).rowcount
        if removed:
            log.info("pruned %d delivery claims past their replay window", removed)
        return removed
