"""Slack set-up of a declared incident, one idempotent step at a time.

The incident row exists before any Slack call. Each step is skipped when its result is already
recorded, so a failure half-way (Slack down, rate limited) leaves a consistent incident that a
retry or the next start-up finishes — never a second channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError

from bot.i18n import N_, Texts, texts
from bot.incidents.board import Board, topic
from bot.incidents.service import Incidents
from bot.models import EntryKind, Incident
from bot.slack.gateway import SlackWeb, error_code, escape
from bot.timeline import Timeline
from bot.timeline.failures import step_failure

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
    """Runs the steps with as few sequential round trips to Slack as their dependencies allow.

    `conversations.create` comes first (everything needs the channel); the announce channel's
    id and the bot's user id are looked up alongside it and kept for every later incident.
    Then invites and topic, status message (then its pin) and announcement go out together:
    Slack sees the channel ready three round trips after the command (four the first time).
    Different methods sit in different rate tiers, and the client's retry handler still honours
    a 429's Retry-After, so the concurrency does not trade away the limits.
    """

    def __init__(
        self,
        incidents: Incidents,
        slack: SlackWeb,
        board: Board,
        timeline: Timeline,
        *,
        announce_channel: str,
        responders: Responders,
        texts: Texts,
    ) -> None:
        self.incidents, self.slack, self.board, self.timeline = incidents, slack, board, timeline
        self.texts = texts
        self.announce_channel = announce_channel
        self.responders = responders
        self._announce_id: str | None = None

    async def run(self, incident: Incident) -> SetupResult:
        result = SetupResult(incident)
        fresh = incident.channel_id is None  # a channel made now has no topic to read first
        (created, failure), _ = await asyncio.gather(
            self._step(incident, N_("creating the channel"), self._channel(incident)),
            self._prefetch(),
        )
        failures = [failure]
        if created is not None:
            outcomes = await asyncio.gather(
                self._step(incident, N_("inviting the responders"), self._invite(created, fresh)),
                self._step(
                    incident, N_("posting the status message"), self._status_message(created)
                ),
                self._step(
                    incident,
                    N_("announcing in the announce channel"),
                    self._announcement(created),
                ),
            )
            failures += [failure for _, failure in outcomes]
            # Each step saved its own reference: the row holds all of them.
            result.incident = await self.incidents.get(incident.id)
        steps = [f for f in failures if f]
        result.failures = [step_failure(f, self.texts) for f in steps]
        await self.board.changed(result.incident)
        if result.failures:
            await self.timeline.record(
                incident.id,
                EntryKind.error,
                "; ".join(step_failure(f, texts("en")) for f in steps),
                is_key=False,
                data={"stage": "setup", "error": "setup", "failures": steps},
            )
        return result

    async def _step(
        self, incident: Incident, doing: str, step: Awaitable[Incident]
    ) -> tuple[Incident | None, dict[str, str] | None]:
        """Run one step (`doing`: its untranslated name); its failure becomes one line of the
        report instead of an exception, so the other steps running beside it finish and record
        their results."""
        try:
            return await step, None
        except SlackApiError as exc:
            return None, {"step": doing, "code": error_code(exc)}
        except LookupError as exc:
            return None, {"step": doing, "detail": str(exc)}
        except Exception as exc:  # a network failure must not lose the record
            log.exception("%s set-up step failed", incident.number)
            return None, {"step": doing, "detail": type(exc).__name__}

    async def _prefetch(self) -> None:
        """Look up what every set-up needs while Slack creates the channel; a failure here is
        left for the step that needs the answer to meet and report."""
        try:
            await asyncio.gather(self.slack.bot_user_id(), self._announce_channel_id())
        except Exception as exc:  # noqa: BLE001 - a prefetch is only a shortcut
            log.debug("set-up prefetch failed: %s", type(exc).__name__)

    async def _announce_channel_id(self) -> str | None:
        """The announce channel's id, looked up once: it does not change while the bot runs."""
        if self._announce_id is None:
            self._announce_id = await self.slack.find_channel(self.announce_channel)
        return self._announce_id

    async def _channel(self, incident: Incident) -> Incident:
        """creating the channel"""
        if incident.channel_id:
            return incident
        channel_id, name = await self.slack.create_channel(incident.id, incident.title)
        return await self.incidents.save_slack_refs(
            incident.id, channel_id=channel_id, channel_name=name
        )

    async def _invite(self, incident: Incident, fresh: bool) -> Incident:
        """inviting the responders"""
        assert incident.channel_id
        users = [incident.declared_by, incident.lead, *self.responders.users]
        if self.responders.group:
            users += await self.slack.group_members(self.responders.group)
        bot = await self.slack.bot_user_id()
        refused, _ = await asyncio.gather(
            self.slack.invite(incident.channel_id, [u for u in users if u != bot]),
            self.slack.set_topic(
                incident.channel_id, topic(self.texts, incident), current="" if fresh else None
            ),
        )
        if refused:
            await self._not_invited(incident, refused)
        return incident

    async def _not_invited(self, incident: Incident, refused: dict[str, str]) -> None:
        """Say who is missing and why: a stale id in `responders` must not go unnoticed.

        Ids are shown as code, never as mentions: Slack does not know them anyway.
        """
        assert incident.channel_id
        who = [f"{escape(user)} ({escape(code)})" for user, code in refused.items()]
        shown = ", ".join(f"`{w}`" for w in who)
        text = self.texts._(
            ":warning: Could not invite {who}. Check `responders` in the configuration."
        ).format(who=shown)
        await self.slack.post(incident.channel_id, text)
        await self.timeline.record(
            incident.id,
            EntryKind.error,
            f"not invited: {', '.join(who)}",
            is_key=False,
            data={"stage": "setup", "error": "not_invited", "not_invited": refused},
        )

    async def _status_message(self, incident: Incident) -> Incident:
        """posting the status message"""
        assert incident.channel_id
        if not incident.status_ts:
            text, blocks = await self.board.status_blocks(incident)
            ts = await self.slack.post(incident.channel_id, text, blocks)
            incident = await self.incidents.save_slack_refs(incident.id, status_ts=ts)
        assert incident.channel_id
        assert incident.status_ts
        await self.slack.pin(incident.channel_id, incident.status_ts)
        return incident

    async def _announcement(self, incident: Incident) -> Incident:
        """announcing in the announce channel"""
        if incident.announce_ts:
            return incident
        channel = incident.announce_channel_id or await self._announce_channel_id()
        if channel is None:
            name = self.announce_channel.lstrip("#")
            raise LookupError(self.texts._("no public channel #{name}").format(name=name))
        await self.slack.join(channel)
        text, blocks = await self.board.announcement_blocks(incident)
        ts = await self.slack.post(channel, text, blocks)
        return await self.incidents.save_slack_refs(
            incident.id, announce_channel_id=channel, announce_ts=ts
        )
