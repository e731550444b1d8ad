"""Notes, the key timeline, the close modal and the drafts' delivery, in an Italian workspace.

Everything goes through the real Bolt app and the sandbox: what is asserted is what a person
sees in Slack. The commands are typed with their Italian aliases (`nota`, `cronologia`,
`bozza`), which must reach the same subcommands as the English keywords.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import handlers
from bot.i18n import texts
from bot.sandbox.stack import SandboxStack
from bot.time.parsing import TimeParseError, parse_note
from handlers.context import Subcommand

MARCO, ANNOUNCE = "U01MARCO", "C0INCIDENTS"


async def incident_channel(stack: SandboxStack) -> str:
    await stack.run(ANNOUNCE, "declare Offerte sparite dopo l'aggiornamento")
    assert stack.services is not None
    return (await stack.services.incidents.get(1)).channel_id or ""


def said(stack: SandboxStack, channel: str) -> list[str]:
    return [m.text or "" for m in stack.sandbox.messages(channel)]


def all_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def test_notes_and_the_key_timeline_in_italian(italian: SandboxStack) -> None:
    channel = await incident_channel(italian)
    italian.clock.advance(timedelta(minutes=5))

    await italian.run(channel, "nota app offline per tutti")
    assert "Annotato alle 10:45: app offline per tutti" in said(italian, channel)

    refused = (await italian.run(channel, "nota 23:50 rollback")).body["text"]
    assert "23:50 è nel futuro (in Europe/Copenhagen ora sono le 10:45)." in refused
    assert 'Per ieri scrivi "ieri 23:50".' in refused
    assert "Non ho registrato nulla." in refused
    assert "Orari che leggo all'inizio di una nota:" in refused

    empty = (await italian.run(channel, "nota")).body["text"]
    assert "Scrivi cosa è successo." in empty
    assert "`/incident nota 10:40 deploy avviato`" in empty

    answer = (await italian.run(channel, "cronologia")).body["text"]
    assert answer == "Momenti chiave di INC-1, pagina 1 di 1"
    assert italian.driver is not None
    shown = all_text(italian.sandbox.ephemerals(MARCO, channel)[-1].blocks)
    assert "Dichiarato: Offerte sparite" in shown
    assert "app offline per tutti" in shown
    assert "Orari in Europe/Copenhagen. Pagina 1 di 1." in shown

    bad_page = (await italian.run(channel, "cronologia due")).body["text"]
    assert "`due` non è un numero di pagina." in bad_page


async def test_close_modal_and_drafts_in_italian(italian: SandboxStack) -> None:
    channel = await incident_channel(italian)
    italian.clock.advance(timedelta(hours=1))
    await italian.run(channel, "resolve")
    resolved = italian.sandbox.messages(channel)[-1]
    assert "Chiudilo per preparare il postmortem" in (resolved.text or "")
    assert "Chiudi e prepara bozze" in all_text(resolved.blocks)

    await italian.run(channel, "close")
    assert italian.driver is not None
    view = italian.driver.latest_view(MARCO)
    assert view is not None
    modal = all_text(view.view)
    assert view.view["title"]["text"] == "Chiudi INC-1"
    assert view.view["submit"]["text"] == "Chiudi e prepara bozze"
    assert view.view["close"]["text"] == "Annulla"
    for label in (
        "Chiusura di *INC-1*",
        "Cosa è successo / causa principale",
        "Come è stato risolto",
        "Cosa cambiamo",
        "Un'azione per riga; chiudila con @persona per assegnarla.",
        "Cosa è andato bene (interno)",
        "Cosa è andato male (interno)",
        "Lingua del post per i clienti",
        "Firmato da",
        "Chiudi senza azioni di follow-up",
    ):
        assert label in modal

    reply = await italian.driver.submit_view(
        MARCO,
        view.id,
        {
            "root_cause": {"value": "Uno strumento di deploy aggiornato a metà."},
            "no_followups": {"value": ["yes"]},  # a SEV2 closed on purpose without follow-ups
        },
    )
    assert reply.ok, reply.text
    assert not reply.text.strip(), reply.text
    await italian.idle()
    (upload,) = [m for m in italian.sandbox.messages(channel) if m.files]
    assert (upload.text or "").startswith(":memo: Bozze per INC-1, preparate dai fatti registrati")
    assert "scuse ai clienti (`INC-1-customer-it.md`, v1)" in (upload.text or "")
    assert "postmortem interno (`INC-1-internal.md`, v1)" in (upload.text or "")

    again = (await italian.run(channel, "bozza it clienti")).body["text"]
    assert again.startswith(":memo: Preparo le bozze di INC-1 (scuse ai clienti (it))")
    both = (await italian.run(channel, "bozza")).body["text"]
    assert "scuse ai clienti (it) e postmortem interno (it)" in both
    wrong = (await italian.run(channel, "bozza fr")).body["text"]
    assert "`fr` non è né una lingua (en, it) né una bozza (customer, internal)." in wrong
    assert "Ad esempio `/incident bozza it clienti`." in wrong


@pytest.mark.parametrize(
    ("typed", "italian_text"),
    [
        ("25:99 boom", '"25:99" non è un\'ora valida.'),
        ("10:4x boom", 'Non riesco a leggere "10:4x" come ora.'),
        ("2.10 release", 'per un\'ora scrivi "02:10" o "alle 2.10".'),
        ("10:00", 'Dopo l\'ora scrivi cosa è successo, ad esempio "10:00 deploy avviato".'),
    ],
)
def test_time_refusals_are_shown_in_the_workspace_language(typed: str, italian_text: str) -> None:
    with pytest.raises(TimeParseError) as err:
        parse_note(typed, now=datetime(2026, 3, 29, 10, 50, tzinfo=UTC), tz="Europe/Rome")
    assert italian_text in err.value.text(texts("it"))
    assert err.value.text(texts("en")) == err.value.message  # English is the source


async def test_nota_pubblica_in_italian(italian: SandboxStack) -> None:
    channel = await incident_channel(italian)
    italian.clock.advance(timedelta(minutes=5))
    await italian.run(channel, "nota pubblica 10:42 Pagamenti verificati")
    await italian.run(channel, "nota riavvio del worker")
    assert "Annotato alle 10:42, anche per i clienti: Pagamenti verificati" in said(
        italian, channel
    )
    assert italian.services is not None
    entries = await italian.services.timeline.entries(1)
    assert [(e.text, e.is_public) for e in entries if e.kind.value == "note"] == [
        ("Pagamenti verificati", True),
        ("riavvio del worker", False),
    ]
    help_text = (await italian.run(channel, "aiuto")).body["text"]
    assert "nota [pubblica] [ora] testo" in help_text


async def test_help_is_italian_and_names_each_other_name_once(italian: SandboxStack) -> None:
    channel = await incident_channel(italian)
    shown = (await italian.run(channel, "aiuto")).body["text"]
    lines = {line.split("`")[1].split(" ")[0]: line for line in shown.splitlines()[1:]}
    assert lines["dichiara"].endswith("Anche: `declare`.")
    assert lines["chiudi"].endswith("Anche: `close`.")
    assert lines["nota"].endswith("Anche: `note`.")
    for name, line in lines.items():
        assert f"`{name}`." not in line.split("Anche:")[-1] or name == "help", line
    assert (
        "`followup aggiungi TESTO [@responsabile] [entro DATA] | elenco | fatta N"
        in (lines["followup"])
    )
    assert "@bob entro venerdì`" in lines["followup"]
    assert lines["public"].startswith("• `public TESTO` — ")
    assert "Stiamo ripristinando" in lines["public"]


def subcommands() -> list[Subcommand]:
    """Every `/incident` subcommand, as each module of the Slack edge declares them."""
    modules = [
        importlib.import_module(f"handlers.{m.name}")
        for m in pkgutil.iter_modules(handlers.__path__)
    ]
    return [sub for module in modules for sub in getattr(module, "SUBCOMMANDS", [])]


async def test_help_shows_no_english_usage_or_example_in_italian(italian: SandboxStack) -> None:
    """Each line's usage and example are the Italian ones (no msgid left as it is), and the
    words they show are ones the bot accepts."""
    channel = await incident_channel(italian)
    shown = (await italian.run(channel, "aiuto")).body["text"].splitlines()[1:-1]
    subs = subcommands()
    assert len(shown) == len(subs)
    english = {text for sub in subs for text in (sub.usage, sub.example)}
    names = {name for sub in subs for name in (sub.name, *sub.aliases)}
    for line in shown:
        usage, example = line.split("`")[1], line.split("Esempio: `")[1].split("`")[0]
        assert usage not in english, line
        assert example not in english, line
        assert usage.split(" ")[0] in names, line
        assert example.split(" ")[1] in names, line
    # The Italian words the usages offer work: scopes, the list of features, the drafts.
    overdue = (await italian.run(ANNOUNCE, "followups scadute")).body["text"]
    assert overdue.startswith("*Azioni di follow-up scadute*")
    mine = (await italian.run(ANNOUNCE, "followups mie")).body["text"]
    assert mine.startswith("*Le tue azioni di follow-up aperte*")
    refused = (await italian.run(ANNOUNCE, "followups vecchie")).body["text"]
    assert "`vecchie` non è mie, tutte o scadute." in refused
    listed = (await italian.run(channel, "funzionalità elenco")).body["text"]
    assert listed.startswith("*Funzionalità in INC-1*")
    await italian.run(channel, "followup aggiungi Scrivere i test entro venerdì")
    await italian.run(channel, "followup fatta 1")
    assert italian.services is not None
    [done] = await italian.services.followups.for_incident(1)
    assert (done.text, done.status.value) == ("Scrivere i test", "done")
