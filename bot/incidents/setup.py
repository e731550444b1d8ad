"""Slack set-up of a declared incident, one idempotent step at a time.

The incident row exists before any Slack call. Each step is skipped when its result is already
recorded, so a failure half-way (Slack down, rate limited) leaves a consistent incident that a
retry or the next start-up finishes — never a second channel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError

from bot.incidents.board import Board, topic
from bot.incidents.service import Incidents
from bot.models import EntryKind, Incident
from bot.slackweb import SlackWeb, error_code
from bot.timeline import Timeline

log = logging.getLogger(__name__)


@dataclass
class SetupResult:
    incident: Incident
    failures: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Responders:
    users: tuple[str, ...] = ()
    group: str | None = None


class Setup:
    def __init__(
        self,
        incidents: Incidents,
        slack: SlackWeb,
        board: Board,
        timeline: Timeline,
        *,
        announce_channel: str,
        responders: Responders,
    ) -> None:
        self.incidents, self.slack, self.board, self.timeline = incidents, slack, board, timeline
        self.announce_channel = announce_channel
        self.responders = responders

    async def run(self, incident: Incident) -> SetupResult:
        result = SetupResult(incident)
        for step in (self._channel, self._invite, self._status_message, self._announcement):
            try:
                result.incident = await step(result.incident)
            except SlackApiError as exc:
                result.failures.append(f"{step.__doc__}: Slack answered `{error_code(exc)}`")
            except LookupError as exc:
                result.failures.append(f"{step.__doc__}: {exc}")
            except Exception as exc:  # a network failure must not lose the record
                log.exception("%s set-up step failed", incident.number)
                result.failures.append(f"{step.__doc__}: {type(exc).__name__}")
            if result.failures and result.incident.channel_id is None:
                break
        await self.board.changed(result.incident)
        if result.failures:
            await self.timeline.record(
                incident.id,
                EntryKind.error,
                "; ".join(result.failures),
                is_key=False,
                data={"stage": "setup"},
            )
        return result

    async def _channel(self, incident: Incident) -> Incident:
        """creating the channel"""
        if incident.channel_id:
            return incident
        channel_id, name = await self.slack.create_channel(incident.id, incident.title)
        return await self.incidents.save_slack_refs(
            incident.id, channel_id=channel_id, channel_name=name
        )

    async def _invite(self, incident: Incident) -> Incident:
        """inviting the responders"""
        assert incident.channel_id
        users = [incident.declared_by, incident.lead, *self.responders.users]
        if self.responders.group:
            users += await self.slack.group_members(self.responders.group)
        bot = await self.slack.bot_user_id()
        await self.slack.invite(incident.channel_id, [u for u in users if u != bot])
        await self.slack.set_topic(incident.channel_id, topic(incident))
        return incident

    async def _status_message(self, incident: Incident) -> Incident:
        """posting the status message"""
        assert incident.channel_id
        if not incident.status_ts:
            text, blocks = await self.board.status_blocks(incident)
            ts = await self.slack.post(incident.channel_id, text, blocks)
            incident = await self.incidents.save_slack_refs(incident.id, status_ts=ts)
        assert incident.status_ts
        await self.slack.pin(incident.channel_id, incident.status_ts)
        return incident

    async def _announcement(self, incident: Incident) -> Incident:
        """announcing in the announce channel"""
        if incident.announce_ts:
            return incident
        channel = incident.announce_channel_id or await self.slack.find_channel(
            self.announce_channel
        )
        if channel is None:
            raise LookupError(f"no public channel #{self.announce_channel.lstrip('#')}")
        await self.slack.join(channel)
        text, blocks = await self.board.announcement_blocks(incident)
        ts = await self.slack.post(channel, text, blocks)
        return await self.incidents.save_slack_refs(
            incident.id, announce_channel_id=channel, announce_ts=ts
        )
