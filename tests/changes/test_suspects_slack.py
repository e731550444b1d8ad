"""Suspects end to end: signed Slack requests in, the loopback Heroku out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiohttp import web

from bot.changes.messages import CAUSED, NOT_RELATED
from bot.models import EntryKind
from bot.sandbox.stack import SandboxStack

from .conftest import ANNOUNCE, GIULIA, MARCO, at

pytestmark = pytest.mark.transports("http", "socket")


async def declare(stack: SandboxStack) -> str:
    """Marco declares at 10:42 Copenhagen; the incident channel's id."""
    stack.clock.set(at(10, 42))
    reply = await stack.driver.command(MARCO, ANNOUNCE, "declare Offerte sparite")
    assert reply.ok
    assert reply.within_deadline
    await stack.idle()
    incident = await stack.services.incidents.get(1)
    assert incident.channel_id
    return incident.channel_id


async def command(stack: SandboxStack, channel: str, text: str, user: str = MARCO):
    reply = await stack.driver.command(user, channel, text)
    assert reply.ok
    assert reply.within_deadline
    await stack.idle()
    return reply


def posts(stack: SandboxStack, channel: str) -> list:
    return stack.sandbox.messages(channel)


def suspects_posts(stack: SandboxStack, channel: str) -> list:
    return [m for m in posts(stack, channel) if m.text.startswith(":mag:")]


@pytest.fixture
async def outage_day(make_stack, heroku, heroku_source) -> SandboxStack:
    """Releases as on the outage report's days: v119 the day before, v121 at 10:38."""
    heroku.add(118, at(9, 0, day=28))
    heroku.add(119, at(13, 58, day=29), email="marco@acme.example")
    heroku.add(121, at(10, 38), email="giulia@acme.example")
    return await make_stack({"web": heroku_source})


async def test_declare_names_the_deploy_before_it(outage_day: SandboxStack) -> None:
    channel = await declare(outage_day)

    [message] = suspects_posts(outage_day, channel)
    assert message.text.startswith(":mag: 2 changes in the 48 h before the declaration (10:42)")
    text = " ".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    assert "*v121* web, deployed at 10:38 by giulia, 4 min before the incident was declared" in text
    assert "*v119* web, deployed at 13:58 on 29 Apr by marco" in text
    assert text.count("*suspect*") == 1
    assert text.index("*suspect*") < text.index("*v119*")  # on v121, listed first


async def test_feature_down_names_the_last_change_before_its_real_start(
    outage_day: SandboxStack,
) -> None:
    channel = await declare(outage_day)
    outage_day.clock.advance(timedelta(minutes=1))

    await command(outage_day, channel, "feature down Offerte at 10:40")
    outage_day.clock.set(at(13, 42))
    await command(outage_day, channel, "feature down Acquisti at ieri 14:00", user=GIULIA)

    _, quotes, purchases = suspects_posts(outage_day, channel)
    quotes_text = " ".join(str(b.get("text", {}).get("text")) for b in quotes.blocks)
    assert "before *Quotes* went down (10:40)" in quotes.text
    assert "*v121* web, deployed at 10:38 by giulia, 2 min before *Quotes* went down" in quotes_text
    assert ":warning: *suspect* for *Quotes*: the last change before it" in quotes_text
    # The day before: only v119 and v118 were live before Purchases broke.
    assert purchases.text.startswith(
        ":mag: 2 changes in the 48 h before *Purchases* went down (29 Apr 14:00)"
    )
    purchases_text = " ".join(str(b.get("text", {}).get("text")) for b in purchases.blocks)
    assert "v121" not in purchases_text
    assert (
        "*v119* web, deployed at 13:58 on 29 Apr by marco, 2 min before *Purchases*"
        in purchases_text
    )
    assert ":warning: *suspect* for *Purchases*: the last change before it" in purchases_text


