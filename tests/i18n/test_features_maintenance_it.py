"""Features and maintenance in Italian, through the real Bolt app: the Italian aliases typed,
Italian replies, board lines, questions and buttons seen."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.i18n import texts
from bot.models import Incident, TimelineEntry
from bot.sandbox.stack import SandboxStack
from bot.timeline.export import export
from bot.timeline.render import describe

MARCO, ANNOUNCE = "U01MARCO", "C0INCIDENTS"


@pytest.fixture
def italian_settings() -> dict[str, Any]:
    return {
        "features": [
            {"name": "Quotes", "aliases": ["Offerte"]},
            {"name": "Purchases", "aliases": ["Acquisti"]},
        ]
    }


async def declared(stack: SandboxStack) -> Incident:
    await stack.driver.command(MARCO, ANNOUNCE, "declare Offerte sparite")
    await stack.idle()
    return await stack.services.incidents.get(1)


async def say(stack: SandboxStack, incident: Incident, text: str) -> tuple[str, Any]:
    """`/incident <text>` in the channel: the ack's text and blocks."""
    reply = await stack.driver.command(MARCO, str(incident.channel_id), text)
    await stack.idle()
    body = reply.json if isinstance(reply.json, dict) else {"text": reply.text}
    return str(body.get("text") or ""), body.get("blocks")


async def test_features_are_marked_and_listed_in_italian(italian: SandboxStack) -> None:
    incident = await declared(italian)
    down, _ = await say(italian, incident, "funzionalità giù Offerte")
    assert "ha segnato *Quotes* come fuori servizio dalle" in down
    italian.clock.advance(timedelta(minutes=11))
    degraded, _ = await say(italian, incident, "funzionalita degradata offerte")
    assert "come degradata dalle" in degraded
    assert "(prima: fuori servizio)" in degraded
    listed, _ = await say(italian, incident, "funzionalità elenco")
    assert listed.startswith("*Funzionalità in INC-1*")
    assert ":large_orange_circle: *Quotes* degradata dalle" in listed
    assert "Non coinvolte: Purchases." in listed
    italian.clock.advance(timedelta(minutes=3))
    up, _ = await say(italian, incident, "funzionalità su Offerte")
    assert "come ripristinata alle" in up
    assert up.endswith(": fuori servizio per 11 min, degradata per 3 min.")  # each total named
    board = italian.sandbox.messages(str(incident.channel_id))
    assert any("*Funzionalità*" in m.text or "*Funzionalità*" in str(m.blocks) for m in board)


async def test_bad_feature_input_is_refused_in_italian(italian: SandboxStack) -> None:
    incident = await declared(italian)
    state, _ = await say(italian, incident, "funzionalità boh Offerte")
    assert "non è uno stato di funzionalità" in state
    assert "`/incident funzionalità giù Offerte alle 10:40`" in state
    unknown, _ = await say(italian, incident, "funzionalità giù Offrte")
    assert "non è una funzionalità conosciuta" in unknown
    assert "Intendevi Quotes?" in unknown
    restored, _ = await say(italian, incident, "funzionalità su Acquisti")
    assert "*Purchases* non è segnata fuori servizio." in restored


async def test_maintenance_asks_and_reports_in_italian(italian: SandboxStack) -> None:
    incident = await declared(italian)
    usage, _ = await say(italian, incident, "manutenzione boh")
    assert "Usa `/incident manutenzione attiva|disattiva|status [target]`." in usage
    question, blocks = await say(italian, incident, "manutenzione attiva")
    assert "PROVA — non cambierà nulla" in question
    assert "Vuoi registrare la manutenzione *attiva* su *app*" in question
    buttons = [e["text"]["text"] for e in blocks[-1]["elements"]]
    assert "Registra la prova" in buttons
    status, _ = await say(italian, incident, "manutenzione status")
    assert status.startswith("*Manutenzione, come registrata*")
    assert "• *app* (dryrun): disattiva" in status


async def click_last(stack: SandboxStack, incident: Incident, action: str) -> None:
    prompt = stack.sandbox.ephemerals(MARCO, str(incident.channel_id))[-1]
    await stack.driver.click(
        MARCO, action, channel_id=str(incident.channel_id), message_ts=prompt.ts
    )
    await stack.idle()


