"""Helpers for the follow-up tests: the bot on loopback, commands typed into Slack, DMs read."""

from __future__ import annotations

from bot.models import Incident
from bot.sandbox.stack import SandboxStack
from bot.sandbox.state import Message

MARCO, GIULIA, LUCA = "U01MARCO", "U02GIULIA", "U03LUCA"
ANNOUNCE = "C0INCIDENTS"


async def run(stack: SandboxStack, channel: str, text: str, user: str = MARCO) -> str:
    """`/incident text` in `channel`; waits for the background work; the ack's text."""
    assert stack.driver is not None
    reply = await stack.driver.command(user, channel, text)
    assert reply.ok, reply.text
    assert reply.within_deadline
    await stack.idle()
    body = reply.json
    return str(body.get("text", "")) if isinstance(body, dict) else reply.text


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
