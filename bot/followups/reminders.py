"""Reminders: the owner's DM on the due day (then weekly while overdue), Monday's digest.

Per follow-up, a due row in `schedules` (claimed once across replicas, moved a week on when
claimed). The digest claims its week by inserting the week's row in `followup_digests`: the
replica whose insert lands sends it, every other one finds the row there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.followups import render
from bot.followups.service import REMINDER, REPEAT, Followups, followup_id_of
from bot.i18n import Texts
from bot.models import EntryKind
from bot.plumbing.schedules import Due, Schedules
from bot.slack.gateway import SlackWeb, error_code
from bot.store import tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.time.clock import Clock
from bot.timeline import Timeline

log = logging.getLogger(__name__)

MONDAY = 0


class Reminders:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        followups: Followups,
        slack: SlackWeb,
        timeline: Timeline,
        schedules: Schedules,
        texts: Texts,
        *,
        timezone: str,
        digest_channel: str | None,
        owner: str,
        digest_at: time = time(9, 0),
        weekly_chart: Callable[[], Awaitable[tuple[str, bytes]]] | None = None,
    ) -> None:
        """`weekly_chart`: the picture the digest attaches (file name, PNG), if any."""
        self.db, self.clock, self.followups, self.slack = db, clock, followups, slack
        self.timeline, self.schedules, self.texts = timeline, schedules, texts
        self.timezone, self.digest_channel, self.owner = timezone, digest_channel, owner
        self.digest_at, self.weekly_chart = digest_at, weekly_chart
        schedules.on(REMINDER, self.remind, REPEAT)
        if digest_channel:
            schedules.every_tick(self.digest_if_due)

    async def remind(self, due: Due) -> None:
        followup = await self.followups.by_id(followup_id_of(due.kind))
        if followup is None or not followup.is_open:
            await self.schedules.cancel(due.incident_id, due.kind)
            return
        incident = await self.followups.incidents.get(followup.incident_id)
        today = self.clock.now().astimezone(ZoneInfo(incident.timezone)).date()
        text, blocks = render.reminder(self.texts, followup, incident, today)
        to = followup.owner or incident.lead
        try:
            await self.slack.post(to, text, blocks)
        except SlackApiError as exc:
            code = error_code(exc)
            log.warning("%s reminder not sent: %s", followup.label, code)
            await self.timeline.record(
                incident.id,
                EntryKind.error,
                f"follow-up #{followup.seq} reminder not sent: {code}",
                is_key=False,
                data={"error": "reminder_not_sent", "seq": followup.seq, "code": code},
            )

    def _week_due(self, now: datetime) -> str | None:
        """This Monday's date once it is 09:00 on Monday in the team's zone, else None."""
        local = now.astimezone(ZoneInfo(self.timezone))
        if local.weekday() != MONDAY or local.time() < self.digest_at:
            return None
        return local.date().isoformat()

    async def digest_if_due(self) -> bool:
        """Send this week's digest if it is Monday morning and no replica has; True if sent."""
        now = self.clock.now()
        week = self._week_due(now)
        if week is None or not self.digest_channel:
            return False
        claim = insert_ignoring_conflicts(tables.followup_digests, "week").values(
            week=week, sent_by=self.owner, sent_at=now
        )
        async with self.db.begin() as conn:
            won = await conn.execute(claim)
        if won.rowcount != 1:
            return False
        today = now.astimezone(ZoneInfo(self.timezone)).date()
        text = render.digest(self.texts, await self.followups.open_ones(), today)
        try:
            channel = await self.slack.find_channel(self.digest_channel)
            if channel is None:
                log.warning("follow-up digest: no channel #%s", self.digest_channel)
                return False
            if self.weekly_chart is None:
                await self.slack.post(channel, text)
            else:
                name, chart = await self.weekly_chart()
                await self.slack.upload(channel, {name: chart}, text)
        except SlackApiError as exc:
            log.warning("follow-up digest not posted: %s", error_code(exc))
            return False
        return True
