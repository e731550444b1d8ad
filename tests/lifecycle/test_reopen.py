"""A resolved incident opened again: `/incident reopen` (`riapri`), recorded, announced and
drafted; an open or closed one is refused with nothing changed."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.models import EntryKind, Status
from bot.sandbox.cast import MARCO
from bot.sandbox.stack import SandboxStack
from bot.store import tables


async def snapshot(stack: SandboxStack) -> tuple:
    async with stack.services.db.connect() as conn:
        incidents = (await conn.execute(select(tables.incidents))).all()
        entries = (await conn.execute(select(tables.timeline_entries))).all()
    return incidents, entries


async def test_a_resolved_incident_reopens_is_worked_on_and_resolves_again(
    stack: SandboxStack, channel: str
) -> None:
    stack.clock.advance(timedelta(hours=2))
    await stack.run(channel, "resolve")
    stack.clock.advance(timedelta(minutes=10))

    reply = await stack.run(channel, "reopen Quotes empty again after the cache flush")

    assert reply.body["text"] == (
        f":repeat: <@{MARCO}> reopened INC-1: Quotes empty again after the cache flush"
    )
    assert reply.body.get("response_type") == "in_channel"
    incident = await stack.services.incidents.get(1)
    assert incident.status is Status.investigating
    assert incident.resolved_at is None
    assert incident.reopened_at == stack.clock.now()
    assert "investigating" in stack.sandbox.state.channels[channel].topic
    last = (await stack.services.timeline.entries(1))[-1]
    assert (last.kind, last.actor, last.text) == (
        EntryKind.reopened,
        MARCO,
        "Quotes empty again after the cache flush",
    )
    # Open again: changes are taken, and the reminders to post an update are back.
    await stack.run(channel, "feature down Quotes")
    stack.clock.advance(timedelta(minutes=31))
    assert await stack.services.schedules.run_due() == 1
    await stack.run(channel, "feature up Quotes")
    reply = await stack.run(channel, "resolve")
    assert "resolved INC-1 after 2 h 41 min" in reply.body["text"]

    incident = await stack.services.incidents.get(1)
    facts = await stack.services.postmortems.facts(incident, online=False)
    internal = stack.services.postmortems.render(facts, "internal", "en")
    assert "Incident reopened: Quotes empty again after the cache flush" in internal
    assert internal.count("Incident resolved") == 2
    customer = stack.services.postmortems.render(facts, "customer", "en")
    assert "The issue came back and we resumed work on it" in customer
    assert "cache flush" not in customer  # the reason is internal

    timeline = json.dumps((await stack.run(channel, "timeline")).body["blocks"])
    assert "Reopened: Quotes empty again after the cache flush" in timeline


async def test_reopen_refuses_an_open_or_a_closed_incident_and_changes_nothing(
    stack: SandboxStack, channel: str
) -> None:
    before = await snapshot(stack)
    reply = await stack.run(channel, "reopen")
    assert "INC-1 is not resolved: there is nothing to reopen." in reply.body["text"]
    assert await snapshot(stack) == before

    await stack.run(channel, "resolve")
    incident = await stack.services.incidents.close(await stack.services.incidents.get(1), MARCO)
    before = await snapshot(stack)
    reply = await stack.run(channel, "reopen it came back")
    assert "INC-1 is closed, and a closed incident stays closed." in reply.body["text"]
    assert "declare a new incident with `/incident declare`" in reply.body["text"]
    assert await snapshot(stack) == before
    assert incident.status is Status.closed


async def test_a_change_to_a_resolved_incident_points_to_reopen(
    stack: SandboxStack, channel: str
) -> None:
    await stack.run(channel, "resolve")
    before = await snapshot(stack)
    reply = await stack.run(channel, "status investigating")
    assert "INC-1 is already resolved." in reply.body["text"]
    assert "`/incident reopen <why>` opens it again." in reply.body["text"]
    assert await snapshot(stack) == before


async def test_riapri_in_italian(stack: SandboxStack) -> None:
    stack.overrides = stack.overrides | {"language": "it"}
    await stack.restart_bot()
    incident = await stack.declare("Offerte vuote")
    channel = incident.channel_id or ""
    await stack.run(channel, "risolvi")

    reply = await stack.run(channel, "riapri di nuovo vuote")

    assert reply.body["text"] == f":repeat: <@{MARCO}> ha riaperto INC-1: di nuovo vuote"
    assert (await stack.services.incidents.get(1)).status is Status.investigating
    refused = await stack.run(channel, "riapri")
    assert "INC-1 non è risolto: non c'è niente da riaprire." in refused.body["text"]
    timeline = json.dumps((await stack.run(channel, "cronologia")).body["blocks"])
    assert "Riaperto: di nuovo vuote" in timeline
    help_text = (await stack.run(channel, "aiuto")).body["text"]
    assert "`riapri [motivo]` — riapre un incidente risolto" in help_text


async def test_a_resolve_question_asked_before_the_reopening_has_expired(
    stack: SandboxStack, channel: str
) -> None:
    """Asked while Quotes was down, answered after a resolve and a reopen: it was about the
    earlier resolution, so the click changes nothing."""
    await stack.run(channel, "feature down Quotes at 10:30")
    await stack.run(channel, "resolve")
    question = stack.sandbox.ephemerals(MARCO, channel)[-1]
    await stack.run(channel, "resolve")
    again = stack.sandbox.ephemerals(MARCO, channel)[-1]
    await stack.driver.click(
        MARCO, "incident_resolve_confirm", "1", channel_id=channel, message_ts=again.ts
    )
    await stack.idle()
    stack.clock.advance(timedelta(minutes=20))
    await stack.run(channel, "reopen Quotes empty again")  # at 11:00
    before = await snapshot(stack)

    await stack.driver.click(
        MARCO, "incident_resolve_confirm", "1", channel_id=channel, message_ts=question.ts
    )
    await stack.idle()

    assert (await stack.services.incidents.get(1)).status is Status.investigating
    assert await snapshot(stack) == before
    said = stack.sandbox.ephemerals(MARCO, channel)[-1].text
    assert said == ":warning: INC-1 was reopened at 11:00; nothing changed."


async def test_a_close_form_opened_before_the_reopening_closes_nothing(
    stack: SandboxStack, channel: str
) -> None:
    await stack.run(channel, "resolve")
    await stack.run(channel, "close")  # the form opens
    form = stack.driver.latest_view(MARCO)
    assert form is not None
    stack.clock.advance(timedelta(minutes=30))
    await stack.run(channel, "reopen Quotes empty again")  # at 11:10
    before = await snapshot(stack)

    reply = await stack.driver.submit_view(MARCO, form.id, {"no_followups": {"value": ["yes"]}})
    await stack.idle()

    assert reply.ok
    assert "INC-1 was reopened at 11:10; nothing was closed." in reply.text
    assert (await stack.services.incidents.get(1)).status is Status.investigating
    assert await snapshot(stack) == before
