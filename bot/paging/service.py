"""The pages table: one row per page, claimed before anything is sent.

The row's unique key (the provider's dedup key or alias) is the claim: whichever replica,
retry or restart inserts it first sends the page; every later try finds it and does nothing.
State moves only forward, with conditional updates, so a webhook and a poll that both report
the same acknowledgement record it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from bot.paging.models import PageState, Target
from bot.store import tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.time.clock import Clock

OPEN = (PageState.sent, PageState.acknowledged)


@dataclass(frozen=True)
class Page:
    id: int
    incident_id: int
    key: str
    provider: str
    target: Target
    reason: str
    requested_by: str
    message: str
    state: PageState
    claimed_at: datetime
    sent_at: datetime | None
    oncall: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    attempts: int
    error: str | None


def _page(row: dict[str, object]) -> Page:
    values = dict(row)
    values["target"] = Target.parse(str(values["target"]))
    values["state"] = PageState(str(values["state"]))
    return Page(**values)  # type: ignore[arg-type]


class Pages:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def claim(
        self,
        incident_id: int,
        key: str,
        *,
        provider: str,
        target: Target,
        reason: str,
        requested_by: str,
        message: str,
    ) -> Page | None:
        """The new page, or None when `key` was claimed before; a failed one is claimed anew."""
        p = tables.pages
        now = self.clock.now()
        async with self.db.begin() as conn:
            inserted = await conn.execute(
                insert_ignoring_conflicts(p, "key").values(
                    incident_id=incident_id,
                    key=key,
                    provider=provider,
                    target=target.stored,
                    reason=reason,
                    requested_by=requested_by,
                    message=message,
                    state=PageState.claimed.value,
                    claimed_at=now,
                    attempts=0,
                )
            )
            if inserted.rowcount != 1:
                retried = await conn.execute(
                    update(p)
                    .where(p.c.key == key, p.c.state == PageState.failed.value)
                    .values(
                        state=PageState.claimed.value,
                        claimed_at=now,
                        requested_by=requested_by,
                        reason=reason,
                        message=message,
                        error=None,
                    )
                )
                if retried.rowcount != 1:
                    return None
        return await self.by_key(key)

    async def by_key(self, key: str) -> Page | None:
        rows = await self._select(tables.pages.c.key == key)
        return rows[0] if rows else None

    async def of_incident(self, incident_id: int) -> list[Page]:
        return await self._select(tables.pages.c.incident_id == incident_id)

    async def unsent(self) -> list[Page]:
        """Pages claimed but not yet answered: a crash or restart interrupted their send."""
        return await self._select(tables.pages.c.state == PageState.claimed.value)

    async def _select(self, condition: object) -> list[Page]:
        statement = select(tables.pages).where(condition).order_by(tables.pages.c.id)  # type: ignore[arg-type]
        async with self.db.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        return [_page(dict(row)) for row in rows]

    async def _move(self, page: Page, allowed: tuple[PageState, ...], **values: object) -> bool:
        p = tables.pages
        async with self.db.begin() as conn:
            moved = await conn.execute(
                update(p)
                .where(p.c.id == page.id, p.c.state.in_([s.value for s in allowed]))
                .values(**values)
            )
        return moved.rowcount == 1

    async def sent(self, page: Page, oncall: str | None) -> bool:
        return await self._move(
            page,
            (PageState.claimed,),
            state=PageState.sent.value,
            sent_at=self.clock.now(),
            attempts=page.attempts + 1,
            oncall=oncall,
        )

    async def failed(self, page: Page, attempts: int, error: str) -> bool:
        return await self._move(
            page,
            (PageState.claimed,),
            state=PageState.failed.value,
            attempts=page.attempts + attempts,
            error=error,
        )

    async def acknowledged(self, page: Page, at: datetime, by: str | None) -> bool:
        return await self._move(
            page,
            (PageState.sent,),
            state=PageState.acknowledged.value,
            acknowledged_at=at,
            acknowledged_by=by,
        )

    async def resolved(self, page: Page, at: datetime) -> bool:
        return await self._move(page, OPEN, state=PageState.resolved.value, resolved_at=at)

    async def reclaimed(self, page: Page) -> Page | None:
        """A resolved page claimed to be sent again (its incident was reopened), by one
        replica: the page as claimed, or None when another got it first."""
        moved = await self._move(
            page,
            (PageState.resolved,),
            state=PageState.claimed.value,
            claimed_at=self.clock.now(),
            sent_at=None,
            acknowledged_at=None,
            acknowledged_by=None,
            resolved_at=None,
            error=None,
        )
        return await self.by_key(page.key) if moved else None
