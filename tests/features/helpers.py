"""Helpers for the feature tests: typing commands, reading the board, snapshotting records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.sandbox.stack import SandboxStack
from bot.services import Services
from bot.store import tables

MARCO, GIULIA = "U01MARCO", "U02GIULIA"
ANNOUNCE = "C0INCIDENTS"
FEATURES = [
    {"name": "Quotes", "aliases": ["Offerte"]},
    {"name": "Purchases", "aliases": ["Acquisti"]},
]


async def run(stack: SandboxStack, channel: str, text: str, user: str = MARCO) -> dict[str, Any]:
    """Type `/incident text` in `channel`, wait for the background work, return the ack body."""
    assert stack.driver is not None
    reply = await stack.driver.command(user, channel, text)
    assert reply.status == 200 and reply.within_deadline
    await stack.idle()
    # Bolt answers a text-only ack as plain text, anything richer as JSON.
    return reply.json if isinstance(reply.json, dict) else {"text": reply.text}


async def recorded(services: Services) -> tuple[list[Any], list[Any]]:
    """Every feature interval and timeline entry: refusals must leave both unchanged."""
    async with services.db.connect() as conn:
        intervals = (await conn.execute(select(tables.feature_intervals))).all()
        entries = (await conn.execute(select(tables.timeline_entries))).all()
    return list(intervals), list(entries)


def status_message(stack: SandboxStack, channel: str) -> str:
    """The pinned status message's mrkdwn as the sandbox holds it after chat.update."""
    ts = next(iter(stack.sandbox.state.channels[channel].pins))
    message = next(m for m in stack.sandbox.messages(channel) if m.ts == ts)
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in message.blocks or [])


def status_updates(stack: SandboxStack, channel: str) -> int:
    return sum(1 for c in stack.sandbox.calls_to("chat.update") if c.params["channel"] == channel)
