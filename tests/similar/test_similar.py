"""Similar past incidents: a seeded history of 1,000 closed incidents and the expected top
three; the notice posted in a new incident's channel, open follow-ups first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.followups.models import FollowUpStatus, NewFollowUp, Source
from bot.models import FeatureState, Incident, Severity
from bot.sandbox.stack import SandboxStack
from bot.similar.history import Past, seed
from bot.similar.stem import stems
from bot.time.clock import ManualClock

GIULIA = "U02GIULIA"
PLANTED = [
    Past(
        "Offerte sparite dopo l'aggiornamento",
        ["Quotes"],
        "strumento di deploy rilasciato senza la modifica corrispondente",
        language="it",
    ),
    Past("Quotes totals wrong", ["Quotes"], "rounding bug in the totals"),
    Past("Purchases page empty after the deploy", [], "deploy tool version mismatch"),
    Past("Database connections exhausted", ["Purchases"], "connection pool too small"),
    Past("Connessioni al database esaurite", [], "pool troppo piccolo", language="it"),
]


def test_italian_and_english_words_share_a_stem() -> None:
    assert stems("aggiornamenti") == stems("aggiornamento") == stems("aggiornato")
    assert stems("deploys deployed deploying") == ["deploy"] * 3
    assert stems("Perché") == stems("perche")


@pytest.fixture
async def history(stack: SandboxStack) -> SandboxStack:
    assert stack.services is not None
    await seed(stack.services.db, 1000, PLANTED)
    return stack


async def new_incident(stack: SandboxStack, title: str, *features: str) -> Incident:
    assert stack.services is not None
    incident = await stack.services.incidents.declare(
        title, severity=Severity.sev2, declared_by="U01MARCO"
    )
    for name in features:
        await stack.services.features.set_state(incident, name, FeatureState.down, "U01MARCO")
    return incident


# (title, features down, expected top three by incident id), all against one seeded history.
CASES: list[tuple[str, tuple[str, ...], list[int]]] = [
    # Italian stemming: "aggiornamenti" finds "aggiornamento".
    ("Problemi alle offerte dopo gli aggiornamenti", (), [1]),
    # The shared feature first, then the words.
    ("Offerte vuote dopo gli aggiornamenti", ("Quotes",), [1, 2]),
    # A shared feature outranks shared words: #3 says more of the same words but had no
    # Quotes; #1 shares "deploy" as well as the feature, so it comes before #2.
    ("Quotes page empty after the deploy", ("Quotes",), [1, 2, 3]),
    ("Database connections exhausted again", ("Purchases",), [4]),
    # One word in common ("database") is below the threshold: nothing.
    ("Zebra stampede in the database", (), []),
]


async def test_expected_top_three(history: SandboxStack) -> None:
    assert history.services is not None
    found = {}
    for title, features, _ in CASES:
        incident = await new_incident(history, title, *features)
        found[title] = [m.incident.id for m in await history.services.similar.find(incident)]
    assert found == {title: expected for title, _, expected in CASES}


async def test_the_notice_says_an_open_followup_first(
    history: SandboxStack, clock: ManualClock
) -> None:
    services, driver = history.services, history.driver
    assert services is not None
    assert driver is not None
    first = await services.incidents.get(1)
    today = clock.now().date()  # Wednesday 30 April 2025
    await services.followups.add(
        first,
        [
            NewFollowUp(
                text="Automated checks on the deploy tool version", owner=GIULIA, due_on=today
            ),
            NewFollowUp(text="Review in the right environment"),
        ],
        "U01MARCO",
        Source.close_form,
    )
    [_, second] = await services.followups.for_incident(1)
    await services.followups.finish(second, FollowUpStatus.done, "U01MARCO")
    clock.advance(timedelta(days=12))

    await driver.command("U01MARCO", "C0INCIDENTS", "declare Offerte sparite di nuovo")
    await history.idle()
    incident = await services.incidents.get(1001)
    channel = incident.channel_id or ""
    [notice] = [m.text for m in history.sandbox.messages(channel) if ":mag:" in (m.text or "")]
    assert notice.startswith(
        ":repeat: INC-1 looked the same: its follow-up “Automated checks on the deploy tool"
        " version” is still open, owner <@U02GIULIA>, 12 days overdue."
    )
    assert "This looks like a past incident" in notice
    assert "*INC-1* Offerte sparite dopo l'aggiornamento" in notice
    assert "Quotes out 1 h" in notice
    assert "Root cause: strumento di deploy" in notice
    assert "#2* Review in the right environment · no owner · done" in notice

    # The feature going down adds only what is new: INC-2 (Quotes), not INC-1 again.
    await driver.command("U01MARCO", channel, "feature down Quotes")
    await history.idle()
    notices = [m.text or "" for m in history.sandbox.messages(channel) if ":mag:" in (m.text or "")]
    assert len(notices) == 2
    assert "*INC-2* Quotes totals wrong" in notices[1]
    assert "*INC-1*" not in notices[1]
