"""The internal postmortem: one set of numbers across summary, table, milestones and chart."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pytest

from bot.models import EntryKind, TimelineEntry
from bot.postmortem import PostmortemFacts, render

from .story import TEXTS, at

Story = Callable[[str], PostmortemFacts]

LABELS = {
    "it": {"edited": "_(modificato)_", "recorded": "_(registrato alle 13:41)_", "day": "29 aprile"},
    "en": {"edited": "_(edited)_", "recorded": "_(recorded at 13:41)_", "day": "29 April"},
}
DURATIONS = {
    "it": {
        "Offerte": "6 ore e 50 minuti",
        "Acquisti": "24 ore e 30 minuti",
        "web": "2 ore e 30 minuti",
    },
    "en": {
        "Quotes": "6 hours and 50 minutes",
        "Purchases": "24 hours and 30 minutes",
        "web": "2 hours and 30 minutes",
    },
}
LANGUAGES = pytest.mark.parametrize("language", ["it", "en"])


def table_rows(draft: str) -> dict[str, list[str]]:
    rows = {}
    for line in draft.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5:
            rows[cells[0].split(": ")[-1].split(" (")[0]] = cells[1:]
    return rows


def gantt_tasks(draft: str) -> dict[str, tuple[datetime, datetime]]:
    chart = draft.split("```mermaid\n", 1)[1].split("```", 1)[0]
    tasks = {}
    for name, start, end in re.findall(
        r"^    (.+?) :(?:\w+, )?([\d-]+ [\d:]+), ([\d-]+ [\d:]+)$", chart, re.M
    ):
        tasks[name.split(" ")[0]] = (datetime.fromisoformat(start), datetime.fromisoformat(end))
    return tasks


@LANGUAGES
def test_impact_table_and_gantt_agree(story: Story, language: str) -> None:
    draft = render(story(language), audience="internal", language=language)
    rows, tasks = table_rows(draft), gantt_tasks(draft)
    day = LABELS[language]["day"]
    quotes, purchases = TEXTS[language]["quotes"], TEXTS[language]["purchases"]
    expected = DURATIONS[language]
    assert rows[quotes][1:] == ["10:40", "17:30", expected[quotes]]
    assert rows[purchases][1:] == [f"{day} 14:00", "14:30", expected[purchases]]
    assert rows["web"][1:] == ["10:45", "13:15", expected["web"]]
    minutes = {
        name: int((end - start).total_seconds() // 60) for name, (start, end) in tasks.items()
    }
    assert minutes[quotes] == 6 * 60 + 50
    assert minutes[purchases] == 24 * 60 + 30
    assert minutes["web"] == 2 * 60 + 30
    for name in (quotes, purchases):
        assert f"- {name}, " in draft
        assert expected[name] in draft


@LANGUAGES
def test_dry_runs_are_labelled_not_counted(story: Story, language: str) -> None:
    draft = render(story(language), audience="internal", language=language)
    dry_state = "prova (nessuna modifica)" if language == "it" else "dry run (no change)"
    assert table_rows(draft)["quotes"][:1] == [dry_state]
    assert re.search(r"^    quotes dryrun \((prova|dry run)\) :done, ", draft, re.M)


def test_gantt_task_names_are_sanitised(story: Story) -> None:
    facts = story("en")
    facts.intervals[1] = facts.intervals[1].model_copy(update={"feature": "Quotes: #1; `x`"})
    draft = render(facts, audience="internal", language="en")
    chart = draft.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert "    Quotes 1 x (unavailable) :crit, 2025-04-30 10:40, 2025-04-30 17:30" in chart
    assert chart.count("#") == 0


@pytest.mark.parametrize("name", ["section Alpha", "Title page", "click here", "dateFormat X"])
def test_a_feature_named_like_a_mermaid_keyword_stays_a_task(story: Story, name: str) -> None:
    facts = story("en")
    facts.intervals[1] = facts.intervals[1].model_copy(update={"feature": name})
    draft = render(facts, audience="internal", language="en")
    chart = draft.split("```mermaid\n", 1)[1].split("```", 1)[0]
    task = f"    “{name} (unavailable)” :crit, 2025-04-30 10:40, 2025-04-30 17:30"
    assert task in chart.splitlines()
    sections = [line for line in chart.splitlines() if line.startswith("    section ")]
    assert len(sections) == 2  # features and maintenance, nothing more


@LANGUAGES
def test_timeline_has_authors_edits_backdating_and_no_deleted_text(
    story: Story, language: str
) -> None:
    draft = render(story(language), audience="internal", language=language)
    texts, labels = TEXTS[language], LABELS[language]
    assert f"Marco Rossi: {texts['edited']} {labels['edited']}" in draft
    assert f"- **{labels['day']} 14:00** Giulia Bianchi: " in draft
    assert labels["recorded"] in draft
    assert texts["chatter"] in draft
    assert texts["deleted"] not in draft
    assert texts["edited_before"] not in draft
    assert "Giulia Bianchi: Marco Rossi #general [dashboard](https://x.io) {{ 7*7 }}" in draft
    for leak in ("<@", "<!", "<#", "U01MARCO", "49"):
        assert leak not in draft


@LANGUAGES
def test_a_backdated_note_is_not_the_first_symptom(story: Story, language: str) -> None:
    facts = story(language)
    note = TimelineEntry(
        id=98,
        incident_id=3,
        kind=EntryKind.note,
        occurred_at=at(28, 23, 0),  # "ieri alle 23:00 cambio DNS", the day before Purchases
        recorded_at=at(30, 11, 0),
        actor="U01MARCO",
        text="cambio DNS",
    )
    facts = replace(facts, entries=[*facts.entries, note])
    internal = render(facts, audience="internal", language=language)
    assert f"| {LABELS[language]['day']} 14:00 | — |" in internal
    rule = {"en": "_The first symptom is the earliest feature marked down", "it": "_Il primo"}
    assert rule[language] in internal
    if language == "en":
        assert "| Declared | 10:42 | 20 hours and 42 minutes |" in internal


@LANGUAGES
def test_milestones_from_first_symptom(story: Story, language: str) -> None:
    draft = render(story(language), audience="internal", language=language)
    day = LABELS[language]["day"]
    assert f"| {day} 14:00 | — |" in draft
    if language == "it":
        assert "| Dichiarazione | 10:42 | 20 ore e 42 minuti |" in draft
        assert "| Mitigazione | 17:30 | 27 ore e 30 minuti |" in draft
        assert "| Risoluzione | 17:32 | 27 ore e 32 minuti |" in draft
    else:
        assert "| Declared | 10:42 | 20 hours and 42 minutes |" in draft
        assert "| Mitigated | 17:30 | 27 hours and 30 minutes |" in draft


@LANGUAGES
def test_summary_action_items_and_links(story: Story, language: str) -> None:
    draft = render(story(language), audience="internal", language=language)
    texts = TEXTS[language]
    assert "INC-3" in draft
    assert "SEV2" in draft
    assert "Nicolai Kollner" in draft
    assert "[#inc-3-quotes](https://acme.slack.com/archives/C0INC3)" in draft
    assert "— Marco Rossi\n" in draft
    assert "— @giulia\n" in draft
    for key in ("root_cause", "resolution", "went_well", "went_badly"):
        assert texts[key] in draft
    failed = "non riuscita: HTTP 503" if language == "it" else "failed: HTTP 503"
    assert failed in draft


@LANGUAGES
def test_changes_are_readable(story: Story, language: str) -> None:
    draft = render(story(language), audience="internal", language=language)
    if language == "it":
        assert "Nicolai Kollner: Responsabile: Nicolai Kollner" in draft
        assert "Nicolai Kollner: Stato: causa identificata" in draft
        assert "Incidente dichiarato: Offerte sparite dopo l'aggiornamento" in draft
    else:
        assert "Nicolai Kollner: Lead: Nicolai Kollner" in draft
        assert "Nicolai Kollner: Status: identified" in draft


@LANGUAGES
def test_a_marked_change_reads_in_the_drafts_language(story: Story, language: str) -> None:
    facts = story(language)
    marked = TimelineEntry(
        id=97,
        incident_id=3,
        kind=EntryKind.change,
        occurred_at=at(30, 11, 0),
        recorded_at=at(30, 11, 0),
        actor="U01MARCO",
        text="v121 web marked caused",  # the English text stored beside the facts
        data={"change_id": 1, "mark": "caused", "version": "v121"},
    )
    facts = replace(facts, entries=[*facts.entries, marked])
    draft = render(facts, audience="internal", language=language)
    said = {"en": "v121 marked as the cause", "it": "v121 segnata come causa"}
    assert said[language] in draft
    assert "marked caused" not in draft
