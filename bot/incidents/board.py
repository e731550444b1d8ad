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
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import Texts
from bot.incidents.labels import STATUS_ICON, severity_label, status_label
from bot.incidents.service import open_for
from bot.models import EntryKind, Incident
from bot.slack.gateway import SlackWeb, error_code, escape
from bot.time import durations, formatting
from bot.time.clock import Clock
from bot.timeline import Timeline

log = logging.getLogger(__name__)


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


def topic(t: Texts, incident: Incident) -> str:
    return t._("{number} · {severity} · {status} · lead {lead} · {title}").format(
        number=incident.number,
        severity=severity_label(t, incident.severity),
        status=status_label(t, incident.status),
        lead=f"<@{incident.lead}>",
        title=escape(incident.title),
    )


class Board:
    def __init__(
        self,
        slack: SlackWeb,
        clock: Clock,
        timeline: Timeline,
        sections: list[BoardSection],
        texts: Texts,
    ) -> None:
        self.slack, self.clock, self.timeline, self.sections = slack, clock, timeline, sections
        self.texts = texts
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

    async def publish(self, incident: Incident, change: str | None = None) -> list[tuple[str, str]]:
        """Show a change everywhere: board, topic, announcement thread. Failures are recorded.

        A failed update is repaired by the next one, since each re-renders from the record.
        """
        failures = await self.refresh(incident)
        await self.changed(incident)
        if change:
            try:
                await self.announce_in_thread(incident, change)
            except SlackApiError as exc:
                failures.append(("announcement thread", error_code(exc)))
        if failures:
            await self.timeline.record(
                incident.id,
                EntryKind.error,
                "; ".join(f"{part}: {code}" for part, code in failures),
                is_key=False,
                data={"stage": "board", "error": "board", "failures": failures},
            )
        return failures

    async def status_blocks(self, incident: Incident) -> tuple[str, list[dict[str, object]]]:
        t, now = self.texts, self.clock.now()
        since = formatting.when(t, incident.declared_at, incident.timezone, now)
        opened = durations.short(open_for(incident, now))
        status = status_label(t, incident.status)
        fields = [
            t._("*Status*\n{icon} {status}").format(
                icon=STATUS_ICON[incident.status], status=status
            ),
            t._("*Severity*\n{severity}").format(severity=severity_label(t, incident.severity)),
            t._("*Lead*\n{lead}").format(lead=f"<@{incident.lead}>"),
            t._("*Since*\n{time} ({timezone}), {duration}").format(
                time=since, timezone=incident.timezone, duration=opened
            ),
        ]
        lines = await self.section_lines(incident)
        blocks = [
            HeaderBlock(text=f"{incident.number}: {incident.title}"[:150]),
            SectionBlock(fields=[MarkdownTextObject(text=field) for field in fields]),
        ]
        if lines:
            blocks += [DividerBlock(), SectionBlock(text="\n".join(lines)[:3000])]
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=t._("Kept current by outagebot · `/incident help`"))
                ]
            )
        )
        text = f"{incident.number} {escape(incident.title)}: {status}"
        return text, [block.to_dict() for block in blocks]

    async def announcement_blocks(self, incident: Incident) -> tuple[str, list[dict[str, object]]]:
        t, now = self.texts, self.clock.now()
        summaries = [s for section in self.sections if (s := await section.summary(incident, now))]
        if incident.channel_id:
            channel = f"<#{incident.channel_id}>"
        else:
            channel = t._("(channel being created)")
        text = t._("{icon} *{number}: {title}* · {severity} · {status} · lead {lead} · {channel}")
        text = text.format(
            icon=STATUS_ICON[incident.status],
            number=incident.number,
            title=escape(incident.title),
            severity=severity_label(t, incident.severity),
            status=status_label(t, incident.status),
            lead=f"<@{incident.lead}>",
            channel=channel,
        )
        blocks: list[Block] = [SectionBlock(text=text)]
        if summaries:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(summaries))]))
        return text, [block.to_dict() for block in blocks]

    async def refresh(self, incident: Incident) -> list[tuple[str, str]]:
        """Bring topic, status message and announcement in line; returns the failures (the
        part, Slack's error code)."""
        failures: list[tuple[str, str]] = []
        if incident.channel_id:
            try:
                await self.slack.set_topic(incident.channel_id, topic(self.texts, incident))
            except SlackApiError as exc:
                failures.append(("topic", error_code(exc)))
        if incident.channel_id and incident.status_ts:
            text, blocks = await self.status_blocks(incident)
            try:
                await self.slack.update(incident.channel_id, incident.status_ts, text, blocks)
            except SlackApiError as exc:
                failures.append(("status message", error_code(exc)))
        if incident.announce_channel_id and incident.announce_ts:
            text, blocks = await self.announcement_blocks(incident)
            try:
                await self.slack.update(
                    incident.announce_channel_id, incident.announce_ts, text, blocks
                )
            except SlackApiError as exc:
                failures.append(("announcement", error_code(exc)))
        for part, code in failures:
            log.warning("%s board refresh failed: %s: %s", incident.number, part, code)
        return failures

    async def announce_in_thread(self, incident: Incident, text: str) -> None:
        if incident.announce_channel_id and incident.announce_ts:
            await self.slack.post(
                incident.announce_channel_id, text, thread_ts=incident.announce_ts
            )
