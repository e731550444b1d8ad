"""The drafts' Changes section, detection delays and the customer's cause."""

from __future__ import annotations

import pytest

from bot.changes.messages import CAUSED
from bot.sandbox.stack import SandboxStack

from .conftest import GIULIA, MARCO, at
from .test_suspects_slack import command, declare, suspects_posts


@pytest.fixture
async def story(make_stack, heroku, heroku_source) -> SandboxStack:
    """The outage report: v119 the day before, v121 at 10:38; Quotes down 10:40 (declared
    10:42), Purchases found at 13:41 to be down since yesterday 14:00; v121 marked Caused it."""
    heroku.add(119, at(13, 58, day=29), email="marco@acme.example")
    heroku.add(121, at(10, 38), email="giulia@acme.example")
    stack = await make_stack({"web": heroku_source})
    channel = await declare(stack)
    await command(stack, channel, "feature down Offerte at 10:40")
    stack.clock.set(at(13, 41))
    await command(stack, channel, "feature down Acquisti at ieri 14:00", user=GIULIA)
    v121 = (await stack.services.changes.store.of_source("web"))[0]
    message = suspects_posts(stack, channel)[1]
    await stack.driver.click(
        MARCO, CAUSED, channel_id=channel, message_ts=message.ts, block_id=f"change-{v121.id}"
    )
    await stack.idle()
    return stack


async def drafts(stack: SandboxStack, audience: str, language: str) -> str:
    services = stack.services
    incident = await services.incidents.get(1)
    return services.postmortems.render(
        await services.postmortems.facts(incident), audience, language
    )


async def test_the_internal_postmortem_ties_each_outage_to_its_change(story) -> None:
    internal = await drafts(story, "internal", "en")

    section = internal.split("## Changes\n\n")[1].split("\n\n")[0].splitlines()
    assert section == [
        "- Suspect for Purchases: v119 web deployed at 13:58 on 29 April, down since 14:00 on"
        " 29 April, found at 13:41, 23 hours and 41 minutes later",
        "- **Caused it** for Quotes: v121 web deployed at 10:38, down since 10:40,"
        " incident declared at 10:42",
    ]
    assert (
        "| Detection delay: Quotes, down since 10:40, found by a person | 10:42 | 2 minutes |"
        in internal
    )
    assert (
        "| Detection delay: Purchases, down since 14:00 on 29 April, found by a person | 13:41"
        " | 23 hours and 41 minutes |" in internal
    )


async def test_the_italian_postmortem_says_it_in_italian(story) -> None:
    internal = await drafts(story, "internal", "it")
    assert "## Modifiche" in internal
    assert (
        "- **Causa** per Quotes: v121 web rilasciata alle 10:38, fuori servizio dalle 10:40,"
        " incidente dichiarato alle 10:42"
    ) in internal
    assert (
        "| Ritardo di rilevamento: Quotes, fuori servizio dalle 10:40, scoperto da una persona"
        " | 10:42 | 2 minuti |" in internal
    )


async def test_the_customer_post_names_the_cause_in_plain_words_only(story) -> None:
    customer = await drafts(story, "customer", "it")

    assert "La causa è stata un aggiornamento rilasciato alle 10:38." in customer
    assert "v121" not in customer
    assert "v119" not in customer


async def test_without_a_caused_it_mark_the_customer_post_names_no_cause(
    make_stack, heroku, heroku_source
) -> None:
    heroku.add(121, at(10, 38))
    stack = await make_stack({"web": heroku_source})
    channel = await declare(stack)
    await command(stack, channel, "feature down Offerte at 10:40")

    customer = await drafts(stack, "customer", "en")
    internal = await drafts(stack, "internal", "en")

    assert "update released" not in customer
    assert "v121" not in customer
    assert "- Suspect for Quotes: v121 web deployed at 10:38" in internal
