"""The feature catalog: what responders may call a feature, in any case or accent.

Names are folded (accents stripped, case-folded, spaces collapsed) so "offerte", "OFFERTE" and
"Offérte" all find Quotes; an unknown name is refused with the closest matches, because a typo
recorded as a new feature would split one outage into two rows of every report.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

from bot.config import FeatureConfig
from bot.errors import InputError
from bot.slackweb import escape

NAME_MAX = 100  # feature_intervals.feature


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


class Catalog:
    def __init__(self, features: Iterable[FeatureConfig], *, allow_adhoc: bool = False) -> None:
        self.features = list(features)
        self.allow_adhoc = allow_adhoc
        self._names: dict[str, str] = {}  # folded name or alias -> canonical name
        for feature in self.features:
            for word in (feature.name, *feature.aliases):
                self._names.setdefault(fold(word), feature.name)

    @property
    def names(self) -> list[str]:
        return [feature.name for feature in self.features]

    def resolve(self, text: str, known: Iterable[str] = ()) -> str:
        """The canonical name for `text`; `known` are names already recorded in the incident,
        so an ad-hoc feature is found again however it is typed the second time."""
        typed = " ".join(text.split())
        if not typed:
            raise InputError("Which feature?", self._hint())
        names = {**{fold(name): name for name in known}, **self._names}
        if found := names.get(fold(typed)):
            return found
        if self.allow_adhoc:
            if len(typed) > NAME_MAX:
                raise InputError(f"A feature name can have at most {NAME_MAX} characters.")
            return typed
        close = difflib.get_close_matches(fold(typed), list(names), n=3, cutoff=0.6)
        suggestions = list(dict.fromkeys(names[word] for word in close))
        guess = f"Did you mean {' or '.join(escape(s) for s in suggestions)}? " if close else ""
        raise InputError(f"`{escape(typed[:60])}` is not a known feature.", guess + self._hint())

    def _hint(self) -> str:
        if not self.features:
            return "No features are configured: add `[[features]]` to the config file."
        return "Features: " + ", ".join(escape(name) for name in self.names) + "."