async def test_maintenance_on_while_on_and_a_typo_in_italian(italian: SandboxStack) -> None:
    incident = await declared(italian)  # 10:40 in Copenhagen
    await say(italian, incident, "manutenzione attiva")
    await click_last(italian, incident, "maintenance_on_confirm")
    windows = await italian.services.maintenance.windows(incident.id)
    again, blocks = await say(italian, incident, "manutenzione attiva")
    assert "La manutenzione è già attiva su *app* dalle 10:40" in again
    assert "`/incident manutenzione disattiva app` la termina" in again
    assert not blocks
    assert await italian.services.maintenance.windows(incident.id) == windows
    typo, _ = await say(italian, incident, "manutenzione disattiva ap")
    assert "Per esempio `/incident manutenzione disattiva app`." in typo


async def test_close_guard_in_italian(italian: SandboxStack) -> None:
    incident = await declared(italian)
    await say(italian, incident, "funzionalità giù Offerte")
    await say(italian, incident, "manutenzione attiva")
    await click_last(italian, incident, "maintenance_on_confirm")
    question, blocks = await say(italian, incident, "chiudi")
    assert question.startswith("INC-1 non è risolto e ha ancora in sospeso:")
    assert "Quotes" in question
    assert "Lo chiudo comunque?" in question
    assert "`/incident funzionalità su NOME alle HH:MM`" in question
    buttons = [e["text"]["text"] for e in blocks[-1]["elements"]]
    assert buttons == ["Segna tutte ripristinate e chiudi", "Chiudi comunque", "Annulla"]
    await click_last(italian, incident, "features_restore_and_close")
    # Maintenance is still on: asked again, without the features.
    again = italian.sandbox.ephemerals(MARCO, str(incident.channel_id))[-1]
    assert "Lo chiudo comunque?" in again.text
    assert "manutenzione" in again.text
    assert "features_restore_and_close" not in str(again.blocks)
    assert "incident_close_confirm" in str(again.blocks)
    assert italian.sandbox.latest_view(MARCO) is None
    assert (await italian.services.incidents.get(incident.id)).is_open


async def test_the_key_timeline_renders_stored_facts_in_italian(italian: SandboxStack) -> None:
    incident = await declared(italian)
    await say(italian, incident, "funzionalità giù Offerte")
    await say(italian, incident, "stato identified")
    await say(italian, incident, "manutenzione attiva")
    await click_last(italian, incident, "maintenance_on_confirm")
    await say(italian, incident, "cronologia")
    shown = json.dumps(
        italian.sandbox.ephemerals(MARCO, str(incident.channel_id))[-1].blocks, ensure_ascii=False
    )
    assert "Quotes: fuori servizio" in shown
    assert "Stato: identificato" in shown
    assert "Manutenzione attivata su app (dryrun): prova, nulla è cambiato" in shown
    for english in ("Quotes down", "identified", "maintenance on for"):
        assert english not in shown
    # The same record, in English, for the export: rendered from the facts, not stored text.
    entries = await italian.services.timeline.entries(incident.id)
    assert describe_all(entries, "en") >= {"Quotes: down", "Status: identified"}


def describe_all(entries: list[TimelineEntry], language: str) -> set[str]:
    return {describe(e, texts(language)) for e in entries}


async def test_the_italian_export_has_no_english_heading(italian: SandboxStack) -> None:
    """`outagebot export INC-1 --lang it`: its headings and the bot's entries in Italian, the
    follow-ups phrased from their facts; the English export words the same record in English."""
    incident = await declared(italian)
    await say(italian, incident, "funzionalità giù Offerte")
    await say(italian, incident, "followup add Scrivere i test del deploy")
    await say(italian, incident, "followup done 1")
    services = italian.services
    impact = await services.board.section_lines(incident)
    shown = await export(services.timeline, services.people, incident, "md", impact, language="it")
    headings = [line for line in shown.splitlines() if line.startswith("#")]
    assert headings[1:3] == ["## Impatto", "## mercoledì 30 aprile 2025"], headings
    assert "Azione di follow-up #1 aggiunta: Scrivere i test del deploy" in shown
    assert "Azione di follow-up #1 fatta: Scrivere i test del deploy" in shown
    assert "added:" not in shown
    english = await export(services.timeline, services.people, incident, "md", impact)
    assert "## Impact" in english
    assert "Follow-up #1 added: Scrivere i test del deploy" in english
    assert "Follow-up #1 done: Scrivere i test del deploy" in english
