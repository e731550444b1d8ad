"""The record of follow-ups: add, list, finish, reassign, move; each change in the timeline.

A follow-up with a due day has one due row in `schedules` (`followup:<id>`), at 09:00 in its
incident's timezone, so the reminder survives restarts and goes out once across replicas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import InputError
from bot.followups.models import FollowUp, FollowUpStatus, NewFollowUp, Source
from bot.i18n import Texts
from bot.incidents.service import Incidents
from bot.models import EntryKind, Incident
from bot.plumbing.schedules import Schedules
from bot.store import tables
from bot.store.database import Database
from bot.time.clock import Clock
from bot.timeline import Timeline

REMINDER = "followup"
# tracker_ref while the issue is being created, so a second click creates nothing.
EXPORTING = "exporting"
REPEAT = timedelta(days=7)
_SEQ_TRIES = 5


def reminder_kind(followup_id: int) -> str:
    return f"{REMINDER}:{followup_id}"


def followup_id_of(kind: str) -> int:
    return int(kind.split(":", 1)[1])


def _row(row: Any) -> FollowUp:
    return FollowUp.model_validate(dict(row))


class Followups:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        timeline: Timeline,
        incidents: Incidents,
        schedules: Schedules,
        texts: Texts,
        *,
        remind_at: time = time(9, 0),
    ) -> None:
        self.db, self.clock, self.timeline = db, clock, timeline
        self.incidents, self.schedules, self.texts = incidents, schedules, texts
        self.remind_at = remind_at
        # Told about new follow-ups once their transaction committed (the tracker export).
        self.on_added: list[Callable[[Incident, list[FollowUp]], None]] = []
        # Told about a changed owner or due day (the follow-up, what changed, who changed it).
        self.on_changed: list[Callable[[FollowUp, str, str], None]] = []

    # Reading

    async def for_incident(self, incident_id: int) -> list[FollowUp]:
        f = tables.followups
        query = select(f).where(f.c.incident_id == incident_id).order_by(f.c.seq)
        async with self.db.connect() as conn:
            return [_row(r) for r in (await conn.execute(query)).mappings()]

    async def get(self, incident_id: int, seq: int) -> FollowUp:
        f = tables.followups
        query = select(f).where(f.c.incident_id == incident_id, f.c.seq == seq)
        async with self.db.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        if row is None:
            t = self.texts
            raise InputError(
                t._("INC-{id} has no follow-up #{seq}.").format(id=incident_id, seq=seq),
                t._("`/incident followup list` shows their numbers."),
            )
        return _row(row)

    async def by_id(self, followup_id: int) -> FollowUp | None:
        f = tables.followups
        async with self.db.connect() as conn:
            row = (await conn.execute(select(f).where(f.c.id == followup_id))).mappings().first()
        return _row(row) if row else None

    async def by_tracker(self, tracker: str, ref: str) -> FollowUp | None:
        f = tables.followups
        query = select(f).where(f.c.tracker == tracker, f.c.tracker_ref == ref)
        async with self.db.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return _row(row) if row else None

    async def open_ones(
        self, *, owner: str | None = None, overdue_on: date | None = None
    ) -> list[FollowUp]:
        """Open follow-ups across incidents, oldest due first (no due day last)."""
        f = tables.followups
        query = select(f).where(f.c.status == FollowUpStatus.open.value)
        if owner is not None:
            query = query.where(f.c.owner == owner)
        if overdue_on is not None:
            query = query.where(f.c.due_on < overdue_on)
        query = query.order_by(f.c.due_on.is_(None), f.c.due_on, f.c.incident_id, f.c.seq)
        async with self.db.connect() as conn:
            return [_row(r) for r in (await conn.execute(query)).mappings()]

    async def for_incidents(self, incident_ids: Sequence[int]) -> dict[int, list[FollowUp]]:
        f = tables.followups
        found: dict[int, list[FollowUp]] = {i: [] for i in incident_ids}
        if not incident_ids:
            return found
        query = select(f).where(f.c.incident_id.in_(list(incident_ids))).order_by(f.c.seq)
        async with self.db.connect() as conn:
            for row in (await conn.execute(query)).mappings():
                found[row["incident_id"]].append(_row(row))
        return found

    # Writing

    async def add(
        self, incident: Incident, items: Sequence[NewFollowUp], actor: str, source: Source
    ) -> list[FollowUp]:
        """Number the items after the incident's last follow-up; two adders never share one."""
        for attempt in range(_SEQ_TRIES):
            try:
                async with self.db.begin() as conn:
                    added = await self._insert(conn, incident, items, actor, source)
                for listener in self.on_added:
                    listener(incident, added)
                return added
            except IntegrityError:
                if attempt == _SEQ_TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def _insert(
        self,
        conn: AsyncConnection,
        incident: Incident,
        items: Sequence[NewFollowUp],
        actor: str,
        source: Source,
    ) -> list[FollowUp]:
        f, now = tables.followups, self.clock.now()
        last = await conn.scalar(select(func.max(f.c.seq)).where(f.c.incident_id == incident.id))
        added: list[FollowUp] = []
        for n, item in enumerate(items, start=(last or 0) + 1):
            values: dict[str, Any] = {
                "incident_id": incident.id,
                "seq": n,
                "text": item.text,
                "owner": item.owner,
                "due_on": item.due_on,
                "status": FollowUpStatus.open.value,
                "source": source.value,
                "created_by": actor,
                "created_at": now,
            }
            key = (await conn.execute(f.insert().values(**values))).inserted_primary_key
            assert key is not None
            followup = FollowUp(id=int(key[0]), **values)
            added.append(followup)
            await self._schedule(conn, incident, followup)
            if source is Source.command:
                # Close-form items are in the drafts already; a line each would repeat them.
                await self._note(conn, incident, actor, "added", followup)
        return added

    async def finish(
        self, followup: FollowUp, status: FollowUpStatus, actor: str, reason: str | None = None
    ) -> FollowUp | None:
        """Mark done or not doing; None when it was no longer open (a second click, a retry)."""
        changed = await self._update(
            followup,
            actor,
            "done" if status is FollowUpStatus.done else "dropped",
            status=status.value,
            closed_by=actor,
            closed_at=self.clock.now(),
            close_reason=reason,
        )
        if changed is not None:
            await self.schedules.cancel(followup.incident_id, reminder_kind(followup.id))
        return changed

    async def set_owner(self, followup: FollowUp, owner: str, actor: str) -> FollowUp | None:
        return await self._update(followup, actor, "owner", owner=owner)

    async def set_due(self, followup: FollowUp, due_on: date, actor: str) -> FollowUp | None:
        return await self._update(followup, actor, "due", due_on=due_on)

    async def set_tracker(
        self, followup_id: int, url: str | None, ref: str | None, etag: str | None
    ) -> None:
        f = tables.followups
        values: dict[str, Any] = {"tracker_url": url, "tracker_ref": ref, "tracker_etag": etag}
        if ref is None:  # the export's intent is released: no tracker holds it
            values["tracker"] = None
        async with self.db.begin() as conn:
            await conn.execute(update(f).where(f.c.id == followup_id).values(**values))

    async def claim_export(self, followup_id: int, tracker: str) -> bool:
        """Store the intent to export to `tracker` unless it is (or was) already exported:
        one ticket per follow-up, across clicks, retries and restarts."""
        f = tables.followups
        async with self.db.begin() as conn:
            won = await conn.execute(
                update(f)
                .where(f.c.id == followup_id, f.c.tracker_ref.is_(None))
                .values(tracker_ref=EXPORTING, tracker=tracker)
            )
        return won.rowcount == 1

    async def reopen(self, followup: FollowUp, actor: str) -> FollowUp | None:
        """Open again a follow-up that `actor` (its tracker) had closed; None if it had not."""
        f = tables.followups
        incident = await self.incidents.get(followup.incident_id)
        async with self.db.begin() as conn:
            changed = await conn.execute(
                update(f)
                .where(
                    f.c.id == followup.id,
                    f.c.status != FollowUpStatus.open.value,
                    f.c.closed_by == actor,
                )
                .values(
                    status=FollowUpStatus.open.value,
                    closed_by=None,
                    closed_at=None,
                    close_reason=None,
                )
            )
            if changed.rowcount != 1:
                return None
            row = (await conn.execute(select(f).where(f.c.id == followup.id))).mappings().one()
            reopened = _row(row)
            if reopened.due_on and self.remind_time(incident, reopened.due_on) > self.clock.now():
                await self._schedule(conn, incident, reopened)
            await self._note(conn, incident, actor, "reopened", reopened)
        return reopened

    async def _update(
        self, followup: FollowUp, actor: str, what: str, **values: Any
    ) -> FollowUp | None:
        f = tables.followups
        incident = await self.incidents.get(followup.incident_id)
        async with self.db.begin() as conn:
            changed = await conn.execute(
                update(f)
                .where(f.c.id == followup.id, f.c.status == FollowUpStatus.open.value)
                .values(**values)
            )
            if changed.rowcount != 1:
                return None
            row = (await conn.execute(select(f).where(f.c.id == followup.id))).mappings().one()
            updated = _row(row)
            if "due_on" in values:
                await self._schedule(conn, incident, updated)
            await self._note(conn, incident, actor, what, updated)
        if what in ("owner", "due"):
            for listener in self.on_changed:
                listener(updated, what, actor)
        return updated

    async def _schedule(self, conn: AsyncConnection, incident: Incident, f: FollowUp) -> None:
        if f.due_on is None:
            return
        due_at = self.remind_time(incident, f.due_on)
        await self.schedules.set(incident.id, reminder_kind(f.id), due_at, conn)

    def remind_time(self, incident: Incident, day: date) -> datetime:
        """09:00 on `day` in the incident's timezone, as the UTC instant stored in `schedules`."""
        return datetime.combine(day, self.remind_at, tzinfo=ZoneInfo(incident.timezone))

    async def _note(
        self, conn: AsyncConnection, incident: Incident, actor: str, what: str, f: FollowUp
    ) -> None:
        """The timeline keeps who changed which follow-up, for the internal postmortem."""
        data = {"followup": f.seq, "change": what, "status": f.status.value, "text": f.text}
        if f.owner:
            data["owner"] = f.owner
        if f.due_on:
            data["due_on"] = f.due_on.isoformat()
        text = f"follow-up #{f.seq} {what}: {f.text}"
        await self.timeline.record(
            incident.id, EntryKind.followup, text, actor=actor, is_key=False, data=data, conn=conn
        )
