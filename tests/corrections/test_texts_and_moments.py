"""A note's text and the declared and resolved moments corrected through the form."""

from __future__ import annotations

import json

from bot.models import Incident
from bot.sandbox.stack import SandboxStack
from tests.postmortem.flow import uploads
from tests.postmortem.story import at

from .conftest import facts, local, submit_correction


async def test_a_notes_text_is_corrected_and_its_old_text_kept(
    stack: SandboxStack, day: Incident
) -> None:
    named = await facts(stack, day)
    key = named["note:text"].key
    reply = await submit_correction(
        stack, day, {key: "Il rollback non risolve: serve una correzione"}, "typo", args="notes"
    )
    assert not reply.text.strip(), reply.text
    entries = await stack.services.timeline.entries(day.id)
    note = next(e for e in entries if f"entry:{e.id}:text" == key)
    assert note.text == "Il rollback non risolve: serve una correzione"
    assert [r.text for r in note.revisions] == ["Il rollback non risolve il problema"]
    latest = uploads(stack, day.channel_id or "")[-1]
    assert "v2" in latest.comment
    customer = latest.files["INC-1-customer-it.md"]
    assert "Il rollback non risolve: serve una correzione" in customer
    assert "Il rollback non risolve il problema" not in customer


async def test_declared_and_resolved_move_and_keep_their_order(
    stack: SandboxStack, day: Incident
) -> None:
    named = await facts(stack, day)
    declared, resolved = named["incident:declared"], named["incident:resolved"]
    reply = await submit_correction(
        stack, day, {resolved.key: local(30, 10, 0)}, "wrong click", args="incident"
    )
    said = json.loads(reply.text)["errors"][f"t|{resolved.key}"]
    assert "cannot come before declared" in said
    reply = await submit_correction(
        stack,
        day,
        {declared.key: local(30, 10, 38), resolved.key: local(30, 17, 31)},
        "declared from the first alert",
        args="incident",
    )
    assert not reply.text.strip(), reply.text
    incident = await stack.services.incidents.get(day.id)
    assert incident.declared_at == local(30, 10, 38)
    assert incident.resolved_at == local(30, 17, 31)
    internal = uploads(stack, day.channel_id or "")[-1].files["INC-1-internal.md"]
    assert "| Dichiarazione | 10:38 | 20 ore e 38 minuti |" in internal  # since 29/04 14:00
    assert "| Risoluzione | 17:31 | 27 ore e 31 minuti |" in internal


async def test_a_reopened_incidents_resolution_cannot_move_before_the_reopening(
    stack: SandboxStack,
) -> None:
    stack.clock.set(at(30, 10, 40))
    incident = await stack.declare("Offerte vuote")
    channel = incident.channel_id or ""
    stack.clock.set(at(30, 11, 0))
    await stack.run(channel, "resolve")
    stack.clock.set(at(30, 11, 20))
    await stack.run(channel, "reopen empty again")
    stack.clock.set(at(30, 12, 0))
    await stack.run(channel, "resolve")
    incident = await stack.services.incidents.get(incident.id)
    resolved = (await facts(stack, incident))["incident:resolved"]

    reply = await submit_correction(
        stack, incident, {resolved.key: local(30, 11, 10)}, "wrong click", args="incident"
    )

    said = json.loads(reply.text)["errors"][f"t|{resolved.key}"]
    assert said == "Resolved (11:10) cannot come before it was reopened (11:20)."
    assert (await stack.services.incidents.get(incident.id)).resolved_at == at(30, 12, 0)
    reply = await submit_correction(
        stack, incident, {resolved.key: local(30, 11, 50)}, "the logs say so", args="incident"
    )
    assert not reply.text.strip(), reply.text
    assert (await stack.services.incidents.get(incident.id)).resolved_at == at(30, 11, 50)