async def test_caused_it_is_marked_once_and_listed(outage_day: SandboxStack) -> None:
    channel = await declare(outage_day)
    await command(outage_day, channel, "feature down Offerte at 10:40")
    message = suspects_posts(outage_day, channel)[-1]
    v121 = (await outage_day.services.changes.store.of_source("web"))[0]
    assert v121.version == "v121"

    for _ in range(2):  # a double click records once
        reply = await outage_day.driver.click(
            GIULIA, CAUSED, channel_id=channel, message_ts=message.ts, block_id=f"change-{v121.id}"
        )
        assert reply.ok
        assert reply.within_deadline
        await outage_day.idle()

    said = [m.text for m in posts(outage_day, channel)]
    assert said.count(f":dart: <@{GIULIA}> marked *v121* web as the cause.") == 1
    entries = await outage_day.services.timeline.entries(1)
    marks = [e for e in entries if e.kind is EntryKind.change]
    assert [(e.actor, e.data["mark"], e.is_key) for e in marks] == [(GIULIA, "caused", True)]

    await command(outage_day, channel, "changes")
    listed = outage_day.sandbox.ephemerals(MARCO, channel)[-1].text
    assert listed.startswith("*Changes for INC-1*, newest first")
    assert "*v121* web, deployed at 10:38 by giulia, 2 min before *Quotes* went down" in listed
    assert f":dart: *caused it* (marked by <@{GIULIA}>)" in listed


async def test_not_related_moves_the_suspicion_to_the_change_before(
    outage_day: SandboxStack,
) -> None:
    channel = await declare(outage_day)
    message = suspects_posts(outage_day, channel)[-1]
    v121 = (await outage_day.services.changes.store.of_source("web"))[0]

    await outage_day.driver.click(
        MARCO, NOT_RELATED, channel_id=channel, message_ts=message.ts, block_id=f"change-{v121.id}"
    )
    await outage_day.idle()
    await command(outage_day, channel, "changes")

    listed = outage_day.sandbox.ephemerals(MARCO, channel)[-1].text.splitlines()
    v121_line = next(line for line in listed if "*v121*" in line)
    v119_line = next(line for line in listed if "*v119*" in line)
    assert "not related" in v121_line
    assert "suspect" not in v121_line
    assert ":warning: *suspect*" in v119_line


async def test_a_hanging_heroku_never_delays_the_acknowledgement(
    outage_day: SandboxStack, heroku
) -> None:
    heroku.answer("GET", heroku.HANG, heroku.HANG, heroku.HANG)
    outage_day.clock.set(at(10, 42))

    reply = await outage_day.driver.command(MARCO, ANNOUNCE, "declare Offerte sparite")

    assert reply.ok
    assert reply.elapsed < 1.0
    incident = await outage_day.services.incidents.get(1)
    assert incident.number == "INC-1"
    heroku.release.set()
    await asyncio.wait_for(outage_day.idle(), 10)


async def test_a_failing_source_is_shown_once_then_again_after_it_recovered(
    outage_day: SandboxStack, heroku
) -> None:
    def failing(times: int) -> list[web.Response]:
        """Fresh answers each time: an aiohttp response is sent once."""
        body = {"id": "unavailable", "message": "API is down."}
        return [web.json_response(body, status=503) for _ in range(times)]

    heroku.answer("GET", *failing(6))
    channel = await declare(outage_day)
    await command(outage_day, channel, "feature down Offerte at 10:40")

    warnings = [m.text for m in posts(outage_day, channel) if "Could not read" in m.text]
    assert warnings == [
        ":warning: Could not read the changes of *web*: 503 from Heroku: API is down."
        " (unavailable) (after 3 attempts). Commands keep working;"
        " I will not repeat this until it has answered again."
    ]
    errors = [e for e in await outage_day.services.timeline.entries(1) if e.kind is EntryKind.error]
    assert len(errors) == 1
    assert errors[0].data["source"] == "web"

    await command(outage_day, channel, "feature down Acquisti at 10:41")  # answers again
    heroku.answer("GET", *failing(3))
    await command(outage_day, channel, "feature up Acquisti")
    await command(outage_day, channel, "feature down Acquisti")
    warnings = [m.text for m in posts(outage_day, channel) if "Could not read" in m.text]
    assert len(warnings) == 2


async def test_while_open_the_sources_are_read_every_few_minutes(
    outage_day: SandboxStack, heroku
) -> None:
    channel = await declare(outage_day)
    schedules = outage_day.services.schedules
    heroku.add(122, at(10, 46), email="luca@acme.example")

    outage_day.clock.set(at(10, 46))
    assert await schedules.run_due() == 0  # due 5 minutes after the declaration
    outage_day.clock.set(at(10, 47))
    assert await schedules.run_due() == 1
    await outage_day.idle()

    assert posts(outage_day, channel)[-1].text == (
        ":package: A new change was recorded:\n• *v122* web, deployed at 10:46 by luca"
    )
    await command(outage_day, channel, "resolve")
    outage_day.clock.set(at(11, 0))
    await schedules.run_due()
    outage_day.clock.set(at(11, 30))
    assert await schedules.run_due() == 0  # a resolved incident is no longer polled
