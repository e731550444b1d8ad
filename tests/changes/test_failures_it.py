"""Failures are recorded as facts and read in the reader's language: in an Italian workspace
the key timeline and the Italian internal draft phrase them in Italian, the English draft in
English, the remote's own code or message verbatim in both."""

from __future__ import annotations

from aiohttp import web

from bot.models import EntryKind
from bot.sandbox.faults import error
from tests.postmortem.flow import uploads

from .conftest import MARCO, at
from .test_rollback_slack import ask, confirm
from .test_suspects_slack import command, declare

HEROKU_SAYS = "Cannot rollback to a release that had a different set of addons installed."


async def test_failures_read_in_the_rooms_and_the_drafts_language(
    make_stack, heroku, heroku_source
) -> None:
    heroku.add(120, at(9, 0))
    heroku.add(121, at(10, 38))
    stack = await make_stack({"web": heroku_source}, language="it")
    channel = await declare(stack)
    # Slack refuses the topic when the status changes; Heroku refuses the first rollback.
    stack.sandbox.faults.add("conversations.setTopic", error("not_in_channel"), times=1)
    await command(stack, channel, "status identified")
    heroku.answer(
        "POST", web.json_response({"id": "invalid_params", "message": HEROKU_SAYS}, status=422)
    )
    await confirm(stack, channel, await ask(stack, channel))
    # The second one succeeds, but Slack refuses the update of its progress message.
    stack.sandbox.faults.add("chat.update", error("cant_update_message"), times=1)
    await confirm(stack, channel, await ask(stack, channel))

    entries = await stack.services.timeline.entries(1)
    errors = [e for e in entries if e.kind is EntryKind.error]
    # The English text stays for readers that predate the facts.
    assert [(e.text, e.data["error"]) for e in errors] == [
        ("topic: not_in_channel", "board"),
        ("rollback message not posted: cant_update_message", "not_posted"),
    ]

    await command(stack, channel, "cronologia")
    shown = str(stack.sandbox.ephemerals(MARCO, channel)[-1].blocks)
    assert "Rollback di web da v121 a v120: riuscito" in shown

    await command(stack, channel, "bozza it internal")
    await command(stack, channel, "bozza en internal")
    italian, english = (next(iter(u.files.values())) for u in uploads(stack, channel))
    assert "Errore: Aggiornamento non riuscito: argomento del canale (not_in_channel)" in italian
    assert "Errore: Messaggio sul rollback non pubblicato: cant_update_message" in italian
    refused = f"(422 from Heroku: {HEROKU_SAYS} (invalid_params))"
    assert f"Modifica: Rollback di web da v121 a v120: non riuscito {refused}" in italian
    assert "Error: Update failed: channel topic (not_in_channel)" in english
    assert "Error: Message about the rollback not posted: cant_update_message" in english
    assert f"Change: Rollback of web from v121 to v120: failed {refused}" in english
    assert "Rollback of web from v121 to v120: done" in english
