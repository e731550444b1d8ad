"""Each invalid correction is refused with an error under its field and nothing changed;
permissions; a concurrent correction refused."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.models import Incident
from bot.sandbox.cast import GIULIA, LUCA, MARCO
from bot.sandbox.stack import SandboxStack
from bot.store import tables
from handlers.maintenance import CONFIRM_ON
from tests.postmortem.flow import reconfigure, saved_drafts, uploads

from .conftest import facts, local, submit_correction, submit_open_form


async def unchanged(stack: SandboxStack, incident: Incident, before: dict[str, object]) -> None:
    """The record is as it was: same facts, no audit row, no new draft."""
    now = {f.key: f.value for f in await stack.services.corrections.facts(incident)}
    assert now == before
    async with stack.services.db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(tables.corrections)) == 0


async def snapshot(stack: SandboxStack, incident: Incident) -> dict[str, object]:
    return {f.key: f.value for f in await stack.services.corrections.facts(incident)}


def errors(reply_text: str) -> dict[str, str]:
    body = json.loads(reply_text)
    assert body["response_action"] == "errors"
    return dict(body["errors"])


async def test_each_invalid_correction_is_refused_under_its_field(
    stack: SandboxStack, day: Incident
) -> None:
    named = await facts(stack, day)
    before = await snapshot(stack, day)
    drafts = await saved_drafts(stack)
    quotes_end, purchases_start = named["Quotes:end"].key, named["Purchases:start"].key
    note = named["note:time"].key
    cases = [
        # an end before its start
        ({quotes_end: local(30, 10, 30)}, quotes_end, "must come after the start (10:40)"),
        # a time in the future (now is 18:30)
        ({note: local(30, 18, 45)}, note, "is in the future"),
        # a time after the incident closed (18:00)
        ({note: local(30, 18, 10)}, note, "after the incident closed (18:00)"),
        # the platform confirmed maintenance on at 10:45: the window cannot start later
        (
            {named["window web:start"].key: local(30, 10, 50)},
            named["window web:start"].key,
            "The platform confirmed maintenance on for web at 10:45",
        ),
        # one bad change refuses the good one with it
        (
            {purchases_start: local(29, 13, 58), quotes_end: local(30, 9, 0)},
            quotes_end,
            "must come after the start",
        ),
    ]
    for changes, key, said in cases:
        reply = await submit_correction(stack, day, changes)
        found = errors(reply.text)
        assert said in found[f"t|{key}"], found
        await unchanged(stack, day, before)
    reply = await submit_correction(stack, day, {quotes_end: local(30, 17, 25)}, reason="  ")
    assert "Say why" in errors(reply.text)["reason"]
    await unchanged(stack, day, before)
    assert await saved_drafts(stack) == drafts


async def test_a_window_may_move_earlier_than_the_confirmed_switch(
    stack: SandboxStack, day: Incident
) -> None:
    named = await facts(stack, day)
    reply = await submit_correction(
        stack, day, {named["window web:start"].key: local(30, 10, 43)}, "switched by hand first"
    )
    assert not reply.text.strip()
    windows = await stack.services.maintenance.windows(day.id)
    assert windows[0].started_at == local(30, 10, 43)
    # The timeline moves with it: the v2 drafts say the app went offline at 10:43.
    latest = uploads(stack, day.channel_id or "")[-1]
    assert "v2" in latest.comment
    customer = latest.files["INC-1-customer-it.md"]
    assert "**10:43** — Applicazione messa offline" in customer
    assert "10:45" not in customer
    internal = latest.files["INC-1-internal.md"]
    assert (
        "- **10:43** Marco: Manutenzione attivata su web (webhook) _(registrato alle 10:45)_"
        in (internal)
    )


async def test_who_switched_maintenance_may_correct_its_window(
    stack: SandboxStack, webhook_url: str
) -> None:
    await reconfigure(stack, webhook_url)
    incident = await stack.declare("Offerte vuote")
    channel = incident.channel_id or ""
    stack.sandbox.state.channels[channel].members.append(GIULIA)  # she joined the channel
    await stack.run(channel, "maintenance on web", user=GIULIA)
    prompt = stack.sandbox.ephemerals(GIULIA, channel)[-1]
    assert (
        await stack.driver.click(GIULIA, CONFIRM_ON, channel_id=channel, message_ts=prompt.ts)
    ).ok
    await stack.idle()
    stack.clock.advance(timedelta(minutes=30))
    start = (await facts(stack, incident))["window web:start"]
    assert start.recorder == GIULIA

    reply = await submit_correction(stack, incident, {start.key: local(30, 10, 38)}, user=LUCA)
    assert "Only the incident's lead" in errors(reply.text)["reason"]
    reply = await submit_correction(stack, incident, {start.key: local(30, 10, 38)}, user=GIULIA)
    assert not reply.text.strip()
    assert (await facts(stack, incident))["window web:start"].value == local(30, 10, 38)


async def test_two_intervals_of_one_feature_may_not_overlap(stack: SandboxStack) -> None:
    incident = await stack.declare("Quotes flapping")
    channel = incident.channel_id or ""
    stack.clock.advance(timedelta(minutes=60))  # 11:40
    await stack.run(channel, "feature down Quotes at 10:40")
    await stack.run(channel, "feature up Quotes at 11:00")
    await stack.run(channel, "feature down Quotes at 11:30")
    intervals = await stack.services.features.intervals(incident.id)
    first_end = f"interval:{intervals[0].id}:end"
    reply = await submit_correction(stack, incident, {first_end: local(30, 11, 35)})
    assert "would be out twice at once" in errors(reply.text)[f"t|{first_end}"]
    assert await stack.services.features.intervals(incident.id) == intervals


async def test_who_may_correct(stack: SandboxStack, day: Incident) -> None:
    named = await facts(stack, day)
    before = await snapshot(stack, day)
    purchases_start, quotes_end = named["Purchases:start"].key, named["Quotes:end"].key
    # Luca is neither the lead (Marco) nor who recorded it (Giulia), and no list names him.
    reply = await submit_correction(stack, day, {purchases_start: local(29, 13, 58)}, user=LUCA)
    assert "Only the incident's lead" in errors(reply.text)["reason"]
    await unchanged(stack, day, before)
    # Giulia recorded Purchases going down: she may move its start, not Marco's Quotes end.
    reply = await submit_correction(stack, day, {quotes_end: local(30, 17, 25)}, user=GIULIA)
    assert "Only the incident's lead" in errors(reply.text)["reason"]
    reply = await submit_correction(stack, day, {purchases_start: local(29, 13, 58)}, user=GIULIA)
    assert not reply.text.strip()
    # `[permissions] correct` lets Luca too.
    stack.overrides = stack.overrides | {"permissions": {"correct": [LUCA]}}
    await stack.restart_bot()
    reply = await submit_correction(stack, day, {quotes_end: local(30, 17, 25)}, user=LUCA)
    assert not reply.text.strip()
    corrected = await facts(stack, day)
    assert corrected["Quotes:end"].value == local(30, 17, 25)
    assert corrected["Purchases:start"].value == local(29, 13, 58)


async def test_a_concurrent_correction_is_refused(stack: SandboxStack, day: Incident) -> None:
    named = await facts(stack, day)
    key = named["Purchases:start"].key
    assert stack.driver is not None
    await stack.run(day.channel_id or "", "correct", user=MARCO)  # Marco's form is open...
    reply = await submit_correction(stack, day, {key: local(29, 13, 58)}, user=GIULIA)
    assert not reply.text.strip()  # ...while Giulia corrects the same start
    reply = await submit_open_form(stack, {key: local(29, 13, 55)}, "my guess", user=MARCO)
    said = errors(reply.text)[f"t|{key}"]
    assert "Changed meanwhile by Giulia" in said
    assert said.endswith("review and submit again.")
    assert (await facts(stack, day))["Purchases:start"].value == local(29, 13, 58)
    # Left as shown, Giulia's start is kept while Marco's stale form corrects another fact.
    quotes_end = named["Quotes:end"].key
    reply = await submit_open_form(stack, {quotes_end: local(30, 17, 25)}, "logs", user=MARCO)
    assert not reply.text.strip()
    after = await facts(stack, day)
    assert after["Purchases:start"].value == local(29, 13, 58)
    assert after["Quotes:end"].value == local(30, 17, 25)


async def test_nothing_changed_and_an_unknown_filter_are_answered(
    stack: SandboxStack, day: Incident
) -> None:
    before = await snapshot(stack, day)
    reply = await submit_correction(stack, day, {}, "no reason to")
    assert "Nothing to correct" in errors(reply.text)["reason"]
    answer = await stack.run(day.channel_id or "", "correggi banana")
    assert "`banana` is not a kind of fact." in answer.body["text"]
    await unchanged(stack, day, before)
