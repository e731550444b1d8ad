"""The outage report replayed in Italian shows an Italian bot: no sentence of the bot's own
English catalog appears in anything it put in Slack (messages, ephemerals, modals, App Home,
topics, buttons). Replayed in English, the same day shows no Italian sentence of the bot's."""

from __future__ import annotations

import asyncio
import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.demo.demo import DemoOutcome, run_demo
from bot.demo.scenario import DEFAULT_SCENARIO, load_scenario
from bot.i18n import po_path

pytestmark = pytest.mark.slow  # two whole replays of the outage report

FIELD = re.compile(r"\{[^{}]*\}")
MARKUP = re.compile(r"[*_`~]|:[a-z0-9_+-]+:")


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [form for form in value if form]


def _catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as po:
        return read_po(po, locale=language)


def phrases(language: str, other: str) -> list[re.Pattern[str]]:
    """Each message of `language` of three words or more, as a pattern its fields can fill,
    unless `other` says the same words (a command, a name)."""
    mine, theirs = _catalog(language), _catalog(other)
    patterns = []
    for message in mine:
        twin = theirs.get(message.id, context=message.context)
        same = set(_forms(twin.string if twin else None))
        for text in _forms(message.string):
            words = MARKUP.sub(" ", FIELD.sub(" ", text)).split()
            if len(words) < 3 or text in same:
                continue
            parts = [re.escape(MARKUP.sub("", p).strip()) for p in FIELD.split(text)]
            patterns.append(re.compile(r".+?".join(p for p in parts if p)))
    return patterns


def found(patterns: list[re.Pattern[str]], outcome: DemoOutcome) -> list[tuple[str, str]]:
    texts = [MARKUP.sub("", text) for text in outcome.bot_texts]
    return [(p.pattern, t[:120]) for p in patterns for t in texts if p.search(t)]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DemoOutcome]:
    scenario = load_scenario(DEFAULT_SCENARIO)
    return {
        language: asyncio.run(
            run_demo(scenario, tmp_path_factory.mktemp(language), language, lambda _: None)
        )
        for language in ("it", "en")
    }


def test_both_catalogs_give_phrases_to_look_for() -> None:
    assert len(phrases("en", "it")) > 100
    assert len(phrases("it", "en")) > 100


@pytest.mark.parametrize(("language", "other"), [("it", "en"), ("en", "it")])
def test_the_replay_shows_no_sentence_of_the_other_language(
    replayed: dict[str, DemoOutcome], language: str, other: str
) -> None:
    outcome = replayed[language]
    assert outcome.failed == []
    assert len(outcome.bot_texts) > 30
    assert found(phrases(other, language), outcome) == []
    # The same search finds the bot's own language: it can see what it looks for.
    assert len(found(phrases(language, other), outcome)) > 20


@pytest.mark.parametrize(
    ("language", "seen"),
    [
        ("it", "Vuoi attivare la manutenzione"),
        ("it", "Attiva la manutenzione"),
        ("it", "in analisi"),
        ("en", "Turn maintenance on"),
        ("en", "investigating"),
    ],
)
def test_the_replay_speaks_its_language(
    replayed: dict[str, DemoOutcome], language: str, seen: str
) -> None:
    assert any(seen in text for text in replayed[language].bot_texts)
