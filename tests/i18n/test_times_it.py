"""Times typed in Italian at 3 a.m. are understood or refused, never stored at "now" with the
time words kept as text (issue 30, item 1): notes, features and follow-ups, through the real
Bolt app, answers in Italian and what was stored checked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.models import EntryKind, FeatureState, Incident
from bot.sandbox.stack import SandboxStack

MARCO, ANNOUNCE = "U01MARCO", "C0INCIDENTS"


@pytest.fixture
def italian_settings() -> dict[str, Any]:
    return {
        "features": [
            {"name": "Purchases", "aliases": ["Acquisti"]},
            {"name": "Weekly close", "aliases": ["Chiusura venerdì"]},
        ]
    }


async def declared(stack: SandboxStack) -> Incident:
    await stack.driver.command(MARCO, ANNOUNCE, "dichiara Offerte sparite")
    await stack.idle()
    return await stack.services.incidents.get(1)


async def say(stack: SandboxStack, incident: Incident, text: str) -> tuple[str, bool]:
    """`/incident <text>` in the channel: the ack's text and whether the channel sees it."""
    reply = await stack.driver.command(MARCO, str(incident.channel_id), text)
    await stack.idle()
    body = reply.json if isinstance(reply.json, dict) else {"text": reply.text}
    return str(body.get("text") or ""), body.get("response_type") == "in_channel"


async def notes(stack: SandboxStack, incident: Incident) -> list[tuple[datetime, str]]:
    entries = await stack.services.timeline.entries(incident.id)
    return [(e.occurred_at, e.text) for e in entries if e.kind is EntryKind.note]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def test_notes_with_italian_times(italian: SandboxStack) -> None:
    # Wednesday 30 April 2025, 10:40 in Copenhagen (summer time, UTC+2).
    incident = await declared(italian)
    morning, shown = await say(italian, incident, "nota stamattina alle 7:00 riavvio")
    assert shown
    assert morning == "Annotato alle 07:00: riavvio"
    half, _ = await say(italian, incident, "nota mezz'ora fa riavvio")
    assert half == "Annotato alle 10:10: riavvio"
    yesterday, _ = await say(italian, incident, "nota ieri 23:00 cambio DNS")
    assert yesterday.endswith(": cambio DNS")
    for typed, refusal in [
        ("nota riavvio alle 7:00", '"alle 7:00" dice quando è successo'),
        ("nota stamattina riavvio", '"stamattina" va seguito dall\'ora'),
        ("nota domani 10:00 riavvio", '"domani" è nel futuro'),
        ("nota riavvio ieri", '"ieri" va seguito dall\'ora: "ieri 10:30 …"'),
        ("nota riavvio stamattina", '"stamattina" va seguito dall\'ora'),
        ("nota riavvio stanotte", '"stanotte" dice quando è successo, ma non è un giorno'),
    ]:
        text, shown = await say(italian, incident, typed)
        assert not shown
        assert refusal in text, typed
        assert "Non ho registrato nulla." in text
    written, _ = await say(italian, incident, "nota adesso riavvio alle 7:00 fallito")
    assert written.endswith(": riavvio alle 7:00 fallito")
    now = italian.clock.now()
    assert await notes(italian, incident) == [
        (utc(2025, 4, 29, 21, 0), "cambio DNS"),
        (utc(2025, 4, 30, 5, 0), "riavvio"),
        (utc(2025, 4, 30, 8, 10), "riavvio"),
        (now, "riavvio alle 7:00 fallito"),
    ]


async def test_feature_time_without_alle(italian: SandboxStack) -> None:
    incident = await declared(italian)
    down, shown = await say(italian, incident, "funzionalità giù Acquisti ieri 14:00")
    assert shown
    assert "*Purchases* come fuori servizio" in down
    assert "dal 29/04 alle 14:00" in down
    [interval] = await italian.services.features.intervals(incident.id)
    assert (interval.feature, interval.state) == ("Purchases", FeatureState.down)
    assert interval.started_at == utc(2025, 4, 29, 12, 0)
    refused, shown = await say(italian, incident, "funzionalità su Acquisti ieri 25:00")
    assert not shown
    assert "non è un'ora valida" in refused
    when, shown = await say(italian, incident, "funzionalità su Acquisti stamattina")
    assert not shown
    assert "Quando, stamattina? Scrivi l'ora: `/incident funzionalità su Acquisti" in when
    assert "stamattina alle 10:30`" in when
    assert "non è una funzionalità" not in when
    [still] = await italian.services.features.intervals(incident.id)
    assert still == interval


async def test_feature_day_without_time_in_italian(italian: SandboxStack) -> None:
    incident = await declared(italian)
    refused, shown = await say(italian, incident, "funzionalità giù Acquisti ieri")
    assert not shown
    assert refused.endswith(
        "Quando, ieri? Scrivi l'ora: `/incident funzionalità giù Acquisti ieri alle 10:30`"
    )
    assert await italian.services.features.intervals(incident.id) == []
    # A feature whose name ends in a day word is the feature, marked now.
    down, shown = await say(italian, incident, "funzionalità giù Chiusura venerdì")
    assert shown
    assert "*Weekly close*" in down
    [interval] = await italian.services.features.intervals(incident.id)
    assert (interval.feature, interval.started_at) == ("Weekly close", italian.clock.now())


async def test_followup_dates_in_italian(italian: SandboxStack) -> None:
    incident = await declared(italian)
    impossible, _ = await say(italian, incident, "followup add Scrivere test entro il 32 dicembre")
    assert "“32 dicembre” non è una data del calendario." in impossible
    february, _ = await say(italian, incident, "followup add Scrivere test entro il 30 febbraio")
    assert "“30 febbraio” non è una data del calendario." in february
    far, _ = await say(italian, incident, "followup add Riscrivere la fatturazione tra 2 anni")
    assert "ven 30 apr 2027 è tra più di un anno" in far
    assert "“30 aprile 2027”" in far
    assert await italian.services.followups.for_incident(incident.id) == []
    await say(italian, incident, "followup add Scrivere test entro il 2 maggio")
    [added] = await italian.services.followups.for_incident(incident.id)
    assert (added.text, added.due_on) == ("Scrivere test", date(2025, 5, 2))


async def test_followup_day_without_entro_in_italian(italian: SandboxStack) -> None:
    """A day said at the end without "entro" is the due day, said back with its weekday."""
    incident = await declared(italian)
    for typed, shown in [
        ("Scrivere test venerdì", "*#1* Scrivere test · senza responsabile · scade ven 2 mag"),
        ("Aggiornare la guida il 5 gennaio", "scade lun 5 gen 2026"),
        ("Ruotare le chiavi domani alle 9", "*#3* Ruotare le chiavi"),
    ]:
        said, in_channel = await say(italian, incident, f"followup add {typed}")
        assert in_channel
        assert shown in said, typed
    assert "scade gio 1 mag" in said
    impossible, in_channel = await say(italian, incident, "followup add Scrivere test 30 febbraio")
    assert not in_channel
    assert "“30 febbraio” non è una data del calendario." in impossible
    added = await italian.services.followups.for_incident(incident.id)
    assert [(f.text, f.due_on) for f in added] == [
        ("Scrivere test", date(2025, 5, 2)),
        ("Aggiornare la guida", date(2026, 1, 5)),
        ("Ruotare le chiavi", date(2025, 5, 1)),
    ]
