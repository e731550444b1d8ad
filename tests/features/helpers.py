"""Helpers for the feature tests: the configured features, reading the board, snapshotting."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.sandbox.stack import SandboxStack
from bot.services import Services
from bot.store import tables

FEATURES = [
    {"name": "Quotes", "aliases": ["Offerte"]},
    {"name": "Purchases", "aliases": ["Acquisti"]},
]


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
