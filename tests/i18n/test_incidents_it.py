"""The incident lifecycle in an Italian workspace: replies, boards, buttons, modals, App Home
and nudges read Italian, Italian subcommand aliases work, and `help` lists them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.sandbox.stack import SandboxStack

MARCO, GIULIA = "U01MARCO", "U02GIULIA"
ANNOUNCE = "C0INCIDENTS"


@pytest.fixture
def italian_settings() -> dict[str, Any]:
    return {"features": [{"name": "Quotes", "aliases": ["Offerte"]}]}


async def run(stack: SandboxStack, channel: str, text: str, user: str = MARCO) -> str:
    """The text the command answered with (the ack's JSON, as Slack reads it)."""
    reply = await stack.driver.command(user, channel, text)
    assert reply.status == 200
    await stack.idle()
    body = reply.json
    return str(body["text"]) if isinstance(body, dict) else reply.text


@pytest.fixture
async def channel(italian: SandboxStack) -> str:
    reply = await run(italian, ANNOUNCE, "dichiara La pagina Offerte è vuota")
    assert "INC-1 dichiarato: *La pagina Offerte è vuota*. Apro il suo canale…" in reply
    incident = await italian.services.incidents.get(1)
    assert incident.channel_id
    return incident.channel_id


def pinned(stack: SandboxStack, channel: str) -> str:
    ts = next(iter(stack.sandbox.state.channels[channel].pins))
    return str(next(m for m in stack.sandbox.messages(channel) if m.ts == ts).blocks)


async def test_help_is_italian_and_lists_the_aliases(italian: SandboxStack) -> None:
    reply = await run(italian, ANNOUNCE, "aiuto")
    assert "*Sottocomandi di `/incident`*" in reply
    assert "• `dichiara [titolo]` — apri un incidente (senza titolo: un modulo)." in reply
    assert "Esempio: `/incident gravità sev1`" in reply
    for alias in ("dichiara", "stato", "gravità", "responsabile", "rinomina"):
        assert f"• `{alias} " in reply  # the usage names it; "Also" does not repeat it
        assert f"`{alias}`" not in reply
    for alias in ("gravita", "aiuto"):
        assert f"`{alias}`" in reply
    for usage in ("risolvi", "chiudi", "elenco"):
        assert f"• `{usage}` — " in reply
    assert "Example:" not in reply


async def test_the_board_topic_and_announcement_read_italian(
    italian: SandboxStack, channel: str
) -> None:
    board = pinned(italian, channel)
    assert "*Stato*\\n:mag: in analisi" in board
    assert "*Gravità*" in board
    assert "*Responsabile*" in board
    assert "*Aperto dalle*" in board
    assert "Aggiornato da outagebot" in board
    topic = italian.sandbox.state.channels[channel].topic
    assert f"INC-1 · SEV2 · in analisi · responsabile <@{MARCO}>" in topic

    reply = await run(italian, channel, "stato identified")
    assert reply == f"<@{MARCO}> ha impostato lo stato a *identificato*."
    assert "identificato" in pinned(italian, channel)
    announcement = italian.sandbox.messages(ANNOUNCE)
    assert any("identificato · responsabile" in m.text for m in announcement)

    reply = await run(italian, channel, "gravita sev1")
    assert reply == f"<@{MARCO}> ha impostato la gravità a *SEV1*."
    reply = await run(italian, channel, "rinomina Offerte e Acquisti giù")
    assert "ha rinominato l'incidente in *Offerte e Acquisti giù*." in reply


async def test_refusals_explain_in_italian(italian: SandboxStack, channel: str) -> None:
    reply = await run(italian, channel, "stato risolvendo")
    assert "`risolvendo` non è uno stato." in reply
    assert "Usa uno di questi: in analisi, identificato, monitoraggio, risolto." in reply
    reply = await run(italian, channel, "responsabile")
    assert "Indica chi è il responsabile." in reply
    reply = await run(italian, ANNOUNCE, "risolvi")
    assert "funziona solo nel canale di un incidente" in reply
    assert f"Incidente aperto: <#{channel}>." in reply
    reply = await run(italian, channel, "rinomina " + "x" * 151)
    assert "Quel titolo ha 151 caratteri; il limite è 150." in reply


async def test_resolve_close_and_list_in_italian(italian: SandboxStack, channel: str) -> None:
    reply = await run(italian, ANNOUNCE, "elenco")
    assert "*Incidenti aperti*" in reply
    assert "in analisi · responsabile" in reply

    reply = await run(italian, channel, "chiudi")
    assert "INC-1 non è ancora risolto. Lo risolvo e lo chiudo adesso?" in reply
    prompt = str(italian.sandbox.ephemerals(MARCO, channel)[-1].blocks)
    assert "'Chiudi'" in prompt
    assert "'Annulla'" in prompt

    italian.clock.advance(timedelta(hours=1, minutes=5))
    await run(italian, channel, "risolvi")
    said = [m.text for m in italian.sandbox.messages(channel)]
    assert any(f"<@{MARCO}> ha risolto INC-1 dopo 1 h 5 min." in text for text in said)
    reply = await run(italian, channel, "risolvi")
    assert "INC-1 è già risolto." in reply
    assert "risolto" in italian.sandbox.state.channels[channel].topic


async def test_declare_modal_and_app_home_are_italian(italian: SandboxStack, channel: str) -> None:
    await run(italian, ANNOUNCE, "dichiara", user=GIULIA)
    view = italian.sandbox.latest_view(GIULIA)
    assert view is not None
    shown = str(view.view)
    for word in ("Dichiara un incidente", "Titolo", "Gravità", "Funzionalità fuori servizio"):
        assert word in shown
    assert "'Dichiara'" in shown
    assert "'Annulla'" in shown

    await italian.driver.open_home(GIULIA)
    await italian.idle()
    home = italian.sandbox.latest_view(GIULIA, type="home")
    assert home is not None
    shown = str(home.view)
    assert "Incidenti" in shown
    assert "*Aperti (1)*" in shown
    assert "*Chiusi di recente*" in shown
    assert "Ancora nessuno." in shown
    assert "aperto da" in shown


async def test_the_nudge_is_italian(italian: SandboxStack, channel: str) -> None:
    italian.clock.advance(timedelta(minutes=31))
    assert await italian.services.schedules.run_due() == 1
    nudge = italian.sandbox.messages(channel)[-1].text
    assert nudge.startswith(f":alarm_clock: <@{MARCO}> nessun aggiornamento di stato su INC-1")
    # The command it suggests is the one an Italian responder types, and it works.
    assert "`/incident stato identificato`" in nudge
    assert "`/incident nota <cosa è cambiato>`" in nudge
    reply = await run(italian, channel, "stato identificato")
    assert "ha impostato lo stato a *identificato*" in reply


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("stato in analisi", "investigating"),
        ("stato identificato", "identified"),
        ("stato monitoraggio", "monitoring"),
        ("stato In Osservazione", "monitoring"),
        ("status monitoring", "monitoring"),  # the English words work in any workspace
    ],
)
async def test_italian_status_words(
    italian: SandboxStack, channel: str, typed: str, status: str
) -> None:
    await run(italian, channel, typed)
    assert (await italian.services.incidents.get(1)).status.value == status


async def test_a_wrong_status_lists_the_italian_words(italian: SandboxStack, channel: str) -> None:
    reply = await run(italian, channel, "stato dormiente")
    assert "`dormiente` non è uno stato" in reply
    assert "in analisi, identificato, monitoraggio, risolto" in reply
    assert (await italian.services.incidents.get(1)).status.value == "investigating"


async def test_stato_risolto_resolves(italian: SandboxStack, channel: str) -> None:
    await run(italian, channel, "stato risolto")
    assert (await italian.services.incidents.get(1)).status.value == "resolved"
