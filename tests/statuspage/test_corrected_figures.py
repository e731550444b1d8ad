"""A correction after the incident ended: what was published stays as published (history), and
the page's next update, proposed at once and published by a click, states the corrected figure
(issues 23 and 26: public numbers never disagree with the drafts without a way to fix them)."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.stack import SandboxStack
from bot.statuspage.blocks import PUBLISH
from handlers.views.correct import CONFIRM

from .conftest import MARCO, StackFactory, command, declare, get_json, proposals

pytestmark = pytest.mark.transports("http")


async def click(stack: SandboxStack, action: str, channel: str, ts: str) -> None:
    reply = await stack.driver.click(MARCO, action, channel_id=channel, message_ts=ts)
    assert reply.ok
    assert reply.within_deadline
    await stack.idle()


async def test_a_late_correction_proposes_the_corrected_figure(make_stack: StackFactory) -> None:
    stack = await make_stack()
    incident = await declare(stack)
    channel = incident.channel_id or ""
    start = stack.clock.now()
    await command(stack, channel, "feature down Offerte")
    stack.clock.set(start + timedelta(minutes=50))
    await command(stack, channel, "feature up Offerte")
    await stack.close(channel)
    resolved = proposals(stack, incident)[-1]
    assert "50 min" in json.dumps(resolved.blocks)
    await click(stack, PUBLISH, channel, resolved.ts)

    stack.clock.set(start + timedelta(hours=2))
    back = (start + timedelta(minutes=45)).astimezone(ZoneInfo("Europe/Copenhagen"))
    await command(stack, channel, f"feature up Offerte at {back:%H:%M}")
    prompt = stack.sandbox.ephemerals(MARCO, channel)[-1]
    await click(stack, CONFIRM, channel, prompt.ts)

    corrected = proposals(stack, incident)[-1]
    assert corrected.ts != resolved.ts
    assert "45 min" in json.dumps(corrected.blocks)
    assert "50 min" not in json.dumps(corrected.blocks)
    [public] = (await get_json(stack, "incidents"))["incidents"]
    assert ["50 min" in u["body"] for u in public["incident_updates"]] == [True]  # history
    await click(stack, PUBLISH, channel, corrected.ts)
    [public] = (await get_json(stack, "incidents"))["incidents"]
    latest = public["incident_updates"][0]["body"]
    assert "45 min" in latest
    assert "50 min" not in latest
