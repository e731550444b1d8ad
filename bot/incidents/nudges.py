"""Timed follow-ups of an incident: reminders to the lead, archiving the channel after close."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.i18n import Texts
from bot.incidents.service import ARCHIVE, NUDGE, Incidents
from bot.models import EntryKind
from bot.plumbing.schedules import Due, Schedules
from bot.slack.gateway import SlackWeb, error_code
from bot.time import durations
from bot.timeline import Timeline

log = logging.getLogger(__name__)
MINUTE = timedelta(minutes=1)


class Nudges:
    def __init__(
        self,
        incidents: Incidents,
        slack: SlackWeb,
        timeline: Timeline,
        schedules: Schedules,
        texts: Texts,
    ) -> None:
        self.incidents, self.slack, self.timeline = incidents, slack, timeline
        self.schedules, self.texts = schedules, texts
        schedules.on(NUDGE, self.nudge, incidents.nudge_every)
        schedules.on(ARCHIVE, self.archive, incidents.nudge_every)

    async def nudge(self, due: Due) -> None:
        incident = await self.incidents.get(due.incident_id)
        if not incident.is_open or not incident.channel_id:
            return
        now = self.incidents.clock.now()
        next_due = incident.last_update_at + self.incidents.nudge_every
        if next_due > now:
            # Something was posted since this was scheduled (a note, a feature change).
            await self.schedules.set(incident.id, NUDGE, next_due)
            return
        quiet = durations.between(incident.last_update_at, now)
        text = self.texts._(
            ":alarm_clock: {lead} no status update on {number} for {duration}. "
            "Post one: `/incident status identified`, or `/incident note <what changed>`."
        ).format(
            lead=f"<@{incident.lead}>", number=incident.number, duration=durations.short(quiet)
        )
        # Drafts render the reminder from this data in their own language, not from the text.
        data: dict[str, object] = {"lead": incident.lead, "quiet_minutes": quiet // MINUTE}
        try:
            await self.slack.post(incident.channel_id, text)
        except SlackApiError as exc:
            log.warning("%s nudge not posted: %s", incident.number, error_code(exc))
            text = f"nudge not posted: {error_code(exc)}"
            data["error"] = error_code(exc)
        await self.timeline.record(incident.id, EntryKind.nudge, text, is_key=False, data=data)

    async def archive(self, due: Due) -> None:
        """Archive a closed incident's channel once its configured delay has passed."""
        await self.schedules.cancel(due.incident_id, ARCHIVE)
        incident = await self.incidents.get(due.incident_id)
        if incident.closed_at is None or not incident.channel_id:
            return
        try:
            await self.slack.archive(incident.channel_id)
        except SlackApiError as exc:
            code = error_code(exc)
            await self.timeline.record(
                incident.id,
                EntryKind.error,
                f"archiving failed: {code}",
                is_key=False,
                data={"error": "archive_failed", "code": code},
            )
