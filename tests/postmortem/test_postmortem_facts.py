"""Close inputs, Babel durations and the impact arithmetic behind every number."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.postmortem import ActionItem, CloseInputs, PostmortemFacts, parse_action_items
from bot.postmortem.formatting import Formatter
from bot.postmortem.impact import measure
from bot.postmortem.phrases import LANGUAGES

from .story import at

Story = Callable[[str], PostmortemFacts]


def test_parse_action_items() -> None:
    text = (
        "- Improve procedures <@U01MARCO|marco>\n\n"
        "2. @giulia: add automated checks\n"
        "* mail ops@example.com about it\n"
        "   \n"
        "Check the review env @nico."
    )
    assert parse_action_items(text) == [
        ActionItem(text="Improve procedures", owner="<@U01MARCO>"),
        ActionItem(text="add automated checks", owner="@giulia"),
        ActionItem(text="mail ops@example.com about it", owner=None),
        ActionItem(text="Check the review env.", owner="@nico"),
    ]


def test_close_inputs_accept_modal_text_and_empty() -> None:
    inputs = CloseInputs(action_items="fix it @marco", root_cause="  why  ")
    assert inputs.action_items == [ActionItem(text="fix it", owner="@marco")]
    assert inputs.root_cause == "why"
    assert CloseInputs().action_items == []


@pytest.mark.parametrize(
    ("minutes", "it", "en"),
    [
        (6 * 60 + 50, "6 ore e 50 minuti", "6 hours and 50 minutes"),
        (2 * 60 + 30, "2 ore e 30 minuti", "2 hours and 30 minutes"),
        (60, "1 ora", "1 hour"),
        (45, "45 minuti", "45 minutes"),
        (24 * 60 + 30, "24 ore e 30 minuti", "24 hours and 30 minutes"),
        (1, "1 minuto", "1 minute"),
        (0, "0 minuti", "0 minutes"),
    ],
)
def test_durations_in_words(minutes: int, it: str, en: str) -> None:
    delta = timedelta(minutes=minutes, seconds=59)  # truncated, never rounded up
    for language, expected in (("it", it), ("en", en)):
        fmt = Formatter(language, LANGUAGES[language], "Europe/Copenhagen", at(30, 10, 42))
        assert fmt.duration(delta) == expected


def test_dates_and_times_come_from_babel() -> None:
    it = Formatter("it", LANGUAGES["it"], "Europe/Copenhagen", at(30, 10, 42))
    en = Formatter("en", LANGUAGES["en"], "Europe/Copenhagen", at(30, 10, 42))
    assert it.long_date() == "mercoledì 30 aprile 2025"
    assert en.long_date() == "Wednesday, 30 April 2025"
    assert (it.when(at(30, 8, 5)), it.when(at(29, 14, 0))) == ("08:05", "29 aprile 14:00")
    assert en.when(at(29, 14, 0)) == "29 April 14:00"


def test_measure_the_story(story: Story) -> None:
    impact = measure(story("en"))
    assert impact.offline == timedelta(hours=2, minutes=30)
    totals = {o.feature: o.total for o in impact.outages}
    assert totals == {
        "Purchases": timedelta(hours=24, minutes=30),
        "Quotes": timedelta(hours=6, minutes=50),
    }
    assert impact.first_symptom == at(29, 14, 0)
    assert impact.mitigated == at(30, 17, 30)


def test_mitigation_is_the_end_of_the_first_stretch_of_impact(story: Story) -> None:
    facts = story("en")
    only_quotes = replace(facts, intervals=facts.intervals[1:], windows=facts.windows[:1])
    assert measure(only_quotes).mitigated == at(30, 17, 30)
    only_window = replace(facts, intervals=[], windows=facts.windows)
    assert measure(only_window).mitigated == at(30, 13, 15)
    still_open = facts.intervals[1].model_copy(update={"ended_at": None})
    assert measure(replace(facts, intervals=[still_open])).mitigated is None
    assert measure(replace(facts, intervals=[], windows=[])).mitigated is None


def test_open_intervals_run_to_now_when_unresolved(story: Story) -> None:
    facts = story("en")
    incident = facts.incident.model_copy(update={"resolved_at": None, "closed_at": None})
    open_quotes = facts.intervals[1].model_copy(update={"ended_at": None})
    impact = measure(replace(facts, incident=incident, intervals=[open_quotes]))
    assert impact.outages[0].total == timedelta(hours=7, minutes=25)  # 10:40 to now, 18:05
    assert impact.outages[0].still
