"""Notes and messages are internal unless marked public (`note public`, `nota pubblica`, the
:loudspeaker: reaction): over signed HTTP through the real Bolt app, stored and shown."""

from __future__ import annotations

import json

from bot.models import EntryKind, Incident
from bot.sandbox.cast import GIULIA, MARCO
from bot.sandbox.stack import SandboxStack
from bot.timeline.capture import CONFIRM_REACTION

from .helpers import messages, running


async def test_note_public_and_nota_pubblica(stack: SandboxStack, incident: Incident) -> None:
    driver, services = running(stack)
    channel = incident.channel_id
    assert channel
    for typed in ("note public 09:50 Checkout restored", "nota pubblica Pagamenti verificati"):
        reply = await driver.command(GIULIA, channel, typed)
        assert reply.json["response_type"] == "in_channel"
        assert ", for customers too:" in reply.json["text"]
    await driver.command(GIULIA, channel, "note restarted the worker")
    empty = await driver.command(GIULIA, channel, "note public")
    assert "Say what happened" in json.dumps(empty.json or empty.text)
    await stack.idle()
    notes = [e for e in await services.timeline.entries(incident.id) if e.kind is EntryKind.note]
    assert [(e.text, e.is_public) for e in notes] == [
        ("Checkout restored", True),
        ("Pagamenti verificati", True),
        ("restarted the worker", False),
    ]
    await driver.command(MARCO, channel, "timeline")
    shown = json.dumps(stack.sandbox.ephemerals(MARCO, channel)[-1].blocks)
    assert ":loudspeaker: Checkout restored" in shown
    assert ":loudspeaker: restarted" not in shown


async def test_the_loudspeaker_reaction_marks_a_message_public(
    stack: SandboxStack, incident: Incident
) -> None:
    driver, _ = running(stack)
    channel = incident.channel_id
    assert channel
    ts = await driver.message(GIULIA, channel, "Fix for Quotes is live")
    other = await driver.message(GIULIA, channel, "I think the cache is stale")
    await driver.react(MARCO, channel, ts, "loudspeaker")
    await driver.react(MARCO, channel, other, "pushpin")
    await stack.idle()
    public, key = await messages(stack, incident)
    assert (public.is_key, public.is_public) == (True, True)
    assert (key.is_key, key.is_public) == (True, False)
    assert CONFIRM_REACTION in stack.sandbox.state.channels[channel].message(ts).reactions

    await driver.unreact(MARCO, channel, ts, "loudspeaker")
    await stack.idle()
    public, _ = await messages(stack, incident)
    assert (public.is_key, public.is_public) == (False, False)
