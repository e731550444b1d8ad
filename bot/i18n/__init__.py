"""gettext catalogs: every text a person reads, in the team's language.

The `.po` files under `bot/locale/` are the source of truth, kept by `make i18n` (pybabel
extract + update). They are compiled in memory the first time a language is asked for, so no
`.mo` file is ever committed or can go stale.

Code writes `t._("Noted at {time}.").format(time=...)`: user text only ever goes into the
arguments, never into the pattern. Strings defined before a language is known (subcommand
summaries, enum labels) are marked with `N_` and translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("en", "it")


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Texts:
    """One language's catalog, with the Babel locale that formats its dates and numbers."""

    language: str
    locale: Locale
    translations: Translations

    def _(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form for `n`; the pattern still takes `{n}` through `.format`."""
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """For words whose translation depends on where they stand (a button, a state)."""
        return str(self.translations.pgettext(context, message))


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def texts(language: str) -> Texts:
    """The catalog of `language`, compiled once per process."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalog for language {language!r}; known: {', '.join(LANGUAGES)}")
    with po_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Texts(language, Locale.parse(language), Translations(compiled, domain=DOMAIN))
