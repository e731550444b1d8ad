"""Features and maintenance in Italian, through the real Bolt app: the Italian aliases typed,
Italian replies, board lines, questions and buttons seen."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.models import Incident
from bot.sandbox.stack import SandboxStack

MARCO, ANNOUNCE = "U01MARCO", "C0INCIDENTS"


@pytest.fixture
async def italian(
    tmp_path: Path, clock: ManualClock, database_for: Callable[[Path], str]
) -> AsyncIterator[SandboxStack]:
    settings = {
        "language": "it",
        "timezone": "Europe/Copenhagen",
        "features": [
            {"name": "Quotes", "aliases": ["Offerte"]},
            {"name": "Purchases", "aliases": ["Acquisti"]},
        ],
    }
    async with SandboxStack(database_for(tmp_path), clock=clock, settings=settings) as stack:
        yield stack


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
    degraded, _ = await say(italian, incident, "funzionalita degradata offerte")
    assert "come degradata dalle" in degraded
    assert "(prima: fuori servizio)" in degraded
    listed, _ = await say(italian, incident, "funzionalità list")
    assert listed.startswith("*Funzionalità in INC-1*")
    assert ":large_orange_circle: *Quotes* degradata dalle" in listed
    assert "Non coinvolte: Purchases." in listed
    up, _ = await say(italian, incident, "funzionalità su Offerte")
    assert "come ripristinata alle" in up
    assert "in tutto." in up
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
