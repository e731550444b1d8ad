"""`make i18n`: merge the extracted template into each catalog and fail on any gap.

`pybabel extract` writes `bot/locale/messages.pot`; this merges it into the `.po` files the way
`pybabel update` does (without fuzzy guesses, dropping messages no longer in the code), fills
the English catalog from the source strings, and exits non-zero when a message is untranslated
or fuzzy in any other language, or when a translation's `{fields}` differ from the source's, which
would fail at run time in the middle of an incident.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, po_path

SOURCE_LANGUAGE = "en"
FIELD = re.compile(r"\{(\w*)[^{}]*\}")


def _fields(text: str) -> set[str]:
    return set(FIELD.findall(text))


def _strings(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def problems(message: Message, language: str) -> list[str]:
    """What is wrong with one message of one catalog, in words a translator acts on."""
    if not message.id:
        return []
    label = f"{language}: {_strings(message.id)[0]!r}"
    if message.fuzzy:
        return [f"{label} is fuzzy"]
    translated = _strings(message.string)
    if not all(translated):
        return [f"{label} is not translated"]
    wanted = set().union(*(_fields(s) for s in _strings(message.id)))
    found = set().union(*(_fields(s) for s in translated))
    if found - wanted:
        return [f"{label} uses fields {sorted(found - wanted)} the source does not have"]
    return []


def _fill_source(message: Message) -> None:
    """English is the source language: a message translates to itself."""
    if isinstance(message.id, str):
        message.string = message.string or message.id
    else:
        singular, plural = message.id[0], message.id[1]
        forms = _strings(message.string)
        message.string = tuple(f or (singular if i == 0 else plural) for i, f in enumerate(forms))


def merge(template: Catalog, language: str) -> Catalog:
    path = po_path(language)
    if path.exists():
        with path.open("rb") as po:
            catalog = read_po(po, locale=language, domain=DOMAIN)
    else:
        catalog = Catalog(locale=Locale.parse(language), domain=DOMAIN, project="outagebot")
        catalog.fuzzy = False
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    if language == SOURCE_LANGUAGE:
        for message in catalog:
            _fill_source(message)
    return catalog


def main(template_path: Path = LOCALE_DIR / f"{DOMAIN}.pot") -> int:
    found: list[str] = []
    for language in LANGUAGES:
        # Read afresh per language: merging shares the template's message objects.
        with template_path.open("rb") as pot:
            catalog = merge(read_po(pot), language)
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            write_po(po, catalog, no_location=True, sort_output=True, ignore_obsolete=True)
        for message in catalog:
            found += problems(message, language)
    for line in found:
        print(f"i18n: {line}", file=sys.stderr)
    if found:
        where = "bot/locale/*/LC_MESSAGES/messages.po"
        print(f"i18n: {len(found)} message(s) to fix in {where}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
