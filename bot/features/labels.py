"""How a feature state reads in Slack: one place, so the board, replies and refusals agree."""

from __future__ import annotations

from bot.i18n import Texts
from bot.models import FeatureState


def state_label(t: Texts, state: FeatureState) -> str:
    """The display word of `state`; `up` reads "restored", since a feature is only ever shown
    up after it was out. The command keywords users type stay `down|degraded|up`."""
    labels = {
        FeatureState.down: t.pgettext("feature state", "down"),
        FeatureState.degraded: t.pgettext("feature state", "degraded"),
        FeatureState.up: t.pgettext("feature state", "restored"),
    }
    return labels[state]
