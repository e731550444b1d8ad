"""The customer apology: right numbers, a clean timeline, nothing internal, nothing evaluated."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.models import FeatureState
from bot.postmortem import PostmortemFacts, render

from .story import TEXTS, at

Story = Callable[[str], PostmortemFacts]

EXPECTED = {
    "it": {
        "offline": "l'applicazione è stata offline per 2 ore e 30 minuti",
        "purchases": "la funzione Acquisti è stata fuori servizio per 24 ore e 30 minuti",
        "quotes": "la funzione Offerte per 6 ore e 50 minuti",
        "heading": "Interruzione del servizio di",
        "date": "mercoledì 30 aprile 2025",
        "previous_day": "**29 aprile 14:00**",
        "timeline": "## Cronologia degli eventi",
    },
    "en": {
        "offline": "the application was offline for 2 hours and 30 minutes",
        "purchases": "the Purchases feature was unavailable for 24 hours and 30 minutes",
        "quotes": "the Quotes feature for 6 hours and 50 minutes",
        "heading": "Service interruption on",
        "date": "Wednesday, 30 April 2025",
        "previous_day": "**29 April 14:00**",
        "timeline": "## Timeline",
    },
}

LANGUAGES = pytest.mark.parametrize("language", ["it", "en"])


def section(draft: str, heading: str) -> str:
    return draft.split(heading, 1)[1].split("\n## ", 1)[0]


@LANGUAGES
def test_opening_states_the_computed_impact(story: Story, language: str) -> None:
    draft = render(story(language), audience="customer", language=language)
    opening = draft.split("\n## ", 1)[0]
    expected = EXPECTED[language]
    for key in ("offline", "purchases", "quotes", "date"):
        assert expected[key] in opening
    assert TEXTS[language]["commitment"] in opening
    assert draft.startswith(f"# {expected['heading']} {expected['date']}")


@LANGUAGES
def test_timeline_is_chronological_in_local_time(story: Story, language: str) -> None:
    draft = render(story(language), audience="customer", language=language)
    lines = [
        line
        for line in section(draft, EXPECTED[language]["timeline"]).splitlines()
        if line.startswith("- ")
    ]
    assert lines[0].startswith(f"- {EXPECTED[language]['previous_day']}")
    times = [re.match(r"- \*\*(?:\d+ \w+ )?(\d\d:\d\d)\*\*", line).group(1) for line in lines[1:]]
    assert times == sorted(times)
    assert set(times) >= {"10:40", "10:45", "13:15", "13:41", "14:30", "17:30"}


@LANGUAGES
def test_generated_sentences_in_the_draft_language(story: Story, language: str) -> None:
    draft = render(story(language), audience="customer", language=language)
    if language == "it":
        assert "- **10:40** — La funzione Offerte è fuori servizio" in draft
        assert "- **10:45** — Applicazione messa offline (manutenzione)" in draft
        assert "- **13:15** — Applicazione di nuovo online" in draft
        assert "- **14:30** — La funzione Acquisti è di nuovo disponibile" in draft
    else:
        assert "- **10:40** — The Quotes feature is no longer available" in draft
        assert "- **10:45** — Application taken offline (maintenance)" in draft
        assert "- **13:15** — Application back online" in draft
        assert "- **17:30** — The Quotes feature is available again" in draft


@LANGUAGES
def test_nothing_internal_leaks(story: Story, language: str) -> None:
    draft = render(story(language), audience="customer", language=language)
    texts = TEXTS[language]
    for leak in ("U0", "<@", "<!", "<#", "Giulia", "@giulia", "dryrun", "503"):
        assert leak not in draft
    assert "Marco" not in draft  # public text names nobody: not as an author, not mentioned
    for internal in ("chatter", "deleted", "edited_before", "title"):
        assert texts[internal] not in draft
    assert "Nicolai Kollner" in draft.splitlines()[-1]  # the lead signs by default


@LANGUAGES
def test_notes_and_key_messages_are_internal_unless_marked_public(
    story: Story, language: str
) -> None:
    facts = story(language)
    customer = render(facts, audience="customer", language=language)
    internal = render(facts, audience="internal", language=language)
    texts = TEXTS[language]
    # Unmarked: a note and a key message say "worker restarted" only to the team.
    assert texts["internal"] not in customer
    assert internal.count(texts["internal"]) == 2
    # Marked: the :loudspeaker: message and the `note public` reach customers.
    assert texts["deploy"] in customer
    assert texts["note"] in customer
    # Maintenance on recorded twice: one line for customers, both for the team.
    offline = {"it": "Applicazione messa offline", "en": "Application taken offline"}[language]
    assert customer.count(offline) == 1
    assert internal.count("10:45") >= 2


@LANGUAGES
def test_typed_text_is_data_not_template(story: Story, language: str) -> None:
    draft = render(story(language), audience="customer", language=language)
    assert "- **12:00** — #general [dashboard](https://x.io) {{ 7*7 }}" in draft
    assert "49" not in draft


@LANGUAGES
def test_root_cause_and_action_items_without_owners(story: Story, language: str) -> None:
    draft = render(story(language), audience="customer", language=language)
    texts = TEXTS[language]
    assert texts["root_cause"] in draft
    assert texts["resolution"] in draft
    first, second = (
        line.split(" <@")[0].split(" @")[0][2:] for line in texts["actions"].splitlines()
    )
    assert f"- {first}\n- {second}\n" in draft


def test_signer_from_close_inputs(story: Story) -> None:
    facts = story("it")
    facts = replace(facts, inputs=facts.inputs.model_copy(update={"signer": "Il team di Acme"}))
    draft = render(facts, audience="customer", language="it")
    assert draft.rstrip().endswith("Scritto da Il team di Acme")


def test_features_still_down_are_stated_honestly(story: Story) -> None:
    facts = story("it")
    quotes = facts.intervals[1].model_copy(update={"ended_at": None})
    degraded = quotes.model_copy(
        update={
            "id": 3,
            "feature": "Fatture",
            "state": FeatureState.degraded,
            "ended_at": at(30, 11, 40),
        }
    )
    incident = facts.incident.model_copy(update={"resolved_at": None, "closed_at": None})
    facts = replace(facts, incident=incident, intervals=[facts.intervals[0], quotes, degraded])
    draft = render(facts, audience="customer", language="it")
    assert "la funzione Fatture è stata degradata per 1 ora" in draft
    assert "la funzione Offerte risulta ancora fuori servizio dopo 7 ore e 25 minuti" in draft
    assert "Stiamo ancora lavorando" in draft


def test_dry_run_windows_are_not_offline_time(story: Story) -> None:
    facts = story("en")
    facts = replace(facts, windows=[w for w in facts.windows if w.dry_run])
    draft = render(facts, audience="customer", language="en")
    assert "offline for" not in draft
    assert "the Purchases feature was unavailable for 24 hours and 30 minutes" in draft


@LANGUAGES
def test_a_link_typed_in_the_close_form_stays_text(story: Story, language: str) -> None:
    facts = story(language)
    typed = "Bad deploy, see <https://evil.example|our notes> & <!here>"
    facts = replace(facts, inputs=facts.inputs.model_copy(update={"root_cause": typed}))
    draft = render(facts, audience="customer", language=language)
    assert "](https://evil.example)" not in draft
    # No tag, autolink or mention can open; what was typed otherwise reads as typed.
    assert "Bad deploy, see &lt;https://evil.example\\|our notes> & &lt;!here>" in draft


def test_a_feature_down_then_degraded_after_another_keeps_its_subject(story: Story) -> None:
    """After a clause that left its verb out ("the Quotes feature for 6 hours"), the next one
    about the same feature names it again rather than leave "and was degraded" without one."""
    facts = story("en")
    purchases, quotes = facts.intervals[0], facts.intervals[1]
    slow = quotes.model_copy(
        update={
            "id": 3,
            "state": FeatureState.degraded,
            "started_at": quotes.ended_at,
            "ended_at": quotes.ended_at + timedelta(minutes=2),
        }
    )
    facts = replace(facts, intervals=[purchases, quotes, slow])
    draft = render(facts, audience="customer", language="en")
    assert (
        "the Purchases feature was unavailable for 24 hours and 30 minutes, the Quotes feature"
        " for 6 hours and 50 minutes, and the Quotes feature was degraded for 2 minutes" in draft
    ), draft.split("\n\n")[1]


@LANGUAGES
def test_resolved_with_a_feature_still_out_never_says_all_works(
    story: Story, language: str
) -> None:
    """Resolved "anyway" while Quotes was still down: the customer timeline does not claim the
    service worked normally again at that moment."""
    facts = story(language)
    resolved = facts.incident.resolved_at
    assert resolved is not None
    quotes = facts.intervals[1].model_copy(update={"ended_at": resolved + timedelta(minutes=30)})
    facts = replace(facts, intervals=[facts.intervals[0], quotes])
    draft = render(facts, audience="customer", language=language)
    partly = {
        "en": "The service was available again, but not yet every feature",
        "it": "Il servizio era di nuovo disponibile, ma non ancora tutte le funzioni",
    }
    normally = {"en": "working normally again", "it": "funziona di nuovo normalmente"}
    assert partly[language] in draft
    assert normally[language] not in draft
