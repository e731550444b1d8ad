"""The live views of an incident: pinned status message, announcement, channel topic.

Other domains (features, maintenance) contribute lines through `BoardSection`, so the board
knows nothing about them and every change re-renders the whole message from recorded facts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import durations, timefmt
from bot.clock import Clock
from bot.incidents.service import open_for
from bot.models import EntryKind, Incident
from bot.slackweb import SlackWeb, error_code, escape
from bot.timeline import Timeline

log = logging.getLogger(__name__)

STATUS_ICON = {
    "investigating": ":mag:",
    "identified": ":bulb:",
    "monitoring": ":eyes:",
    "resolved": ":white_check_mark:",
    "closed": ":lock:",
}


class BoardSection(Protocol):
    async def board_lines(self, incident: Incident, now: datetime) -> list[str]:
        """mrkdwn lines for the status message (already escaped)."""
        ...

    async def summary(self, incident: Incident, now: datetime) -> str | None:
        """One plain line for the announcement, or None."""
        ...

    async def open_items(self, incident: Incident) -> list[str]:
        """What still looks broken (resolving asks for confirmation while there is any)."""
        ...


def topic(incident: Incident) -> str:
    return (
        f"{incident.number} · {incident.severity.value.upper()} · {incident.status.value}"
        f" · lead <@{incident.lead}> · {escape(incident.title)}"
    )


class Board:
    def __init__(
        self, slack: SlackWeb, clock: Clock, timeline: Timeline, sections: list[BoardSection]
    ) -> None:
        self.slack, self.clock, self.timeline, self.sections = slack, clock, timeline, sections
        # Told after every change is shown (status page): `await listener(incident)`.
        self.listeners: list[Callable[[Incident], Awaitable[None]]] = []

    async def changed(self, incident: Incident) -> None:
        for listener in self.listeners:
            await listener(incident)

    async def section_lines(self, incident: Incident) -> list[str]:
        """What the domains add to the status message (features, maintenance), as mrkdwn."""
        now = self.clock.now()
        return [line for s in self.sections for line in await s.board_lines(incident, now)]

    async def open_items(self, incident: Incident) -> list[str]:
        return [item for section in self.sections for item in await section.open_items(incident)]

    async def publish(self, incident: Incident, change: str | None = None) -> list[str]:
        """Show a change everywhere: board, topic, announcement thread. Failures are recorded.

        A failed update is repaired by the next one, since each re-renders from the record.
        """
        failures = await self.refresh(incident)
        await self.changed(incident)
        if change:
            try:
                await self.announce_in_thread(incident, change)
            except SlackApiError as exc:
                failures.append(f"announcement thread: {error_code(exc)}")
        if failures:
            await self.timeline.record(
                incident.id,
                EntryKind.error,
                "; ".join(failures),
                is_key=False,
                data={"stage": "board"},
            )
        return failures

    async def status_blocks(self, incident: Incident) -> tuple[str, list[dict[str, object]]]:
        now = self.clock.now()
        since = timefmt.clock(incident.declared_at, incident.timezone)
        opened = durations.short(open_for(incident, now))
        icon = STATUS_ICON[incident.status.value]
        fields = [
            MarkdownTextObject(text=f"*Status*\n{icon} {incident.status.value}"),
            MarkdownTextObject(text=f"*Severity*\n{incident.severity.value.upper()}"),
            MarkdownTextObject(text=f"*Lead*\n<@{incident.lead}>"),
            MarkdownTextObject(text=f"*Since*\n{since} ({incident.timezone}), {opened}"),
        ]
        lines = await self.section_lines(incident)
        blocks = [
            HeaderBlock(text=f"{incident.number}: {incident.title}"[:150]),
            SectionBlock(fields=fields),
        ]
        if lines:
            blocks += [DividerBlock(), SectionBlock(text="\n".join(lines)[:3000])]
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text="Kept current by outagebot · `/incident help`")]
            )
        )
        text = f"{incident.number} {escape(incident.title)}: {incident.status.value}"
        return text, [block.to_dict() for block in blocks]

    async def announcement_blocks(self, incident: Incident) -> tuple[str, list[dict[str, object]]]:
        now = self.clock.now()
        summaries = [s for section in self.sections if (s := await section.summary(incident, now))]
        channel = f"<#{incident.channel_id}>" if incident.channel_id else "(channel being created)"
        text = (
            f"{STATUS_ICON[incident.status.value]} *{incident.number}: {escape(incident.title)}*"
            f" · {incident.severity.value.upper()} · {incident.status.value}"
            f" · lead <@{incident.lead}> · {channel}"
        )
        blocks = [SectionBlock(text=text)]
        if summaries:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(summaries))]))
        return text, [block.to_dict() for block in blocks]

    async def refresh(self, incident: Incident) -> list[str]:
        """Bring topic, status message and announcement in line; returns the failures."""
        failures: list[str] = []
        if incident.channel_id:
            try:
                await self.slack.set_topic(incident.channel_id, topic(incident))
            except SlackApiError as exc:
                failures.append(f"topic: {error_code(exc)}")
        if incident.channel_id and incident.status_ts:
            text, blocks = await self.status_blocks(incident)
            try:
                await self.slack.update(incident.channel_id, incident.status_ts, text, blocks)
            except SlackApiError as exc:
                failures.append(f"status message: {error_code(exc)}")
        if incident.announce_channel_id and incident.announce_ts:
            text, blocks = await self.announcement_blocks(incident)
            try:
                await self.slack.update(
                    incident.announce_channel_id, incident.announce_ts, text, blocks
                )
            except SlackApiError as exc:
                failures.append(f"announcement: {error_code(exc)}")
        for failure in failures:
            log.warning("%s board refresh failed: %s", incident.number, failure)
        return failures

    async def announce_in_thread(self, incident: Incident, text: str) -> None:
        if incident.announce_channel_id and incident.announce_ts:
            await self.slack.post(
                incident.announce_channel_id, text, thread_ts=incident.announce_ts
            )
