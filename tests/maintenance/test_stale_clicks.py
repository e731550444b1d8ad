"""A Confirm left on screen acts only on what is still true (issue 29): ask, close, click."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.sandbox.cast import MARCO
from bot.sandbox.stack import SandboxStack
from handlers.maintenance import CONFIRM_ON

from .conftest import FakeHeroku
from .test_maintenance_slack import TITLE, attempts, command

pytestmark = pytest.mark.transports("http", "socket")


@pytest.mark.parametrize(
    ("before_close", "after_close", "closed"),
    [
        (timedelta(minutes=20), timedelta(), "at 11:05"),
        # Pressed the next day: the day it closed is said too.
        (timedelta(), timedelta(days=1), "at 10:45 on 30 Apr"),
    ],
)
async def test_confirm_after_close_switches_nothing_and_says_it_expired(
    stack: SandboxStack,
    heroku: FakeHeroku,
    before_close: timedelta,
    after_close: timedelta,
    closed: str,
) -> None:
    incident = await stack.declare(TITLE)
    channel = incident.channel_id or ""
    await command(stack, incident, "maintenance on")
    prompt = stack.sandbox.ephemerals(MARCO, channel)[-1]
    stack.clock.advance(before_close)
    await stack.close(channel)
    stack.clock.advance(after_close)

    reply = await stack.driver.click(MARCO, CONFIRM_ON, channel_id=channel, message_ts=prompt.ts)
    await stack.idle()

    assert reply.ok
    assert reply.within_deadline
    assert heroku.requests("PATCH") == []
    assert heroku.apps["acme-web"] is False
    assert await attempts(stack, incident) == []
    assert await stack.services.maintenance.windows(incident.id) == []
    shown = {e.ts: e for e in stack.sandbox.ephemerals(MARCO, channel)}
    expired = shown[prompt.ts]
    reason = f"INC-1 was closed {closed}; nothing was switched."
    assert expired.text == f":hourglass: This button expired: {reason}"
    assert [b["type"] for b in expired.blocks] == ["section"]  # no button left
    assert list(shown.values())[-1].text == f":warning: {reason}"


async def test_a_confirm_naming_another_incident_is_refused_in_this_channel(
    stack: SandboxStack, heroku: FakeHeroku
) -> None:
    first = await stack.declare(TITLE)
    second = await stack.declare("Acquisti lenti")
    channel = second.channel_id or ""
    await command(stack, second, "maintenance on")
    prompt = stack.sandbox.ephemerals(MARCO, channel)[-1]
    forged = json.dumps({"incident": first.id, "target": "web", "request": "forged"})

    reply = await stack.driver.click(
        MARCO, CONFIRM_ON, forged, channel_id=channel, message_ts=prompt.ts
    )
    await stack.idle()

    assert reply.ok
    assert heroku.requests("PATCH") == []
    assert stack.sandbox.ephemerals(MARCO, channel)[-1].text == (
        ":warning: That button is about INC-1, not INC-2; nothing changed."
    )


@pytest.mark.parametrize(
    "value",
    [
        json.dumps({"incident": 10**40, "target": "web", "request": "r"}),
        '{"incident": "²", "target": "web", "request": "r"}',
        json.dumps({"incident": 1, "target": "nowhere", "request": "r"}),
        "9" * 5000,
    ],
    ids=["huge", "superscript", "unknown-target", "5000-digits"],
)
async def test_signed_clicks_with_odd_values_get_an_answer_not_a_500(
    stack: SandboxStack, heroku: FakeHeroku, value: str
) -> None:
    incident = await stack.declare(TITLE)
    channel = incident.channel_id or ""
    await command(stack, incident, "maintenance on")
    prompt = stack.sandbox.ephemerals(MARCO, channel)[-1]

    reply = await stack.driver.click(
        MARCO, CONFIRM_ON, value, channel_id=channel, message_ts=prompt.ts
    )
    await stack.idle()

    assert reply.status == 200
    assert heroku.requests("PATCH") == []
    assert stack.sandbox.ephemerals(MARCO, channel)[-1].text.startswith(":warning: ")
