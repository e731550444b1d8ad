"""Helpers for the follow-up tests: the bot on loopback, commands typed into Slack, DMs read."""

from __future__ import annotations

from typing import Any

from bot.models import Incident
from bot.sandbox.stack import SandboxStack
from bot.sandbox.state import Message

MARCO, GIULIA, LUCA = "U01MARCO", "U02GIULIA", "U03LUCA"
ANNOUNCE = "C0INCIDENTS"
# The seed day's two follow-ups (examples/scenarios/outage-report.yml), one with a due day.
SEED_ACTIONS = """- Migliorare le procedure manuali per questi cambiamenti @marco by 2025-05-07
- Implementare controlli automatici sul deploy @giulia"""


async def run(stack: SandboxStack, channel: str, text: str, user: str = MARCO) -> str:
    """`/incident text` in `channel`; waits for the background work; the ack's text."""
    return str((await stack.run(channel, text, user=user)).body.get("text", ""))


async def declare(stack: SandboxStack, title: str = "Offerte sparite dopo il deploy") -> Incident:
    assert stack.services is not None
    before = len(await stack.services.incidents.list())
    await run(stack, ANNOUNCE, f"declare {title}")
    incident = await stack.services.incidents.get(before + 1)
    assert incident.channel_id
    assert incident.status_ts
    return incident


def dms(stack: SandboxStack, user: str) -> list[Message]:
    """What the bot wrote to `user` directly."""
    channel = "D" + user[1:]
    if channel not in stack.sandbox.state.channels:
        return []
    return stack.sandbox.messages(channel)


def said(stack: SandboxStack, channel: str) -> list[str]:
    return [m.text or "" for m in stack.sandbox.messages(channel)]


async def close(stack: SandboxStack, channel: str, values: dict[str, Any]) -> dict[str, Any]:
    """`/incident close`, submit the modal; Slack's answer to the submission."""
    assert stack.driver is not None
    await run(stack, channel, "close")
    view = stack.driver.latest_view(MARCO)
    assert view is not None
    assert view.callback_id == "postmortem_close"
    reply = await stack.driver.submit_view(
        MARCO, view.id, {block: {"value": value} for block, value in values.items()}
    )
    assert reply.ok
    assert reply.within_deadline
    await stack.idle()
    return reply.json if isinstance(reply.json, dict) else {}


def webhook_url(stack: SandboxStack, path: str) -> str:
    """The bot's own HTTP port, where trackers' webhooks arrive."""
    return stack.health_url.removesuffix("/healthz") + path


async def exported(stack: SandboxStack, service: str) -> str:
    """A follow-up added and exported with `followup export 1`; the incident channel."""
    incident = await declare(stack)
    channel = incident.channel_id or ""
    await run(stack, channel, "followup add Check the tool version")
    answer = await run(stack, channel, "followup export 1")
    assert f"Exporting follow-up #1 to {service}" in answer
    return channel


async def close_with_seed_actions(stack: SandboxStack) -> tuple[str, list[str | None]]:
    """An incident closed with the seed day's two follow-ups; its channel and their tickets."""
    incident = await declare(stack)
    channel = incident.channel_id or ""
    await run(stack, channel, "status resolved")
    await close(stack, channel, {"action_items": SEED_ACTIONS})
    assert stack.services is not None
    followups = await stack.services.followups.for_incident(incident.id)
    return channel, [f.tracker_ref for f in followups]
