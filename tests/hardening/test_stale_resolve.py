"""A "Resolve anyway?" left on screen after the incident was resolved changes nothing and says
it expired (issue 29)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox.cast import MARCO
from bot.sandbox.stack import SandboxStack

pytestmark = pytest.mark.transports("http", "socket")


async def test_resolve_anyway_after_close_has_expired(stack: SandboxStack) -> None:
    incident = await stack.declare("Offerte sparite")
    channel = incident.channel_id or ""
    await stack.run(channel, "feature down Offerte")
    await stack.run(channel, "resolve")  # Quotes is still down: asked first
    [prompt] = [
        e
        for e in stack.sandbox.ephemerals(MARCO, channel)
        if "incident_resolve_confirm" in str(e.blocks)
    ]
    stack.clock.advance(timedelta(minutes=3))
    closed = await stack.close(channel)

    reply = await stack.driver.click(
        MARCO, "incident_resolve_confirm", channel_id=channel, message_ts=prompt.ts
    )
    await stack.idle()

    assert reply.ok
    assert (await stack.services.incidents.get(incident.id)).closed_at == closed.closed_at
    shown = {e.ts: e.text for e in stack.sandbox.ephemerals(MARCO, channel)}
    reason = "INC-1 was closed at 10:43; nothing changed."
    assert shown[prompt.ts] == f":hourglass: This button expired: {reason}"
    assert list(shown.values())[-1] == f":warning: {reason}"
