"""Writing and reading timeline entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.models import EntryKind, Revision, TimelineEntry
from bot.store import tables
from bot.store.database import Database


class Timeline:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def record(
        self,
        incident_id: int,
        kind: EntryKind,
        text: str = "",
        *,
        actor: str | None = None,
        occurred_at: datetime | None = None,
        is_key: bool = True,
        data: dict[str, Any] | None = None,
        conn: AsyncConnection | None = None,
    ) -> int:
        """Record a bot action; pass `conn` to make it part of the caller's transaction."""
        now = self.clock.now()
        values = {
            "incident_id": incident_id,
            "kind": kind.value,
            "occurred_at": occurred_at or now,
            "recorded_at": now,
            "actor": actor,
            "text": text,
            "is_key": is_key,
            "deleted": False,
            "data": data or {},
        }
        if conn is not None:
            result = await conn.execute(tables.timeline_entries.insert().values(**values))
            return int(result.inserted_primary_key[0])
        async with self.db.begin() as own:
            result = await own.execute(tables.timeline_entries.insert().values(**values))
            return int(result.inserted_primary_key[0])

    async def entries(
        self, incident_id: int, *, key_only: bool = False, include_deleted: bool = True
    ) -> list[TimelineEntry]:
        """Entries in the order they happened, each with its earlier texts."""
        t, r = tables.timeline_entries, tables.entry_revisions
        query = select(t).where(t.c.incident_id == incident_id)
        if key_only:
            query = query.where(t.c.is_key.is_(True))
        if not include_deleted:
            query = query.where(t.c.deleted.is_(False))
        query = query.order_by(t.c.occurred_at, t.c.id)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
            ids = [row["id"] for row in rows]
            revisions: dict[int, list[Revision]] = {}
            if ids:
                found = await conn.execute(
                    select(r).where(r.c.entry_id.in_(ids)).order_by(r.c.replaced_at, r.c.id)
                )
                for rev in found.mappings():
                    revisions.setdefault(rev["entry_id"], []).append(
                        Revision(text=rev["text"], replaced_at=rev["replaced_at"])
                    )
        return [
            TimelineEntry.model_validate({**row, "revisions": revisions.get(row["id"], [])})
            for row in rows
        ]
