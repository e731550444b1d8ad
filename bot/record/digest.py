"""The Monday digest's picture: downtime per feature in each of the last 12 weeks, handed to
the follow-up reminders by the composition root (they know nothing of the record)."""

from __future__ import annotations

import asyncio

from bot.i18n import Texts
from bot.record.service import TeamRecord


async def weekly_chart(record: TeamRecord, t: Texts) -> tuple[str, bytes]:
    """(file name, PNG); matplotlib loads with the first digest, not at start-up."""
    from bot.record.pictures import WEEKLY_NAME, WEEKS, weekly

    downtime = await record.weekly(WEEKS)
    return WEEKLY_NAME, await asyncio.to_thread(weekly, t, downtime)
