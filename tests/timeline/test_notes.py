"""`/incident note [time] text` end to end, in two timezones on the days their clocks change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.models import EntryKind, Incident
from bot.sandbox.cast import GIULIA, MARCO
from bot.sandbox.stack import SandboxStack

from .conftest import StartStack
from .helpers import NEW_YORK, PINGS, ROME, TITLE, running

# Rome leaves summer time on 25 October 2026 (03:00 CEST -> 02:00 CET); New York starts it on
# 8 March 2026 (02:00 EST -> 03:00 EDT). "Now" is noon on those days.
ROME_NOON = datetime(2026, 10, 25, 12, 0, tzinfo=ZoneInfo(ROME))
NEW_YORK_NOON = datetime(2026, 3, 8, 12, 0, tzinfo=ZoneInfo(NEW_YORK))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


ACCEPTED = [
    # (timezone, typed time, the instant it names, how the confirmation shows it)
    (ROME, "10:40", utc(2026, 10, 25, 9, 40), "10:40"),
    (ROME, "10.40", utc(2026, 10, 25, 9, 40), "10:40"),
    (ROME, "alle 10:40", utc(2026, 10, 25, 9, 40), "10:40"),
    (ROME, "ieri alle 14:30", utc(2026, 10, 24, 12, 30), "14:30 on 24 Oct"),  # still summer time
    (ROME, "5 minuti fa", utc(2026, 10, 25, 10, 55), "11:55"),
    (ROME, "2026-10-25 02:30", utc(2026, 10, 25, 0, 30), "02:30"),  # the first of two 02:30s
    (ROME, "2026-04-30 10:40", utc(2026, 4, 30, 8, 40), "10:40 on 30 Apr"),
    (NEW_YORK, "at 10:40", utc(2026, 3, 8, 14, 40), "10:40"),
    (NEW_YORK, "yesterday 14:30", utc(2026, 3, 7, 19, 30), "14:30 on 7 Mar"),  # still winter time
    (NEW_YORK, "5 min ago", utc(2026, 3, 8, 15, 55), "11:55"),
    (NEW_YORK, "2026-03-08 01:30", utc(2026, 3, 8, 6, 30), "01:30"),
    (ROME, "stamattina alle 7:00", utc(2026, 10, 25, 6, 0), "07:00"),  # winter time by then
    (ROME, "mezz'ora fa", utc(2026, 10, 25, 10, 30), "11:30"),
    (ROME, "ieri 14:00", utc(2026, 10, 24, 12, 0), "14:00 on 24 Oct"),
    (NEW_YORK, "yesterday 2pm", utc(2026, 3, 7, 19, 0), "14:00 on 7 Mar"),
    (NEW_YORK, "this morning at 7", utc(2026, 3, 8, 11, 0), "07:00"),  # summer time by then
    (NEW_YORK, "last night at 1", utc(2026, 3, 8, 6, 0), "01:00"),  # after midnight, not 13:00
    (NEW_YORK, "last night at 11", utc(2026, 3, 8, 4, 0), "23:00 on 7 Mar"),
]
REFUSED = [
    (ROME, "23:15 rollback", "in the future"),
    (ROME, "domani 10:00 rollback", "is in the future"),
    (ROME, "riavvio alle 7:00", '"alle 7:00" says when this happened: put it first'),
    (ROME, "stamattina riavvio", '"stamattina" needs its time of day'),
    # A day anywhere in the note without its time of day (issue 30, item 1).
    (ROME, "riavvio ieri", '"ieri" needs its time of day: "ieri 10:30 …"'),
    (ROME, "riavvio stamattina", '"stamattina" needs its time of day'),
    (NEW_YORK, "restart yesterday", '"yesterday" needs its time of day: "yesterday 10:30 …"'),
    (NEW_YORK, "restart this morning", '"this morning" needs its time of day'),
    (NEW_YORK, "deploy at 10:40 failed", '"at 10:40" says when this happened'),
    (NEW_YORK, "restart half an hour ago", '"half an hour ago" says when this happened'),
    (NEW_YORK, "now", "Say what happened"),
    (ROME, "25:10 rollback", "not a valid time"),
    (ROME, "2.10 rolled out", "could be a time or a number"),
    (ROME, "10:40", "Add what happened"),
    (NEW_YORK, "2026-03-08 02:30 rollback", "did not happen"),
    (NEW_YORK, "12:01 rollback", "in the future"),
]


async def incident_at(start_stack: StartStack, tz: str) -> tuple[SandboxStack, Incident]:
    stack = await start_stack(tz, ROME_NOON if tz == ROME else NEW_YORK_NOON)
    return stack, await stack.declare(TITLE)


def bot_posts(stack: SandboxStack, channel: str) -> list[str]:
    return [m.text for m in stack.sandbox.messages(channel) if m.bot_id]


async def notes(stack: SandboxStack, incident: Incident) -> list[tuple[datetime, str]]:
    _, services = running(stack)
    entries = await services.timeline.entries(incident.id)
    return [(e.occurred_at, e.text) for e in entries if e.kind is EntryKind.note]


@pytest.mark.parametrize("tz", [ROME, NEW_YORK])
async def test_each_time_form_lands_at_its_instant(start_stack: StartStack, tz: str) -> None:
    stack, incident = await incident_at(start_stack, tz)
    driver, services = running(stack)
    channel = incident.channel_id
    assert channel
    cases = [(typed, at, shown) for zone, typed, at, shown in ACCEPTED if zone == tz]
    for typed, _, _ in cases:
        reply = await driver.command(GIULIA, channel, f"note {typed} deploy started")
        assert reply.ok
        assert reply.within_deadline
        assert reply.json["response_type"] == "in_channel"
    now = stack.clock.now()
    await driver.command(GIULIA, channel, "note rollback <!here> by <@U01MARCO>")
    await stack.idle()

    recorded = await notes(stack, incident)
    assert recorded[:-1] == sorted((at, "deploy started") for _, at, _ in cases)
    assert recorded[-1] == (now, "rollback <!here> by <@U01MARCO>")
    entries = [e for e in await services.timeline.entries(incident.id) if e.kind is EntryKind.note]
    assert all(e.is_key and e.recorded_at == now and e.actor == GIULIA for e in entries)
    posts = bot_posts(stack, channel)
    for _, _, shown in cases:
        assert f"Noted at {shown}: deploy started" in posts
    assert "Noted at 12:00: rollback by Marco" in posts
    # "now" first: the words are kept as written, at the current time.
    reply = await driver.command(GIULIA, channel, "note now deploy at 10:40 failed")
    assert reply.json["response_type"] == "in_channel"
    assert (now, "deploy at 10:40 failed") in await notes(stack, incident)
    assert not any(ping in post for post in posts[-len(cases) - 1 :] for ping in PINGS)


@pytest.mark.parametrize("tz", [ROME, NEW_YORK])
async def test_refused_times_record_nothing(start_stack: StartStack, tz: str) -> None:
    stack, incident = await incident_at(start_stack, tz)
    driver, _ = running(stack)
    channel = incident.channel_id
    assert channel
    posts_before = bot_posts(stack, channel)
    for zone, typed, error in REFUSED:
        if zone != tz:
            continue
        reply = await driver.command(MARCO, channel, f"note {typed}")
        body = reply.json or {"text": reply.text}
        assert body.get("response_type") != "in_channel"
        assert error in body["text"]
        assert "`ieri alle 14:30`" in body["text"]
        assert "or `now`" in body["text"]
        assert "Nothing was recorded" in body["text"]
    await stack.idle()
    texts = [text for _, text in await notes(stack, incident)]
    assert texts == []
    assert len(bot_posts(stack, channel)) == len(posts_before) + len(texts)


async def test_a_note_needs_text_and_an_incident_channel(
    stack: SandboxStack, incident: Incident
) -> None:
    driver, _ = running(stack)
    assert incident.channel_id
    empty = await driver.command(MARCO, incident.channel_id, "note")
    assert "Say what happened" in json.dumps(empty.json or empty.text)
    elsewhere = await driver.command(MARCO, "C0INCIDENTS", "note 10:40 deploy")
    assert "only inside an incident channel" in (elsewhere.json or {"text": elsewhere.text})["text"]
    stack.clock.advance(timedelta(minutes=1))
    assert await notes(stack, incident) == []


async def test_a_note_that_mentions_payload_is_recorded(
    stack: SandboxStack, incident: Incident
) -> None:
    """Bolt reads a form body containing "payload" as an interactive payload; ours must not."""
    driver, _ = running(stack)
    assert incident.channel_id
    reply = await driver.command(MARCO, incident.channel_id, "note payload=5MB upload fails")
    assert reply.ok
    assert reply.json["response_type"] == "in_channel"
    await stack.idle()
    assert await notes(stack, incident) == [(stack.clock.now(), "payload=5MB upload fails")]
