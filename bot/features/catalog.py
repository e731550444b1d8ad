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
from bot.i18n import Texts, texts
from bot.slack.gateway import escape

NAME_MAX = 100  # feature_intervals.feature


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


class Catalog:
    def __init__(
        self,
        features: Iterable[FeatureConfig],
        *,
        allow_adhoc: bool = False,
        t: Texts | None = None,
    ) -> None:
        """`t`: the language of the refusals (the workspace's; English by default)."""
        self.features = list(features)
        self.allow_adhoc = allow_adhoc
        self.t = t or texts("en")
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
        t, typed = self.t, " ".join(text.split())
        if not typed:
            raise InputError(t._("Which feature?"), self._hint())
        names = self._known(known)
        if found := names.get(fold(typed)):
            return found
        if self.allow_adhoc:
            if len(typed) > NAME_MAX:
                raise InputError(
                    t._("A feature name can have at most {n} characters.").format(n=NAME_MAX)
                )
            return typed
        close = difflib.get_close_matches(fold(typed), list(names), n=3, cutoff=0.6)
        suggestions = list(dict.fromkeys(names[word] for word in close))
        or_ = t._(" or ")
        guess = t._("Did you mean {names}?").format(names=or_.join(escape(s) for s in suggestions))
        raise InputError(
            t._("`{name}` is not a known feature.").format(name=escape(typed[:60])),
            f"{guess} {self._hint()}" if close else self._hint(),
        )

    def find(self, text: str, known: Iterable[str] = ()) -> str | None:
        """The canonical name for `text` if it is configured or in `known`; None otherwise."""
        return self._known(known).get(fold(text))

    def _known(self, known: Iterable[str]) -> dict[str, str]:
        """Folded name or alias -> canonical name, the configured ones and `known`."""
        return {**{fold(name): name for name in known}, **self._names}

    def _hint(self) -> str:
        if not self.features:
            return self.t._("No features are configured: add `[[features]]` to the config file.")
        names = ", ".join(escape(name) for name in self.names)
        return self.t._("Features: {names}.").format(names=names)
