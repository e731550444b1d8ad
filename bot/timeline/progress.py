"""Messages a flow posts (or updates) in the incident channel while it works.

Slack being down must not stop the remote call or lose its record: a failed post is logged and
written to the timeline as an error entry, never raised.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.models import EntryKind, Incident
from bot.slack.gateway import SlackWeb, error_code
from bot.timeline import Timeline

log = logging.getLogger(__name__)

__all__ = ["SLACK_DOWN", "say", "slack_problem"]

# What a Slack call raises when Slack refuses or cannot be reached.
SLACK_DOWN: tuple[type[Exception], ...] = (SlackApiError, aiohttp.ClientError, TimeoutError)


def slack_problem(exc: Exception) -> str:
    """A Slack failure in a word: the API's error code, or the exception's kind."""
    return error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__


async def say(
    slack: SlackWeb,
    timeline: Timeline,
    incident: Incident,
    text: str,
    *,
    family: str,
    ts: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    failures: tuple[type[Exception], ...] = SLACK_DOWN,
) -> str | None:
    """Post `text` in the channel, or update the message at `ts`; its ts, None when not posted.

    A failure among `failures` is recorded as "`family` message not posted", stage `family`.
    """
    if not incident.channel_id:
        return None
    try:
        if ts is None:
            return await slack.post(incident.channel_id, text, blocks)
        await slack.update(incident.channel_id, ts, text, blocks)
        return ts
    except failures as exc:
        problem = slack_problem(exc)
        log.warning("%s %s message not posted: %s", incident.number, family, problem)
        await timeline.record(
            incident.id,
            EntryKind.error,
            f"{family} message not posted: {problem}",
            is_key=False,
            data={"stage": family, "error": "not_posted", "problem": problem},
        )
        return None
