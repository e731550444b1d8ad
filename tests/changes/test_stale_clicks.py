"""Roll back and change marks left on screen act only on what is still true (issue 29)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.changes.messages import CAUSED, ROLLBACK_CONFIRM
from bot.models import EntryKind

from .conftest import GIULIA, MARCO, at
from .test_rollback_slack import ask, rollbacks
from .test_suspects_slack import command, declare, suspects_posts

pytestmark = pytest.mark.transports("http", "socket")


async def test_roll_back_after_close_rolls_nothing_back_and_says_it_expired(
    make_stack, heroku, heroku_source
) -> None:
    heroku.add(120, at(9, 0))
    heroku.add(121, at(10, 38))
    stack = await make_stack({"web": heroku_source})
    channel = await declare(stack)
    await command(stack, channel, "feature down Offerte at 10:40")
    prompt = await ask(stack, channel)
    stack.clock.advance(timedelta(minutes=10))
    await stack.close(channel)

    reply = await stack.driver.click(
        MARCO, ROLLBACK_CONFIRM, channel_id=channel, message_ts=prompt.ts
    )
    await stack.idle()

    assert reply.ok
    assert reply.within_deadline
    assert heroku.requests("POST") == []
    assert heroku.current().version == 121
    assert await rollbacks(stack) == []
    shown = {e.ts: e.text for e in stack.sandbox.ephemerals(MARCO, channel)}
    reason = "INC-1 was closed at 10:52; nothing was rolled back."
    assert shown[prompt.ts] == f":hourglass: This button expired: {reason}"
    assert list(shown.values())[-1] == f":warning: {reason}"


async def test_marks_after_close_change_nothing(make_stack, heroku, heroku_source) -> None:
    heroku.add(121, at(10, 38))
    stack = await make_stack({"web": heroku_source})
    channel = await declare(stack)
    await command(stack, channel, "feature down Offerte at 10:40")
    message = suspects_posts(stack, channel)[-1]
    [v121] = await stack.services.changes.store.of_source("web")
    await stack.close(channel)

    reply = await stack.driver.click(
        GIULIA, CAUSED, channel_id=channel, message_ts=message.ts, block_id=f"change-{v121.id}"
    )
    await stack.idle()

    assert reply.ok
    entries = await stack.services.timeline.entries(1)
    assert [e for e in entries if e.kind is EntryKind.change and e.data.get("mark")] == []
    reason = "INC-1 was closed at 10:42; nothing was marked."
    expired = stack.sandbox.state.channels[channel].message(message.ts)
    assert expired.text == f":hourglass: This button expired: {reason}"
    assert [b["type"] for b in expired.blocks] == ["section"]  # no button left
    assert stack.sandbox.ephemerals(GIULIA, channel)[-1].text == f":warning: {reason}"
