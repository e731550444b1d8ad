"""Change events and marks in the database.

A source's own id (release id, deployment id, the pipeline's id) is unique per source, so a
release seen at every poll, a webhook resent by CI, or two replicas polling at once record it
once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.sql.elements import ColumnElement

from bot.changes.models import ChangeEvent, ChangeIn, ChangeMark, Mark
from bot.store import tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.time.clock import Clock


class ChangeStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def record(self, changes: Sequence[ChangeIn]) -> list[ChangeEvent]:
        """Store what is new; returns only the changes seen for the first time."""
        c = tables.change_events
        new: list[ChangeEvent] = []
        now = self.clock.now()
        async with self.db.begin() as conn:
            for change in changes:
                inserted = await conn.execute(
                    insert_ignoring_conflicts(c, "source", "external_id").values(
                        **change.model_dump(), recorded_at=now
                    )
                )
                if inserted.rowcount == 1:
                    query = select(c).where(
                        c.c.source == change.source, c.c.external_id == change.external_id
                    )
                    row = (await conn.execute(query)).mappings().one()
                    new.append(ChangeEvent.model_validate(dict(row)))
        return new

    async def between(self, start: datetime, end: datetime) -> list[ChangeEvent]:
        """Changes deployed in [start, end], newest first."""
        c = tables.change_events
        query = (
            select(c)
            .where(c.c.deployed_at >= start, c.c.deployed_at <= end)
            .order_by(c.c.deployed_at.desc(), c.c.id.desc())
        )
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [ChangeEvent.model_validate(dict(row)) for row in rows]

    async def of_source(self, source: str) -> list[ChangeEvent]:
        """A source's changes, newest first (a Heroku rollback picks its release among them)."""
        return await self._newest_first(tables.change_events.c.source == source)

    async def of_service(self, service: str) -> list[ChangeEvent]:
        """A service's changes from every source, newest first."""
        return await self._newest_first(tables.change_events.c.service == service)

    async def _newest_first(self, where: ColumnElement[bool]) -> list[ChangeEvent]:
        c = tables.change_events
        query = select(c).where(where).order_by(c.c.deployed_at.desc(), c.c.id.desc())
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [ChangeEvent.model_validate(dict(row)) for row in rows]

    async def get(self, change_id: int) -> ChangeEvent | None:
        c = tables.change_events
        async with self.db.connect() as conn:
            row = (await conn.execute(select(c).where(c.c.id == change_id))).mappings().first()
        return None if row is None else ChangeEvent.model_validate(dict(row))

    async def marks(self, incident_id: int) -> dict[int, ChangeMark]:
        m = tables.change_marks
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(m).where(m.c.incident_id == incident_id))).mappings()
            return {row["change_id"]: ChangeMark.model_validate(dict(row)) for row in rows}

    async def set_mark(self, incident_id: int, change_id: int, mark: Mark, user: str) -> bool:
        """Set the mark; False when it was already so, so a double or retried click records
        one timeline entry."""
        m = tables.change_marks
        where = (m.c.incident_id == incident_id) & (m.c.change_id == change_id)
        now = self.clock.now()
        async with self.db.begin() as conn:
            # Writing first takes the write lock, so two clicks at once queue up.
            await conn.execute(update(m).where(where).values(mark=m.c.mark))
            before = (await conn.execute(select(m.c.mark).where(where))).scalar()
            if before == mark.value:
                return False
            await conn.execute(delete(m).where(where))
            await conn.execute(
                m.insert().values(
                    incident_id=incident_id,
                    change_id=change_id,
                    mark=mark.value,
                    marked_by=user,
                    marked_at=now,
                )
            )
        return True
