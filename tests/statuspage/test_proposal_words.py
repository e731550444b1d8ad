"""What the proposed status updates say, over HTTP through the sandbox: recorded facts only,
grammatical with one and with two components, and a time on another day with its date, in
Slack and on the published page, in both languages."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.demo.demo import run_demo
from bot.demo.scenario import DEFAULT_SCENARIO, load_scenario
from bot.statuspage.blocks import PUBLISH, SKIP

from .conftest import StackFactory, click, command, declare, get, get_json, proposals

pytestmark = pytest.mark.transports("http")

# The clock starts on Wednesday 30 April 2025, 10:40 in Copenhagen.
WORDS = {
    "en": {
        "down_yesterday": "feature down Acquisti at yesterday 14:00",
        "slack": "marked *Purchases* down since 14:00 on 29 Apr.",
        "identified": (
            "We have found the cause of the problem, which started at 14:00 on 29 April, and we"
            " are working on a fix. Affected: Purchases."
        ),
        "two": "Affected: Preventivi and Purchases.",
        "resolved": (
            "Everything works normally again."
            " Preventivi: working again at 12:40, after 1 hour and 50 minutes unavailable."
            " Purchases: working again at 12:40, after 22 hours and 40 minutes unavailable."
            " We are sorry for the trouble this caused you."
        ),
        "title": "Problems with Preventivi and Purchases",
        "app": "Application",
        "span": "<p>29 Apr 14:00 – 30 Apr 12:40</p>",
    },
    "it": {
        "down_yesterday": "feature down Acquisti ieri alle 14:00",
        "slack": "ha segnato *Purchases* come fuori servizio dal 29/04 alle 14:00.",
        "identified": (
            "Abbiamo trovato la causa del problema, iniziato il 29 aprile alle 14:00, e stiamo"
            " lavorando alla correzione. Componenti coinvolti: Purchases."
        ),
        "two": "Componenti coinvolti: Preventivi e Purchases.",
        "resolved": (
            "Tutto funziona di nuovo normalmente."
            " Preventivi: di nuovo disponibile alle 12:40, dopo 1 ora e 50 minuti di interruzione."
            " Purchases: di nuovo disponibile alle 12:40, dopo 22 ore e 40 minuti di interruzione."
            " Ci scusiamo per il disagio che ti abbiamo causato."
        ),
        "title": "Problemi: Preventivi e Purchases",
        "app": "Applicazione",
        "span": "<p>29/04 14:00 – 30/04 12:40</p>",
    },
}


def body(message: Any) -> str:
    """The proposal's quoted text, as Slack shows it."""
    blocks = message.blocks
    return "".join(line.removeprefix(">") for line in blocks[1]["text"]["text"].splitlines())


@pytest.mark.parametrize("language", ["en", "it"])
async def test_one_component_then_two_then_the_resolution(
    make_stack: StackFactory, language: str
) -> None:
    words = WORDS[language]
    stack = await make_stack(language=language)
    incident = await declare(stack)
    channel = incident.channel_id or ""
    await click(stack, incident, SKIP)  # the declaration's proposal

    # A feature found down since yesterday: the day is said, in Slack and in the proposal.
    await command(stack, channel, words["down_yesterday"])
    said = [m.text for m in stack.sandbox.messages(channel)]
    assert any(words["slack"] in text for text in said)
    await command(stack, channel, "status identified")
    [one] = proposals(stack, incident)
    assert body(one) == words["identified"]

    # ... and on the page once published.
    await click(stack, incident, PUBLISH)
    [public] = (await get_json(stack, "incidents"))["incidents"]
    assert public["incident_updates"][0]["body"] == words["identified"]

    stack.clock.advance(timedelta(minutes=10))
    await command(stack, channel, "feature down Offerte")
    await command(stack, channel, "status monitoring")
    [two] = proposals(stack, incident)
    assert body(two).endswith(words["two"])
    await click(stack, incident, SKIP)

    stack.clock.advance(timedelta(hours=1, minutes=50))
    await command(stack, channel, "feature up Offerte")
    await command(stack, channel, "feature up Acquisti")
    await command(stack, channel, "resolve")
    [resolved] = proposals(stack, incident)
    # Per component, when it worked again and for how long: the figures the drafts state
    # (Purchases 29/04 14:00 -> 30/04 12:40), never one span from the first symptom.
    assert body(resolved) == words["resolved"]
    assert words["title"] in resolved.text
    # Published, the resolved incident names every component the record holds as affected,
    # Offerte too although no update went out while it was down; and it keeps its impact.
    await click(stack, incident, PUBLISH)
    [public] = (await get_json(stack, "incidents"))["incidents"]
    named = {c["name"] for c in public["components"]}
    assert named == {words["app"], "Preventivi", "Purchases"}
    # Over two days, every time the page shows carries its date.
    page = (await get(stack, "/status")).text
    assert words["span"] in page
    assert public["impact"] == "major"


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_seed_days_proposals_state_the_drafts_facts(tmp_path: Path, language: str) -> None:
    """The outage report's day: maintenance went on at 10:45 (10:40 is when Offerte broke);
    the resolution repeats the customer draft's own figures and no other span."""
    lines: list[str] = []
    outcome = asyncio.run(
        run_demo(load_scenario(DEFAULT_SCENARIO), tmp_path, language, lines.append)
    )
    log, draft = "\n".join(lines), outcome.customer_draft or ""
    maintenance = {"en": "offline for maintenance since 10:45 ", "it": "manutenzione dalle 10:45 "}
    assert maintenance[language] in log
    opening = {"en": ">Everything works normally again.", "it": ">Tutto funziona di nuovo"}
    # The scenario corrects Acquisti's end after the publication (14:30 -> 14:28, issue 26): a
    # second resolution is proposed then, with the corrected record's figures.
    published, corrected = [line for line in lines if opening[language] in line]
    each = r"(\w+): [^.]*?(?:after|dopo) (.+?) (?:offline|unavailable|di interruzione)"
    names = {"Applicazione" if language == "it" else "Application", "Offerte", "Acquisti"}
    first, final = dict(re.findall(each, published)), dict(re.findall(each, corrected))
    assert set(first) == set(final) == names
    for name, duration in final.items():  # the final draft's figures, every one
        assert duration in draft, f"{name}: {duration!r} is not in the customer draft"
    assert first["Acquisti"] != final["Acquisti"]
    assert {n: d for n, d in first.items() if n != "Acquisti"} == {
        n: d for n, d in final.items() if n != "Acquisti"
    }
    # Another day's time in a draft: the change deployed the day before.
    internal = next(p for p in outcome.written if p.name == "INC-1-internal.md").read_text()
    yesterday = {"en": "at 14:00 on 29 April", "it": "il 29 aprile alle 14:00"}
    assert yesterday[language] in internal
