"""The gettext catalogs: complete, loadable, and what the bot answers with."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALE_DIR, po_path, texts
from bot.i18n.check import problems
from bot.postmortem import phrases
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_committed_message_is_translated(language: str) -> None:
    with po_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    assert len(catalog) > 0
    assert [p for m in catalog for p in problems(m, language)] == []


# Italian has one word for a feature that is down, "fuori servizio", and one for degraded,
# "degradata"; these are the others a translator reaches for. `giù` stays a keyword people
# type (in backticks, in an example, in a usage's alternatives), never a state the bot writes.
OTHER_WORDS_FOR_DOWN = re.compile(
    r"fuori uso|\bnon\b[^.,:;]{0,12}\bdisponibil|indisponibil|rallentat|\bgiù\b", re.IGNORECASE
)
TYPED = re.compile(r"`[^`]*`|/incident .*|\bgiù\|")


def italian_texts() -> list[str]:
    with po_path("it").open("rb") as po:
        catalog = read_po(po, locale="it")
    found = [
        s for m in catalog if m.id for s in ([m.string] if isinstance(m.string, str) else m.string)
    ]
    templates = LOCALE_DIR.parent.glob("*/templates/it/*")
    lines = [line for path in templates for line in path.read_text().splitlines()]
    return found + lines + list(_strings(dataclasses.asdict(phrases.IT)))


def _strings(value: object) -> Iterator[str]:
    """Every text in the drafts' Italian phrase table, however deep."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def test_italian_says_down_and_degraded_one_way_each() -> None:
    shown = italian_texts()
    assert len(shown) > 1000
    assert [t for t in shown if OTHER_WORDS_FOR_DOWN.search(TYPED.sub("", t))] == []
    # The rule bites: each word it bans, written as a state, is caught; typed, it is not.
    for written in ("{feature} giù {time}", "Offerte fuori uso", "non disponibile", "rallentata"):
        assert OTHER_WORDS_FOR_DOWN.search(TYPED.sub("", written)), written
    for typed in ("Prova `/incident funzionalità giù Offerte`.", "funzionalità giù|su NOME"):
        assert not OTHER_WORDS_FOR_DOWN.search(TYPED.sub("", typed)), typed


GETTEXT = {"_", "N_", "ngettext", "pgettext"}


def hidden_from_babel(tree: ast.AST) -> Iterator[ast.Call]:
    """Gettext calls `pybabel extract` (babel.cfg) never sees on Python 3.11: a literal inside
    an f-string (tokenized as one string) or an f-string as the message."""
    for node in ast.walk(tree):
        inside = list(ast.walk(node))[1:] if isinstance(node, ast.JoinedStr) else []
        for call in [node, *inside]:
            if not isinstance(call, ast.Call):
                continue
            if (getattr(call.func, "attr", None) or getattr(call.func, "id", None)) not in GETTEXT:
                continue
            literal = any(isinstance(a, ast.Constant) for a in call.args)
            if (call in inside and literal) or any(isinstance(a, ast.JoinedStr) for a in call.args):
                yield call


def test_every_message_in_the_code_reaches_the_catalogs() -> None:
    root = LOCALE_DIR.parent.parent
    sources = [*root.glob("bot/**/*.py"), *root.glob("handlers/**/*.py")]
    hidden = [
        f"{path.relative_to(root)}:{call.lineno}: {ast.unparse(call)}"
        for path in sources
        for call in hidden_from_babel(ast.parse(path.read_text()))
    ]
    assert hidden == []
    assert len(list(hidden_from_babel(ast.parse("f\"## {t._('Impact')}\"")))) == 1
    assert len(list(hidden_from_babel(ast.parse('N_(f"{a}")')))) == 1
    assert list(hidden_from_babel(ast.parse('f"{t._(DRY_RUN)}. " + t._("Impact")'))) == []


@pytest.mark.parametrize(
    ("message", "complaint"),
    [
        (Message("Noted at {time}.", ""), "is not translated"),
        (Message("Noted at {time}.", "Annotato alle {time}.", flags=["fuzzy"]), "is fuzzy"),
        (Message("Noted at {time}.", "Annotato alle {ora}."), "uses fields ['ora']"),
        (Message(("{n} minute", "{n} minutes"), ("{n} minuto", "")), "is not translated"),
    ],
)
def test_the_check_names_what_a_translator_must_fix(message: Message, complaint: str) -> None:
    assert complaint in " ".join(problems(message, "it"))


def test_a_complete_message_passes_the_check() -> None:
    message = Message(("{n} minute", "{n} minutes"), ("{n} minuto", "{n} minuti", "{n} minuti"))
    assert problems(message, "it") == []


def test_an_unknown_language_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known: en, it"):
        texts("fr")


async def test_the_bot_answers_in_the_workspace_language(
    tmp_path: Path, clock: ManualClock, database_for: Callable[[Path], str]
) -> None:
    async with SandboxStack(
        database_for(tmp_path), clock=clock, settings={"language": "it"}
    ) as stack:
        reply = await stack.driver.command("U01MARCO", "C0INCIDENTS", "dichiarazione")
    assert "non è un sottocomando di /incident" in reply.text
    assert "`/incident help` li elenca tutti." in reply.text
