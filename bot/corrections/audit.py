"""The audit trail of corrections, read by the internal postmortem and the "what changed" line.

Kept apart from the service so the drafts read it without depending on the correcting itself.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import tables


class Correction(BaseModel):
    """One corrected value: times as ISO instants, texts as typed."""

    model_config = ConfigDict(frozen=True)

    id: int
    incident_id: int
    fact: str
    subject: str
    old_value: str
    new_value: str
    reason: str
    actor: str
    corrected_at: datetime

    @property
    def field(self) -> str:
        """start | end | time | text | declared | resolved"""
        return self.fact.rpartition(":")[2]

    @property
    def is_time(self) -> bool:
        return self.field != "text"


async def history(conn: AsyncConnection, incident_id: int) -> list[Correction]:
    """The incident's corrections, oldest first."""
    c = tables.corrections
    query = select(c).where(c.c.incident_id == incident_id).order_by(c.c.corrected_at, c.c.id)
    return [Correction.model_validate(dict(row)) for row in (await conn.execute(query)).mappings()]
