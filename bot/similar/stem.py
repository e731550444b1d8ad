"""Words reduced to a shared stem, for Italian and English alike.

SQLite's porter tokenizer knows only English and PostgreSQL's configurations one language at
a time, while a team writes incidents in both ("aggiornamenti" and "deploy updates"). So the
text is stemmed here, the same way for what is indexed and what is asked, and the databases
only match the stems. A light suffix stripper: it makes "aggiornamenti", "aggiornamento" and
"aggiornato" one word, and "deploys", "deployed", "deploying" another; it does not try to be
Snowball.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"[a-z0-9]+")
MIN_STEM = 3

# Longest first within each language; the first that leaves a long enough stem wins.
_ITALIAN = (
    "azioni", "azione", "amenti", "amento", "imenti", "imento", "mente", "abili", "abile",
    "ibili", "ibile", "ezze", "ezza", "ista", "isti", "iste", "ando", "endo", "ato", "ata",
    "ati", "ate", "uto", "uta", "uti", "ute", "ito", "ita", "iti", "ite", "are", "ere", "ire",
    "ità", "ita", "a", "e", "i", "o",
)  # fmt: skip
_ENGLISH = (
    "ational", "ations", "ation", "ments", "ment", "nesses", "ness", "ings", "ing", "ies",
    "ied", "edly", "ed", "ers", "er", "ly", "es", "s",
)  # fmt: skip

_STOPWORDS_TEXT = """
    a about after again all also an and any are as at be been before but by can could did do
    does for from had has have how if in into is it its more no not of on or our out over so
    some than that the their then there these they this to up was we were what when which
    while who will with would down still
    ad al alla alle allo anche che chi con cui da dal dalla dei del della delle di dopo e ed
    era gli ha hanno i il in la le lo ma mi ne nei nel nella non o per piu poi quando questo
    se si sono su sul sulla tra fra un una uno
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def fold(text: str) -> str:
    """Lower case without accents: "Perché" and "perche" are one word, as in FTS5's unicode61."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    for suffixes in (_ITALIAN, _ENGLISH):
        for suffix in suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
                return word[: -len(suffix)]
    return word


def stems(text: str) -> list[str]:
    """The stems of `text` in order, stop words and one-letter words left out."""
    return [
        stem(word) for word in _WORD.findall(fold(text)) if len(word) > 1 and word not in STOPWORDS
    ]


def document(parts: Iterable[str]) -> str:
    """The indexed body: stems separated by spaces."""
    return " ".join(s for part in parts for s in stems(part))
