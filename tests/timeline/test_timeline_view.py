"""`/incident timeline`: the key moments, readable, never pinging, paged within Block Kit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.models import EntryKind, Incident
from bot.sandbox.cast import GIULIA, LUCA, MARCO
from bot.sandbox.stack import SandboxStack

from .helpers import PINGS, running


def sections(body: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]


async def test_key_moments_show_local_time_names_and_no_pings(
    stack: SandboxStack, incident: Incident
) -> None:
    driver, _ = running(stack)
    channel = incident.channel_id
    assert channel
    stack.clock.advance(timedelta(minutes=40))  # 10:40 in Rome
    key = await driver.message(GIULIA, channel, "<!channel> Quotes gone for <@U03LUCA> &amp; co")
    await driver.message(LUCA, channel, "unmarked chatter")
    await driver.react(MARCO, channel, key, "pushpin")
    gone = await driver.message(LUCA, channel, "pinned then deleted")
    await driver.pin(MARCO, channel, gone)
    await driver.delete(LUCA, channel, gone)
    stack.clock.advance(timedelta(minutes=10))
    await driver.command(MARCO, channel, "note 10:45 app offline <#C0INCIDENTS|incidents>")
    reply = await driver.command(MARCO, channel, "timeline")
    body = reply.json
    assert reply.within_deadline
    assert body.get("response_type") != "in_channel"
    lines = "\n".join(sections(body)).split("\n")
    assert lines == [
        "*10:00* · Marco · Declared: Quotes page empty",
        "*10:40* · Giulia · Quotes gone for Luca &amp; co",
        "*10:45* · Marco · app offline #incidents",
    ]
    assert not any(ping in json.dumps(body) for ping in PINGS)


@pytest.mark.slow
async def test_a_long_timeline_is_paged(stack: SandboxStack, incident: Incident) -> None:
    driver, services = running(stack)
    assert incident.channel_id
    start = stack.clock.now()
    for i in range(150):
        await services.timeline.record(
            incident.id,
            EntryKind.note,
            f"step {i} " + "detail " * 200,
            actor=MARCO,
            occurred_at=start - timedelta(hours=5) + timedelta(seconds=30 * i),
        )
    seen: list[str] = []
    page, pages = 1, None
    while pages is None or page <= pages:
        reply = await driver.command(MARCO, incident.channel_id, f"timeline {page}")
        body = reply.json
        assert reply.within_deadline
        assert len(body["blocks"]) <= 50
        assert all(len(text) <= 3000 for text in sections(body))
        footer = body["blocks"][-1]["elements"][0]["text"]
        pages = int(footer.split(" of ")[1].split(".")[0])
        seen += "\n".join(sections(body)).split("\n")
        page += 1
    assert pages > 1
    assert len(seen) == 151
    assert all(len(line) <= 1000 and line.endswith("…") for line in seen[:-1])
    assert [line.split(" · ")[2].split(" ")[1] for line in seen[:-1]] == [
        str(i) for i in range(150)
    ]
    last = await driver.command(MARCO, incident.channel_id, f"timeline {pages + 5}")
    assert f"Page {pages} of {pages}" in json.dumps(last.json)
