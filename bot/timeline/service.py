"""Writing and reading timeline entries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import EntryKind, Revision, TimelineEntry
from bot.slack.ts import ts_key
from bot.store import tables
from bot.store.database import Database, inserted_id
from bot.time.clock import Clock


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
        row = self.entry(
            incident_id, kind, text, actor=actor, occurred_at=occurred_at, is_key=is_key, data=data
        )
        if conn is not None:
            return inserted_id(await conn.execute(tables.timeline_entries.insert(), row))
        async with self.db.begin() as own:
            return inserted_id(await own.execute(tables.timeline_entries.insert(), row))

    def entry(
        self,
        incident_id: int,
        kind: EntryKind,
        text: str = "",
        *,
        actor: str | None = None,
        occurred_at: datetime | None = None,
        is_key: bool = True,
        data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The row of a bot action's entry, for a caller that writes it in its own way."""
        now = self.clock.now()
        return {
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

    async def record_message(
        self,
        incident_id: int,
        *,
        channel_id: str,
        ts: str,
        occurred_at: datetime,
        actor: str,
        text: str,
        thread_ts: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> bool:
        """Record a Slack message once: a retry or a backfill of it hits (channel_id, ts).

        Returns whether it was new.
        """
        row = {
            "incident_id": incident_id,
            "kind": EntryKind.message.value,
            "occurred_at": occurred_at,
            "recorded_at": self.clock.now(),
            "actor": actor,
            "text": text,
            "channel_id": channel_id,
            "ts": ts,
            "thread_ts": thread_ts,
            "is_key": False,
            "deleted": False,
            "data": data or {},
        }
        # Group-committed: under a burst of chat, many messages share one transaction.
        [new] = await self.db.insert_new(tables.timeline_entries, ["channel_id", "ts"], [row])
        return new

    async def revise_message(
        self, channel_id: str, ts: str, text: str, *, edit_ts: str, edited_at: datetime
    ) -> bool:
        """Replace a message's text, keeping the old one as a revision named by Slack's edit ts.

        A repeated edit (retry, backfill) finds its revision already there; an edit older than
        one already applied (a late retry) changes nothing. Returns whether the text changed.
        """
        r = tables.entry_revisions
        async with self.db.begin() as conn:
            entry = await self._locked(conn, channel_id, ts)
            if entry is None or entry["text"] == text:
                return False
            edits = await conn.execute(select(r.c.edit_ts).where(r.c.entry_id == entry["id"]))
            newest = max((ts_key(e) for (e,) in edits if e), default=None)
            if newest is not None and ts_key(edit_ts) <= newest:
                return False
            await conn.execute(
                r.insert().values(
                    entry_id=entry["id"], text=entry["text"], replaced_at=edited_at, edit_ts=edit_ts
                )
            )
            await conn.execute(
                update(tables.timeline_entries)
                .where(tables.timeline_entries.c.id == entry["id"])
                .values(text=text)
            )
        return True

    async def mark_deleted(self, channel_id: str, ts: str) -> bool:
        """Deleted messages stay in the record, hidden from drafts; returns whether one was."""
        t = tables.timeline_entries
        async with self.db.begin() as conn:
            result = await conn.execute(
                update(t)
                .where(t.c.channel_id == channel_id, t.c.ts == ts, t.c.deleted.is_(False))
                .values(deleted=True)
            )
        return result.rowcount > 0

    async def mark(
        self, channel_id: str, ts: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> tuple[bool, bool] | None:
        """Add or remove key marks ("pin", "reaction:U123") on a message entry.

        A message is key while anyone's mark is on it, so one person removing their reaction
        does not unmark what another pinned. Returns `is_key` before and after, None without
        an entry.
        """
        async with self.db.begin() as conn:
            entry = await self._locked(conn, channel_id, ts)
            if entry is None:
                return None
            data = dict(entry["data"] or {})
            marks = (set(data.get("marks", [])) | set(add)) - set(remove)
            data["marks"] = sorted(marks)
            await conn.execute(
                update(tables.timeline_entries)
                .where(tables.timeline_entries.c.id == entry["id"])
                .values(data=data, is_key=bool(marks))
            )
        return bool(entry["is_key"]), bool(marks)

    @staticmethod
    async def _locked(conn: AsyncConnection, channel_id: str, ts: str) -> RowMapping | None:
        """The entry for a message, after taking the write lock on it.

        Writing first makes concurrent changes of one entry queue up (a row lock on PostgreSQL,
        the database write lock on SQLite) instead of overwriting each other's read.
        """
        t = tables.timeline_entries
        where = (t.c.channel_id == channel_id) & (t.c.ts == ts)
        await conn.execute(update(t).where(where).values(is_key=t.c.is_key))
        return (await conn.execute(select(t).where(where))).mappings().first()

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
